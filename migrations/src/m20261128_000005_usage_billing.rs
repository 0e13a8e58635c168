//! Usage billed in arrears (contract §10): usage lines on invoices keep their product and
//! the month's figures; each customer has a watermark of when a billing run last settled
//! its usage, so a run looks again only at months whose usage changed since (found by
//! the new index on `usage_logs (customer_id, updated_at)`).
//!
//! Existing customers get a watermark of the moment of this migration: usage recorded
//! before it is not billed retroactively for months older than the one before the next
//! billing run's period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Product,
    Used,
    Included,
}

#[derive(DeriveIden)]
enum UsageSettlements {
    Table,
    CustomerId,
    SettledAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UsageLogs {
    Table,
    CustomerId,
    UpdatedAt,
}

const INDEX: &str = "idx_usage_logs_customer_updated";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            string_null(InvoiceLines::Product),
            big_integer_null(InvoiceLines::Used),
            big_integer_null(InvoiceLines::Included),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InvoiceLines::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(UsageSettlements::Table)
                    .col(string(UsageSettlements::CustomerId).primary_key())
                    .col(timestamp_with_time_zone(UsageSettlements::SettledAt))
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(UsageSettlements::Table)
                    .columns([UsageSettlements::CustomerId, UsageSettlements::SettledAt])
                    .select_from(
                        Query::select()
                            .column(Customers::Id)
                            .expr(Expr::value(now))
                            .from(Customers::Table)
                            .to_owned(),
                    )
                    .map_err(|e| DbErr::Migration(e.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(UsageLogs::Table)
                    .col(UsageLogs::CustomerId)
                    .col(UsageLogs::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(UsageLogs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UsageSettlements::Table).to_owned())
            .await?;
        for column in [
            InvoiceLines::Product,
            InvoiceLines::Used,
            InvoiceLines::Included,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InvoiceLines::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
