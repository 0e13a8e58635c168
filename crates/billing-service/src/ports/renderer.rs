//! Invoice documents rendered to PDF.

use async_trait::async_trait;
use portal_domain::{Customer, Invoice};

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
