//! Customers' subscriptions, read and provisioned outside a ledger unit of work.

use async_trait::async_trait;
use chrono::NaiveDate;
use portal_domain::{CustomerId, Subscription};

use super::RepositoryError;

#[async_trait]
pub trait SubscriptionRepository: Send + Sync {
    /// The customer's current subscription: the most recently started one, with its
    /// timeline. MUST return only the customer's (contract:
    /// `ledger_creates_a_subscription_once`).
    async fn current(&self, customer: &CustomerId)
    -> Result<Option<Subscription>, RepositoryError>;

    /// Stores `subscription` unless the customer already has one; `true` when stored.
    /// MUST store the first and answer `false`, changing nothing, after it
    /// (`subscription_insert_if_absent_stores_once`).
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError>;

    /// Marks active subscriptions whose last day is before `today` expired; returns how
    /// many. MUST leave subscriptions ending today or later, and cancelled ones, as they
    /// are (`expire_ended_expires_active_past_end`).
    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError>;
}
