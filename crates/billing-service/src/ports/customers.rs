//! The customers' accounts.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{AccountChanges, Customer, CustomerId, NewCustomer};

use super::{Actor, RepositoryError};

#[async_trait]
pub trait CustomerRepository: Send + Sync {
    /// The customer as last stored. MUST return `None` for an id never upserted
    /// (contract: `customer_upsert_creates_then_replaces`).
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError>;

    /// Applies validated changes, bumps the version and records the audit entry (built
    /// from the row before and after) in the same transaction; `None` when there is no
    /// such customer. MUST bump the version by one and record the audit entry with the
    /// change (`customer_update_bumps_version_and_audits`); MUST return `None` for an
    /// unknown customer (`customer_update_of_unknown_is_none`); MUST return
    /// [`RepositoryError::Conflict`] and change nothing when `expected_version` is given and
    /// is not the stored version (`customer_update_at_a_stale_version_conflicts`).
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError>;

    /// Which of `ids` exist. MUST name exactly those stored, no other
    /// (`existing_names_only_known_customers`).
    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError>;

    /// Creates the customer (at `now`) or replaces its data; `true` when created. MUST keep
    /// the id and the creation time of an existing customer and answer `false`
    /// (`customer_upsert_creates_then_replaces`).
    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError>;
}
