//! The customer's documents for spreadsheets (§16): every invoice and credit note of a
//! range of periods, with its lines (net and tax), what was paid and what is due, its
//! status today and its fapiao status.

use portal_domain::receivables::statement_range;
use portal_domain::{DocumentKind, Invoice, InvoiceFapiaoStatus, InvoiceId, Month};
use tracing::instrument;

use super::{InvoiceError, Invoices};
use crate::principal::Principal;

/// One row of the export: a document as of today and its fapiao status (credit notes:
/// `none`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedDocument {
    pub document: Invoice,
    /// Its day of issue in the business calendar.
    pub issued_on: chrono::NaiveDate,
    pub fapiao: InvoiceFapiaoStatus,
}

impl Invoices {
    /// The customer's invoices and credit notes of the periods `from` to `to`
    /// (`YYYY-MM`; default the twelve months to this one; at most 24), oldest first.
    /// A bad or too long range is a field error naming `from` or `to`.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn export_documents(
        &self,
        principal: &Principal,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<(Month, Month, Vec<ExportedDocument>), InvoiceError> {
        let today = self.time.today();
        let (from, to) = statement_range(from, to, Month::of(today))?;
        let documents = self
            .invoices
            .documents_of(&principal.customer_id, from, to)
            .await?;
        let invoices: Vec<InvoiceId> = documents
            .iter()
            .filter(|d| d.document == DocumentKind::Invoice)
            .map(|d| d.id.clone())
            .collect();
        let statuses = self.invoice_fapiao_statuses(principal, &invoices).await?;
        let rows = documents
            .into_iter()
            .map(|document| ExportedDocument {
                fapiao: statuses
                    .get(&document.id)
                    .copied()
                    .unwrap_or(InvoiceFapiaoStatus::None),
                issued_on: self.time.calendar().date_of(document.created_at),
                document: document.as_of(today),
            })
            .collect();
        Ok((from, to, rows))
    }
}
