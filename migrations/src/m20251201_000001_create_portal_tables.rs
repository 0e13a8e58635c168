//! Plans, customers, subscriptions, daily usage, invoices with their lines, and the
//! per-month invoice number sequences.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Name,
    PriceMinor,
    Currency,
    AiChatQuota,
    AgentSeats,
    EmailQuota,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    CompanyName,
    ContactName,
    ContactEmail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    CustomerId,
    PlanId,
    StartDate,
    EndDate,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UsageLogs {
    Table,
    Id,
    CustomerId,
    Date,
    Product,
    Count,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    CustomerId,
    Period,
    Kind,
    Status,
    AmountMinor,
    Currency,
    CreatedAt,
    DueDate,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Id,
    InvoiceId,
    Position,
    Description,
    Quantity,
    UnitPriceMinor,
    AmountMinor,
}

#[derive(DeriveIden)]
enum InvoiceSequences {
    Table,
    Month,
    LastSeq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(string_len(Plans::Id, 64).primary_key())
                    .col(text(Plans::Name))
                    .col(big_integer(Plans::PriceMinor))
                    .col(string_len(Plans::Currency, 3))
                    .col(big_integer(Plans::AiChatQuota))
                    .col(big_integer(Plans::AgentSeats))
                    .col(big_integer(Plans::EmailQuota))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(string_len(Customers::Id, 64).primary_key())
                    .col(text(Customers::CompanyName))
                    .col(text(Customers::ContactName))
                    .col(text(Customers::ContactEmail))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .col(timestamp_with_time_zone(Customers::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(string_len(Subscriptions::Id, 64).primary_key())
                    .col(string_len(Subscriptions::CustomerId, 64))
                    .col(string_len(Subscriptions::PlanId, 64))
                    .col(date(Subscriptions::StartDate))
                    .col(date(Subscriptions::EndDate))
                    .col(string_len(Subscriptions::Status, 16))
                    .col(big_integer(Subscriptions::Version))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(Subscriptions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subscriptions_customer_start")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::CustomerId)
                    .col(Subscriptions::StartDate)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageLogs::Table)
                    .col(pk_auto(UsageLogs::Id))
                    .col(string_len(UsageLogs::CustomerId, 64))
                    .col(date(UsageLogs::Date))
                    .col(string_len(UsageLogs::Product, 32))
                    .col(big_integer(UsageLogs::Count))
                    .col(timestamp_with_time_zone(UsageLogs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UsageLogs::Table, UsageLogs::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The seed's uniqueness rule, and the index every per-customer date-range query uses.
        manager
            .create_index(
                Index::create()
                    .name("uq_usage_logs_customer_date_product")
                    .table(UsageLogs::Table)
                    .col(UsageLogs::CustomerId)
                    .col(UsageLogs::Date)
                    .col(UsageLogs::Product)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(string_len(Invoices::Id, 64).primary_key())
                    .col(string_len(Invoices::CustomerId, 64))
                    .col(string_len(Invoices::Period, 7))
                    .col(string_len(Invoices::Kind, 16))
                    .col(string_len(Invoices::Status, 16))
                    .col(big_integer(Invoices::AmountMinor))
                    .col(string_len(Invoices::Currency, 3))
                    .col(timestamp_with_time_zone(Invoices::CreatedAt))
                    .col(date(Invoices::DueDate))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invoices::Table, Invoices::CustomerId)
                            .to(Customers::Table, Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invoices_customer_created")
                    .table(Invoices::Table)
                    .col(Invoices::CustomerId)
                    .col(Invoices::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // At most one subscription invoice per customer and period (partial unique index;
        // the same SQL on PostgreSQL and SQLite).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_invoices_subscription_period \
                 ON invoices (customer_id, period) WHERE kind = 'subscription'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InvoiceLines::Table)
                    .col(pk_auto(InvoiceLines::Id))
                    .col(string_len(InvoiceLines::InvoiceId, 64))
                    .col(integer(InvoiceLines::Position))
                    .col(text(InvoiceLines::Description))
                    .col(big_integer(InvoiceLines::Quantity))
                    .col(big_integer(InvoiceLines::UnitPriceMinor))
                    .col(big_integer(InvoiceLines::AmountMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvoiceLines::Table, InvoiceLines::InvoiceId)
                            .to(Invoices::Table, Invoices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_invoice_lines_invoice_position")
                    .table(InvoiceLines::Table)
                    .col(InvoiceLines::InvoiceId)
                    .col(InvoiceLines::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InvoiceSequences::Table)
                    .col(string_len(InvoiceSequences::Month, 6).primary_key())
                    .col(big_integer(InvoiceSequences::LastSeq))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InvoiceSequences::Table.into_iden(),
            InvoiceLines::Table.into_iden(),
            Invoices::Table.into_iden(),
            UsageLogs::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Customers::Table.into_iden(),
            Plans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
