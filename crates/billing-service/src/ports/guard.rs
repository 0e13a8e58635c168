//! The spend guard's storage: alert rules, caps, firings and notifications.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::guard::{AlertRule, Cap, Notice};
use portal_domain::{AuditEntry, CustomerId, Month};

use super::{OutboxMessage, RepositoryError};

/// A notification as stored: what fired, worded when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub customer_id: CustomerId,
    pub at: DateTime<Utc>,
    pub notice: Notice,
    pub read: bool,
}

/// Alert rules, caps, firings and notifications, per customer.
#[async_trait]
pub trait GuardRepository: Send + Sync {
    async fn alert_rules(&self, customer: &CustomerId) -> Result<Vec<AlertRule>, RepositoryError>;

    /// The rules of each of `customers` that has any.
    async fn rules_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<BTreeMap<CustomerId, Vec<AlertRule>>, RepositoryError>;

    /// Replaces the customer's rules and records `audit`, in one transaction.
    async fn set_alert_rules(
        &self,
        customer: &CustomerId,
        rules: &[AlertRule],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    async fn caps(&self, customer: &CustomerId) -> Result<Vec<Cap>, RepositoryError>;

    /// Replaces the customer's caps and records `audit`, in one transaction.
    async fn set_caps(
        &self,
        customer: &CustomerId,
        caps: &[Cap],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    /// Records that the rule `rule_key` fired for the customer in `month`, and stores
    /// `notification` and writes `outbox` (its e-mail, its webhook) with it, in one
    /// transaction. MUST store nothing and answer `false` when the rule fired in that
    /// month already (concurrent firings: exactly one wins).
    async fn fire(
        &self,
        customer: &CustomerId,
        month: Month,
        rule_key: &str,
        notification: Option<&Notification>,
        outbox: &[OutboxMessage],
    ) -> Result<bool, RepositoryError>;

    /// The number unread and the newest `limit` notifications, newest first.
    async fn notifications(
        &self,
        customer: &CustomerId,
        limit: u32,
    ) -> Result<(u64, Vec<Notification>), RepositoryError>;

    /// Marks the customer's notification read; `None` when it has none of that id.
    async fn mark_read(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Notification>, RepositoryError>;

    /// Marks every unread notification of the customer read (and no one else's); how
    /// many were unread.
    async fn mark_all_read(&self, customer: &CustomerId) -> Result<u64, RepositoryError>;
}

impl Notification {
    /// A new, unread notification of `notice` for the customer, dated `at`.
    pub fn new(customer: &CustomerId, notice: Notice, at: DateTime<Utc>) -> Self {
        Self {
            id: format!("ntf_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            at,
            notice,
            read: false,
        }
    }
}
