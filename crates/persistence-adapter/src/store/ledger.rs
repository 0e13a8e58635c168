//! [`Ledger`] on sea-orm: a unit of work is one database transaction on one customer
//! (`ledger_unit.rs`), a group of them one transaction (read ahead in `ahead/`).
//!
//! Concurrency needs no backend-specific locking: `save` is a compare-and-set on the
//! subscription's version. On PostgreSQL a concurrent unit of work that read the same
//! version waits on the row lock of the first `UPDATE` and then matches no row (the
//! version moved): it gets [`RepositoryError::Conflict`] and rolls back. On SQLite the
//! store has one connection, so units of work run one after another.

use async_trait::async_trait;
use portal_billing::{Ledger, LedgerPage, LedgerTxn, RepositoryError};
use portal_domain::{CustomerId, Month};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::SeaOrmStore;
use super::ahead::PageState;
use super::ledger_unit::SeaOrmLedgerTxn;
use crate::convert::db_err;
use crate::entity::subscriptions;

/// Units of work of several customers in one transaction ([`Ledger::begin_page`]),
/// read ahead and stored together once [`LedgerPage::read_ahead`] was called
/// ([`super::ahead`]).
pub struct SeaOrmLedgerPage {
    txn: DatabaseTransaction,
    ahead: Option<PageState>,
}

#[async_trait]
impl LedgerPage for SeaOrmLedgerPage {
    #[tracing::instrument(name = "store.ledger.read_ahead", level = "debug", skip_all)]
    async fn read_ahead(
        &mut self,
        customers: &[CustomerId],
        period: Month,
    ) -> Result<(), RepositoryError> {
        if self.ahead.is_none() {
            self.ahead = Some(PageState::read(&self.txn, customers, period).await?);
        }
        Ok(())
    }

    #[tracing::instrument(name = "store.ledger.unit", level = "debug", skip_all)]
    async fn unit<'a>(
        &'a mut self,
        customer: &CustomerId,
    ) -> Result<Box<dyn LedgerTxn + 'a>, RepositoryError> {
        match &mut self.ahead {
            Some(state) => Ok(Box::new(state.unit(&self.txn, customer).await?)),
            None => {
                super::receivables::lock_customer(&self.txn, customer).await?;
                Ok(Box::new(SeaOrmLedgerTxn::in_group(
                    &self.txn,
                    customer.clone(),
                )))
            }
        }
    }

    #[tracing::instrument(name = "store.ledger.commit", level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let SeaOrmLedgerPage { txn, ahead } = *self;
        if let Some(state) = ahead {
            state.flush(&txn).await?;
        }
        txn.commit().await.map_err(db_err)
    }
}

#[async_trait]
impl Ledger for SeaOrmStore {
    #[tracing::instrument(name = "store.ledger.begin", level = "debug", skip_all)]
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // Money moves on one customer's account one unit at a time.
        super::receivables::lock_customer(&txn, customer).await?;
        Ok(Box::new(SeaOrmLedgerTxn::own(txn, customer.clone())))
    }

    #[tracing::instrument(name = "store.ledger.begin_page", level = "debug", skip_all)]
    async fn begin_page(&self) -> Result<Box<dyn LedgerPage + '_>, RepositoryError> {
        Ok(Box::new(SeaOrmLedgerPage {
            txn: self.db.begin().await.map_err(db_err)?,
            ahead: None,
        }))
    }

    #[tracing::instrument(name = "store.ledger.billable_page", level = "debug", skip_all)]
    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError> {
        let mut query = billable(period)
            .select_only()
            .column(subscriptions::Column::CustomerId)
            .distinct();
        if let Some(after) = after {
            query = query.filter(subscriptions::Column::CustomerId.gt(after.as_str()));
        }
        let ids: Vec<String> = query
            .order_by_asc(subscriptions::Column::CustomerId)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(ids
            .iter()
            .filter_map(|id| CustomerId::parse(id).ok())
            .collect())
    }

    #[tracing::instrument(name = "store.ledger.count_billable", level = "debug", skip_all)]
    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError> {
        let n: Option<i64> = billable(period)
            .select_only()
            .column_as(
                Expr::col(subscriptions::Column::CustomerId).count_distinct(),
                "n",
            )
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }
}

/// The subscriptions a run of `period` bills: not cancelled, serving a day of the period
/// (its fees) or of the month before (its usage, in arrears).
fn billable(period: Month) -> sea_orm::Select<subscriptions::Entity> {
    subscriptions::Entity::find()
        .filter(subscriptions::Column::Status.ne("cancelled"))
        .filter(subscriptions::Column::StartDate.lte(period.last_day()))
        .filter(subscriptions::Column::EndDate.gte(period.prev().first_day()))
}
