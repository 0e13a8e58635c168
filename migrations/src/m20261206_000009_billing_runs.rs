//! Billing runs as resumable jobs (contract §13): one row per run with its progress and
//! the lease of the process driving it, at most one running run per period (a partial
//! unique index), and one row per customer the run has billed, written in the same
//! transaction as that customer's invoice, so a run cut off resumes exactly where it
//! stopped. On PostgreSQL, usage's unique key (customer, date, product) also carries the
//! count, so that a customer's days are read from the index alone however many years of
//! usage the table holds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingRuns {
    Table,
    Id,
    Period,
    Status,
    Total,
    Done,
    Created,
    Skipped,
    Cursor,
    LeaseOwner,
    LeaseUntil,
    InvoicesOverdue,
    SubscriptionsExpired,
    KeysPurged,
    Error,
    StartedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum BillingRunItems {
    Table,
    RunId,
    CustomerId,
    Issued,
}

const RUNNING_INDEX: &str = "uq_billing_runs_running_period";
const USAGE_KEY: &str = "uq_usage_logs_customer_date_product";
const USAGE_KEY_COVERING: &str = "uq_usage_logs_customer_date_product_count";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BillingRuns::Table)
                    .col(string(BillingRuns::Id).primary_key())
                    .col(string_len(BillingRuns::Period, 7))
                    .col(string_len(BillingRuns::Status, 16))
                    .col(big_integer(BillingRuns::Total))
                    .col(big_integer(BillingRuns::Done))
                    .col(big_integer(BillingRuns::Created))
                    .col(big_integer(BillingRuns::Skipped))
                    .col(string_null(BillingRuns::Cursor))
                    .col(string_null(BillingRuns::LeaseOwner))
                    .col(timestamp_with_time_zone_null(BillingRuns::LeaseUntil))
                    .col(big_integer(BillingRuns::InvoicesOverdue))
                    .col(big_integer(BillingRuns::SubscriptionsExpired))
                    .col(big_integer(BillingRuns::KeysPurged))
                    .col(text_null(BillingRuns::Error))
                    .col(timestamp_with_time_zone(BillingRuns::StartedAt))
                    .col(timestamp_with_time_zone(BillingRuns::UpdatedAt))
                    .col(timestamp_with_time_zone_null(BillingRuns::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // One running run per period, on every instance: the second start finds it.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {RUNNING_INDEX} ON billing_runs (period) \
                 WHERE status = 'running'"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BillingRunItems::Table)
                    .col(string(BillingRunItems::RunId))
                    .col(string_len(BillingRunItems::CustomerId, 64))
                    .col(boolean(BillingRunItems::Issued))
                    .primary_key(
                        Index::create()
                            .col(BillingRunItems::RunId)
                            .col(BillingRunItems::CustomerId),
                    )
                    .to_owned(),
            )
            .await?;
        // Usage reads (a customer's days in a range: date, product, count) answered from
        // the key's index alone on PostgreSQL. The count changes with every ingestion,
        // but so does `updated_at`, indexed already: no update was a HOT one before.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            usage_key(manager, "INCLUDE (count)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            usage_key(manager, "").await?;
        }
        manager
            .drop_table(Table::drop().table(BillingRunItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(BillingRuns::Table).to_owned())
            .await
    }
}

/// Rebuilds usage's unique key with `include` (the key stays the upserts' arbiter).
async fn usage_key(manager: &SchemaManager<'_>, include: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "CREATE UNIQUE INDEX {USAGE_KEY_COVERING} ON usage_logs \
         (customer_id, date, product) {include}"
    ))
    .await?;
    db.execute_unprepared(&format!("DROP INDEX {USAGE_KEY}"))
        .await?;
    db.execute_unprepared(&format!(
        "ALTER INDEX {USAGE_KEY_COVERING} RENAME TO {USAGE_KEY}"
    ))
    .await?;
    Ok(())
}
