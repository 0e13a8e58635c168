//! Billing runs as resumable jobs (contract §13): one row per run with its progress and
//! the lease of the process driving it, at most one running run per period (a partial
//! unique index), and one row per customer the run has billed, written in the same
//! transaction as that customer's invoice, so a run cut off resumes exactly where it
//! stopped. Also a covering index for usage reads, so that years of daily usage are read
//! from the index alone.

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
const USAGE_COVERING_INDEX: &str = "idx_usage_logs_customer_date_covering";

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
        // Usage reads (a customer's days in a range) answered from the index alone on
        // PostgreSQL, however many years of rows the table holds.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX {USAGE_COVERING_INDEX} ON usage_logs \
                     (customer_id, date) INCLUDE (product, count, updated_at)"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX IF EXISTS {USAGE_COVERING_INDEX}"))
                .await?;
        }
        manager
            .drop_table(Table::drop().table(BillingRunItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(BillingRuns::Table).to_owned())
            .await
    }
}
