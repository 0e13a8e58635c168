//! A billing run as a job (contract §13): its progress, its status, and the lease of the
//! process driving it. At most one run of a period is running at a time; a run whose
//! driver died (its lease lapsed) is taken over by the next process that claims it and
//! resumes after the last customer it billed.

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

use crate::{BusinessCalendar, CustomerId, Month};

/// How long a claim on a run lasts without renewal. The driver renews it after every
/// page and on a heartbeat, so only a dead driver lets it lapse.
pub const RUN_LEASE: TimeDelta = TimeDelta::seconds(10);

/// The latest month whose scheduled run is due at `now` when runs start at `run_at`
/// (business time) on each month's first day: the current month once its first day's
/// `run_at` has passed, the month before until then. An instance that was down at that
/// moment starts it when it comes up.
pub fn scheduled_period(
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
    run_at: NaiveTime,
) -> Month {
    let month = Month::of(calendar.date_of(now));
    let due = calendar.instant_of(month.first_day().and_time(run_at));
    if now >= due { month } else { month.prev() }
}

/// The id of the run the schedule starts for `period`: one id per period, so that of
/// all the instances that find it due only one stores it, once.
pub fn scheduled_run_id(period: Month) -> String {
    format!("run_scheduled_{}", period.to_string().replace('-', ""))
}

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
    fn the_month_run_is_due_from_its_first_day_at_the_set_time_in_business_time() {
        let shanghai = BusinessCalendar::default();
        let at = |raw: &str| DateTime::parse_from_rfc3339(raw).unwrap().to_utc();
        let five_past = NaiveTime::from_hms_opt(0, 5, 0).unwrap();
        // 00:04 on 1 December in Shanghai is 16:04 UTC on 30 November: November's run.
        let (november, december) = (Month::new(2026, 11).unwrap(), Month::new(2026, 12).unwrap());
        assert_eq!(
            scheduled_period(&shanghai, at("2026-11-30T16:04:59Z"), five_past),
            november
        );
        assert_eq!(
            scheduled_period(&shanghai, at("2026-11-30T16:05:00Z"), five_past),
            december
        );
        // Later in the month it is still due (an instance that was down starts it).
        assert_eq!(
            scheduled_period(&shanghai, at("2026-12-20T03:00:00Z"), five_past),
            december
        );
        // Before the set time on the first day: the month before's.
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert_eq!(
            scheduled_period(&shanghai, at("2026-12-01T01:59:59Z"), ten),
            november
        );
        assert_eq!(
            scheduled_run_id(Month::new(2026, 12).unwrap()),
            "run_scheduled_202612"
        );
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
