//! Charging: a period's charges from the subscription's timeline, settled against what
//! was already invoiced (see `portal_domain::charges`), inside one ledger unit of work.
//! The billing run and every plan change charge through here.

use chrono::Days;
use portal_domain::charges::{has_legacy_lines, period_charges, settle};
use portal_domain::invoice::{PAYMENT_TERM_DAYS, total_of};
use portal_domain::{
    Currency, CustomerId, InvoiceKind, InvoiceLine, InvoiceStatus, Month, NewInvoice, Plan, Segment,
};

use crate::period_bill::{BillInputs, UsageView};
use tracing::instrument;

use crate::error::BillingError;
use crate::ports::{InvoicedLines, LedgerTxn, RepositoryError};
use crate::principal::PlatformCaller;
use crate::runs::RunTicket;
use crate::service::BillingService;

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

/// The lines that bring each of `periods` to its charges under `segments`. Periods that
/// hold lines of the previous version (an upgrade charged as one difference line) are
/// closed and left alone.
pub(crate) fn settlement(
    segments: &[Segment],
    plans: &[Plan],
    invoiced: &InvoicedLines,
    periods: impl IntoIterator<Item = Month>,
) -> Result<Vec<InvoiceLine>, BillingError> {
    let mut lines = Vec::new();
    for period in periods {
        let already = invoiced.get(&period).map(Vec::as_slice).unwrap_or(&[]);
        if has_legacy_lines(already) {
            continue;
        }
        let owed = period_charges(segments, period, plans)
            .map_err(|e| BillingError::Internal(anyhow::Error::new(e)))?;
        lines.extend(settle(&owed, already));
    }
    Ok(lines)
}

impl BillingService {
    /// An invoice of `lines`, issued now, or `None` when they add up to nothing.
    pub(crate) fn invoice_of(
        &self,
        customer: &CustomerId,
        period: Month,
        kind: InvoiceKind,
        lines: Vec<InvoiceLine>,
    ) -> Result<Option<NewInvoice>, BillingError> {
        let currency = lines
            .first()
            .map(|l| l.amount.currency())
            .unwrap_or(Currency::Cny);
        if total_of(currency, &lines)?.is_zero() {
            return Ok(None);
        }
        let created_at = self.ports().clock.now();
        let issued_on = self.ports().calendar.date_of(created_at);
        Ok(Some(NewInvoice {
            customer_id: customer.clone(),
            period,
            kind,
            status: InvoiceStatus::Pending,
            currency,
            lines,
            created_at,
            issued_on,
            due_date: issued_on + Days::new(PAYMENT_TERM_DAYS),
        }))
    }

    /// Bills `period`: for each subscription serving it, issues what its charges owe
    /// beyond what was invoiced (nothing twice), then marks overdue invoices and ended
    /// subscriptions. Scheduled changes need no run: they take effect on their date.
    #[instrument(skip_all, fields(caller = %caller.name, period = %period))]
    pub async fn billing_run(
        &self,
        caller: &PlatformCaller,
        period: Month,
    ) -> Result<BillingRunReport, BillingError> {
        let ports = self.ports();
        let mut report = BillingRunReport::default();
        let mut after: Option<CustomerId> = None;
        loop {
            let page = ports
                .ledger
                .billable_page(period, after.as_ref(), crate::runs::RUN_PAGE)
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
        metrics::counter!("portal_billing_runs_total").increment(1);
        metrics::counter!("portal_billing_invoices_created_total").increment(report.created);
        tracing::info!(?report, "billing run finished");
        Ok(report)
    }

    /// What a run does once every customer is billed: marks overdue invoices and ended
    /// subscriptions, and purges old idempotency keys.
    pub(crate) async fn finish_run_tail(
        &self,
        caller: &PlatformCaller,
        report: &mut BillingRunReport,
    ) -> Result<(), BillingError> {
        let ports = self.ports();
        let (overdue, expired) = self.mark_overdue_and_expired(caller).await?;
        report.invoices_overdue = overdue;
        report.subscriptions_expired = expired;
        report.idempotency_keys_purged = ports
            .idempotency
            .purge_claimed_before(ports.clock.now() - crate::IDEMPOTENCY_KEY_RETENTION)
            .await?;
        Ok(())
    }

    /// One customer's part of a billing run, tried again while another unit of work
    /// changes the subscription under it: `Some(true)` when an invoice was issued,
    /// `None` when `run`'s lease was lost (nothing written).
    pub(crate) async fn bill_with_retries(
        &self,
        customer: &CustomerId,
        period: Month,
        run: Option<&RunTicket>,
    ) -> Result<Option<bool>, BillingError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.bill_customer(customer, period, run).await {
                Err(BillingError::Conflict(_)) if attempt < CHARGE_ATTEMPTS => continue,
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
    ) -> Result<Option<bool>, BillingError> {
        let mut txn = self.ports().ledger.begin(customer).await?;
        let issued = self.bill_in(txn.as_mut(), customer, period).await?;
        if let Some(ticket) = run
            && !txn.record_run_item(ticket, issued).await?
        {
            return Ok(None);
        }
        txn.commit().await?;
        Ok(Some(issued))
    }

    /// Issues, in `txn`, what `customer` owes for `period` now; `true` when it issued
    /// an invoice.
    pub(crate) async fn bill_in(
        &self,
        txn: &mut dyn LedgerTxn,
        customer: &CustomerId,
        period: Month,
    ) -> Result<bool, BillingError> {
        let Some(subscription) = txn.subscription().await? else {
            return Ok(false);
        };
        // A period's invoice bills its fees and, in arrears, the month before's usage.
        if !subscription.serves(period) && !subscription.serves(period.prev()) {
            return Ok(false);
        }
        let plans = txn.plans().await?;
        let read_at = self.ports().clock.now();
        let inputs = BillInputs::read(txn, period).await?;
        let bill = inputs.bill(&subscription, &plans, UsageView::Recorded)?;
        let Some(invoice) = self.invoice_of(customer, period, bill.kind, bill.lines)? else {
            return Ok(false);
        };
        // Bumping the version makes a concurrent run of the same period conflict.
        txn.save(&subscription).await.map_err(conflict_is_retry)?;
        let issued = txn.issue(&invoice).await?;
        self.enqueue(txn, [self.invoice_issued(&issued)]).await?;
        txn.set_usage_watermark(inputs.watermark(read_at)).await?;
        Ok(true)
    }
}

fn conflict_is_retry(err: RepositoryError) -> BillingError {
    match err {
        RepositoryError::Conflict => BillingError::Conflict("changed concurrently".into()),
        other => other.into(),
    }
}
