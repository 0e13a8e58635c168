//! Migration 11's data: every document and recorded payment entered on its customer's
//! account, and each customer's open credit applied (see the migration's own comment).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        crate::m20261126_000003_billing_timeline::numbered(sql)
    } else {
        sql.to_owned()
    }
}

/// A payment the backfill records.
struct Recorded {
    invoice: String,
    amount: i64,
    invoice_minor: i64,
    currency: String,
    customer: String,
    paid_at: chrono::DateTime<chrono::Utc>,
    memo: String,
}

/// An open invoice or credit of one customer, as the backfill applies them.
struct Open {
    id: String,
    due: String,
    /// `(month, sequence)` of an `INV{YYYYMM}{seq}` id: the order of issue.
    order: (String, u64),
    left: i64,
}

fn issue_order(id: &str) -> (String, u64) {
    let month = id.get(3..9).unwrap_or(id).to_owned();
    let seq = id.get(9..).and_then(|s| s.parse().ok()).unwrap_or(0);
    (month, seq)
}

pub(super) async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let run = |sql: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
    };
    db.execute_raw(run(
        "UPDATE invoices SET document = 'credit_note', status = 'issued' WHERE amount_minor < 0",
        vec![],
    ))
    .await?;
    // Every invoice and credit note is an entry, at its issue.
    db.execute_raw(run(
        "INSERT INTO account_entries \
         (customer_id, kind, document_id, debit_minor, credit_minor, open_minor, currency, at) \
         SELECT customer_id, 'invoice', id, amount_minor, 0, 0, currency, created_at \
         FROM invoices WHERE document = 'invoice' ORDER BY created_at, id",
        vec![],
    ))
    .await?;
    db.execute_raw(run(
        "INSERT INTO account_entries \
         (customer_id, kind, document_id, debit_minor, credit_minor, open_minor, currency, at) \
         SELECT customer_id, 'credit_note', id, 0, -amount_minor, -amount_minor, currency, \
         created_at FROM invoices WHERE document = 'credit_note' ORDER BY created_at, id",
        vec![],
    ))
    .await?;
    // Each recorded payment: a payment, its entry, its application to its invoice. A
    // paid invoice without one (paid before payments were kept) gets one of its amount,
    // so that what is paid is always a payment on the account.
    let mut payments: Vec<Recorded> = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT p.invoice_id, p.amount_minor, p.currency, p.reference, p.paid_at, \
             i.customer_id, i.amount_minor AS invoice_minor FROM payments p \
             JOIN invoices i ON i.id = p.invoice_id ORDER BY p.id",
        ))
        .await?
    {
        payments.push(Recorded {
            invoice: row.try_get("", "invoice_id")?,
            amount: row.try_get("", "amount_minor")?,
            invoice_minor: row.try_get("", "invoice_minor")?,
            currency: row.try_get("", "currency")?,
            customer: row.try_get("", "customer_id")?,
            paid_at: row.try_get("", "paid_at")?,
            memo: row.try_get("", "reference")?,
        });
    }
    for row in db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT i.id, i.amount_minor, i.currency, i.customer_id, i.created_at FROM invoices i \
             WHERE i.document = 'invoice' AND i.status = 'paid' AND i.amount_minor > 0 \
             AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id) ORDER BY i.id",
        ))
        .await?
    {
        let amount: i64 = row.try_get("", "amount_minor")?;
        payments.push(Recorded {
            invoice: row.try_get("", "id")?,
            amount,
            invoice_minor: amount,
            currency: row.try_get("", "currency")?,
            customer: row.try_get("", "customer_id")?,
            paid_at: row.try_get("", "created_at")?,
            memo: "migrated: paid before payments were recorded".to_owned(),
        });
    }
    let mut number = 0_i64;
    for p in payments {
        number += 1;
        let id = format!("PAY{number:06}");
        let applied = Ord::max(Ord::min(p.amount, p.invoice_minor), 0);
        db.execute_raw(run(
            "INSERT INTO account_entries \
             (customer_id, kind, document_id, debit_minor, credit_minor, open_minor, currency, at) \
             VALUES (?, 'payment', ?, 0, ?, ?, ?, ?)",
            vec![
                p.customer.clone().into(),
                id.clone().into(),
                p.amount.into(),
                (p.amount - applied).into(),
                p.currency.clone().into(),
                p.paid_at.into(),
            ],
        ))
        .await?;
        let entry = last_entry(db, backend, &id).await?;
        db.execute_raw(run(
            "INSERT INTO account_payments (id, customer_id, entry_id, amount_minor, currency, \
             reference, memo, method, paid_at, created_at, invoice_id) \
             VALUES (?, ?, ?, ?, ?, NULL, ?, 'bank_transfer', ?, ?, ?)",
            vec![
                id.clone().into(),
                p.customer.clone().into(),
                entry.into(),
                p.amount.into(),
                p.currency.clone().into(),
                p.memo.into(),
                p.paid_at.into(),
                p.paid_at.into(),
                p.invoice.clone().into(),
            ],
        ))
        .await?;
        if applied > 0 {
            apply(
                db,
                backend,
                &p.customer,
                &p.invoice,
                entry,
                "payment",
                &id,
                applied,
                &p.currency,
                p.paid_at,
            )
            .await?;
        }
    }
    // New payments are numbered after the migrated ones.
    if number > 0 {
        db.execute_raw(run(
            "INSERT INTO invoice_sequences (month, last_seq) VALUES ('PAY', ?)",
            vec![number.into()],
        ))
        .await?;
    }
    apply_open_credit(db, backend).await
}

async fn last_entry(
    db: &SchemaManagerConnection<'_>,
    backend: DbBackend,
    document: &str,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "SELECT MAX(id) AS id FROM account_entries WHERE document_id = ?",
            ),
            vec![document.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no entry of {document}")))?;
    row.try_get("", "id")
}

/// Applies `amount` of credit entry `entry` to `invoice`.
#[allow(clippy::too_many_arguments)]
async fn apply(
    db: &SchemaManagerConnection<'_>,
    backend: DbBackend,
    customer: &str,
    invoice: &str,
    entry: i64,
    source: &str,
    source_id: &str,
    amount: i64,
    currency: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let run = |sql: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
    };
    db.execute_raw(run(
        "INSERT INTO applications \
         (customer_id, invoice_id, entry_id, source, source_id, amount_minor, currency, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            customer.into(),
            invoice.into(),
            entry.into(),
            source.into(),
            source_id.into(),
            amount.into(),
            currency.into(),
            at.into(),
        ],
    ))
    .await?;
    db.execute_raw(run(
        "UPDATE invoices SET amount_paid_minor = amount_paid_minor + ?, \
         status = CASE WHEN amount_paid_minor + ? >= amount_minor THEN 'paid' ELSE status END \
         WHERE id = ?",
        vec![amount.into(), amount.into(), invoice.into()],
    ))
    .await?;
    Ok(())
}

/// Each customer's open credit (credit notes, overpayments) applied to its open invoices.
async fn apply_open_credit(
    db: &SchemaManagerConnection<'_>,
    backend: DbBackend,
) -> Result<(), DbErr> {
    let credits = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, customer_id, kind, document_id, open_minor, currency, at \
             FROM account_entries WHERE open_minor > 0 ORDER BY customer_id, id",
        ))
        .await?;
    let mut customers: Vec<String> = Vec::new();
    for row in &credits {
        let customer: String = row.try_get("", "customer_id")?;
        if customers.last() != Some(&customer) {
            customers.push(customer);
        }
    }
    for customer in customers {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "SELECT id, CAST(due_date AS TEXT) AS due, amount_minor - amount_paid_minor \
                     AS left_minor FROM invoices WHERE customer_id = ? AND document = 'invoice' \
                     AND amount_minor > amount_paid_minor",
                ),
                vec![customer.clone().into()],
            ))
            .await?;
        let mut open = Vec::new();
        for row in rows {
            let id: String = row.try_get("", "id")?;
            open.push(Open {
                order: issue_order(&id),
                due: row.try_get("", "due")?,
                left: row.try_get("", "left_minor")?,
                id,
            });
        }
        open.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.order.cmp(&b.order)));
        for credit in credits.iter() {
            let owner: String = credit.try_get("", "customer_id")?;
            if owner != customer {
                continue;
            }
            let entry: i64 = credit.try_get("", "id")?;
            let document: String = credit.try_get("", "document_id")?;
            let currency: String = credit.try_get("", "currency")?;
            let at: chrono::DateTime<chrono::Utc> = credit.try_get("", "at")?;
            let mut holds: i64 = credit.try_get("", "open_minor")?;
            for invoice in open.iter_mut().filter(|i| i.left > 0) {
                if holds == 0 {
                    break;
                }
                let amount = Ord::min(holds, invoice.left);
                apply(
                    db,
                    backend,
                    &customer,
                    &invoice.id,
                    entry,
                    "credit",
                    &document,
                    amount,
                    &currency,
                    at,
                )
                .await?;
                invoice.left -= amount;
                holds -= amount;
            }
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "UPDATE account_entries SET open_minor = ? WHERE id = ?",
                ),
                vec![holds.into(), entry.into()],
            ))
            .await?;
        }
    }
    Ok(())
}
