//! The billing model of contract §9: subscription timelines, invoice lines kept as data,
//! payments, and account versions for `If-Match`.
//!
//! Existing data moves forward: each subscription's timeline is rebuilt from its start,
//! the upgrades in its audit log (the plan before, the plan after and the day) and its
//! scheduled downgrade; fee lines of period invoices (`"{name} 月费 {period} / {plan}
//! monthly fee {period}"`) become fee lines of the whole month; other lines (the old
//! upgrades' single difference lines) are kept as `legacy` lines of their invoice's
//! period, which closes that period to later settling.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Segments,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Kind,
    PlanId,
    PlanName,
    Period,
    FromDate,
    ToDate,
    Days,
    DaysInMonth,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    InvoiceId,
    AmountMinor,
    Currency,
    Reference,
    PaidAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let add = |table: DynIden, column: ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        manager
            .alter_table(add(
                Customers::Table.into_iden(),
                big_integer(Customers::Version).default(1).to_owned(),
            ))
            .await?;
        manager
            .alter_table(add(
                Subscriptions::Table.into_iden(),
                text(Subscriptions::Segments).default("[]").to_owned(),
            ))
            .await?;
        for column in [
            string_len(InvoiceLines::Kind, 16)
                .default("legacy")
                .to_owned(),
            string_len_null(InvoiceLines::PlanId, 64),
            text_null(InvoiceLines::PlanName),
            string_len_null(InvoiceLines::Period, 7),
            date_null(InvoiceLines::FromDate),
            date_null(InvoiceLines::ToDate),
            integer_null(InvoiceLines::Days),
            integer_null(InvoiceLines::DaysInMonth),
        ] {
            manager
                .alter_table(add(InvoiceLines::Table.into_iden(), column))
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_invoice_lines_period")
                    .table(InvoiceLines::Table)
                    .col(InvoiceLines::Period)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_auto(Payments::Id))
                    .col(string_len(Payments::InvoiceId, 64))
                    .col(big_integer(Payments::AmountMinor))
                    .col(string_len(Payments::Currency, 3))
                    .col(string_len(Payments::Reference, 128))
                    .col(timestamp_with_time_zone(Payments::PaidAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payments::Table, Payments::InvoiceId)
                            .to(Invoices::Table, Invoices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payments_invoice")
                    .table(Payments::Table)
                    .col(Payments::InvoiceId)
                    .to_owned(),
            )
            .await?;
        backfill_timelines(manager).await?;
        backfill_lines(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Payments::Table).if_exists().to_owned())
            .await
    }
}

fn text_of(row: &sea_orm_migration::sea_orm::QueryResult, column: &str) -> Result<String, DbErr> {
    row.try_get::<String>("", column)
}

fn opt_text_of(
    row: &sea_orm_migration::sea_orm::QueryResult,
    column: &str,
) -> Result<Option<String>, DbErr> {
    row.try_get::<Option<String>>("", column)
}

fn bad(what: String) -> DbErr {
    DbErr::Migration(what)
}

/// `YYYY-MM-DD` of the day before `day` (both as text), by the proleptic calendar.
fn day_before(day: &str) -> Result<String, DbErr> {
    let parts: Vec<i32> = day
        .split('-')
        .map(|p| p.parse::<i32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("not a date: {day}")))?;
    let [y, m, d] = parts[..] else {
        return Err(bad(format!("not a date: {day}")));
    };
    if d > 1 {
        return Ok(format!("{y:04}-{m:02}-{:02}", d - 1));
    }
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    Ok(format!("{y:04}-{m:02}-{:02}", days_in_month(y, m)))
}

fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Rebuilds each subscription's timeline from its start, its upgrades and its
/// scheduled change.
async fn backfill_timelines(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let subs = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, customer_id, plan_id, CAST(start_date AS TEXT) AS start_date, \
             CAST(end_date AS TEXT) AS end_date, scheduled_plan_id, \
             CAST(scheduled_effective_date AS TEXT) AS scheduled_effective_date \
             FROM subscriptions",
        ))
        .await?;
    for sub in subs {
        let id = text_of(&sub, "id")?;
        let customer = text_of(&sub, "customer_id")?;
        let start = text_of(&sub, "start_date")?;
        let end = text_of(&sub, "end_date")?;
        let upgrades = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm_migration::sea_orm::DbBackend::Postgres => {
                        "SELECT details FROM audit_log WHERE customer_id = $1 \
                         AND action = 'subscription.upgraded' ORDER BY id"
                    }
                    _ => {
                        "SELECT details FROM audit_log WHERE customer_id = ? \
                         AND action = 'subscription.upgraded' ORDER BY id"
                    }
                },
                [Value::from(customer.clone())],
            ))
            .await?;
        // (plan, from) pairs, oldest first.
        let mut changes: Vec<(String, String)> = Vec::new();
        let mut first_plan = text_of(&sub, "plan_id")?;
        for (i, row) in upgrades.iter().enumerate() {
            let details: serde_json::Value =
                serde_json::from_str(&text_of(row, "details")?).map_err(|e| bad(e.to_string()))?;
            let field = |side: &str, name: &str| details[side][name].as_str().map(str::to_owned);
            if let (0, Some(before)) = (i, field("before", "plan_id")) {
                first_plan = before;
            }
            if let (Some(plan), Some(on)) =
                (field("after", "plan_id"), field("after", "proration_date"))
            {
                changes.push((plan, on));
            }
        }
        if let (Some(plan), Some(on)) = (
            opt_text_of(&sub, "scheduled_plan_id")?,
            opt_text_of(&sub, "scheduled_effective_date")?,
        ) {
            changes.push((plan, on));
        }
        let mut segments: Vec<(String, String, String)> = vec![(first_plan, start, end.clone())];
        for (plan, on) in changes {
            // Later segments starting on or after `on` are replaced; the one serving
            // `on` ends the day before.
            segments.retain(|(_, from, _)| from.as_str() < on.as_str());
            let Some(last) = segments.last_mut() else {
                segments.push((plan, on, end.clone()));
                continue;
            };
            last.2 = day_before(&on)?;
            if on.as_str() <= end.as_str() {
                segments.push((plan, on, end.clone()));
            }
        }
        segments.retain(|(_, from, to)| from <= to);
        let json = serde_json::Value::Array(
            segments
                .into_iter()
                .map(
                    |(plan, from, to)| serde_json::json!({"plan_id": plan, "from": from, "to": to}),
                )
                .collect(),
        )
        .to_string();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm_migration::sea_orm::DbBackend::Postgres => {
                    "UPDATE subscriptions SET segments = $1, scheduled_plan_id = NULL, \
                     scheduled_effective_date = NULL WHERE id = $2"
                }
                _ => {
                    "UPDATE subscriptions SET segments = ?, scheduled_plan_id = NULL, \
                     scheduled_effective_date = NULL WHERE id = ?"
                }
            },
            [Value::from(json), Value::from(id)],
        ))
        .await?;
    }
    Ok(())
}

/// Gives period invoices' fee lines their segment; everything else becomes a legacy line
/// of its invoice's period.
async fn backfill_lines(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT l.id AS id, l.description AS description, i.period AS period, i.kind AS kind \
             FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id",
        ))
        .await?;
    for row in rows {
        let id: i32 = row.try_get("", "id")?;
        let description = text_of(&row, "description")?;
        let period = text_of(&row, "period")?;
        let fee = (text_of(&row, "kind")? == "subscription")
            .then(|| parse_fee(&description, &period))
            .flatten();
        let (sql, values): (&str, Vec<Value>) = match fee {
            Some((name, plan)) => {
                let (y, m) = period
                    .split_once('-')
                    .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<i32>().ok()?)))
                    .ok_or_else(|| bad(format!("not a period: {period}")))?;
                let days = days_in_month(y, m);
                (
                    "UPDATE invoice_lines SET kind = 'fee', plan_id = ?, plan_name = ?, \
                     period = ?, from_date = ?, to_date = ?, days = ?, days_in_month = ? \
                     WHERE id = ?",
                    vec![
                        plan.into(),
                        name.into(),
                        period.clone().into(),
                        format!("{period}-01").into(),
                        format!("{period}-{days:02}").into(),
                        days.into(),
                        days.into(),
                        id.into(),
                    ],
                )
            }
            None => (
                "UPDATE invoice_lines SET kind = 'legacy', period = ? WHERE id = ?",
                vec![period.into(), id.into()],
            ),
        };
        let sql = match backend {
            sea_orm_migration::sea_orm::DbBackend::Postgres => numbered(sql),
            _ => sql.to_owned(),
        };
        let sql = if backend == sea_orm_migration::sea_orm::DbBackend::Postgres {
            // Dates bound as text need a cast on PostgreSQL.
            sql.replace("from_date = $4", "from_date = CAST($4 AS DATE)")
                .replace("to_date = $5", "to_date = CAST($5 AS DATE)")
        } else {
            sql
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// `?` placeholders as PostgreSQL's `$1, $2, …`.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// `("专业版", "pro")` of `"专业版 月费 2026-10 / pro monthly fee 2026-10"`.
fn parse_fee(description: &str, period: &str) -> Option<(String, String)> {
    let (zh, en) = description.split_once(" / ")?;
    let name = zh.strip_suffix(&format!(" 月费 {period}"))?;
    let plan = en.strip_suffix(&format!(" monthly fee {period}"))?;
    Some((name.to_owned(), plan.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_lines_of_the_previous_version_are_recognised() {
        assert_eq!(
            parse_fee("专业版 月费 2026-10 / pro monthly fee 2026-10", "2026-10"),
            Some(("专业版".into(), "pro".into()))
        );
        assert_eq!(parse_fee("升级 A → B / Upgrade a → b", "2026-10"), None);
        assert_eq!(day_before("2026-03-01").unwrap(), "2026-02-28");
        assert_eq!(day_before("2024-03-01").unwrap(), "2024-02-29");
        assert_eq!(day_before("2026-01-01").unwrap(), "2025-12-31");
        assert_eq!(numbered("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}
