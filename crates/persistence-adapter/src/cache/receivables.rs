//! The account read through the cache store: straight from the database. What is owed
//! is never read from a cache.

use async_trait::async_trait;
use portal_billing::ports::{OpenItems, PaymentRecord, ReceivablesRepository, RepositoryError};
use portal_domain::receivables::RemittanceCode;
use portal_domain::{CustomerId, Invoice, InvoiceId, InvoiceKey, InvoicePage, PageRequest};

use super::store::CachedStore;

#[async_trait]
impl ReceivablesRepository for CachedStore {
    async fn open_items(&self, customer: &CustomerId) -> Result<OpenItems, RepositoryError> {
        self.db.open_items(customer).await
    }

    async fn earliest_unpaid_due(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<chrono::NaiveDate>, RepositoryError> {
        self.db.earliest_unpaid_due(customer).await
    }

    async fn reminder_candidates(
        &self,
        until: chrono::NaiveDate,
    ) -> Result<Vec<(CustomerId, portal_domain::receivables::OpenInvoice)>, RepositoryError> {
        self.db.reminder_candidates(until).await
    }

    async fn remittance_code(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<RemittanceCode>, RepositoryError> {
        self.db.remittance_code(customer).await
    }

    async fn assign_remittance_code(
        &self,
        customer: &CustomerId,
        code: &RemittanceCode,
    ) -> Result<RemittanceCode, RepositoryError> {
        self.db.assign_remittance_code(customer, code).await
    }

    async fn customer_of_code(
        &self,
        code: &RemittanceCode,
    ) -> Result<Option<CustomerId>, RepositoryError> {
        self.db.customer_of_code(code).await
    }

    async fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, RepositoryError> {
        self.db.payment_by_reference(reference).await
    }

    async fn payment_applications(
        &self,
        id: &str,
    ) -> Result<Vec<(InvoiceId, portal_domain::Money)>, RepositoryError> {
        self.db.payment_applications(id).await
    }

    async fn statement_source(
        &self,
        customer: &CustomerId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        calendar: &portal_domain::BusinessCalendar,
    ) -> Result<
        (
            portal_domain::Money,
            Vec<portal_domain::receivables::LedgerEntry>,
        ),
        RepositoryError,
    > {
        self.db.statement_source(customer, from, to, calendar).await
    }

    async fn credit_notes(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        self.db.credit_notes(customer, page).await
    }

    async fn credit_note(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        self.db.credit_note(customer, id).await
    }

    async fn credited_invoices(
        &self,
        customer: &CustomerId,
        credit_note: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        self.db.credited_invoices(customer, credit_note).await
    }

    async fn credit_notes_of(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        self.db.credit_notes_of(customer, invoice).await
    }
}
