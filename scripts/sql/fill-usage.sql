-- Years of daily usage for the big-table benchmark (PostgreSQL): {{DAYS}} days from
-- {{FROM}} × {{CUSTOMERS}} customers (`cust_bulk_1000001`…, from fill-subscriptions.sql)
-- × 3 products, one INSERT … SELECT over generate_series, days outermost, so one
-- customer's rows lie scattered over the table as they would after years of ingestion.
INSERT INTO usage_logs (customer_id, date, product, count, updated_at)
SELECT 'cust_bulk_' || (1000000 + c), DATE '{{FROM}}' + d, p, 1 + (c * 7 + d * 13) % 500, now()
FROM generate_series(0, {{DAYS}} - 1) AS d,
     generate_series(1, {{CUSTOMERS}}) AS c,
     unnest(ARRAY['ai_chat', 'email', 'agent_seats']) AS p;
