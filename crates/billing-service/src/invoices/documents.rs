//! Invoice documents: the PDF of an invoice, with an ETag computed from what the
//! document shows, so a repeated download is answered without rendering again.

use sha2::{Digest, Sha256};
use tracing::instrument;

use portal_domain::{DocumentKind, InvoiceId};

use super::InvoiceError;
use super::Invoices;
use crate::ports::{DocumentLanguage, InvoiceDocument};
use crate::principal::Principal;

/// The PDF, or word that the caller's copy is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfBody {
    NotModified,
    Document(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePdf {
    /// A strong ETag, quoted.
    pub etag: String,
    pub filename: String,
    pub body: PdfBody,
}

impl Invoices {
    /// The invoice (or credit note) `id` as a PDF in `language`. When `if_none_match` names the current
    /// ETag, nothing is rendered. Another customer's invoice is not found.
    #[instrument(skip_all, fields(customer = %principal.customer_id, invoice = %id))]
    pub async fn invoice_pdf(
        &self,
        principal: &Principal,
        id: &InvoiceId,
        language: DocumentLanguage,
        if_none_match: Option<&str>,
        document: DocumentKind,
    ) -> Result<InvoicePdf, InvoiceError> {
        // A credit note's PDF is made the same way (`GET /api/portal/credit-notes/{id}/pdf`).
        let invoice = match document {
            DocumentKind::CreditNote => self
                .receivables
                .credit_note(&principal.customer_id, id)
                .await?
                .ok_or(InvoiceError::NotFound("credit note"))?,
            DocumentKind::Invoice => self.invoice(principal, id).await?,
        };
        let bill_to = self
            .customers
            .find(&principal.customer_id)
            .await?
            .ok_or(InvoiceError::NotFound("account"))?;
        let document = InvoiceDocument {
            invoice,
            bill_to,
            language,
        };
        let etag = etag_of(&document, &self.renderer.fingerprint());
        let filename = format!("{}.pdf", document.invoice.id);
        if if_none_match.is_some_and(|header| etag_matches(header, &etag)) {
            return Ok(InvoicePdf {
                etag,
                filename,
                body: PdfBody::NotModified,
            });
        }
        let customer = principal.customer_id.to_string();
        let bytes = self
            .renders
            .get(&customer, &etag, || self.renderer.render(document))
            .await
            .map_err(|refusal| match refusal {
                super::renders::RenderRefusal::Busy => InvoiceError::Unavailable(anyhow::anyhow!(
                    "another PDF of the customer is being rendered"
                )),
                super::renders::RenderRefusal::Failed(e) => {
                    InvoiceError::Internal(anyhow::Error::new(e))
                }
            })?;
        Ok(InvoicePdf {
            etag,
            filename,
            body: PdfBody::Document(bytes.as_ref().clone()),
        })
    }
}

/// A digest of everything the document shows, plus the renderer's fingerprint.
fn etag_of(document: &InvoiceDocument, fingerprint: &str) -> String {
    let invoice = &document.invoice;
    let customer = &document.bill_to;
    let mut hasher = Sha256::new();
    let mut field = |value: &str| {
        hasher.update(value.len().to_le_bytes());
        hasher.update(value.as_bytes());
    };
    field(fingerprint);
    field(document.language.as_str());
    field(invoice.id.as_str());
    field(invoice.status.as_str());
    field(&invoice.amount.to_string());
    field(&invoice.amount_paid.to_string());
    field(invoice.document.as_str());
    field(&invoice.period.to_string());
    field(&invoice.created_at.to_rfc3339());
    field(&invoice.due_date.to_string());
    for line in &invoice.lines {
        field(&line.description);
        field(&line.quantity.to_string());
        field(&line.unit_price.to_string());
        field(&line.amount.to_string());
    }
    field(&customer.company_name);
    field(&customer.contact_name);
    field(customer.contact_email.as_str());
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `If-None-Match` is a list of ETags or `*`.
fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}
