//! VAT on every money document (contract §14): each plan's `tax_rate` (a decimal string,
//! `0.06` for 信息技术服务), and on each invoice line its rate and its amount split into
//! net and tax amounts in fen; each fapiao request keeps its invoices' breakdown per rate.
//!
//! Existing data moves forward without any stored amount changing: plans get 6 %, the
//! rate of the platform's services; each line gets its plan's rate (a legacy line without
//! a plan, the rate of its customer's subscription's plan), and its tax is derived as the
//! domain derives it: `amount × rate / (1 + rate)` rounded once to the fen, half away
//! from zero, computed on whole fen in integers; the net amount is the rest. Each fapiao
//! request's breakdown is the sum of its invoices' lines per rate. A stored rate outside
//! [0, 0.2] or with more than four decimals stops the migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    TaxRate,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    TaxRate,
    NetAmountMinor,
    TaxAmountMinor,
}

#[derive(DeriveIden)]
enum FapiaoRequests {
    Table,
    TaxBreakdown,
}

/// What plans of the previous version are given: 信息技术服务, 6 %.
const STANDARD_RATE: &str = "0.06";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let add = |table: DynIden, column: ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        manager
            .alter_table(add(
                Plans::Table.into_iden(),
                string(Plans::TaxRate).default(STANDARD_RATE).to_owned(),
            ))
            .await?;
        for column in [
            string(InvoiceLines::TaxRate)
                .default(STANDARD_RATE)
                .to_owned(),
            big_integer(InvoiceLines::NetAmountMinor)
                .default(0)
                .to_owned(),
            big_integer(InvoiceLines::TaxAmountMinor)
                .default(0)
                .to_owned(),
        ] {
            manager
                .alter_table(add(InvoiceLines::Table.into_iden(), column))
                .await?;
        }
        manager
            .alter_table(add(
                FapiaoRequests::Table.into_iden(),
                text(FapiaoRequests::TaxBreakdown).default("[]").to_owned(),
            ))
            .await?;
        backfill_lines(manager).await?;
        backfill_fapiao_requests(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = |table: DynIden, column: DynIden| {
            Table::alter().table(table).drop_column(column).to_owned()
        };
        manager
            .alter_table(drop(
                FapiaoRequests::Table.into_iden(),
                FapiaoRequests::TaxBreakdown.into_iden(),
            ))
            .await?;
        for column in [
            InvoiceLines::TaxAmountMinor,
            InvoiceLines::NetAmountMinor,
            InvoiceLines::TaxRate,
        ] {
            manager
                .alter_table(drop(InvoiceLines::Table.into_iden(), column.into_iden()))
                .await?;
        }
        manager
            .alter_table(drop(Plans::Table.into_iden(), Plans::TaxRate.into_iden()))
            .await
    }
}

async fn backfill_lines(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let run = |sql: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
    };
    // Every plan's rate must be one the domain accepts.
    for row in db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, tax_rate FROM plans",
        ))
        .await?
    {
        let rate: String = row.try_get("", "tax_rate")?;
        ten_thousandths(&rate)?;
    }
    db.execute_raw(run(
        "UPDATE invoice_lines SET tax_rate = \
         (SELECT p.tax_rate FROM plans p WHERE p.id = invoice_lines.plan_id) \
         WHERE plan_id IN (SELECT id FROM plans)",
        vec![],
    ))
    .await?;
    db.execute_raw(run(
        "UPDATE invoice_lines SET tax_rate = COALESCE(( \
           SELECT p.tax_rate FROM invoices i \
           JOIN subscriptions s ON s.customer_id = i.customer_id \
           JOIN plans p ON p.id = s.plan_id \
           WHERE i.id = invoice_lines.invoice_id ORDER BY s.id LIMIT 1), tax_rate) \
         WHERE plan_id IS NULL OR plan_id NOT IN (SELECT id FROM plans)",
        vec![],
    ))
    .await?;
    let rates = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT tax_rate FROM invoice_lines",
        ))
        .await?;
    for row in rates {
        let raw: String = row.try_get("", "tax_rate")?;
        let r = ten_thousandths(&raw)?;
        let d = 10_000 + r;
        // Half away from zero on whole fen, mirrored for negative amounts.
        let tax = "(CASE WHEN amount_minor >= 0 \
                   THEN (2 * amount_minor * ? + ?) / (2 * ?) \
                   ELSE -((2 * (-amount_minor) * ? + ?) / (2 * ?)) END)";
        let sql = format!(
            "UPDATE invoice_lines SET tax_amount_minor = {tax}, \
             net_amount_minor = amount_minor - {tax} WHERE tax_rate = ?"
        );
        let mut values: Vec<Value> = Vec::new();
        for _ in 0..2 {
            values.extend([r, d, d, r, d, d].map(Value::from));
        }
        values.push(raw.clone().into());
        db.execute_raw(run(&sql, values)).await?;
    }
    Ok(())
}

async fn backfill_fapiao_requests(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let requests = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, invoice_ids FROM fapiao_requests",
        ))
        .await?;
    for request in requests {
        let id: String = request.try_get("", "id")?;
        let invoice_ids: String = request.try_get("", "invoice_ids")?;
        let ids: Vec<&str> = invoice_ids.split(',').filter(|s| !s.is_empty()).collect();
        if ids.is_empty() {
            continue;
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!(
            // PostgreSQL sums BIGINT as NUMERIC: cast back.
            "SELECT tax_rate, CAST(SUM(net_amount_minor) AS BIGINT) AS net, \
             CAST(SUM(tax_amount_minor) AS BIGINT) AS tax, \
             CAST(SUM(amount_minor) AS BIGINT) AS amount FROM invoice_lines \
             WHERE invoice_id IN ({marks}) GROUP BY tax_rate ORDER BY tax_rate"
        );
        let values = ids.iter().map(|i| Value::from(*i)).collect::<Vec<_>>();
        let mut breakdown = Vec::new();
        for row in db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, &sql),
                values,
            ))
            .await?
        {
            breakdown.push(serde_json::json!({
                "tax_rate": row.try_get::<String>("", "tax_rate")?,
                "net_minor": row.try_get::<i64>("", "net")?,
                "tax_minor": row.try_get::<i64>("", "tax")?,
                "amount_minor": row.try_get::<i64>("", "amount")?,
            }));
        }
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "UPDATE fapiao_requests SET tax_breakdown = ? WHERE id = ?",
            ),
            [
                Value::from(serde_json::Value::Array(breakdown).to_string()),
                Value::from(id),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// A stored rate in ten-thousandths (`"0.06"` → 600); refused outside [0, 0.2] or with
/// more than four decimals.
fn ten_thousandths(raw: &str) -> Result<i64, DbErr> {
    let refuse = || {
        DbErr::Migration(format!(
            "tax rate {raw:?}: must be between 0 and 0.2 with at most 4 decimals"
        ))
    };
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    if whole.is_empty()
        || fraction.len() > 4
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(refuse());
    }
    let whole: i64 = whole.parse().map_err(|_| refuse())?;
    let fraction: i64 = format!("{fraction:0<4}").parse().map_err(|_| refuse())?;
    let r = whole
        .checked_mul(10_000)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(refuse)?;
    if r > 2_000 {
        return Err(refuse());
    }
    Ok(r)
}

/// `?` placeholders as the backend takes them (PostgreSQL's `$1, $2, …`).
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        super::m20261126_000003_billing_timeline::numbered(sql)
    } else {
        sql.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn rates_are_read_in_ten_thousandths_and_checked() {
        assert_eq!(ten_thousandths("0.06").unwrap(), 600);
        assert_eq!(ten_thousandths("0.0625").unwrap(), 625);
        assert_eq!(ten_thousandths("0.2").unwrap(), 2_000);
        assert_eq!(ten_thousandths("0").unwrap(), 0);
        for bad in ["0.21", "0.06251", "-0.06", "abc", "", ".06", "1"] {
            assert!(ten_thousandths(bad).is_err(), "{bad}");
        }
    }
}
