//! Billing runs as jobs (contract §13). A run is started once per period across every
//! instance; a process claims it under a lease and bills its customers a page at a time,
//! in id order. A page is billed as one group of units of work, read ahead
//! ([`crate::ports::LedgerPage::read_ahead`]) and stored in one transaction with the run's
//! progress. A run whose driver died is claimed again (by a `portal serve` instance's
//! resumer or a new `portal billing run`) and goes on after the last group it stored:
//! every customer billed once, invoice numbers without gaps (taken in the transaction of
//! their invoices).

use chrono::NaiveTime;
use portal_domain::billing_run::{RUN_LEASE, scheduled_period, scheduled_run_id};
use portal_domain::{BillingRun, CustomerId, Month, RunId, RunStatus};
use tracing::instrument;

use super::BillingRunError;
use super::{Billing, BillingRunReport};
use crate::ports::{RepositoryError, RunTicket};
use crate::principal::PlatformCaller;

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

impl Billing {
    /// Starts a billing run of `period`, or answers the one running (`false`): one run
    /// per period at a time. Nobody drives it yet: [`Billing::drive_billing_run`].
    #[instrument(skip_all, fields(caller = %caller.name, period = %period))]
    pub async fn start_billing_run(
        &self,
        caller: &PlatformCaller,
        period: Month,
    ) -> Result<(BillingRun, bool), BillingRunError> {
        let total = self.ledger.count_billable(period).await?;
        let id = format!("run_{}", uuid::Uuid::new_v4().simple());
        let run = BillingRun::start(id, period, total, self.time.now());
        let (run, started) = self.runs.start(&run).await?;
        if started {
            tracing::info!(run_id = %run.id, total, "billing run started");
        }
        Ok((run, started))
    }

    /// Starts the latest month's scheduled run due (`run_at`, business time on the 1st,
    /// [`scheduled_period`]) unless it was started before: `Some(run)` when this call
    /// stored it. Its id is the period's own ([`scheduled_run_id`]), so of every instance
    /// that finds it due one stores it, once; it is driven like any run left unclaimed
    /// (the resumer claims it under its lease). While another run of the period is
    /// running it waits for the next call.
    #[instrument(skip_all, fields(caller = %caller.name))]
    pub async fn start_scheduled_run(
        &self,
        caller: &PlatformCaller,
        run_at: NaiveTime,
    ) -> Result<Option<BillingRun>, BillingRunError> {
        let now = self.time.now();
        let period = scheduled_period(self.time.calendar(), now, run_at);
        let id = scheduled_run_id(period);
        if self.runs.find(&id).await?.is_some() {
            return Ok(None);
        }
        let total = self.ledger.count_billable(period).await?;
        match self
            .runs
            .start(&BillingRun::start(id, period, total, now))
            .await
        {
            Ok((run, true)) => {
                tracing::info!(run_id = %run.id, %period, total, "scheduled billing run started");
                Ok(Some(run))
            }
            Ok((_, false)) | Err(RepositoryError::Conflict) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A run as it stands.
    pub async fn billing_run_status(
        &self,
        _caller: &PlatformCaller,
        id: &RunId,
    ) -> Result<BillingRun, BillingRunError> {
        self.runs
            .find(id.as_str())
            .await?
            .ok_or(BillingRunError::NotFound("billing run"))
    }

    /// Claims run `id` for `owner` and bills what is left of it, telling `progress`
    /// after each page; then marks overdue invoices and ended subscriptions and ends the
    /// run. `None` when another live process drives it (or took it over meanwhile).
    #[instrument(skip_all, fields(caller = %caller.name, run_id = %run_id))]
    pub async fn drive_billing_run(
        &self,
        caller: &PlatformCaller,
        run_id: &RunId,
        owner: &str,
        progress: &OnProgress<'_>,
    ) -> Result<Option<BillingRun>, BillingRunError> {
        let id = run_id.as_str();
        let now = self.time.now();
        let Some(run) = self.runs.claim(id, owner, now, now + RUN_LEASE).await? else {
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
            Err(e @ BillingRunError::Unavailable(_)) => {
                tracing::warn!(run_id = id, error = %e, "billing run cut off; it will be resumed");
                Err(e)
            }
            Err(e) => {
                let failed = self.runs.find(id).await.ok().flatten().map(|mut r| {
                    r.status = RunStatus::Failed;
                    // The cause is logged; the run shows no SQL or internals.
                    r.error = Some(match &e {
                        BillingRunError::Internal(_) => "internal error (see the logs)".into(),
                        other => other.to_string(),
                    });
                    r.finished_at = Some(self.time.now());
                    r
                });
                if let Some(failed) = failed {
                    let _ = self.runs.finish(&ticket, &failed).await;
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
    ) -> Result<Option<BillingRun>, BillingRunError> {
        let period = run.period;
        let mut cursor: Option<CustomerId> = run.cursor.clone();
        let mut pages = 0_u64;
        loop {
            if pages.is_power_of_two() || pages.is_multiple_of(STATISTICS_EVERY) {
                self.runs.refresh_statistics().await?;
            }
            pages += 1;
            let page = self
                .ledger
                .billable_page(period, cursor.as_ref(), RUN_PAGE)
                .await?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            let billed = self.runs.billed(&run.id, &page).await?;
            let todo: Vec<CustomerId> = page.into_iter().filter(|c| !billed.contains(c)).collect();
            if self
                .bill_groups(&todo, period, Some(ticket))
                .await?
                .is_none()
            {
                tracing::warn!(run_id = %run.id, "billing run taken over by another process");
                return Ok(None);
            }
            let now = self.time.now();
            if !self
                .runs
                .renew(ticket, now + RUN_LEASE, Some(&last))
                .await?
            {
                return Ok(None);
            }
            cursor = Some(last);
            if let Some(current) = self.runs.find(&run.id).await? {
                progress(&current);
            }
        }
        let mut report = BillingRunReport::default();
        self.finish_run_tail(caller, &mut report).await?;
        let Some(mut ended) = self.runs.find(&run.id).await? else {
            return Err(BillingRunError::NotFound("billing run"));
        };
        ended.status = RunStatus::Finished;
        ended.invoices_overdue = report.invoices_overdue;
        ended.subscriptions_expired = report.subscriptions_expired;
        ended.keys_purged = report.idempotency_keys_purged;
        ended.finished_at = Some(self.time.now());
        ended.total = ended.total.max(ended.done);
        if !self.runs.finish(ticket, &ended).await? {
            return Ok(None);
        }
        self.metrics.billing_run_finished(ended.created);
        tracing::info!(run_id = %ended.id, created = ended.created, skipped = ended.skipped, "billing run finished");
        progress(&ended);
        Ok(Some(ended))
    }

    /// Bills `customers` group by group ([`RUN_GROUP`]), each customer's part recorded
    /// with `run` when given: how many were issued an invoice and how many owed nothing,
    /// or `None` when the run's lease was lost.
    pub(super) async fn bill_groups(
        &self,
        customers: &[CustomerId],
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<(u64, u64)>, BillingRunError> {
        let (mut created, mut skipped) = (0, 0);
        for group in customers.chunks(RUN_GROUP) {
            let outcome = match self.bill_group(group, period, run).await {
                // Another unit of work changed one of them meanwhile: the group was
                // rolled back (or, unit by unit, partly stored); each on its own.
                Err(BillingRunError::Conflict(why)) => {
                    tracing::info!(customers = group.len(), %why, "group billed unit by unit");
                    self.bill_one_by_one(group, period, run).await?
                }
                other => other?,
            };
            let Some(issued) = outcome else {
                return Ok(None);
            };
            created += issued;
            skipped += group.len() as u64 - issued;
        }
        self.metrics.run_customers_billed(created, skipped);
        Ok(Some((created, skipped)))
    }

    /// Bills `group` in one group of units of work ([`crate::ports::Ledger::begin_page`]), read
    /// ahead, each customer's part recorded with `run` when given: how many were issued
    /// an invoice, or `None` when the run's lease was lost (nothing of the group stored).
    async fn bill_group(
        &self,
        group: &[CustomerId],
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<u64>, BillingRunError> {
        let mut page = self.ledger.begin_page().await?;
        page.read_ahead(group, period).await?;
        let mut created = 0;
        for customer in group {
            let mut unit = page.unit(customer).await?;
            let issued = self
                .charging
                .bill_in(unit.as_mut(), customer, period)
                .await?;
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
    ) -> Result<Option<u64>, BillingRunError> {
        let billed = match run {
            Some(ticket) => self.runs.billed(&ticket.run_id, group).await?,
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
    ) -> Result<usize, BillingRunError> {
        let mut finished = 0;
        for run in self.runs.unclaimed(self.time.now()).await? {
            let id = RunId::parse(&run.id).map_err(anyhow::Error::new)?;
            if self
                .drive_billing_run(caller, &id, owner, &|_| {})
                .await?
                .is_some()
            {
                finished += 1;
            }
        }
        Ok(finished)
    }
}
