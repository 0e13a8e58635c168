//! Fapiao (contract §12): each customer's profile (one JSON document, replaced whole),
//! requests with the title and tax id as they were when requested, the invoices each
//! pending or issued request holds (the key lets one request hold an invoice: concurrent
//! requests for it, exactly one wins), and issued files (up to 5 MB, kept apart so lists
//! never read them).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FapiaoProfiles {
    Table,
    CustomerId,
    Profile,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FapiaoRequests {
    Table,
    Id,
    CustomerId,
    Status,
    Kind,
    AmountMinor,
    Currency,
    InvoiceIds,
    Title,
    TaxId,
    CreatedAt,
    UpdatedAt,
    FapiaoNumber,
    IssuedOn,
    FileType,
    ReversalReason,
}

#[derive(DeriveIden)]
enum FapiaoHolds {
    Table,
    InvoiceId,
    RequestId,
}

#[derive(DeriveIden)]
enum FapiaoFiles {
    Table,
    RequestId,
    Content,
}

const REQUESTS_INDEX: &str = "idx_fapiao_requests_customer_created";
const STATUS_INDEX: &str = "idx_fapiao_requests_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FapiaoProfiles::Table)
                    .col(string(FapiaoProfiles::CustomerId).primary_key())
                    .col(text(FapiaoProfiles::Profile))
                    .col(timestamp_with_time_zone(FapiaoProfiles::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FapiaoRequests::Table)
                    .col(string(FapiaoRequests::Id).primary_key())
                    .col(string(FapiaoRequests::CustomerId))
                    .col(string(FapiaoRequests::Status))
                    .col(string(FapiaoRequests::Kind))
                    .col(big_integer(FapiaoRequests::AmountMinor))
                    .col(string(FapiaoRequests::Currency))
                    .col(text(FapiaoRequests::InvoiceIds))
                    .col(string(FapiaoRequests::Title))
                    .col(string_null(FapiaoRequests::TaxId))
                    .col(timestamp_with_time_zone(FapiaoRequests::CreatedAt))
                    .col(timestamp_with_time_zone(FapiaoRequests::UpdatedAt))
                    .col(string_null(FapiaoRequests::FapiaoNumber))
                    .col(string_null(FapiaoRequests::IssuedOn))
                    .col(string_null(FapiaoRequests::FileType))
                    .col(string_null(FapiaoRequests::ReversalReason))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                REQUESTS_INDEX,
                vec![FapiaoRequests::CustomerId, FapiaoRequests::CreatedAt],
            ),
            (STATUS_INDEX, vec![FapiaoRequests::Status]),
        ] {
            let mut index = Index::create();
            index.name(name).table(FapiaoRequests::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(FapiaoHolds::Table)
                    .col(string(FapiaoHolds::InvoiceId).primary_key())
                    .col(string(FapiaoHolds::RequestId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FapiaoFiles::Table)
                    .col(string(FapiaoFiles::RequestId).primary_key())
                    .col(blob(FapiaoFiles::Content))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FapiaoFiles::Table.into_iden(),
            FapiaoHolds::Table.into_iden(),
            FapiaoRequests::Table.into_iden(),
            FapiaoProfiles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
