//! The account's port (contract §15): payments received, open invoices and credits, the
//! remittance code, credit notes as stored. What moves money on the account is written
//! in a ledger unit of work ([`super::LedgerTxn::receive`], [`super::LedgerTxn::apply`])
//! with the document that causes it; this port reads the account outside one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::receivables::{LedgerEntry, OpenCredit, OpenInvoice, RemittanceCode};
use portal_domain::{
    BusinessCalendar, CustomerId, Invoice, InvoiceId, InvoiceKey, InvoicePage, Money, PageRequest,
};

use super::RepositoryError;

/// A payment about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub customer_id: CustomerId,
    pub amount: Money,
    /// The bank's reference: a payment is recorded once per reference. `None` for the
    /// platform's report of an invoice paid (§9), which names its invoice instead.
    pub reference: Option<String>,
    /// The reference the platform reported with an invoice paid (§9), not unique.
    pub memo: Option<String>,
    pub method: String,
    pub paid_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The invoice it was reported for (§9), if any.
    pub invoice_id: Option<InvoiceId>,
}

/// A payment as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// `PAY{sequence}`.
    pub id: String,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub reference: Option<String>,
    pub method: String,
    pub paid_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Its credit entry on the account.
    pub entry: i64,
}

/// The open side of a customer's account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenItems {
    /// Invoices that still owe something.
    pub invoices: Vec<OpenInvoice>,
    /// Credits that still hold something, oldest first.
    pub credits: Vec<OpenCredit>,
}

#[async_trait]
pub trait ReceivablesRepository: Send + Sync {
    /// The customer's open invoices and credits, read together (one snapshot).
    async fn open_items(&self, customer: &CustomerId) -> Result<OpenItems, RepositoryError>;

    /// The earliest due date among the customer's invoices that still owe something.
    async fn earliest_unpaid_due(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<chrono::NaiveDate>, RepositoryError>;

    /// Every customer's invoices that still owe something and are due on or before
    /// `until`, by customer.
    async fn reminder_candidates(
        &self,
        until: chrono::NaiveDate,
    ) -> Result<Vec<(CustomerId, OpenInvoice)>, RepositoryError>;

    /// The customer's remittance code, if one was given.
    async fn remittance_code(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<RemittanceCode>, RepositoryError>;

    /// Gives the customer `code` unless it has one; answers the customer's code. MUST
    /// return [`RepositoryError::Conflict`] when another customer holds `code`, and keep
    /// a customer's first code for good.
    async fn assign_remittance_code(
        &self,
        customer: &CustomerId,
        code: &RemittanceCode,
    ) -> Result<RemittanceCode, RepositoryError>;

    /// The customer whose code is `code`.
    async fn customer_of_code(
        &self,
        code: &RemittanceCode,
    ) -> Result<Option<CustomerId>, RepositoryError>;

    /// The payment recorded under `reference`, whichever customer's.
    async fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, RepositoryError>;

    /// What the payment `id` paid when it was received: its applications named
    /// `payment`, in the order made.
    async fn payment_applications(
        &self,
        id: &str,
    ) -> Result<Vec<(InvoiceId, Money)>, RepositoryError>;

    /// The customer's account between `from` (included) and `to` (excluded): debits less
    /// credits entered before `from`, and the entries from `from` to `to` in the order
    /// entered, each with its business date in `calendar` and its detail (a document's
    /// period, a payment's reference).
    async fn statement_source(
        &self,
        customer: &CustomerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Result<(Money, Vec<LedgerEntry>), RepositoryError>;

    /// A page of the customer's credit notes, newest first (as
    /// [`super::InvoiceRepository::list`] lists invoices).
    async fn credit_notes(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError>;

    /// The customer's credit note `id` with its lines. MUST return `None` for another
    /// customer's, or for an invoice.
    async fn credit_note(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError>;

    /// The customer's invoices a credit note reverses lines of: those issued up to it
    /// with a line of a period one of its lines names.
    async fn credited_invoices(
        &self,
        customer: &CustomerId,
        credit_note: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError>;

    /// The customer's credit notes issued for periods one of `invoice`'s lines names,
    /// after it.
    async fn credit_notes_of(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError>;
}
