//! The billing runs' resumer: every `portal serve` instance looks for running billing
//! runs that nobody drives (their driver died: its lease lapsed) and drives them to
//! their end. Runs are claimed under a lease, so one instance drives a run at a time.

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
