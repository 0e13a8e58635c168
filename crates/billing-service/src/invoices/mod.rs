//! [`Invoices`]: the customer's invoices (pages of them with each one's fapiao status,
//! one with its lines and payments, its PDF in `documents.rs`) and the platform's
//! report of a payment (`payments.rs`).

mod costs;
mod documents;
mod exports;
mod payments;
mod renders;

use std::collections::HashMap;
use std::sync::Arc;

use portal_domain::{
    Invoice, InvoiceFapiaoStatus, InvoiceId, InvoiceKey, InvoicePage, PageRequest,
};
use tracing::instrument;

use crate::ports::{
    CustomerRepository, FapiaoRepository, InvoiceRenderer, InvoiceRepository, Ledger,
    ReceivablesRepository,
};
use crate::principal::Principal;
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What an invoice use case can end in.
    InvoiceError,
    conflict: "the invoice was changed by another request; reload it and try again"
);

pub use costs::DEFAULT_COST_MONTHS;
pub use documents::{InvoicePdf, PdfBody};
pub use exports::ExportedDocument;
pub use payments::PaymentReport;

pub struct Invoices {
    pub(crate) entitlements: crate::entitlement_memo::EntitlementChanges,
    pub(crate) invoices: Arc<dyn InvoiceRepository>,
    pub(crate) ledger: Arc<dyn Ledger>,
    pub(crate) receivables: Arc<dyn ReceivablesRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) fapiao: Arc<dyn FapiaoRepository>,
    pub(crate) renderer: Arc<dyn InvoiceRenderer>,
    pub(crate) events: crate::events::Events,
    /// Rendered PDFs kept, one render per customer at a time (§17).
    pub(crate) renders: renders::Renders,
    pub(crate) time: BusinessTime,
}

impl Invoices {
    /// A page of the customer's invoices, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn invoices(
        &self,
        principal: &Principal,
        page: PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, InvoiceError> {
        let mut found = self.invoices.list(&principal.customer_id, &page).await?;
        let today = self.time.today();
        found.items = found.items.into_iter().map(|i| i.as_of(today)).collect();
        Ok(found)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn invoice(
        &self,
        principal: &Principal,
        id: &InvoiceId,
    ) -> Result<Invoice, InvoiceError> {
        let invoice = self
            .invoices
            .find(&principal.customer_id, id)
            .await?
            .ok_or(InvoiceError::NotFound("invoice"))?;
        Ok(invoice.as_of(self.time.today()))
    }

    /// The fapiao status of each of the customer's `invoices` (`none` when no pending
    /// or issued request holds it).
    pub async fn invoice_fapiao_statuses(
        &self,
        principal: &Principal,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, InvoiceFapiaoStatus>, InvoiceError> {
        let holders = self
            .fapiao
            .holders(&principal.customer_id, invoices)
            .await?;
        Ok(invoices
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    InvoiceFapiaoStatus::of(holders.get(id).copied()),
                )
            })
            .collect())
    }

    /// A page of the customer's invoices, newest first, with each one's fapiao status.
    pub async fn invoices_with_fapiao(
        &self,
        principal: &Principal,
        page: portal_domain::PageRequest<portal_domain::InvoiceKey>,
    ) -> Result<
        (
            portal_domain::InvoicePage,
            HashMap<InvoiceId, InvoiceFapiaoStatus>,
        ),
        InvoiceError,
    > {
        let invoices = self.invoices(principal, page).await?;
        let ids: Vec<InvoiceId> = invoices.items.iter().map(|i| i.id.clone()).collect();
        let statuses = self.invoice_fapiao_statuses(principal, &ids).await?;
        Ok((invoices, statuses))
    }
}
