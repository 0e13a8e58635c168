//! The ports: one small trait per aggregate, implemented by the persistence adapter (and
//! by the in-memory fakes of `test-support`). Every method that reads or writes a
//! customer's data takes the customer's id, so no query can escape its tenant.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

use chrono::NaiveDate;
use portal_domain::{
    AccountChanges, AuditEntry, Customer, CustomerId, DateRange, Invoice, InvoiceId,
    InvoiceSummary, Month, NewCustomer, NewInvoice, Plan, PlanId, Product, ScheduledChange,
    Subscription, SubscriptionId, UsageEvent, UsageRecord, UserId,
};

/// What a storage adapter can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// An optimistic-concurrency check failed: the record changed since it was read.
    #[error("the record was changed concurrently")]
    Conflict,
    /// The store cannot be reached.
    #[error("the store is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[async_trait]
pub trait CustomerRepository: Send + Sync {
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError>;

    /// Applies validated changes; `None` when there is no such customer.
    /// Applies validated changes and records `audit` (built from the row before and
    /// after) in the same transaction; `None` when there is no such customer.
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError>;

    /// Which of `ids` exist.
    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError>;

    /// Creates the customer (at `now`) or replaces its data; `true` when created.
    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError>;
}

#[async_trait]
pub trait PlanCatalog: Send + Sync {
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError>;
    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError>;
    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError>;
}

/// Everything an upgrade writes, committed as one unit: the plan change (only if the
/// subscription is still at `expected_version`) and the proration invoice, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChangeCommit {
    pub customer_id: CustomerId,
    pub subscription_id: SubscriptionId,
    pub expected_version: i64,
    pub new_plan_id: PlanId,
    pub invoice: Option<NewInvoice>,
    pub audit: AuditEntry,
}

/// Who made a change through the portal, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SubscriptionRepository: Send + Sync {
    /// The customer's current subscription: the most recently started one.
    async fn current(&self, customer: &CustomerId)
    -> Result<Option<Subscription>, RepositoryError>;

    /// Stores `subscription` unless the customer already has one; `true` when stored.
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError>;

    /// The upgrade unit of work. [`RepositoryError::Conflict`] when the version moved;
    /// then nothing was written.
    async fn change_plan(
        &self,
        change: &PlanChangeCommit,
    ) -> Result<(Subscription, Option<Invoice>), RepositoryError>;

    /// Sets or clears the scheduled change if the subscription is still at
    /// `expected_version`, recording `audit` in the same transaction.
    async fn set_scheduled_change(
        &self,
        subscription: &Subscription,
        change: Option<&ScheduledChange>,
        audit: &AuditEntry,
    ) -> Result<Subscription, RepositoryError>;

    /// Provisioning: puts the customer's subscription on `plan` for `start..=end`, active,
    /// replacing the current one (its id is kept) or creating one.
    async fn replace(
        &self,
        customer: &CustomerId,
        plan: &PlanId,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Subscription, RepositoryError>;

    /// Every customer's subscriptions that serve a day of `period` (billing run).
    async fn billable(&self, period: Month) -> Result<Vec<Subscription>, RepositoryError>;

    /// Applies scheduled changes effective on or before `on`; returns how many.
    async fn apply_due_changes(&self, on: NaiveDate) -> Result<u64, RepositoryError>;

    /// Marks active subscriptions whose last day is before `today` expired.
    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError>;
}

#[async_trait]
pub trait UsageRepository: Send + Sync {
    /// Daily values in `range`, ordered by date, then product name.
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError>;

    /// Counts new events once, ever: events whose id was seen before are skipped, the
    /// rest move the daily values (counted products add, seats keep the highest) in one
    /// transaction. Returns how many events were new.
    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError>;

    /// Stores daily values for days and products that have none yet; returns how many
    /// were stored.
    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError>;
}

#[async_trait]
pub trait InvoiceRepository: Send + Sync {
    /// The customer's invoices, newest first.
    async fn list(&self, customer: &CustomerId) -> Result<Vec<InvoiceSummary>, RepositoryError>;

    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError>;

    /// Marks pending invoices due before `today` overdue; returns how many.
    async fn mark_overdue(&self, today: NaiveDate) -> Result<u64, RepositoryError>;

    /// Marks the invoice paid, whichever customer it belongs to (platform operation).
    async fn mark_paid(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError>;

    /// Issues a subscription invoice unless the customer already has one for its period,
    /// allocating the next number of its month; `None` when one existed.
    async fn issue_for_period(
        &self,
        invoice: &NewInvoice,
    ) -> Result<Option<Invoice>, RepositoryError>;
}

/// The audit trail of a customer.
#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// The customer's entries, newest first, at most `limit`.
    async fn list(
        &self,
        customer: &CustomerId,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, RepositoryError>;
}

/// The state of an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new and now reserved for this request.
    Claimed,
    /// A request with this key is still running.
    InProgress { fingerprint: String },
    /// A request with this key finished with `response`.
    Completed {
        fingerprint: String,
        response: Vec<u8>,
    },
}

/// Stored results of requests made with an `Idempotency-Key`, per customer.
#[async_trait]
pub trait IdempotencyRepository: Send + Sync {
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError>;

    async fn complete(
        &self,
        customer: &CustomerId,
        key: &str,
        response: &[u8],
    ) -> Result<(), RepositoryError>;

    /// Frees a claimed key whose request failed, so it can be retried.
    async fn release(&self, customer: &CustomerId, key: &str) -> Result<(), RepositoryError>;

    /// Deletes the keys claimed before `cutoff`, answered or not; returns how many.
    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError>;
}

/// The language of a rendered document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentLanguage {
    /// Simplified Chinese, the default.
    Zh,
    En,
}

impl DocumentLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentLanguage::Zh => "zh",
            DocumentLanguage::En => "en",
        }
    }
}

/// Everything an invoice document shows about the customer's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub invoice: Invoice,
    pub bill_to: Customer,
    pub language: DocumentLanguage,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render the invoice: {0}")]
pub struct RenderError(#[from] pub anyhow::Error);

/// Turns an invoice into a PDF document.
#[async_trait]
pub trait InvoiceRenderer: Send + Sync {
    /// Changes whenever the same invoice would render differently (layout version,
    /// seller details); part of the document's ETag.
    fn fingerprint(&self) -> String;

    async fn render(&self, document: InvoiceDocument) -> Result<Vec<u8>, RenderError>;
}

/// Whether the source of truth answers.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    async fn ready(&self) -> bool;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The adapters the service runs on, chosen by the composition root.
#[derive(Clone)]
pub struct Ports {
    pub customers: Arc<dyn CustomerRepository>,
    pub plans: Arc<dyn PlanCatalog>,
    pub subscriptions: Arc<dyn SubscriptionRepository>,
    pub usage: Arc<dyn UsageRepository>,
    pub invoices: Arc<dyn InvoiceRepository>,
    pub audit: Arc<dyn AuditRepository>,
    pub idempotency: Arc<dyn IdempotencyRepository>,
    pub health: Arc<dyn HealthProbe>,
    pub renderer: Arc<dyn InvoiceRenderer>,
    pub clock: Arc<dyn Clock>,
}
