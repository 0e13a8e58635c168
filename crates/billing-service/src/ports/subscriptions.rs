//! Customers' subscriptions, read and provisioned outside a ledger unit of work.

use async_trait::async_trait;
use chrono::NaiveDate;
use portal_domain::{CustomerId, Subscription};

use super::RepositoryError;

#[async_trait]
pub trait SubscriptionRepository: Send + Sync {
    /// The customer's current subscription: the most recently started one, with its
    /// timeline.
    async fn current(&self, customer: &CustomerId)
    -> Result<Option<Subscription>, RepositoryError>;

    /// Stores `subscription` unless the customer already has one; `true` when stored.
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError>;

    /// Marks active subscriptions whose last day is before `today` expired.
    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError>;
}
