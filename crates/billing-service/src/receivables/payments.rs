//! A bank receipt reported by the platform (`POST /api/internal/payments`, §15): checked,
//! matched to its customer by id or remittance code, recorded once per `reference`, and
//! applied to the open invoices earliest due first; the rest stays credit.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use portal_domain::receivables::RemittanceCode;
use portal_domain::{AuditAction, AuditEntry, Currency, CustomerId, FieldErrors, InvoiceId, Money};
use rust_decimal::Decimal;
use tracing::instrument;

use super::{Receivables, ReceivablesError, record_in};
use crate::ports::{NewPayment, PaymentRecord};
use crate::principal::PlatformCaller;

/// The largest payment taken in one report.
const MAX_PAYMENT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// A payment as reported, not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentInput {
    pub amount: Option<String>,
    pub reference: Option<String>,
    pub paid_at: Option<String>,
    pub customer_id: Option<String>,
    pub remittance_code: Option<String>,
    pub method: Option<String>,
}

/// A payment recorded, with what it paid at its receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub payment: PaymentRecord,
    pub applications: Vec<(InvoiceId, Money)>,
    /// What it left as credit when received.
    pub credit: Money,
    /// `true` when the reference was recorded before: nothing changed.
    pub replayed: bool,
}

/// The checked fields of a report.
struct Checked {
    amount: Money,
    reference: String,
    paid_at: DateTime<Utc>,
    method: String,
}

impl Receivables {
    /// Records a bank receipt once per reference and applies it.
    #[instrument(skip_all, fields(caller = %caller.name))]
    pub async fn receive_payment(
        &self,
        caller: &PlatformCaller,
        input: PaymentInput,
    ) -> Result<PaymentOutcome, ReceivablesError> {
        let mut errors = FieldErrors::default();
        let checked = self.check(&input, &mut errors);
        let customer = self.customer_of(&input, &mut errors).await?;
        errors.into_result()?;
        let (Some(checked), Some(customer)) = (checked, customer) else {
            return Err(ReceivablesError::Internal(anyhow::anyhow!(
                "a checked payment without its fields"
            )));
        };
        if let Some(first) = self
            .receivables
            .payment_by_reference(&checked.reference)
            .await?
        {
            return self.replay(first).await;
        }
        match self.record(caller, &customer, &checked).await {
            Err(ReceivablesError::Conflict(_)) => {
                // The same reference recorded concurrently: answer the first.
                let first = self
                    .receivables
                    .payment_by_reference(&checked.reference)
                    .await?
                    .ok_or_else(|| {
                        ReceivablesError::Conflict(
                            "the account was changed by another request; try again".into(),
                        )
                    })?;
                self.replay(first).await
            }
            other => other,
        }
    }

    async fn record(
        &self,
        caller: &PlatformCaller,
        customer: &CustomerId,
        checked: &Checked,
    ) -> Result<PaymentOutcome, ReceivablesError> {
        let now = self.time.now();
        let payment = NewPayment {
            customer_id: customer.clone(),
            amount: checked.amount,
            reference: Some(checked.reference.clone()),
            memo: None,
            method: checked.method.clone(),
            paid_at: checked.paid_at,
            created_at: now,
            invoice_id: None,
        };
        let mut txn = self.ledger.begin(customer).await?;
        let (record, applied) = record_in(txn.as_mut(), &payment, None, now).await?;
        let mut after = BTreeMap::new();
        after.insert("payment_id".to_owned(), record.id.clone());
        after.insert("amount".to_owned(), record.amount.amount().to_string());
        after.insert("reference".to_owned(), checked.reference.clone());
        txn.record(&AuditEntry {
            customer_id: customer.clone(),
            user_id: caller.audit_user()?,
            user_name: None,
            at: now,
            action: AuditAction::PaymentReceived,
            before: BTreeMap::new(),
            after,
        })
        .await?;
        self.events
            .payment_recorded(txn.as_mut(), &record, &applied, &checked.reference)
            .await?;
        txn.commit().await?;
        // A payment may lift a suspension: entitlements are read again.
        self.entitlements
            .changed(std::slice::from_ref(customer))
            .await;
        let applications: Vec<(InvoiceId, Money)> = applied
            .into_iter()
            .filter(|s| s.source_id == record.id)
            .map(|s| (s.invoice_id, s.amount))
            .collect();
        Ok(outcome(record, applications, false)?)
    }

    async fn replay(&self, first: PaymentRecord) -> Result<PaymentOutcome, ReceivablesError> {
        let applications = self.receivables.payment_applications(&first.id).await?;
        Ok(outcome(first, applications, true)?)
    }

    fn check(&self, input: &PaymentInput, errors: &mut FieldErrors) -> Option<Checked> {
        let amount = match input.amount.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("amount", "is required, a decimal amount such as \"999.00\"");
                None
            }
            Some(raw) => match raw.parse::<Decimal>() {
                Err(_) => {
                    errors.add("amount", "must be a decimal amount such as \"999.00\"");
                    None
                }
                Ok(d) if d <= Decimal::ZERO => {
                    errors.add("amount", "must be greater than 0");
                    None
                }
                Ok(d) if d.normalize().scale() > 2 => {
                    errors.add("amount", "must have at most 2 decimals (fen)");
                    None
                }
                Ok(d) if d > MAX_PAYMENT => {
                    errors.add("amount", "must be at most 1000000000.00");
                    None
                }
                Ok(d) => Money::new(d, Currency::Cny).ok(),
            },
        };
        let reference = input.reference.as_deref().map(str::trim).unwrap_or("");
        if reference.is_empty()
            || reference.chars().count() > 128
            || reference.chars().any(char::is_control)
        {
            errors.add("reference", "is required: 1 to 128 printable characters");
        }
        let now = self.time.now();
        let paid_at = match input.paid_at.as_deref() {
            None => Some(now),
            Some(raw) => match DateTime::parse_from_rfc3339(raw) {
                Err(_) => {
                    errors.add("paid_at", "must be an RFC 3339 timestamp");
                    None
                }
                Ok(t) if t.with_timezone(&Utc) > now => {
                    errors.add("paid_at", "must not be in the future");
                    None
                }
                Ok(t) => Some(t.with_timezone(&Utc)),
            },
        };
        let method = input.method.as_deref().unwrap_or("bank_transfer");
        if method != "bank_transfer" {
            errors.add("method", "must be \"bank_transfer\"");
        }
        Some(Checked {
            amount: amount?,
            reference: reference.to_owned(),
            paid_at: paid_at?,
            method: method.to_owned(),
        })
    }

    /// The customer a report names, by id or remittance code (both: they must agree).
    async fn customer_of(
        &self,
        input: &PaymentInput,
        errors: &mut FieldErrors,
    ) -> Result<Option<CustomerId>, ReceivablesError> {
        let by_id = match input.customer_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => match CustomerId::parse(raw) {
                Ok(id) if self.customers.find(&id).await?.is_some() => Some(id),
                _ => {
                    errors.add("customer_id", "no such customer");
                    return Ok(None);
                }
            },
        };
        let by_code = match input.remittance_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => match RemittanceCode::parse(raw) {
                Err(e) => {
                    errors.add("remittance_code", e.to_string());
                    return Ok(None);
                }
                Ok(code) => match self.receivables.customer_of_code(&code).await? {
                    Some(customer) => Some(customer),
                    None => {
                        errors.add("remittance_code", "no customer has this remittance code");
                        return Ok(None);
                    }
                },
            },
        };
        Ok(match (by_id, by_code) {
            (None, None) => {
                errors.add("customer_id", "give customer_id or remittance_code");
                None
            }
            (Some(a), Some(b)) if a != b => {
                errors.add(
                    "remittance_code",
                    "belongs to another customer than customer_id",
                );
                None
            }
            (Some(a), _) | (None, Some(a)) => Some(a),
        })
    }
}

fn outcome(
    payment: PaymentRecord,
    applications: Vec<(InvoiceId, Money)>,
    replayed: bool,
) -> Result<PaymentOutcome, portal_domain::MoneyError> {
    let applied = Money::sum(
        payment.amount.currency(),
        applications.iter().map(|(_, m)| m),
    )?;
    Ok(PaymentOutcome {
        credit: payment.amount.checked_sub(&applied)?,
        payment,
        applications,
        replayed,
    })
}
