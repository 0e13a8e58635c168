//! The platform's report of an invoice's payment (`POST /api/internal/invoices/{id}/paid`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use portal_domain::{
    AuditAction, AuditEntry, FieldErrors, Invoice, InvoiceId, InvoiceStatus, Payment,
};
use rust_decimal::Decimal;
use tracing::instrument;

use super::InvoiceError;
use super::Invoices;
use crate::ports::RepositoryError;
use crate::principal::PlatformCaller;

/// A payment as reported by the platform, not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentReport {
    pub amount: Option<String>,
    pub reference: Option<String>,
    pub paid_at: Option<String>,
}

impl Invoices {
    /// Records an invoice's payment. The amount, when given, must be the invoice's; a
    /// paid invoice reported paid again with the same reference (or none) is answered
    /// as it is, with another reference it is a conflict.
    #[instrument(skip_all, fields(caller = %caller.name, invoice = %id))]
    pub async fn mark_invoice_paid(
        &self,
        caller: &PlatformCaller,
        id: &InvoiceId,
        report: PaymentReport,
    ) -> Result<Invoice, InvoiceError> {
        let invoices = &self.invoices;
        let invoice = invoices
            .find_any(id)
            .await?
            .ok_or(InvoiceError::NotFound("invoice"))?;
        let mut errors = FieldErrors::default();
        if let Some(raw) = &report.amount {
            match raw.trim().parse::<Decimal>() {
                Ok(amount) if amount == invoice.amount.amount() => {}
                Ok(_) => errors.add(
                    "amount",
                    format!("must be the invoice's amount, {}", invoice.amount.amount()),
                ),
                Err(_) => errors.add("amount", "must be a decimal amount such as \"999.00\""),
            }
        }
        let reference = report.reference.as_deref().map(str::trim).unwrap_or("");
        if reference.chars().count() > 128 || reference.chars().any(char::is_control) {
            errors.add("reference", "at most 128 printable characters");
        }
        let paid_at = match &report.paid_at {
            None => self.time.now(),
            Some(raw) => DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|_| {
                    errors.add("paid_at", "must be an RFC 3339 timestamp");
                    DateTime::UNIX_EPOCH
                }),
        };
        errors.into_result()?;
        if invoice.status == InvoiceStatus::Paid {
            return self.already_paid(invoice, report.reference.is_none(), reference);
        }
        let payment = Payment {
            amount: invoice.amount,
            reference: reference.to_owned(),
            paid_at,
        };
        let mut after = BTreeMap::new();
        after.insert("invoice_id".to_owned(), invoice.id.to_string());
        after.insert("amount".to_owned(), invoice.amount.amount().to_string());
        after.insert("reference".to_owned(), reference.to_owned());
        let audit = AuditEntry {
            customer_id: invoice.customer_id.clone(),
            user_id: caller.audit_user()?,
            at: self.time.now(),
            action: AuditAction::InvoicePaid,
            before: [("status".to_owned(), invoice.status.as_str().to_owned())].into(),
            after,
        };
        match invoices.record_payment(id, &payment, &audit).await {
            Ok(paid) => Ok(paid),
            // Paid concurrently: answer as a repeated report would be answered.
            Err(RepositoryError::Conflict) => {
                let now = invoices
                    .find_any(id)
                    .await?
                    .ok_or(InvoiceError::NotFound("invoice"))?;
                self.already_paid(now, report.reference.is_none(), reference)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn already_paid(
        &self,
        invoice: Invoice,
        no_reference: bool,
        reference: &str,
    ) -> Result<Invoice, InvoiceError> {
        if no_reference || invoice.payments.iter().any(|p| p.reference == reference) {
            Ok(invoice)
        } else {
            Err(InvoiceError::Conflict(format!(
                "invoice {} is already paid under another reference",
                invoice.id
            )))
        }
    }
}
