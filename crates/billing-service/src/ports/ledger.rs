//! The ledger's port: units of work on one customer's subscription and invoices, and
//! groups of them (a billing run's).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, Month, NewInvoice, Plan, Subscription, UsageRecord,
};

use portal_domain::receivables::{OpenCredit, OpenInvoice, Settlement};

use super::RepositoryError;
use super::{KeyClaim, NewPayment, OutboxMessage, PaymentRecord, RunTicket};

/// A billing run looks again at every month whose usage changed after its customer's
/// watermark less this margin: an ingestion that committed after the run read the usage
/// but stamped its rows a little before the run's time is still seen by the next run.
/// (Ingestion transactions end long before: statements time out after 15 s.)
pub const USAGE_WATERMARK_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

pub use portal_domain::charges::InvoicedLines;

/// Every charge is made in one unit of work on one customer: read the subscription, the
/// prices and what was invoiced, then store the new timeline, the invoice and the audit
/// entry, all or nothing. Prices are read inside it from the source of truth, never
/// from a cache.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Opens a unit of work on `customer`'s subscription and invoices.
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError>;

    /// A page of the customers whose subscription serves a day of `period` or of the
    /// month before (whose usage it bills in arrears), not cancelled: at most `limit`,
    /// in id order, those after `after`.
    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError>;

    /// How many customers [`Ledger::billable_page`] pages through.
    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError>;

    /// A group of units of work, one per customer, stored together: a billing run bills
    /// a group of customers in one database transaction, so that the commit (and its
    /// flush to disk, which the month's invoice counter makes everyone wait for) is paid
    /// once per group instead of once per invoice. By default each unit commits on its
    /// own (as [`Ledger::begin`]); a store that overrides it commits the group whole
    /// with [`LedgerPage::commit`], and a group dropped uncommitted writes nothing.
    async fn begin_page(&self) -> Result<Box<dyn LedgerPage + '_>, RepositoryError> {
        Ok(Box::new(UnitByUnit { ledger: self }))
    }
}

/// Units of work stored together ([`Ledger::begin_page`]).
#[async_trait]
pub trait LedgerPage: Send {
    /// Tells the group whose units follow and which period they bill, so that a store
    /// may read what those units read in a few statements for all of them at once. A
    /// unit of a customer read ahead reads what the group read (with what it wrote
    /// itself since); what it writes is stored with the rest of the group by
    /// [`LedgerPage::commit`], which fails with [`RepositoryError::Conflict`], storing
    /// nothing, when another unit of work changed one of these subscriptions (or issued
    /// one of their periods' first invoices) after the read. By default nothing is read
    /// ahead.
    async fn read_ahead(
        &mut self,
        _customers: &[CustomerId],
        _period: Month,
    ) -> Result<(), RepositoryError> {
        Ok(())
    }

    /// A unit of work on `customer` within the group. Its [`LedgerTxn::commit`] ends
    /// the unit; what it wrote is stored when the group commits (or at once, for a
    /// store whose groups commit unit by unit).
    async fn unit<'a>(
        &'a mut self,
        customer: &CustomerId,
    ) -> Result<Box<dyn LedgerTxn + 'a>, RepositoryError>;

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError>;
}

/// The default group: every unit is a unit of work of its own.
struct UnitByUnit<'l, L: ?Sized> {
    ledger: &'l L,
}

#[async_trait]
impl<L: Ledger + ?Sized> LedgerPage for UnitByUnit<'_, L> {
    async fn unit<'a>(
        &'a mut self,
        customer: &CustomerId,
    ) -> Result<Box<dyn LedgerTxn + 'a>, RepositoryError> {
        self.ledger.begin(customer).await
    }

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        Ok(())
    }
}

/// One open unit of work of [`Ledger`]. Dropped without [`LedgerTxn::commit`], it
/// writes nothing.
#[async_trait]
pub trait LedgerTxn: Send {
    /// The customer's current subscription, as [`super::SubscriptionRepository::current`].
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError>;

    /// The catalogue with its prices, from the source of truth.
    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError>;

    /// The lines of the customer's invoices whose period is `from` or later, by period.
    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError>;

    /// Stores the subscription's timeline and status and bumps its version. A
    /// subscription of version 0 is new and is created. MUST return
    /// [`RepositoryError::Conflict`] when the stored version is not `subscription.version`
    /// (another unit of work changed or charged it since it was read).
    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError>;

    /// Numbers and stores a document with its lines, the next number of its counter
    /// ([`NewInvoice::numbering_key`]: an invoice, or a credit note when its lines add up
    /// to less than nothing, status `issued`), and its entry on the customer's account:
    /// an invoice a debit, a credit note a credit holding its whole amount. MUST return
    /// [`RepositoryError::Conflict`] for a second `subscription` invoice of one customer
    /// and period.
    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError>;

    /// The customer's credits (credit notes, payments) that still hold something, oldest
    /// first, with those this unit of work wrote.
    async fn open_credits(&mut self) -> Result<Vec<OpenCredit>, RepositoryError>;

    /// The customer's invoices that still owe something, with those this unit issued.
    async fn open_invoices(&mut self) -> Result<Vec<OpenInvoice>, RepositoryError>;

    /// Stores `settlements` made at `at`: each lowers its credit's open amount and adds
    /// to its invoice's amount paid (the invoice `paid` once it owes nothing), with an
    /// application the invoice lists. MUST return [`RepositoryError::Conflict`], storing
    /// nothing, when one would take a credit or an invoice below zero.
    async fn apply(
        &mut self,
        settlements: &[Settlement],
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;

    /// Records a payment received on the customer's account: the payment, numbered
    /// `PAY{sequence}`, and its credit entry holding all of it. MUST return
    /// [`RepositoryError::Conflict`], storing nothing, when its reference is recorded
    /// already.
    async fn receive(&mut self, payment: &NewPayment) -> Result<PaymentRecord, RepositoryError>;

    /// Records an audit entry.
    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError>;

    /// Writes a message to the outbox, delivered once the unit of work commits (never
    /// when it does not).
    async fn enqueue(&mut self, message: &OutboxMessage) -> Result<(), RepositoryError>;

    /// Stores an in-app notification of the customer (an invoice issued, a payment
    /// received), with the change it tells of.
    async fn notify(&mut self, notification: &super::Notification) -> Result<(), RepositoryError>;

    /// The periods that have their `subscription` invoice (a billing run's first).
    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError>;

    /// The customer's daily usage in `range`, every product, as
    /// [`super::UsageRepository::daily`], read from the source of truth.
    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError>;

    /// The months whose usage changed after `since` (every month with usage when
    /// `None`), each with the earliest `updated_at` among its days changed after `since`.
    /// MUST hold every such month; MAY hold more (settling an unchanged month adds
    /// nothing).
    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError>;

    /// When a billing run last settled the customer's usage ([`USAGE_WATERMARK_MARGIN`]).
    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError>;

    /// Records that the customer's usage was settled as it stood at `at`.
    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError>;

    /// Records that `ticket`'s billing run billed this customer (`issued`: with an
    /// invoice) and counts it in the run's progress, with the rest of the unit of work.
    /// `false`, writing nothing, when the run's lease is no longer the ticket's.
    async fn record_run_item(
        &mut self,
        ticket: &RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError>;

    /// Claims the customer's `key` for this unit of work's request (as
    /// [`super::IdempotencyRepository::claim`] answers). A claim is stored with the unit
    /// of work, with the answer given to [`LedgerTxn::answer_key`]: both or neither.
    /// MUST let one of concurrent units that claim one key commit it: the others wait
    /// for it and answer `Completed`, or their commit returns
    /// [`RepositoryError::Conflict`] and stores nothing.
    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError>;

    /// Stores `response` as the answer of the key this unit of work claimed, with the
    /// unit of work.
    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError>;

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError>;
}
