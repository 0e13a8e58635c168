//! Per-customer JSON documents (the fapiao profile, the alert rules, the caps): each a
//! table keyed by the customer with the document and when it was written, replaced whole
//! with its audit entry in one transaction.

use chrono::Utc;
use portal_billing::RepositoryError;
use portal_domain::AuditEntry;
use sea_orm::sea_query::{IntoIden, OnConflict};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, TransactionTrait};

use crate::convert::db_err;

/// Inserts `row` (the customer's document, built by `row_at` for the time of writing) or,
/// when the customer has one, replaces its `document` and `updated_at` columns; records
/// `audit`; all in one transaction.
pub(super) async fn replace_audited<A, C>(
    db: &DatabaseConnection,
    row_at: impl FnOnce(chrono::DateTime<Utc>) -> A,
    key: C,
    columns: [C; 2],
    audit: &AuditEntry,
) -> Result<(), RepositoryError>
where
    A: ActiveModelTrait + Send,
    C: IntoIden,
{
    let txn = db.begin().await.map_err(db_err)?;
    <A::Entity as EntityTrait>::insert(row_at(Utc::now()))
        .on_conflict(OnConflict::column(key).update_columns(columns).to_owned())
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
    super::audit::record(&txn, audit).await?;
    txn.commit().await.map_err(db_err)
}
