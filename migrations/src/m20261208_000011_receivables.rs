//! Receivables (contract §15): each customer's account.
//!
//! - `invoices.document` (`invoice` | `credit_note`) and `invoices.amount_paid_minor`;
//! - `account_entries`: one per invoice (a debit), credit note and payment (credits), each
//!   credit with what it still holds (`open_minor`);
//! - `applications`: an amount of one credit applied to one invoice;
//! - `account_payments`: payments received (bank transfers, and the platform's reports of
//!   an invoice paid), `reference` (a bank's) unique when given, `memo` the reference
//!   the platform reported with an invoice paid;
//! - `customers.remittance_code` (汇款识别码), unique, given on first use;
//! - `invoice_sequences.month` is 16 characters: it names the `CN{YYYYMM}` and `PAY`
//!   counters too.
//!
//! Existing data moves forward: a negative invoice becomes a credit note (its id kept,
//! status `issued`); each recorded payment becomes a payment and its application to its
//! invoice; then each customer's open credit is applied to its open invoices, earliest
//! due date first, then the oldest (the domain's rule, `receivables::settle`, written
//! again here over plain rows so the migration does not depend on the code of a later
//! version). Afterwards, per customer, Σ invoices − Σ credit notes − Σ payments =
//! outstanding − credit.

mod backfill;

use backfill::backfill;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Document,
    AmountPaidMinor,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    RemittanceCode,
}

#[derive(DeriveIden)]
enum AccountEntries {
    Table,
    Id,
    CustomerId,
    Kind,
    DocumentId,
    DebitMinor,
    CreditMinor,
    OpenMinor,
    Currency,
    At,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    CustomerId,
    InvoiceId,
    EntryId,
    Source,
    SourceId,
    AmountMinor,
    Currency,
    At,
}

#[derive(DeriveIden)]
enum AccountPayments {
    Table,
    Id,
    CustomerId,
    EntryId,
    AmountMinor,
    Currency,
    Reference,
    Memo,
    Method,
    PaidAt,
    CreatedAt,
    InvoiceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let add = |table: DynIden, column: ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        // Counters are named `CN{YYYYMM}` and `PAY` besides `{YYYYMM}` (SQLite does not
        // hold text to its declared length).
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE invoice_sequences ALTER COLUMN month TYPE VARCHAR(16)",
                )
                .await?;
        }
        manager
            .alter_table(add(
                Invoices::Table.into_iden(),
                string(Invoices::Document).default("invoice").to_owned(),
            ))
            .await?;
        manager
            .alter_table(add(
                Invoices::Table.into_iden(),
                big_integer(Invoices::AmountPaidMinor).default(0).to_owned(),
            ))
            .await?;
        manager
            .alter_table(add(
                Customers::Table.into_iden(),
                string_null(Customers::RemittanceCode),
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("customers_remittance_code")
                    .table(Customers::Table)
                    .col(Customers::RemittanceCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountEntries::Table)
                    .col(big_pk_auto(AccountEntries::Id))
                    .col(string(AccountEntries::CustomerId))
                    .col(string(AccountEntries::Kind))
                    .col(string(AccountEntries::DocumentId))
                    .col(big_integer(AccountEntries::DebitMinor))
                    .col(big_integer(AccountEntries::CreditMinor))
                    .col(big_integer(AccountEntries::OpenMinor))
                    .col(string(AccountEntries::Currency))
                    .col(timestamp_with_time_zone(AccountEntries::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_entries_customer_at")
                    .table(AccountEntries::Table)
                    .col(AccountEntries::CustomerId)
                    .col(AccountEntries::At)
                    .col(AccountEntries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(big_pk_auto(Applications::Id))
                    .col(string(Applications::CustomerId))
                    .col(string(Applications::InvoiceId))
                    .col(big_integer(Applications::EntryId))
                    .col(string(Applications::Source))
                    .col(string(Applications::SourceId))
                    .col(big_integer(Applications::AmountMinor))
                    .col(string(Applications::Currency))
                    .col(timestamp_with_time_zone(Applications::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("applications_invoice")
                    .table(Applications::Table)
                    .col(Applications::InvoiceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountPayments::Table)
                    .col(string(AccountPayments::Id).primary_key())
                    .col(string(AccountPayments::CustomerId))
                    .col(big_integer(AccountPayments::EntryId))
                    .col(big_integer(AccountPayments::AmountMinor))
                    .col(string(AccountPayments::Currency))
                    .col(string_null(AccountPayments::Reference))
                    .col(string_null(AccountPayments::Memo))
                    .col(string(AccountPayments::Method))
                    .col(timestamp_with_time_zone(AccountPayments::PaidAt))
                    .col(timestamp_with_time_zone(AccountPayments::CreatedAt))
                    .col(string_null(AccountPayments::InvoiceId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_payments_reference")
                    .table(AccountPayments::Table)
                    .col(AccountPayments::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_payments_customer")
                    .table(AccountPayments::Table)
                    .col(AccountPayments::CustomerId)
                    .to_owned(),
            )
            .await?;
        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccountPayments::Table.into_iden(),
            Applications::Table.into_iden(),
            AccountEntries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("customers_remittance_code")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        let drop = |table: DynIden, column: DynIden| {
            Table::alter().table(table).drop_column(column).to_owned()
        };
        manager
            .alter_table(drop(
                Customers::Table.into_iden(),
                Customers::RemittanceCode.into_iden(),
            ))
            .await?;
        for column in [Invoices::AmountPaidMinor, Invoices::Document] {
            manager
                .alter_table(drop(Invoices::Table.into_iden(), column.into_iden()))
                .await?;
        }
        Ok(())
    }
}
