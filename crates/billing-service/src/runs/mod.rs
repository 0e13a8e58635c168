//! Billing runs as jobs (contract §13). A run is started once per period across every
//! instance; a process claims it under a lease and bills its customers a page at a time,
//! in id order. A page is billed as one group of units of work, read ahead
//! ([`crate::LedgerPage::read_ahead`]) and stored in one transaction with the run's
//! progress. A run whose driver died is claimed again (by a `portal serve` instance's
//! resumer or a new `portal billing run`) and goes on after the last group it stored:
//! every customer billed once, invoice numbers without gaps (taken in the transaction of
//! their invoices).

mod port;

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
/// Pages between two refreshes of the planner's statistics (and after pages 1, 2, 4, 8, 16: the
/// tables grow fastest, relatively, at the start).
const STATISTICS_EVERY: u64 = 20;
/// Customers billed in one database transaction (one unit of work each): the month's
/// invoice counter is held from a group's first invoice to its commit.
pub const RUN_GROUP: usize = 500;

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
            // The database went away: the run stays running, its lease lapses and a
            // process resumes it once the database is back.
            Err(e @ BillingError::Unavailable(_)) => {
                tracing::warn!(run_id = id, error = %e, "billing run cut off; it will be resumed");
                Err(e)
            }
            Err(e) => {
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
        let mut pages = 0_u64;
        loop {
            if pages.is_power_of_two() || pages.is_multiple_of(STATISTICS_EVERY) {
                ports.runs.refresh_statistics().await?;
            }
            pages += 1;
            let page = ports
                .ledger
                .billable_page(period, cursor.as_ref(), RUN_PAGE)
                .await?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            let billed = ports.runs.billed(&run.id, &page).await?;
            let todo: Vec<CustomerId> = page.into_iter().filter(|c| !billed.contains(c)).collect();
            if self
                .bill_groups(&todo, period, Some(ticket))
                .await?
                .is_none()
            {
                tracing::warn!(run_id = %run.id, "billing run taken over by another process");
                return Ok(None);
            }
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

    /// Bills `customers` group by group ([`RUN_GROUP`]), each customer's part recorded
    /// with `run` when given: how many were issued an invoice and how many owed nothing,
    /// or `None` when the run's lease was lost.
    pub(crate) async fn bill_groups(
        &self,
        customers: &[CustomerId],
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<(u64, u64)>, BillingError> {
        let (mut created, mut skipped) = (0, 0);
        for group in customers.chunks(RUN_GROUP) {
            let outcome = match self.bill_group(group, period, run).await {
                // Another unit of work changed one of them meanwhile: the group was
                // rolled back (or, unit by unit, partly stored); each on its own.
                Err(BillingError::Conflict(_)) => self.bill_one_by_one(group, period, run).await?,
                other => other?,
            };
            let Some(issued) = outcome else {
                return Ok(None);
            };
            created += issued;
            skipped += group.len() as u64 - issued;
        }
        metrics::counter!("portal_billing_run_customers_total", "outcome" => "created")
            .increment(created);
        metrics::counter!("portal_billing_run_customers_total", "outcome" => "skipped")
            .increment(skipped);
        Ok(Some((created, skipped)))
    }

    /// Bills `group` in one group of units of work ([`crate::Ledger::begin_page`]), read
    /// ahead, each customer's part recorded with `run` when given: how many were issued
    /// an invoice, or `None` when the run's lease was lost (nothing of the group stored).
    async fn bill_group(
        &self,
        group: &[CustomerId],
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<u64>, BillingError> {
        let mut page = self.ports().ledger.begin_page().await?;
        page.read_ahead(group, period).await?;
        let mut created = 0;
        for customer in group {
            let mut unit = page.unit(customer).await?;
            let issued = self.bill_in(unit.as_mut(), customer, period).await?;
            if let Some(ticket) = run
                && !unit.record_run_item(ticket, issued).await?
            {
                return Ok(None);
            }
            unit.commit().await?;
            created += u64::from(issued);
        }
        page.commit().await?;
        Ok(Some(created))
    }

    /// Bills those of `group` that `run` (when given) has not billed, each in a unit of
    /// work of its own (tried again on conflicts): how many were issued an invoice, or
    /// `None` when the run's lease was lost.
    async fn bill_one_by_one(
        &self,
        group: &[CustomerId],
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<u64>, BillingError> {
        let billed = match run {
            Some(ticket) => self.ports().runs.billed(&ticket.run_id, group).await?,
            None => Default::default(),
        };
        let mut created = 0;
        for customer in group.iter().filter(|c| !billed.contains(*c)) {
            match self.bill_with_retries(customer, period, run).await? {
                Some(issued) => created += u64::from(issued),
                None => return Ok(None),
            }
        }
        Ok(Some(created))
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
