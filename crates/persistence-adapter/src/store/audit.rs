//! The audit log.

use async_trait::async_trait;

use portal_billing::{AuditRepository, RepositoryError};
use portal_domain::{AuditEntry, CustomerId};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::convert::{self, db_err};
use crate::entity::audit_log;

use super::SeaOrmStore;

#[async_trait]
impl AuditRepository for SeaOrmStore {
    async fn list(
        &self,
        customer: &CustomerId,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, RepositoryError> {
        audit_log::Entity::find()
            .filter(audit_log::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(audit_log::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::audit_entry)
            .collect()
    }
}

/// Records `entry` (inside the caller's transaction).
pub(super) async fn record(
    db: &impl sea_orm::ConnectionTrait,
    entry: &portal_domain::AuditEntry,
) -> Result<(), RepositoryError> {
    audit_log::Entity::insert(convert::audit_row(entry)?)
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
    Ok(())
}
