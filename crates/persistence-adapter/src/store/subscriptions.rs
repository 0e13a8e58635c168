//! Subscriptions as read by views; their changes go through the ledger.

use async_trait::async_trait;
use chrono::Utc;

use chrono::NaiveDate;
use portal_billing::{RepositoryError, SubscriptionRepository};
use portal_domain::{CustomerId, Subscription, SubscriptionStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::convert::{self, db_err};
use crate::entity::subscriptions;

use super::SeaOrmStore;

#[async_trait]
impl SubscriptionRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.subscriptions.current", level = "debug", skip_all)]
    async fn current(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<Subscription>, RepositoryError> {
        subscriptions::Entity::find()
            .filter(subscriptions::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(subscriptions::Column::StartDate)
            .order_by_desc(subscriptions::Column::CreatedAt)
            .limit(1)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::subscription)
            .transpose()
    }

    #[tracing::instrument(
        name = "store.subscriptions.insert_if_absent",
        level = "debug",
        skip_all
    )]
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError> {
        if self.current(&subscription.customer_id).await?.is_some() {
            return Ok(false);
        }
        let row = convert::subscription_row(subscription, subscription.version, Utc::now())?;
        let inserted = subscriptions::Entity::insert(row)
            .on_conflict_do_nothing_on([subscriptions::Column::Id])
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
    }

    #[tracing::instrument(name = "store.subscriptions.expire_ended", level = "debug", skip_all)]
    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError> {
        let result = subscriptions::Entity::update_many()
            .col_expr(
                subscriptions::Column::Status,
                Expr::value(SubscriptionStatus::Expired.as_str()),
            )
            .col_expr(
                subscriptions::Column::Version,
                Expr::col(subscriptions::Column::Version).add(1),
            )
            .col_expr(subscriptions::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(subscriptions::Column::Status.eq(SubscriptionStatus::Active.as_str()))
            .filter(subscriptions::Column::EndDate.lt(today))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected)
    }
}
