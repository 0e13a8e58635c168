//! The customers' accounts.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{AccountChanges, Customer, CustomerId, NewCustomer};

use super::{Actor, RepositoryError};

#[async_trait]
pub trait CustomerRepository: Send + Sync {
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError>;

    /// Applies validated changes, bumps the version and records the audit entry (built
    /// from the row before and after) in the same transaction; `None` when there is no
    /// such customer. MUST return [`RepositoryError::Conflict`] and change nothing when
    /// `expected_version` is given and is not the stored version.
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError>;

    /// Which of `ids` exist.
    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError>;

    /// Creates the customer (at `now`) or replaces its data; `true` when created.
    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError>;
}
