//! The ledger through the cache: units of work run on the database; after a commit the
//! customer's subscription and invoice keys are brought up to date. Prices are read in
//! the transaction, never from the cache.

use async_trait::async_trait;
use portal_billing::{InvoicedLines, Ledger, LedgerTxn, RepositoryError};
use portal_domain::{AuditEntry, CustomerId, Invoice, Month, NewInvoice, Plan, Subscription};

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

    async fn billable(&self, period: Month) -> Result<Vec<CustomerId>, RepositoryError> {
        self.db.billable(period).await
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
