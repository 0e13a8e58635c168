//! The background jobs of `portal serve`. The billing runs' resumer: every instance looks
//! for running billing runs that nobody drives (their driver died: its lease lapsed, or
//! the schedule just started one) and drives them to their end. Runs are claimed under a
//! lease, so one instance drives a run at a time. The schedule starts each month's run
//! at `PORTAL_BILLING_RUN_AT`; payment reminders go out hourly.

use std::sync::Arc;
use std::time::Duration;

use portal_billing::{PlatformCaller, Portal};

/// How often an instance looks for runs to resume. A cut-off run waits for its lease to
/// lapse (`portal_domain::billing_run::RUN_LEASE`) and then at most this long.
pub const RESUME_INTERVAL: Duration = Duration::from_secs(2);

/// Resumes cut-off billing runs until the task is dropped.
pub async fn run(portal: Arc<Portal>) {
    let caller = PlatformCaller {
        name: "portal-resumer".into(),
    };
    let owner = portal.billing.instance().to_owned();
    loop {
        match portal.billing.resume_billing_runs(&caller, &owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(runs = n, "billing runs resumed and finished"),
            Err(error) => tracing::warn!(%error, "billing runs not resumed"),
        }
        tokio::time::sleep(RESUME_INTERVAL).await;
    }
}

/// How often an instance sends the payment reminders due (§15); the first time shortly
/// after it starts. Each is sent once per invoice and day across instances.
pub const REMIND_INTERVAL: Duration = Duration::from_secs(3600);
const FIRST_REMINDERS_AFTER: Duration = Duration::from_secs(30);

/// Sends the payment reminders due, every [`REMIND_INTERVAL`], until the task is dropped.
pub async fn remind(portal: Arc<Portal>) {
    let caller = PlatformCaller {
        name: "portal-dunning".into(),
    };
    tokio::time::sleep(FIRST_REMINDERS_AFTER).await;
    loop {
        if let Err(error) = portal.receivables.send_reminders(&caller).await {
            tracing::warn!(%error, "payment reminders not sent");
        }
        tokio::time::sleep(REMIND_INTERVAL).await;
    }
}

/// How often an instance looks whether the month's scheduled billing run is due.
pub const SCHEDULE_INTERVAL: Duration = Duration::from_secs(30);

/// Starts each month's billing run once it is due at `run_at` (business time on the
/// 1st), until the task is dropped; the resumer drives it. Of several instances one
/// starts it, once ([`portal_billing::Billing::start_scheduled_run`]).
pub async fn schedule(portal: Arc<Portal>, run_at: chrono::NaiveTime) {
    let caller = PlatformCaller {
        name: "portal-schedule".into(),
    };
    loop {
        if let Err(error) = portal.billing.start_scheduled_run(&caller, run_at).await {
            tracing::warn!(%error, "scheduled billing run not started");
        }
        tokio::time::sleep(SCHEDULE_INTERVAL).await;
    }
}
