//! The ledger through the cache: units of work run on the database; after a commit the
//! customer's subscription and invoice keys are brought up to date (a group's are
//! dropped, to be loaded again when read). Prices are read in the transaction, never
//! from the cache.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use portal_billing::ports::{NewPayment, PaymentRecord};
use portal_billing::{InvoicedLines, KeyClaim, Ledger, LedgerPage, LedgerTxn, RepositoryError};
use portal_domain::receivables::{OpenCredit, OpenInvoice, Settlement};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, Month, NewInvoice, Plan, Subscription, UsageRecord,
};

use super::keys;
use super::store::CachedStore;

/// What a unit of work changed: the subscription saved, and whether it issued.
type Changed = (Subscription, bool);

/// A ledger unit of work of the store; after its commit the customer's subscription and
/// invoice keys are brought up to date (in a group: dropped once the group commits).
struct CachedLedgerTxn<'a> {
    inner: Box<dyn LedgerTxn + 'a>,
    store: CachedStore,
    saved: Option<Subscription>,
    issued: bool,
    /// In a group: where the unit leaves its change, whose keys are dropped once the
    /// group commits (a key changed before would show what a rolled-back group never
    /// stored).
    group: Option<Arc<Mutex<Vec<Changed>>>>,
}

impl CachedStore {
    /// Brings the keys of a committed change up to date.
    async fn refresh_changed(&self, (subscription, issued): &Changed) {
        self.refresh_subscription(subscription).await;
        if *issued {
            self.refresh_invoices(&subscription.customer_id).await;
        }
    }
}

/// A group of units of work of the store ([`Ledger::begin_page`]).
struct CachedLedgerPage<'s> {
    inner: Box<dyn LedgerPage + 's>,
    store: CachedStore,
    changed: Arc<Mutex<Vec<Changed>>>,
}

#[async_trait]
impl LedgerPage for CachedLedgerPage<'_> {
    #[tracing::instrument(name = "cache.ledger.read_ahead", level = "debug", skip_all)]
    async fn read_ahead(
        &mut self,
        customers: &[CustomerId],
        period: Month,
    ) -> Result<(), RepositoryError> {
        self.inner.read_ahead(customers, period).await
    }

    #[tracing::instrument(name = "cache.ledger.unit", level = "debug", skip_all)]
    async fn unit<'a>(
        &'a mut self,
        customer: &CustomerId,
    ) -> Result<Box<dyn LedgerTxn + 'a>, RepositoryError> {
        Ok(Box::new(CachedLedgerTxn {
            inner: self.inner.unit(customer).await?,
            store: self.store.clone(),
            saved: None,
            issued: false,
            group: Some(self.changed.clone()),
        }))
    }

    #[tracing::instrument(name = "cache.ledger.commit", level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let CachedLedgerPage {
            inner,
            store,
            changed,
        } = *self;
        inner.commit().await?;
        let changed = std::mem::take(&mut *changed.lock().map_err(|_| poisoned())?);
        // A group changes hundreds of customers: their keys are dropped in one call (each
        // is loaded again from the database when next read) rather than read back and
        // written one by one.
        let keys: Vec<String> = changed
            .iter()
            .flat_map(|(subscription, issued)| {
                let customer = &subscription.customer_id;
                std::iter::once(keys::customer_subscription(customer))
                    .chain(issued.then(|| keys::invoices(customer)))
            })
            .collect();
        store.forget(&keys).await;
        Ok(())
    }
}

fn poisoned() -> RepositoryError {
    RepositoryError::Other(anyhow::anyhow!("a group's changes were poisoned"))
}

#[async_trait]
impl Ledger for CachedStore {
    #[tracing::instrument(name = "cache.ledger.begin", level = "debug", skip_all)]
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError> {
        Ok(Box::new(CachedLedgerTxn {
            inner: self.db.begin(customer).await?,
            store: self.clone(),
            saved: None,
            issued: false,
            group: None,
        }))
    }

    #[tracing::instrument(name = "cache.ledger.begin_page", level = "debug", skip_all)]
    async fn begin_page(&self) -> Result<Box<dyn LedgerPage + '_>, RepositoryError> {
        Ok(Box::new(CachedLedgerPage {
            inner: self.db.begin_page().await?,
            store: self.clone(),
            changed: Arc::default(),
        }))
    }

    #[tracing::instrument(name = "cache.ledger.billable_page", level = "debug", skip_all)]
    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError> {
        self.db.billable_page(period, after, limit).await
    }

    #[tracing::instrument(name = "cache.ledger.count_billable", level = "debug", skip_all)]
    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError> {
        self.db.count_billable(period).await
    }
}

#[async_trait]
impl LedgerTxn for CachedLedgerTxn<'_> {
    #[tracing::instrument(name = "cache.ledger.subscription", level = "debug", skip_all)]
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError> {
        self.inner.subscription().await
    }

    #[tracing::instrument(name = "cache.ledger.plans", level = "debug", skip_all)]
    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError> {
        self.inner.plans().await
    }

    #[tracing::instrument(name = "cache.ledger.invoiced_lines", level = "debug", skip_all)]
    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError> {
        self.inner.invoiced_lines(from).await
    }

    #[tracing::instrument(name = "cache.ledger.save", level = "debug", skip_all)]
    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError> {
        let saved = self.inner.save(subscription).await?;
        self.saved = Some(saved.clone());
        Ok(saved)
    }

    #[tracing::instrument(name = "cache.ledger.issue", level = "debug", skip_all)]
    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        self.issued = true;
        self.inner.issue(invoice).await
    }

    async fn open_credits(&mut self) -> Result<Vec<OpenCredit>, RepositoryError> {
        self.inner.open_credits().await
    }

    async fn open_invoices(&mut self) -> Result<Vec<OpenInvoice>, RepositoryError> {
        self.inner.open_invoices().await
    }

    /// Paid amounts change: the invoice list is dropped with the commit.
    async fn apply(
        &mut self,
        settlements: &[Settlement],
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        self.issued |= !settlements.is_empty();
        self.inner.apply(settlements, at).await
    }

    async fn receive(&mut self, payment: &NewPayment) -> Result<PaymentRecord, RepositoryError> {
        self.inner.receive(payment).await
    }

    #[tracing::instrument(name = "cache.ledger.record", level = "debug", skip_all)]
    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        self.inner.record(audit).await
    }

    #[tracing::instrument(name = "cache.ledger.enqueue", level = "debug", skip_all)]
    async fn enqueue(
        &mut self,
        message: &portal_billing::ports::OutboxMessage,
    ) -> Result<(), RepositoryError> {
        self.inner.enqueue(message).await
    }

    async fn notify(
        &mut self,
        notification: &portal_billing::ports::Notification,
    ) -> Result<(), RepositoryError> {
        self.inner.notify(notification).await
    }

    #[tracing::instrument(name = "cache.ledger.period_invoices", level = "debug", skip_all)]
    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        self.inner.period_invoices().await
    }

    /// Read from the database in the unit of work: what is charged never comes from
    /// the cache.
    #[tracing::instrument(name = "cache.ledger.usage", level = "debug", skip_all)]
    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError> {
        self.inner.usage(range).await
    }

    #[tracing::instrument(name = "cache.ledger.usage_changed_since", level = "debug", skip_all)]
    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError> {
        self.inner.usage_changed_since(since).await
    }

    #[tracing::instrument(name = "cache.ledger.usage_watermark", level = "debug", skip_all)]
    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError> {
        self.inner.usage_watermark().await
    }

    #[tracing::instrument(name = "cache.ledger.set_usage_watermark", level = "debug", skip_all)]
    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        self.inner.set_usage_watermark(at).await
    }

    #[tracing::instrument(name = "cache.ledger.record_run_item", level = "debug", skip_all)]
    async fn record_run_item(
        &mut self,
        ticket: &portal_billing::ports::RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        self.inner.record_run_item(ticket, issued).await
    }

    #[tracing::instrument(name = "cache.ledger.claim_key", level = "debug", skip_all)]
    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        self.inner.claim_key(key, fingerprint, now).await
    }

    #[tracing::instrument(name = "cache.ledger.answer_key", level = "debug", skip_all)]
    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError> {
        self.inner.answer_key(key, response).await
    }

    #[tracing::instrument(name = "cache.ledger.commit", level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let CachedLedgerTxn {
            inner,
            store,
            saved,
            issued,
            group,
        } = *self;
        inner.commit().await?;
        if let Some(subscription) = saved {
            let change = (subscription, issued);
            match group {
                Some(group) => group.lock().map_err(|_| poisoned())?.push(change),
                None => store.refresh_changed(&change).await,
            }
        }
        Ok(())
    }
}
