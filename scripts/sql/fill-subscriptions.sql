-- Bulk data for the billing-run benchmark and the run's crash test: {{N}} customers
-- `cust_bulk_1000001`… each on plan '{{PLAN}}' from {{START}} to {{END}}, in two
-- statements (no row per request). Runs on PostgreSQL and SQLite (a recursive CTE
-- instead of generate_series). The plan must exist (`portal seed --demo` adds 'pro').
INSERT INTO customers (id, company_name, contact_name, contact_email, created_at, updated_at, version)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {{N}})
SELECT 'cust_bulk_' || (1000000 + n), '批量客户 ' || n, 'Contact ' || n,
       'bulk' || n || '@example.com', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1
FROM s;

INSERT INTO subscriptions (id, customer_id, plan_id, start_date, end_date, status, version, created_at, updated_at, segments)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {{N}})
SELECT 'sub_bulk_' || (1000000 + n), 'cust_bulk_' || (1000000 + n),
       '{{PLAN}}', '{{START}}', '{{END}}', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
       '[{"plan_id":"{{PLAN}}","from":"{{START}}","to":"{{END}}"}]'
FROM s;
