//! The in-memory store's invoices: pages of them, one, the overdue marking, and the
//! documents of a range of periods for exports.

use async_trait::async_trait;
use chrono::NaiveDate;
use portal_domain::{
    CustomerId, DocumentKind, Invoice, InvoiceId, InvoiceKey, InvoicePage, InvoiceStatus, Page,
    PageRequest,
};

use super::InMemoryStore;
use crate::ports::{InvoiceRepository, RepositoryError};

impl InMemoryStore {
    /// A page of the customer's documents of kind `document`, newest first.
    pub(super) fn documents_page(
        &self,
        customer: &CustomerId,
        document: DocumentKind,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        let state = self.lock()?;
        let theirs = state
            .invoices
            .iter()
            .filter(|i| &i.customer_id == customer && i.document == document)
            .map(Invoice::summary);
        Ok(Page::newest_first(theirs, page, InvoiceKey::of))
    }

    /// The customer's document `id` if it is of kind `document`.
    pub(super) fn document(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
        document: DocumentKind,
    ) -> Result<Option<Invoice>, RepositoryError> {
        Ok(self
            .lock()?
            .invoices
            .iter()
            .find(|i| &i.id == id && &i.customer_id == customer && i.document == document)
            .cloned())
    }
}

#[async_trait]
impl InvoiceRepository for InMemoryStore {
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        self.documents_page(customer, DocumentKind::Invoice, page)
    }

    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        self.document(customer, id, DocumentKind::Invoice)
    }

    async fn mark_overdue(
        &self,
        today: NaiveDate,
        announce: &crate::ports::Announce<'_>,
    ) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let mut marked = Vec::new();
        for i in &mut state.invoices {
            if i.status == InvoiceStatus::Pending
                && i.due_date < today
                && i.document == DocumentKind::Invoice
                && i.amount_due().is_ok_and(|d| !d.is_zero())
            {
                i.status = InvoiceStatus::Overdue;
                marked.push(i.clone());
            }
        }
        for invoice in &marked {
            if let Some(message) = announce(invoice) {
                state.outbox.push(super::outbox::Stored::new(message));
            }
        }
        Ok(marked.len() as u64)
    }

    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError> {
        Ok(self.lock()?.invoices.iter().find(|i| &i.id == id).cloned())
    }

    async fn documents_of(
        &self,
        customer: &CustomerId,
        from: portal_domain::Month,
        to: portal_domain::Month,
    ) -> Result<Vec<Invoice>, RepositoryError> {
        let mut found: Vec<Invoice> = self
            .lock()?
            .invoices
            .iter()
            .filter(|i| &i.customer_id == customer && i.period >= from && i.period <= to)
            .map(|i| Invoice {
                payments: Vec::new(),
                applications: Vec::new(),
                ..i.clone()
            })
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }
}
