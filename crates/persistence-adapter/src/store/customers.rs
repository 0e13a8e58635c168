//! Customers: accounts, their edits (compare-and-set on the version) and provisioning.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

use portal_billing::{Actor, CustomerRepository, RepositoryError};
use portal_domain::{AccountChanges, Customer, CustomerId, NewCustomer, account_audit};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::convert::{self, db_err};
use crate::entity::customers;

use super::{INSERT_CHUNK, SeaOrmStore};

#[async_trait]
impl CustomerRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.customers.find", level = "debug", skip_all)]
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError> {
        customers::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::customer)
            .transpose()
    }

    #[tracing::instrument(name = "store.customers.update", level = "debug", skip_all)]
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let Some(row) = customers::Entity::find_by_id(id.as_str())
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let before = convert::customer(row)?;
        if expected_version.is_some_and(|v| v != before.version) {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepositoryError::Conflict);
        }
        let after = changes.apply_to(&before);
        // Compare-and-set on the version read: a concurrent edit makes this one conflict
        // instead of silently reverting it.
        let updated = customers::Entity::update_many()
            .col_expr(
                customers::Column::CompanyName,
                Expr::value(after.company_name.clone()),
            )
            .col_expr(
                customers::Column::ContactName,
                Expr::value(after.contact_name.clone()),
            )
            .col_expr(
                customers::Column::ContactEmail,
                Expr::value(after.contact_email.as_str().to_owned()),
            )
            .col_expr(customers::Column::UpdatedAt, Expr::value(actor.at))
            .col_expr(customers::Column::Version, Expr::value(after.version))
            .filter(customers::Column::Id.eq(id.as_str()))
            .filter(customers::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        super::one_row(updated.rows_affected)?;
        let audit = account_audit(
            &before,
            &after,
            (&actor.user_id, actor.user_name.as_deref()),
            actor.at,
        );
        super::audit::record(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Some(after))
    }

    #[tracing::instrument(name = "store.customers.existing", level = "debug", skip_all)]
    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(INSERT_CHUNK) {
            let rows = customers::Entity::find()
                .select_only()
                .column(customers::Column::Id)
                .filter(customers::Column::Id.is_in(chunk.iter().map(|c| c.as_str())))
                .into_tuple::<String>()
                .all(&self.db)
                .await
                .map_err(db_err)?;
            found.extend(rows.iter().filter_map(|id| CustomerId::parse(id).ok()));
        }
        Ok(found)
    }

    #[tracing::instrument(name = "store.customers.upsert", level = "debug", skip_all)]
    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError> {
        let row = customers::ActiveModel {
            remittance_code: Set(None),
            id: Set(id.to_string()),
            company_name: Set(data.company_name.clone()),
            contact_name: Set(data.contact_name.clone()),
            contact_email: Set(data.contact_email.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let existed = CustomerRepository::find(self, id).await?.is_some();
        customers::Entity::insert(row)
            .on_conflict(
                OnConflict::column(customers::Column::Id)
                    .update_columns([
                        customers::Column::CompanyName,
                        customers::Column::ContactName,
                        customers::Column::ContactEmail,
                        customers::Column::UpdatedAt,
                    ])
                    .value(
                        customers::Column::Version,
                        Expr::col((customers::Entity, customers::Column::Version)).add(1),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        let customer = CustomerRepository::find(self, id)
            .await?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("upserted customer vanished")))?;
        Ok((customer, !existed))
    }
}
