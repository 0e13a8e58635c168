//! Billing operations: scheduled plan changes, usage events counted once, idempotency
//! keys and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    ScheduledPlanId,
    ScheduledEffectiveDate,
}

#[derive(DeriveIden)]
enum UsageEvents {
    Table,
    EventId,
    CustomerId,
    Product,
    Count,
    OccurredAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    CustomerId,
    Key,
    Fingerprint,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    CustomerId,
    UserId,
    Action,
    Details,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(string_len_null(Subscriptions::ScheduledPlanId, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(date_null(Subscriptions::ScheduledEffectiveDate))
                    .to_owned(),
            )
            .await?;

        // Every event id ever counted: the primary key makes each count once.
        manager
            .create_table(
                Table::create()
                    .table(UsageEvents::Table)
                    .col(string_len(UsageEvents::EventId, 128).primary_key())
                    .col(string_len(UsageEvents::CustomerId, 64))
                    .col(string_len(UsageEvents::Product, 32))
                    .col(big_integer(UsageEvents::Count))
                    .col(timestamp_with_time_zone(UsageEvents::OccurredAt))
                    .col(timestamp_with_time_zone(UsageEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::CustomerId, 64))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(text_null(IdempotencyKeys::Response))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::CustomerId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(string_len(AuditLog::CustomerId, 64))
                    .col(string_len(AuditLog::UserId, 64))
                    .col(string_len(AuditLog::Action, 64))
                    .col(text(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_customer_id")
                    .table(AuditLog::Table)
                    .col(AuditLog::CustomerId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            UsageEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        for column in [
            Subscriptions::ScheduledEffectiveDate.into_iden(),
            Subscriptions::ScheduledPlanId.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Subscriptions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
