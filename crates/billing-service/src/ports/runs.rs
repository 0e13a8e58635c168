//! The billing runs' port: runs as stored, claimed by one driving process at a time
//! under a lease, their progress written with each customer's invoice.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{BillingRun, CustomerId};

use super::RepositoryError;

/// Who drives a run: the run and the claiming process. Each customer's unit of work
/// records its part of the run only while the process still holds the run's lease
/// ([`super::LedgerTxn::record_run_item`]), so a driver that lost its lease (paused,
/// then taken over) bills nobody else: one driver at a time, fenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTicket {
    pub run_id: String,
    pub owner: String,
}

/// Billing runs. Promises: at most one running run per period, on every instance; a
/// claim, renewal or finish by a process that does not hold the lease changes nothing.
#[async_trait]
pub trait BillingRuns: Send + Sync {
    /// Stores `run` unless a run of its period is running. Answers the running run of
    /// the period and whether it is `run` (started now). A run of the same id stored
    /// before (and no longer running) is [`RepositoryError::Conflict`].
    async fn start(&self, run: &BillingRun) -> Result<(BillingRun, bool), RepositoryError>;

    async fn find(&self, id: &str) -> Result<Option<BillingRun>, RepositoryError>;

    /// Gives `owner` the run's lease until `until` when it is running and its lease is
    /// free, lapsed at `now`, or `owner`'s already: the run as claimed, else `None`.
    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<BillingRun>, RepositoryError>;

    /// Running runs that no process drives at `now` (cut off, or never claimed), oldest
    /// first.
    async fn unclaimed(&self, now: DateTime<Utc>) -> Result<Vec<BillingRun>, RepositoryError>;

    /// Extends `ticket`'s lease to `until` and, with `cursor`, records that every
    /// billable customer up to it was billed. `false` when the lease is no longer
    /// `ticket`'s.
    async fn renew(
        &self,
        ticket: &RunTicket,
        until: DateTime<Utc>,
        cursor: Option<&CustomerId>,
    ) -> Result<bool, RepositoryError>;

    /// Of `customers`, those the run billed already.
    async fn billed(
        &self,
        run_id: &str,
        customers: &[CustomerId],
    ) -> Result<HashSet<CustomerId>, RepositoryError>;

    /// Ends `ticket`'s run as `ended` says (status, the tail's figures, error, finish
    /// time), releasing the lease. `false` when the lease is no longer `ticket`'s.
    async fn finish(&self, ticket: &RunTicket, ended: &BillingRun)
    -> Result<bool, RepositoryError>;

    /// Brings the query planner's view of the tables a run grows up to date (a first
    /// run can multiply the invoices many times over: planned as the small table it
    /// was, every customer's read would scan it). Nothing to do for most stores.
    async fn refresh_statistics(&self) -> Result<(), RepositoryError> {
        Ok(())
    }
}
