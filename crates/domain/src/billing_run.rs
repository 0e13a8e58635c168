//! A billing run as a job (contract §13): its progress, its status, and the lease of the
//! process driving it. At most one run of a period is running at a time; a run whose
//! driver died (its lease lapsed) is taken over by the next process that claims it and
//! resumes after the last customer it billed.

use chrono::{DateTime, TimeDelta, Utc};

use crate::{CustomerId, Month};

/// How long a claim on a run lasts without renewal. The driver renews it after every
/// page and on a heartbeat, so only a dead driver lets it lapse.
pub const RUN_LEASE: TimeDelta = TimeDelta::seconds(10);

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    Running,
    Finished,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "running" => Some(RunStatus::Running),
            "finished" => Some(RunStatus::Finished),
            "failed" => Some(RunStatus::Failed),
            _ => None,
        }
    }
}

/// One billing run of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRun {
    /// `run_` and 32 hex digits.
    pub id: String,
    pub period: Month,
    pub status: RunStatus,
    /// Customers billable when the run started (a customer provisioned during the run
    /// is billed too, so `done` may end above it).
    pub total: u64,
    /// Customers billed so far: `created + skipped`.
    pub done: u64,
    /// Invoices issued.
    pub created: u64,
    /// Customers who owed nothing more.
    pub skipped: u64,
    /// The last customer of the last finished page: a resumed run goes on after it.
    pub cursor: Option<CustomerId>,
    /// The process driving the run, and until when its claim holds.
    pub lease: Option<(String, DateTime<Utc>)>,
    /// What the run's tail did once every customer was billed.
    pub invoices_overdue: u64,
    pub subscriptions_expired: u64,
    pub keys_purged: u64,
    /// Why a failed run failed (never shown with secrets or SQL).
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl BillingRun {
    /// A run of `period` started at `now`, billing `total` customers, claimed by no one.
    pub fn start(id: String, period: Month, total: u64, now: DateTime<Utc>) -> Self {
        Self {
            id,
            period,
            status: RunStatus::Running,
            total,
            done: 0,
            created: 0,
            skipped: 0,
            cursor: None,
            lease: None,
            invoices_overdue: 0,
            subscriptions_expired: 0,
            keys_purged: 0,
            error: None,
            started_at: now,
            finished_at: None,
        }
    }

    /// Whether `owner` may drive the run at `now`: it is running and its lease is free,
    /// lapsed, or `owner`'s own.
    pub fn claimable_by(&self, owner: &str, now: DateTime<Utc>) -> bool {
        self.status == RunStatus::Running
            && match &self.lease {
                None => true,
                Some((holder, until)) => holder == owner || *until <= now,
            }
    }

    /// Whether a live driver (other than none) holds the run at `now`.
    pub fn is_driven(&self, now: DateTime<Utc>) -> bool {
        self.status == RunStatus::Running
            && self.lease.as_ref().is_some_and(|(_, until)| *until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(now: DateTime<Utc>) -> BillingRun {
        BillingRun::start("run_1".into(), Month::new(2026, 12).unwrap(), 3, now)
    }

    #[test]
    fn a_lease_keeps_other_drivers_out_until_it_lapses() {
        let now = Utc::now();
        let mut r = run(now);
        assert!(r.claimable_by("a", now), "nobody holds a new run");
        r.lease = Some(("a".into(), now + RUN_LEASE));
        assert!(r.claimable_by("a", now), "its holder renews it");
        assert!(!r.claimable_by("b", now), "another process waits");
        assert!(r.is_driven(now));
        let later = now + RUN_LEASE;
        assert!(r.claimable_by("b", later), "a lapsed lease is taken over");
        assert!(!r.is_driven(later));
    }

    #[test]
    fn only_running_runs_are_claimed() {
        let now = Utc::now();
        let mut r = run(now);
        for status in [RunStatus::Finished, RunStatus::Failed] {
            r.status = status;
            assert!(!r.claimable_by("a", now));
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
        }
    }
}
