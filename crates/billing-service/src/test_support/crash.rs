//! [`CrashAfterCommit`]: the ledger and the idempotency keys of a process that dies right
//! after a unit of work commits, before it answers: the commit is stored, the caller is
//! told the store went away, and every later call of this process fails. A new process
//! (ports over the same store without the decorator) sees what was stored.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, Month, NewInvoice, Plan, Subscription, UsageRecord,
};

use crate::ports::{
    IdempotencyRepository, InvoicedLines, KeyClaim, Ledger, LedgerTxn, OutboxMessage,
    RepositoryError, RunTicket,
};

/// Decorates a store's [`Ledger`] and [`IdempotencyRepository`] (see the module).
#[derive(Clone)]
pub struct CrashAfterCommit<S> {
    inner: Arc<S>,
    crashed: Arc<AtomicBool>,
}

impl<S> CrashAfterCommit<S> {
    pub fn new(inner: Arc<S>) -> Self {
        Self {
            inner,
            crashed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a unit of work committed (and the process died).
    pub fn crashed(&self) -> bool {
        self.crashed.load(Ordering::SeqCst)
    }

    fn alive(&self) -> Result<(), RepositoryError> {
        alive(&self.crashed)
    }
}

fn alive(crashed: &AtomicBool) -> Result<(), RepositoryError> {
    if crashed.load(Ordering::SeqCst) {
        Err(RepositoryError::Unavailable(anyhow::anyhow!(
            "the process died after a commit"
        )))
    } else {
        Ok(())
    }
}

struct CrashingTxn {
    inner: Box<dyn LedgerTxn>,
    crashed: Arc<AtomicBool>,
}

#[async_trait]
impl<S: Ledger + 'static> Ledger for CrashAfterCommit<S> {
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError> {
        self.alive()?;
        Ok(Box::new(CrashingTxn {
            inner: self.inner.begin(customer).await?,
            crashed: self.crashed.clone(),
        }))
    }

    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError> {
        self.alive()?;
        self.inner.billable_page(period, after, limit).await
    }

    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError> {
        self.alive()?;
        self.inner.count_billable(period).await
    }
}

#[async_trait]
impl LedgerTxn for CrashingTxn {
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError> {
        self.inner.subscription().await
    }

    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError> {
        self.inner.plans().await
    }

    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError> {
        self.inner.invoiced_lines(from).await
    }

    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError> {
        self.inner.save(subscription).await
    }

    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        self.inner.issue(invoice).await
    }

    async fn open_credits(
        &mut self,
    ) -> Result<Vec<portal_domain::receivables::OpenCredit>, RepositoryError> {
        self.inner.open_credits().await
    }

    async fn open_invoices(
        &mut self,
    ) -> Result<Vec<portal_domain::receivables::OpenInvoice>, RepositoryError> {
        self.inner.open_invoices().await
    }

    async fn apply(
        &mut self,
        settlements: &[portal_domain::receivables::Settlement],
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        self.inner.apply(settlements, at).await
    }

    async fn receive(
        &mut self,
        payment: &crate::ports::NewPayment,
    ) -> Result<crate::ports::PaymentRecord, RepositoryError> {
        self.inner.receive(payment).await
    }

    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        self.inner.record(audit).await
    }

    async fn enqueue(&mut self, message: &OutboxMessage) -> Result<(), RepositoryError> {
        self.inner.enqueue(message).await
    }

    async fn notify(
        &mut self,
        notification: &crate::ports::Notification,
    ) -> Result<(), RepositoryError> {
        self.inner.notify(notification).await
    }

    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        self.inner.period_invoices().await
    }

    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError> {
        self.inner.usage(range).await
    }

    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError> {
        self.inner.usage_changed_since(since).await
    }

    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError> {
        self.inner.usage_watermark().await
    }

    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        self.inner.set_usage_watermark(at).await
    }

    async fn record_run_item(
        &mut self,
        ticket: &RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        self.inner.record_run_item(ticket, issued).await
    }

    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        self.inner.claim_key(key, fingerprint, now).await
    }

    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError> {
        self.inner.answer_key(key, response).await
    }

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        alive(&self.crashed)?;
        self.inner.commit().await?;
        self.crashed.store(true, Ordering::SeqCst);
        alive(&self.crashed)
    }
}

#[async_trait]
impl<S: IdempotencyRepository + 'static> IdempotencyRepository for CrashAfterCommit<S> {
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        self.alive()?;
        self.inner.claim(customer, key, fingerprint, now).await
    }

    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError> {
        self.alive()?;
        self.inner.purge_claimed_before(cutoff).await
    }
}
