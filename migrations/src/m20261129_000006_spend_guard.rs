//! The spend guard (contract §11): each customer's alert rules and caps (one JSON
//! document each, replaced whole), the firings that make a rule fire once per month, and
//! the notifications they left.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AlertRules {
    Table,
    CustomerId,
    Rules,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Caps {
    Table,
    CustomerId,
    Entries,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AlertFirings {
    Table,
    CustomerId,
    Month,
    RuleKey,
    FiredAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    CustomerId,
    At,
    Kind,
    Payload,
    Read,
}

const NOTIFICATIONS_INDEX: &str = "idx_notifications_customer_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertRules::Table)
                    .col(string(AlertRules::CustomerId).primary_key())
                    .col(text(AlertRules::Rules))
                    .col(timestamp_with_time_zone(AlertRules::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Caps::Table)
                    .col(string(Caps::CustomerId).primary_key())
                    .col(text(Caps::Entries))
                    .col(timestamp_with_time_zone(Caps::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertFirings::Table)
                    .col(string(AlertFirings::CustomerId))
                    .col(string(AlertFirings::Month))
                    .col(string(AlertFirings::RuleKey))
                    .col(timestamp_with_time_zone(AlertFirings::FiredAt))
                    .primary_key(
                        Index::create()
                            .col(AlertFirings::CustomerId)
                            .col(AlertFirings::Month)
                            .col(AlertFirings::RuleKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(string(Notifications::Id).primary_key())
                    .col(string(Notifications::CustomerId))
                    .col(timestamp_with_time_zone(Notifications::At))
                    .col(string(Notifications::Kind))
                    .col(text(Notifications::Payload))
                    .col(boolean(Notifications::Read).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(NOTIFICATIONS_INDEX)
                    .table(Notifications::Table)
                    .col(Notifications::CustomerId)
                    .col(Notifications::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            AlertFirings::Table.into_iden(),
            Caps::Table.into_iden(),
            AlertRules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
