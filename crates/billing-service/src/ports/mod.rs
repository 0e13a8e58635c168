//! The ports: one small trait per aggregate, implemented by the persistence adapter (and
//! by the in-memory fakes of `test-support`). Every method that reads or writes a
//! customer's data takes the customer's id, so no query can escape its tenant.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

use chrono::NaiveDate;
use portal_domain::{
    AccountChanges, AuditEntry, AuditKey, AuditPage, BusinessCalendar, Customer, CustomerId,
    DateRange, Invoice, InvoiceId, InvoiceKey, InvoicePage, NewCustomer, PageRequest, Payment,
    Plan, PlanId, Product, Subscription, UsageEvent, UsageRecord, UserId,
};

pub use crate::delivery::{Mailer, Outbox, OutboxMessage, WebhookSender};

mod ledger;
pub use ledger::{InvoicedLines, Ledger, LedgerPage, LedgerTxn, USAGE_WATERMARK_MARGIN};

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

    /// Applies validated changes, bumps the version and records the audit entry (built
    /// from the row before and after) in the same transaction; `None` when there is no
    /// such customer. MUST return [`RepositoryError::Conflict`] and change nothing when
    /// `expected_version` is given and is not the stored version.
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
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

/// Who made a change through the portal, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SubscriptionRepository: Send + Sync {
    /// The customer's current subscription: the most recently started one, with its
    /// timeline.
    async fn current(&self, customer: &CustomerId)
    -> Result<Option<Subscription>, RepositoryError>;

    /// Stores `subscription` unless the customer already has one; `true` when stored.
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError>;

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
    /// A page of the customer's invoices, newest first: by creation time, then by number
    /// ([`InvoiceKey`]), those below `page.after`. MUST hold at most `page.size` invoices,
    /// only the customer's, and set `next` to the last one's key exactly when more follow,
    /// so that following `next` from the first page lists each invoice once.
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError>;

    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError>;

    /// Marks pending invoices due before `today` overdue; returns how many. Writes the
    /// message `announce` gives for each of them to the outbox in the same transaction.
    async fn mark_overdue(
        &self,
        today: NaiveDate,
        announce: &Announce<'_>,
    ) -> Result<u64, RepositoryError>;

    /// The invoice, whichever customer it belongs to (platform operations).
    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError>;

    /// Records `payment` and marks the invoice paid, with `audit`, in one transaction.
    /// MUST return [`RepositoryError::Conflict`] and change nothing when the invoice is
    /// already paid.
    async fn record_payment(
        &self,
        id: &InvoiceId,
        payment: &Payment,
        audit: &AuditEntry,
    ) -> Result<Invoice, RepositoryError>;
}

/// The audit trail of a customer.
#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// A page of the customer's entries, newest first (highest [`AuditKey`] first), those
    /// below `page.after`. MUST hold at most `page.size` entries, only the customer's,
    /// and set `next` to the last one's key exactly when more follow, so that following
    /// `next` from the first page lists each entry once.
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<AuditKey>,
    ) -> Result<AuditPage, RepositoryError>;
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

/// A claim older than this whose request never finished (the process died) may be taken
/// over by a retry with the same fingerprint.
pub const STALE_CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Stored results of requests made with an `Idempotency-Key`, per customer. A claim is
/// `Claimed` once; then `InProgress` until completed (or, after [`STALE_CLAIM`], taken
/// over by the same fingerprint), then `Completed` with its response. `release` frees
/// only an unanswered claim.
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
pub use portal_domain::Language as DocumentLanguage;

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

/// Tells the other instances that customers' entitlements changed here (their usage,
/// caps or plan), so they forget what they keep of them at once rather than when it
/// expires. Best effort: what is missed still expires within its bound.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    async fn customers_changed(&self, customers: &[CustomerId]);
}

/// No other instance to tell (one process, in-process cache).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChangeFeed;

#[async_trait]
impl ChangeFeed for NoChangeFeed {
    async fn customers_changed(&self, _customers: &[CustomerId]) {}
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The outbox message (if any) that tells of an invoice just marked overdue.
pub type Announce<'a> = dyn Fn(&Invoice) -> Option<OutboxMessage> + Send + Sync + 'a;

/// The adapters the service runs on, chosen by the composition root.
#[derive(Clone)]
pub struct Ports {
    pub customers: Arc<dyn CustomerRepository>,
    pub plans: Arc<dyn PlanCatalog>,
    pub subscriptions: Arc<dyn SubscriptionRepository>,
    pub ledger: Arc<dyn Ledger>,
    pub usage: Arc<dyn UsageRepository>,
    pub invoices: Arc<dyn InvoiceRepository>,
    pub audit: Arc<dyn AuditRepository>,
    pub idempotency: Arc<dyn IdempotencyRepository>,
    pub guard: Arc<dyn crate::guard::GuardRepository>,
    pub outbox: Arc<dyn Outbox>,
    pub fapiao: Arc<dyn crate::fapiao::FapiaoRepository>,
    pub runs: Arc<dyn crate::runs::BillingRuns>,
    /// The other instances, told of changes (Redis pub/sub when configured).
    pub changes: Arc<dyn ChangeFeed>,
    /// E-mail, when `PORTAL_SMTP_URL` is set.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Webhooks, when `PORTAL_WEBHOOK_URL` is set.
    pub webhooks: Option<Arc<dyn WebhookSender>>,
    pub health: Arc<dyn HealthProbe>,
    pub renderer: Arc<dyn InvoiceRenderer>,
    pub clock: Arc<dyn Clock>,
    /// The business calendar every date is derived in (`PORTAL_TIME_ZONE`).
    pub calendar: BusinessCalendar,
}

impl Ports {
    /// Every port from one store that implements them all (the sea-orm store, the
    /// in-memory fakes), with `renderer`, `clock` and `calendar`.
    pub fn from_store<S>(
        store: Arc<S>,
        renderer: Arc<dyn InvoiceRenderer>,
        clock: Arc<dyn Clock>,
        calendar: BusinessCalendar,
    ) -> Self
    where
        S: CustomerRepository
            + PlanCatalog
            + SubscriptionRepository
            + Ledger
            + UsageRepository
            + InvoiceRepository
            + AuditRepository
            + IdempotencyRepository
            + crate::guard::GuardRepository
            + Outbox
            + crate::fapiao::FapiaoRepository
            + crate::runs::BillingRuns
            + HealthProbe
            + 'static,
    {
        Self {
            customers: store.clone(),
            plans: store.clone(),
            subscriptions: store.clone(),
            ledger: store.clone(),
            usage: store.clone(),
            invoices: store.clone(),
            audit: store.clone(),
            idempotency: store.clone(),
            guard: store.clone(),
            outbox: store.clone(),
            fapiao: store.clone(),
            runs: store.clone(),
            changes: Arc::new(NoChangeFeed),
            mailer: None,
            webhooks: None,
            health: store,
            renderer,
            clock,
            calendar,
        }
    }
}
