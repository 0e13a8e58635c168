//! The platform's report of an invoice's payment (`POST /api/internal/invoices/{id}/paid`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use portal_domain::{AuditAction, AuditEntry, FieldErrors, Invoice, InvoiceId, InvoiceStatus};
use rust_decimal::Decimal;
use tracing::instrument;

use super::InvoiceError;
use super::Invoices;
use crate::error::BillingError;
use crate::ports::NewPayment;
use crate::principal::PlatformCaller;
use crate::receivables::record_in;

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
        let amount = invoice.amount_due()?;
        if amount.is_zero() {
            return self.already_paid(invoice, report.reference.is_none(), reference);
        }
        let mut after = BTreeMap::new();
        after.insert("invoice_id".to_owned(), invoice.id.to_string());
        after.insert("amount".to_owned(), amount.amount().to_string());
        after.insert("reference".to_owned(), reference.to_owned());
        let now = self.time.now();
        let audit = AuditEntry {
            customer_id: invoice.customer_id.clone(),
            user_id: caller.audit_user()?,
            user_name: None,
            at: now,
            action: AuditAction::InvoicePaid,
            before: [("status".to_owned(), invoice.status.as_str().to_owned())].into(),
            after,
        };
        // What it still owes, recorded as a payment on the account and applied to it.
        let payment = NewPayment {
            customer_id: invoice.customer_id.clone(),
            amount,
            reference: None,
            memo: Some(reference.to_owned()),
            method: "bank_transfer".to_owned(),
            paid_at,
            created_at: now,
            invoice_id: Some(invoice.id.clone()),
        };
        let stored = async {
            let mut txn = self.ledger.begin(&invoice.customer_id).await?;
            let (record, applied) = record_in(txn.as_mut(), &payment, Some(id), now).await?;
            txn.record(&audit).await?;
            self.events
                .payment_recorded(txn.as_mut(), &record, &applied, reference)
                .await?;
            txn.commit().await?;
            // A payment may lift a suspension: entitlements are read again.
            self.entitlements
                .changed(std::slice::from_ref(&invoice.customer_id))
                .await;
            Ok::<(), BillingError>(())
        };
        match stored.await {
            Ok(()) => invoices
                .find_any(id)
                .await?
                .ok_or(InvoiceError::NotFound("invoice")),
            // Paid concurrently: answer as a repeated report would be answered.
            Err(BillingError::Conflict(_)) => {
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
