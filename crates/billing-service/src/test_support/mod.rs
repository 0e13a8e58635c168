//! In-memory fakes of every port, for tests of the service and of the HTTP layer.
//! They keep the ports' promises (tenant scoping, ordering, optimistic versions,
//! gap-free numbering) so tests written against them hold against the real adapters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use portal_domain::billing_ops::daily_deltas;
use portal_domain::product::Metering;
use portal_domain::{
    AccountChanges, AuditEntry, AuditKey, AuditPage, BusinessCalendar, Customer, CustomerId,
    DateRange, DocumentKind, Invoice, InvoiceStatus, Money, Month, NewCustomer, NewInvoice, Page,
    PageRequest, Plan, PlanId, Product, Subscription, SubscriptionStatus, UsageEvent, UsageRecord,
    account_audit,
};

use crate::Adapters;
use crate::ports::{
    Actor, AuditRepository, Clock, CustomerRepository, HealthProbe, InvoiceDocument,
    InvoiceRenderer, PlanCatalog, RenderError, RepositoryError, SubscriptionRepository,
    UsageRepository,
};

pub mod contract;
mod crash;
mod metrics;
pub use crash::CrashAfterCommit;
pub use metrics::{Recorded, RecordingMetrics};
mod account;
mod fapiao;
mod guard;
mod invoices;
mod keys;
mod ledger;
mod outbox;
mod pending;
mod runs;

/// An idempotency key's fingerprint and, once finished, its response.
/// Fingerprint, stored response, when claimed.
type StoredKey = (String, Option<Vec<u8>>, DateTime<Utc>);

#[derive(Default)]
struct State {
    customers: BTreeMap<CustomerId, Customer>,
    plans: BTreeMap<PlanId, Plan>,
    subscriptions: Vec<Subscription>,
    usage: BTreeMap<(CustomerId, chrono::NaiveDate, &'static str), UsageRecord>,
    /// When each customer's day last changed (as `usage_logs.updated_at`).
    usage_updated: BTreeMap<(CustomerId, chrono::NaiveDate), DateTime<Utc>>,
    /// When a billing run last settled each customer's usage.
    usage_watermarks: HashMap<CustomerId, DateTime<Utc>>,
    rules: BTreeMap<CustomerId, Vec<portal_domain::guard::AlertRule>>,
    caps: BTreeMap<CustomerId, Vec<portal_domain::guard::Cap>>,
    firings: HashSet<(CustomerId, Month, String)>,
    notifications: Vec<crate::ports::Notification>,
    outbox: Vec<outbox::Stored>,
    fapiao: fapiao::FapiaoState,
    invoices: Vec<Invoice>,
    sequences: HashMap<String, u32>,
    account: account::AccountState,
    audit: Vec<AuditEntry>,
    events: HashSet<String>,
    keys: HashMap<(CustomerId, String), StoredKey>,
    runs: runs::RunsState,
}

/// Every repository port over one in-memory state.
#[derive(Clone, Default)]
pub struct InMemoryStore {
    state: Arc<Mutex<State>>,
    /// When set, every ledger unit of work waits here after reading the subscription,
    /// so that concurrent ones all read before any writes (concurrency tests).
    read_barrier: Arc<Mutex<Option<Arc<tokio::sync::Barrier>>>>,
}

impl InMemoryStore {
    fn lock(&self) -> Result<MutexGuard<'_, State>, RepositoryError> {
        self.state
            .lock()
            .map_err(|_| RepositoryError::Other(anyhow::anyhow!("state poisoned")))
    }

    /// Adapters over this store, `clock` and a [`TextRenderer`].
    pub fn ports(&self, clock: Arc<dyn Clock>) -> Adapters {
        self.ports_with(clock, Arc::new(TextRenderer::default()))
    }

    pub fn ports_with(
        &self,
        clock: Arc<dyn Clock>,
        renderer: Arc<dyn InvoiceRenderer>,
    ) -> Adapters {
        Adapters::from_store(
            Arc::new(self.clone()),
            renderer,
            clock,
            BusinessCalendar::default(),
        )
    }

    /// Makes the next ledger units of work wait after their read until `parties` of
    /// them have read.
    pub fn hold_ledger_reads(&self, parties: usize) {
        if let Ok(mut slot) = self.read_barrier.lock() {
            *slot = Some(Arc::new(tokio::sync::Barrier::new(parties)));
        }
    }

    /// All invoices of all customers, for assertions.
    pub fn all_invoices(&self) -> Vec<Invoice> {
        self.state
            .lock()
            .map(|s| s.invoices.clone())
            .unwrap_or_default()
    }
}

/// The document `new` as numbered `seq` of its counter.
fn numbered(new: &NewInvoice, seq: u32) -> Result<Invoice, RepositoryError> {
    let document = new.document().map_err(anyhow::Error::new)?;
    Ok(Invoice {
        id: new.number(seq).map_err(anyhow::Error::new)?,
        customer_id: new.customer_id.clone(),
        period: new.period,
        kind: new.kind,
        status: match document {
            DocumentKind::Invoice => new.status,
            DocumentKind::CreditNote => InvoiceStatus::Issued,
        },
        amount: new.total().map_err(anyhow::Error::new)?,
        lines: new.lines.clone(),
        created_at: new.created_at,
        due_date: new.due_date,
        payments: Vec::new(),
        document,
        amount_paid: Money::zero(new.currency),
        applications: Vec::new(),
    })
}

/// Stores `new` with the next number of its counter and its account entry `entry`.
fn issue(state: &mut State, new: &NewInvoice, entry: i64) -> Result<Invoice, RepositoryError> {
    let key = new.numbering_key().map_err(anyhow::Error::new)?;
    let seq = state.sequences.entry(key).or_insert(0);
    *seq += 1;
    let invoice = numbered(new, *seq)?;
    state.account.add_document(&invoice, entry)?;
    state.invoices.push(invoice.clone());
    Ok(invoice)
}

#[async_trait]
impl CustomerRepository for InMemoryStore {
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError> {
        Ok(self.lock()?.customers.get(id).cloned())
    }

    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError> {
        let mut state = self.lock()?;
        let Some(before) = state.customers.get(id).cloned() else {
            return Ok(None);
        };
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(RepositoryError::Conflict);
        }
        let after = changes.apply_to(&before);
        state.customers.insert(id.clone(), after.clone());
        state.audit.push(account_audit(
            &before,
            &after,
            (&actor.user_id, actor.user_name.as_deref()),
            actor.at,
        ));
        Ok(Some(after))
    }

    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError> {
        let state = self.lock()?;
        Ok(ids
            .iter()
            .filter(|id| state.customers.contains_key(*id))
            .cloned()
            .collect())
    }

    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError> {
        let mut state = self.lock()?;
        let created = !state.customers.contains_key(id);
        let created_at = state.customers.get(id).map(|c| c.created_at).unwrap_or(now);
        let version = state.customers.get(id).map(|c| c.version + 1).unwrap_or(1);
        let customer = Customer {
            id: id.clone(),
            company_name: data.company_name.clone(),
            contact_name: data.contact_name.clone(),
            contact_email: data.contact_email.clone(),
            created_at,
            version,
        };
        state.customers.insert(id.clone(), customer.clone());
        Ok((customer, created))
    }
}

#[async_trait]
impl PlanCatalog for InMemoryStore {
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError> {
        Ok(self.lock()?.plans.values().cloned().collect())
    }

    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError> {
        Ok(self.lock()?.plans.get(id).cloned())
    }

    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError> {
        self.lock()?.plans.insert(plan.id.clone(), plan.clone());
        Ok(())
    }
}

#[async_trait]
impl SubscriptionRepository for InMemoryStore {
    async fn current(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<Subscription>, RepositoryError> {
        Ok(self
            .lock()?
            .subscriptions
            .iter()
            .filter(|s| &s.customer_id == customer)
            .max_by_key(|s| s.start_date())
            .cloned())
    }

    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError> {
        let mut state = self.lock()?;
        if state
            .subscriptions
            .iter()
            .any(|s| s.customer_id == subscription.customer_id)
        {
            return Ok(false);
        }
        state.subscriptions.push(subscription.clone());
        Ok(true)
    }

    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let mut expired = 0;
        for sub in &mut state.subscriptions {
            if sub.status == SubscriptionStatus::Active && sub.end_date() < today {
                sub.status = SubscriptionStatus::Expired;
                sub.version += 1;
                expired += 1;
            }
        }
        Ok(expired)
    }
}

#[async_trait]
impl UsageRepository for InMemoryStore {
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError> {
        Ok(self
            .lock()?
            .usage
            .iter()
            .filter(|((c, date, _), r)| {
                c == customer
                    && *date >= range.from()
                    && *date <= range.to()
                    && product.is_none_or(|p| p == r.product)
            })
            .map(|(_, r)| *r)
            .collect())
    }

    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let fresh: Vec<UsageEvent> = events
            .iter()
            .filter(|e| state.events.insert(e.event_id.clone()))
            .cloned()
            .collect();
        for ((customer, date, product), value) in daily_deltas(&fresh) {
            state
                .usage_updated
                .insert((customer.clone(), date), received_at);
            let key = (customer, date, product.as_str());
            let record = state.usage.entry(key).or_insert(UsageRecord {
                date,
                product,
                count: 0,
            });
            record.count = match product.metering() {
                Metering::Counted => record.count + value,
                Metering::Gauge => record.count.max(value),
            };
        }
        Ok(fresh.len() as u64)
    }

    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let mut added = 0;
        for r in records {
            let key = (customer.clone(), r.date, r.product.as_str());
            if let std::collections::btree_map::Entry::Vacant(slot) = state.usage.entry(key) {
                slot.insert(*r);
                added += 1;
            }
        }
        Ok(added)
    }
}

#[async_trait]
impl AuditRepository for InMemoryStore {
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<AuditKey>,
    ) -> Result<AuditPage, RepositoryError> {
        let state = self.lock()?;
        // An entry's key is its place in the log of every customer, from 1, like the
        // database's row id.
        let theirs = (1_i64..)
            .zip(&state.audit)
            .filter(|(_, e)| &e.customer_id == customer)
            .map(|(key, e)| (AuditKey(key), e.clone()));
        Ok(Page::newest_first(theirs, page, |(key, _)| *key).map(|(_, entry)| entry))
    }
}

#[async_trait]
impl HealthProbe for InMemoryStore {
    async fn ready(&self) -> bool {
        true
    }
}

/// A renderer that writes the document's facts as text lines and counts its calls.
#[derive(Default)]
pub struct TextRenderer {
    renders: AtomicUsize,
}

impl TextRenderer {
    pub fn renders(&self) -> usize {
        self.renders.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl InvoiceRenderer for TextRenderer {
    fn fingerprint(&self) -> String {
        "text-1".into()
    }

    async fn render(&self, document: InvoiceDocument) -> Result<Vec<u8>, RenderError> {
        self.renders.fetch_add(1, Ordering::SeqCst);
        let invoice = &document.invoice;
        let mut text = format!(
            "{}\n{}\n{}\n{}\n",
            invoice.id,
            document.language.as_str(),
            document.bill_to.company_name,
            invoice.amount
        );
        for line in &invoice.lines {
            text.push_str(&format!("{} {}\n", line.description, line.amount));
        }
        Ok(text.into_bytes())
    }
}

/// A clock that shows a set time until moved.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(now)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = now;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|t| *t).unwrap_or_default()
    }
}
