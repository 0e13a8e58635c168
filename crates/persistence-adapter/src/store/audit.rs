//! The audit log.

use async_trait::async_trait;

use portal_billing::{AuditRepository, RepositoryError};
use portal_domain::{AuditKey, AuditPage, CustomerId, Page, PageRequest};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::convert::{self, db_err};
use crate::entity::audit_log;

use super::SeaOrmStore;

#[async_trait]
impl AuditRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.audit.list", level = "debug", skip_all)]
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<AuditKey>,
    ) -> Result<AuditPage, RepositoryError> {
        // Ids grow with every entry: newest first is highest id first.
        let mut query = audit_log::Entity::find()
            .filter(audit_log::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(audit_log::Column::Id);
        if let Some(AuditKey(after)) = page.after {
            query = query.filter(audit_log::Column::Id.lt(after));
        }
        // One more than the page: whether it is read tells whether another page follows.
        let rows = query
            .limit(u64::from(page.size.get()) + 1)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|row| Ok((AuditKey(i64::from(row.id)), convert::audit_entry(row)?)))
            .collect::<Result<Vec<_>, RepositoryError>>()?;
        Ok(Page::from_probe(rows, page.size, |(key, _)| *key).map(|(_, entry)| entry))
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
