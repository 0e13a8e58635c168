//! The ledger through the cache: units of work run on the database; after a commit the
//! customer's subscription and invoice keys are brought up to date. Prices are read in
//! the transaction, never from the cache.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::{InvoicedLines, Ledger, LedgerTxn, RepositoryError};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, Month, NewInvoice, Plan, Subscription, UsageRecord,
};

use super::store::CachedStore;

/// A ledger unit of work of the store; after its commit, the customer's subscription
/// and invoice keys are brought up to date.
struct CachedLedgerTxn {
    inner: Box<dyn LedgerTxn>,
    store: CachedStore,
    saved: Option<Subscription>,
    issued: bool,
}

#[async_trait]
impl Ledger for CachedStore {
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError> {
        Ok(Box::new(CachedLedgerTxn {
            inner: self.db.begin(customer).await?,
            store: self.clone(),
            saved: None,
            issued: false,
        }))
    }

    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError> {
        self.db.billable_page(period, after, limit).await
    }

    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError> {
        self.db.count_billable(period).await
    }
}

#[async_trait]
impl LedgerTxn for CachedLedgerTxn {
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
        let saved = self.inner.save(subscription).await?;
        self.saved = Some(saved.clone());
        Ok(saved)
    }

    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        self.issued = true;
        self.inner.issue(invoice).await
    }

    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        self.inner.record(audit).await
    }

    async fn enqueue(
        &mut self,
        message: &portal_billing::delivery::OutboxMessage,
    ) -> Result<(), RepositoryError> {
        self.inner.enqueue(message).await
    }

    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        self.inner.period_invoices().await
    }

    /// Read from the database in the unit of work: what is charged never comes from
    /// the cache.
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
        ticket: &portal_billing::RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        self.inner.record_run_item(ticket, issued).await
    }

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let CachedLedgerTxn {
            inner,
            store,
            saved,
            issued,
        } = *self;
        inner.commit().await?;
        if let Some(subscription) = &saved {
            store.refresh_subscription(subscription).await;
            if issued {
                store.refresh_invoices(&subscription.customer_id).await;
            }
        }
        Ok(())
    }
}
