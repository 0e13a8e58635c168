//! [`Billing`]: issuing what customers owe. The billing run of a period (the §8 request,
//! and the resumable jobs of §13 in `runs.rs`), the bill to come (§10), and the run's
//! tail: overdue invoices, ended subscriptions, old idempotency keys.

mod runs;

use std::sync::Arc;

use portal_domain::{CustomerId, Invoice, Month};
use tracing::instrument;

use crate::charging::Charging;
use crate::events::Events;
use crate::ports::{
    BillingRuns, IdempotencyRepository, InvoiceRepository, Ledger, Metrics, RunTicket,
    SubscriptionRepository,
};
use crate::principal::{PlatformCaller, Principal};
use crate::time::BusinessTime;
use crate::upcoming::{UpcomingBill, UpcomingBills};

crate::error::capability_error!(
    /// What billing (runs, the upcoming bill) can end in.
    BillingRunError,
    conflict: "the billing run was changed by another process; look at the run again"
);

pub use runs::{OnProgress, RUN_GROUP, RUN_PAGE};

/// What a billing run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BillingRunReport {
    /// Invoices issued: a period's first invoice, or what a later run settles.
    pub created: u64,
    /// Subscriptions serving the period that owed nothing more.
    pub skipped: u64,
    pub invoices_overdue: u64,
    pub subscriptions_expired: u64,
    /// Idempotency keys older than [`crate::IDEMPOTENCY_KEY_RETENTION`] deleted.
    pub idempotency_keys_purged: u64,
}

/// How often a charge is tried again when another unit of work changed the subscription
/// between its read and its write.
const CHARGE_ATTEMPTS: usize = 5;

/// How long an `Idempotency-Key` and its stored response are kept: a retry within this
/// window replays the first answer; the billing run deletes older keys.
pub const IDEMPOTENCY_KEY_RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);

pub struct Billing {
    pub(crate) ledger: Arc<dyn Ledger>,
    pub(crate) runs: Arc<dyn BillingRuns>,
    pub(crate) invoices: Arc<dyn InvoiceRepository>,
    pub(crate) subscriptions: Arc<dyn SubscriptionRepository>,
    pub(crate) idempotency: Arc<dyn IdempotencyRepository>,
    pub(crate) metrics: Arc<dyn Metrics>,
    pub(crate) charging: Charging,
    pub(crate) upcoming: UpcomingBills,
    pub(crate) events: Events,
    pub(crate) time: BusinessTime,
    /// This process among the instances: the holder of the billing runs it drives.
    pub(crate) instance: String,
}

impl Billing {
    /// This process's name as the holder of billing runs' leases (new at each start).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The bill the next period's billing run would issue now, and projected. Nothing
    /// owed (no subscription, or nothing to bill) is a bill of 0.00 without lines.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn upcoming_bill(
        &self,
        principal: &Principal,
    ) -> Result<UpcomingBill, BillingRunError> {
        Ok(self.upcoming.of(&principal.customer_id).await?)
    }

    /// Bills `period`: for each subscription serving it, issues what its charges owe
    /// beyond what was invoiced (nothing twice), then marks overdue invoices and ended
    /// subscriptions. Scheduled changes need no run: they take effect on their date.
    #[instrument(skip_all, fields(caller = %caller.name, period = %period))]
    pub async fn billing_run(
        &self,
        caller: &PlatformCaller,
        period: Month,
    ) -> Result<BillingRunReport, BillingRunError> {
        let mut report = BillingRunReport::default();
        let mut after: Option<CustomerId> = None;
        loop {
            let page = self
                .ledger
                .billable_page(period, after.as_ref(), RUN_PAGE)
                .await?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            let (created, skipped) = self
                .bill_groups(&page, period, None)
                .await?
                .unwrap_or_default();
            report.created += created;
            report.skipped += skipped;
            after = Some(last);
        }
        self.finish_run_tail(caller, &mut report).await?;
        self.metrics.billing_run_finished(report.created);
        tracing::info!(?report, "billing run finished");
        Ok(report)
    }

    /// What a run does once every customer is billed: marks overdue invoices and ended
    /// subscriptions, and purges old idempotency keys.
    pub(super) async fn finish_run_tail(
        &self,
        caller: &PlatformCaller,
        report: &mut BillingRunReport,
    ) -> Result<(), BillingRunError> {
        let (overdue, expired) = self.mark_overdue_and_expired(caller).await?;
        report.invoices_overdue = overdue;
        report.subscriptions_expired = expired;
        report.idempotency_keys_purged = self
            .idempotency
            .purge_claimed_before(self.time.now() - IDEMPOTENCY_KEY_RETENTION)
            .await?;
        Ok(())
    }

    /// One customer's part of a billing run, tried again while another unit of work
    /// changes the subscription under it: `Some(true)` when an invoice was issued,
    /// `None` when `run`'s lease was lost (nothing written).
    pub(super) async fn bill_with_retries(
        &self,
        customer: &CustomerId,
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<bool>, BillingRunError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.bill_customer(customer, period, run).await {
                Err(BillingRunError::Conflict(_)) if attempt < CHARGE_ATTEMPTS => continue,
                other => return other,
            }
        }
    }

    /// One customer's part of a billing run, in one unit of work with the run's record
    /// of it (when `run`): `Some(true)` when an invoice was issued, `None` when the
    /// run's lease was lost.
    async fn bill_customer(
        &self,
        customer: &CustomerId,
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<bool>, BillingRunError> {
        let mut txn = self.ledger.begin(customer).await?;
        let issued = self
            .charging
            .bill_in(txn.as_mut(), customer, period)
            .await?;
        if let Some(ticket) = run
            && !txn.record_run_item(ticket, issued).await?
        {
            return Ok(None);
        }
        txn.commit().await?;
        Ok(Some(issued))
    }

    /// Marks pending invoices past their due date overdue and subscriptions past their
    /// end expired; returns both counts.
    pub async fn mark_overdue_and_expired(
        &self,
        _caller: &PlatformCaller,
    ) -> Result<(u64, u64), BillingRunError> {
        let today = self.time.today();
        let announce = |invoice: &Invoice| self.events.invoice_overdue(invoice);
        let overdue = self.invoices.mark_overdue(today, &announce).await?;
        let expired = self.subscriptions.expire_ended(today).await?;
        Ok((overdue, expired))
    }
}
