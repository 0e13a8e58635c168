//! [`Charging`]: a period's charges issued inside one ledger unit of work. A billing run
//! issues what a customer owes through [`Charging::bill_in`]; every change of a timeline
//! invoices its settlement through [`Charging::invoice_of`].

use chrono::Days;
use portal_domain::invoice::{PAYMENT_TERM_DAYS, total_of};
use portal_domain::{
    Currency, CustomerId, DocumentKind, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, Month,
    NewInvoice,
};

use crate::error::BillingError;
use crate::events::Events;
use crate::period_bill::{BillInputs, UsageView};
use crate::ports::{LedgerTxn, RepositoryError};
use crate::time::BusinessTime;

#[derive(Clone)]
pub struct Charging {
    time: BusinessTime,
    events: Events,
}

impl Charging {
    pub fn new(time: BusinessTime, events: Events) -> Self {
        Self { time, events }
    }

    /// An invoice of `lines`, issued now, or `None` when they add up to nothing.
    pub fn invoice_of(
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
        let created_at = self.time.now();
        let issued_on = self.time.calendar().date_of(created_at);
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

    /// Issues `invoice` in `txn` (an invoice, or a credit note when it credits) and
    /// applies the account's open credit: a credit note's at once to the open invoices,
    /// credit held before to a new invoice.
    pub async fn issue(
        &self,
        txn: &mut dyn LedgerTxn,
        invoice: &NewInvoice,
    ) -> Result<Invoice, BillingError> {
        let issued = txn.issue(invoice).await?;
        let arrived = (issued.document == DocumentKind::CreditNote).then(|| issued.id.to_string());
        crate::receivables::settle_in(txn, arrived.as_deref(), issued.created_at).await?;
        Ok(issued)
    }

    /// Issues, in `txn`, what `customer` owes for `period` now; `true` when it issued
    /// an invoice.
    pub async fn bill_in(
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
        let read_at = self.time.now();
        let inputs = BillInputs::read(txn, period).await?;
        let bill = inputs.bill(&subscription, &plans, UsageView::Recorded)?;
        let Some(invoice) = self.invoice_of(customer, period, bill.kind, bill.lines)? else {
            return Ok(false);
        };
        // Bumping the version makes a concurrent run of the same period conflict.
        txn.save(&subscription).await.map_err(conflict_is_retry)?;
        let issued = self.issue(txn, &invoice).await?;
        self.events.document_issued(txn, &issued).await?;
        txn.set_usage_watermark(inputs.watermark(read_at)).await?;
        Ok(true)
    }
}

fn conflict_is_retry(err: RepositoryError) -> BillingError {
    match err {
        RepositoryError::Conflict => BillingError::Conflict(
            "the subscription was changed by another request; try again".into(),
        ),
        other => other.into(),
    }
}
