//! Billing runs as jobs (contract §13). A run is started once per period across every
//! instance; a process claims it under a lease and bills its customers a page at a time,
//! in id order, each customer in one unit of work that also records the run's progress.
//! A run whose driver died is claimed again (by a `portal serve` instance's resumer or a
//! new `portal billing run`) and goes on after the last customer it billed: every
//! customer billed once, invoice numbers without gaps (each number is taken in the
//! transaction of its invoice).

mod port;

use futures::StreamExt;
use portal_domain::billing_run::RUN_LEASE;
use portal_domain::{BillingRun, CustomerId, Month, RunStatus};
use tracing::instrument;

use crate::charging::BillingRunReport;
use crate::error::BillingError;
use crate::principal::PlatformCaller;
use crate::service::BillingService;

pub use port::{BillingRuns, RunTicket};

/// Customers read per page: a run never holds the whole table in memory.
pub const RUN_PAGE: u64 = 500;
/// Customers billed at once by one driver, each in its own unit of work.
pub const RUN_CONCURRENCY: usize = 4;

/// What a driver is told after each page (for a progress bar).
pub type OnProgress<'a> = dyn Fn(&BillingRun) + Send + Sync + 'a;

impl BillingService {
    /// Starts a billing run of `period`, or answers the one running (`false`): one run
    /// per period at a time. Nobody drives it yet: [`BillingService::drive_billing_run`].
    #[instrument(skip_all, fields(caller = %caller.name, period = %period))]
    pub async fn start_billing_run(
        &self,
        caller: &PlatformCaller,
        period: Month,
    ) -> Result<(BillingRun, bool), BillingError> {
        let ports = self.ports();
        let total = ports.ledger.count_billable(period).await?;
        let id = format!("run_{}", uuid::Uuid::new_v4().simple());
        let run = BillingRun::start(id, period, total, ports.clock.now());
        let (run, started) = ports.runs.start(&run).await?;
        if started {
            tracing::info!(run_id = %run.id, total, "billing run started");
        }
        Ok((run, started))
    }

    /// A run as it stands.
    pub async fn billing_run_status(
        &self,
        _caller: &PlatformCaller,
        id: &str,
    ) -> Result<BillingRun, BillingError> {
        self.ports()
            .runs
            .find(id)
            .await?
            .ok_or(BillingError::NotFound("billing run"))
    }

    /// Claims run `id` for `owner` and bills what is left of it, telling `progress`
    /// after each page; then marks overdue invoices and ended subscriptions and ends the
    /// run. `None` when another live process drives it (or took it over meanwhile).
    #[instrument(skip_all, fields(caller = %caller.name, run_id = id))]
    pub async fn drive_billing_run(
        &self,
        caller: &PlatformCaller,
        id: &str,
        owner: &str,
        progress: &OnProgress<'_>,
    ) -> Result<Option<BillingRun>, BillingError> {
        let ports = self.ports();
        let now = ports.clock.now();
        let Some(run) = ports.runs.claim(id, owner, now, now + RUN_LEASE).await? else {
            return Ok(None);
        };
        let ticket = RunTicket {
            run_id: run.id.clone(),
            owner: owner.to_owned(),
        };
        if run.cursor.is_some() || run.done > 0 {
            tracing::info!(run_id = id, done = run.done, "billing run resumed");
        }
        progress(&run);
        match self.drive(caller, run, &ticket, progress).await {
            Ok(ended) => Ok(ended),
            Err(e) => {
                // Recorded when the database still answers; otherwise the lease lapses
                // and another process resumes the run.
                let failed = ports.runs.find(id).await.ok().flatten().map(|mut r| {
                    r.status = RunStatus::Failed;
                    // The cause is logged; the run shows no SQL or internals.
                    r.error = Some(match &e {
                        BillingError::Internal(_) => "internal error (see the logs)".into(),
                        other => other.to_string(),
                    });
                    r.finished_at = Some(ports.clock.now());
                    r
                });
                if let Some(failed) = failed {
                    let _ = ports.runs.finish(&ticket, &failed).await;
                }
                tracing::error!(run_id = id, error = %e, "billing run failed");
                Err(e)
            }
        }
    }

    async fn drive(
        &self,
        caller: &PlatformCaller,
        run: BillingRun,
        ticket: &RunTicket,
        progress: &OnProgress<'_>,
    ) -> Result<Option<BillingRun>, BillingError> {
        let ports = self.ports();
        let period = run.period;
        let mut cursor: Option<CustomerId> = run.cursor.clone();
        loop {
            let page = ports
                .ledger
                .billable_page(period, cursor.as_ref(), RUN_PAGE)
                .await?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            let billed = ports.runs.billed(&run.id, &page).await?;
            // A few customers at a time: their reads overlap; their writes meet only
            // on the month's invoice counter and the run's row, both taken last.
            // (Owned ids: a stream of borrows makes the future not `Send` for every
            // lifetime, which a spawned task needs.)
            let todo: Vec<CustomerId> = page.into_iter().filter(|c| !billed.contains(c)).collect();
            let mut billing = futures::stream::iter(todo)
                .map(|customer| async move {
                    self.bill_with_retries(&customer, period, Some(ticket))
                        .await
                })
                .buffer_unordered(RUN_CONCURRENCY);
            // Nothing else is awaited while units of work are in flight: they only move
            // when the stream is polled, and one may hold the run's row, on which a
            // renewal awaited meanwhile would wait for ever. The lease is renewed after
            // each page (500 customers take well under its 10 s).
            while let Some(outcome) = billing.next().await {
                let Some(issued) = outcome? else {
                    tracing::warn!(run_id = %run.id, "billing run taken over by another process");
                    return Ok(None);
                };
                metrics::counter!("portal_billing_run_customers_total", "outcome" => if issued { "created" } else { "skipped" })
                    .increment(1);
            }
            drop(billing);
            let now = ports.clock.now();
            if !ports
                .runs
                .renew(ticket, now + RUN_LEASE, Some(&last))
                .await?
            {
                return Ok(None);
            }
            cursor = Some(last);
            if let Some(current) = ports.runs.find(&run.id).await? {
                progress(&current);
            }
        }
        let mut report = BillingRunReport::default();
        self.finish_run_tail(caller, &mut report).await?;
        let Some(mut ended) = ports.runs.find(&run.id).await? else {
            return Err(BillingError::NotFound("billing run"));
        };
        ended.status = RunStatus::Finished;
        ended.invoices_overdue = report.invoices_overdue;
        ended.subscriptions_expired = report.subscriptions_expired;
        ended.keys_purged = report.idempotency_keys_purged;
        ended.finished_at = Some(ports.clock.now());
        ended.total = ended.total.max(ended.done);
        if !ports.runs.finish(ticket, &ended).await? {
            return Ok(None);
        }
        metrics::counter!("portal_billing_runs_total").increment(1);
        metrics::counter!("portal_billing_invoices_created_total").increment(ended.created);
        tracing::info!(run_id = %ended.id, created = ended.created, skipped = ended.skipped, "billing run finished");
        progress(&ended);
        Ok(Some(ended))
    }

    /// Drives every running run that no process drives (cut off by a crash, or started
    /// by an instance that stopped): what each `portal serve` instance does in the
    /// background. Answers how many it finished.
    pub async fn resume_billing_runs(
        &self,
        caller: &PlatformCaller,
        owner: &str,
    ) -> Result<usize, BillingError> {
        let ports = self.ports();
        let mut finished = 0;
        for run in ports.runs.unclaimed(ports.clock.now()).await? {
            if self
                .drive_billing_run(caller, &run.id, owner, &|_| {})
                .await?
                .is_some()
            {
                finished += 1;
            }
        }
        Ok(finished)
    }
}
