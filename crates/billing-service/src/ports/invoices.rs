//! Invoices as stored, read outside a ledger unit of work, and their payments.

use async_trait::async_trait;
use chrono::NaiveDate;
use portal_domain::{CustomerId, Invoice, InvoiceId, InvoiceKey, InvoicePage, Month, PageRequest};

use super::{OutboxMessage, RepositoryError};

#[async_trait]
pub trait InvoiceRepository: Send + Sync {
    /// A page of the customer's invoices (not credit notes), newest first: by creation time, then by number
    /// ([`InvoiceKey`]), those below `page.after`. MUST hold at most `page.size` invoices,
    /// only the customer's, and set `next` to the last one's key exactly when more follow,
    /// so that following `next` from the first page lists each invoice once.
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError>;

    /// The customer's invoice with its lines, payments and applications. MUST return
    /// `None` for another customer's invoice, or a credit note (contract: `invoices_are_scoped_and_newest_first`).
    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError>;

    /// Marks pending invoices due before `today` overdue; returns how many. Writes the
    /// message `announce` gives for each of them to the outbox in the same transaction.
    /// MUST leave paid, zero or negative invoices and those due today or later as they are
    /// (`mark_overdue_takes_pending_positive_past_due`), and write the messages only with
    /// the change (`outbox_is_written_with_its_change_only`).
    async fn mark_overdue(
        &self,
        today: NaiveDate,
        announce: &Announce<'_>,
    ) -> Result<u64, RepositoryError>;

    /// The invoice, whichever customer it belongs to (platform operations).
    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError>;

    /// The customer's invoices and credit notes of the periods `from` to `to` (both
    /// included), oldest first (by creation time, then number), each with its lines and
    /// `amount_paid` — a listing for exports: `payments` and `applications` are left
    /// empty. MUST hold only the customer's documents.
    async fn documents_of(
        &self,
        customer: &CustomerId,
        from: Month,
        to: Month,
    ) -> Result<Vec<Invoice>, RepositoryError>;
}

/// The outbox message (if any) that tells of an invoice just marked overdue.
pub type Announce<'a> = dyn Fn(&Invoice) -> Option<OutboxMessage> + Send + Sync + 'a;
