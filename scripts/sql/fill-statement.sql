-- {{N}} documents of cust_demo over the last 24 months for scripts/bench-statement.sh:
-- of every 10, six invoices of 999.00, one credit note of 100.00 and three payments of
-- 500.00, each with its account entry (what the portal writes with each of them).
INSERT INTO invoices (id, customer_id, period, kind, status, amount_minor, currency,
                      created_at, due_date, document, amount_paid_minor)
SELECT CASE WHEN g % 10 = 6 THEN 'CNB' ELSE 'INVB' END || lpad(g::text, 8, '0'),
       'cust_demo',
       to_char(now() - ((g % 720) || ' days')::interval, 'YYYY-MM'),
       'adjustment',
       CASE WHEN g % 10 = 6 THEN 'issued' ELSE 'pending' END,
       CASE WHEN g % 10 = 6 THEN -10000 ELSE 99900 END,
       'CNY',
       now() - ((g % 720) || ' days')::interval,
       (now() - ((g % 720) || ' days')::interval)::date + 15,
       CASE WHEN g % 10 = 6 THEN 'credit_note' ELSE 'invoice' END,
       0
FROM generate_series(1, {{N}}) AS g
WHERE g % 10 < 7;
INSERT INTO account_entries (customer_id, kind, document_id, debit_minor, credit_minor,
                             open_minor, currency, at)
SELECT 'cust_demo', document, id,
       GREATEST(amount_minor, 0), GREATEST(-amount_minor, 0), 0, 'CNY', created_at
FROM invoices WHERE id LIKE 'INVB%' OR id LIKE 'CNB%';
INSERT INTO account_entries (customer_id, kind, document_id, debit_minor, credit_minor,
                             open_minor, currency, at)
SELECT 'cust_demo', 'payment', 'PAYB' || lpad(g::text, 8, '0'), 0, 50000, 0, 'CNY',
       now() - ((g % 720) || ' days')::interval
FROM generate_series(1, {{N}}) AS g
WHERE g % 10 >= 7;
INSERT INTO account_payments (id, customer_id, entry_id, amount_minor, currency, reference,
                              method, paid_at, created_at)
SELECT document_id, customer_id, id, credit_minor, 'CNY', 'BENCH-' || document_id,
       'bank_transfer', at, at
FROM account_entries WHERE document_id LIKE 'PAYB%';
