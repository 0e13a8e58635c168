//! The billing operations the platform's services call: provisioning, usage ingestion,
//! the billing run, and payments. Callers are platform services, not customers.

use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::billing_ops::{first_of_each_id, validate_batch};
use portal_domain::{
    AuditAction, AuditEntry, Customer, CustomerId, FieldErrors, Invoice, InvoiceId, InvoiceStatus,
    Month, NewCustomer, Payment, PlanId, RawUsageEvent, Segment, Subscription, SubscriptionId,
    SubscriptionStatus,
};
use rust_decimal::Decimal;
use tracing::instrument;

use crate::error::BillingError;
use crate::ports::RepositoryError;
use crate::principal::PlatformCaller;
use crate::service::{BillingService, SubscriptionView};

/// `segments` up to the day before `start`, then `plan` from `start` to `end`.
fn replaced_from(
    segments: &[Segment],
    plan: PlanId,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Segment> {
    let mut kept: Vec<Segment> = segments
        .iter()
        .filter(|s| s.from < start)
        .map(|s| {
            let to = s.to.min(start.pred_opt().unwrap_or(start));
            Segment::new(s.plan_id.clone(), s.from, to)
        })
        .collect();
    kept.push(Segment::new(plan, start, end));
    portal_domain::timeline::normalized(kept)
}

/// A payment as reported by the platform, not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentReport {
    pub amount: Option<String>,
    pub reference: Option<String>,
    pub paid_at: Option<String>,
}

/// What an ingestion batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestReport {
    /// Events counted now.
    pub accepted: u64,
    /// Events whose id was seen before (in an earlier batch or earlier in this one).
    pub duplicates: u64,
}

/// How long an `Idempotency-Key` and its stored response are kept: a retry within this
/// window replays the first answer; the billing run deletes older keys.
pub const IDEMPOTENCY_KEY_RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);

impl BillingService {
    /// Creates or replaces a customer's account; `true` when created.
    #[instrument(skip_all, fields(caller = %caller.name, customer = id))]
    pub async fn provision_customer(
        &self,
        caller: &PlatformCaller,
        id: &str,
        company_name: &str,
        contact_name: &str,
        contact_email: &str,
    ) -> Result<(Customer, bool), BillingError> {
        let id = CustomerId::parse(id).map_err(|e| FieldErrors::single("customer_id", e.why))?;
        let data = NewCustomer::parse(company_name, contact_name, contact_email)?;
        let now = self.ports().clock.now();
        Ok(self.ports().customers.upsert(&id, &data, now).await?)
    }

    /// Puts a customer on a plan from `start` to `end`, replacing what served those days
    /// (and any later ones); the days before `start` keep their plans, so a renewal keeps
    /// the history. Invoiced periods from `start`'s on are settled at once.
    #[instrument(skip_all, fields(caller = %caller.name, customer = customer))]
    pub async fn provision_subscription(
        &self,
        caller: &PlatformCaller,
        customer: &str,
        plan_id: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<SubscriptionView, BillingError> {
        let Ok(customer) = CustomerId::parse(customer) else {
            return Err(BillingError::NotFound("customer"));
        };
        if self.ports().customers.find(&customer).await?.is_none() {
            return Err(BillingError::NotFound("customer"));
        }
        let plan = match PlanId::parse(plan_id) {
            Ok(id) => self.ports().plans.find(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| FieldErrors::single("plan_id", "no such plan"))?;
        if end < start {
            return Err(FieldErrors::single("end_date", "must not be before start_date").into());
        }
        let mut txn = self.ports().ledger.begin(&customer).await?;
        let plans = txn.plans().await?;
        // From `start` on the subscription is `plan` until `end`; the days before keep
        // what served them (a renewal keeps its history).
        let subscription = match txn.subscription().await? {
            Some(current) => Subscription {
                segments: replaced_from(&current.segments, plan.id.clone(), start, end),
                status: SubscriptionStatus::Active,
                ..current
            },
            None => Subscription {
                version: 0,
                ..Subscription::on_plan(
                    SubscriptionId::parse(&format!("sub_{}", uuid::Uuid::new_v4().simple()))
                        .map_err(anyhow::Error::new)?,
                    customer.clone(),
                    plan.id.clone(),
                    start,
                    end,
                )
            },
        };
        // Days from `start` on may have changed: settle the invoiced periods from there.
        let saved = self
            .commit_timeline(
                txn,
                subscription,
                &plans,
                Month::of(start),
                None,
                crate::events::SubscriptionChange::Provisioned,
            )
            .await?;
        self.view(saved).await
    }

    /// Counts a batch of usage events; each event id counts once, ever. An invalid event
    /// (or an unknown customer) rejects the whole batch and changes nothing.
    #[instrument(skip_all, fields(caller = %caller.name, events = raw.len()))]
    pub async fn ingest_usage(
        &self,
        caller: &PlatformCaller,
        raw: &[RawUsageEvent],
    ) -> Result<IngestReport, BillingError> {
        let events = validate_batch(raw, &self.ports().calendar)?;
        let total = events.len() as u64;
        let (unique, _) = first_of_each_id(events);
        let mut ids: Vec<CustomerId> = unique.iter().map(|e| e.customer_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let known = self.ports().customers.existing(&ids).await?;
        let mut errors = FieldErrors::default();
        for (i, e) in raw.iter().enumerate() {
            let listed = unique
                .iter()
                .any(|u| u.customer_id.as_str() == e.customer_id);
            if listed && !known.iter().any(|k| k.as_str() == e.customer_id) {
                errors.add(format!("events[{i}].customer_id"), "no such customer");
            }
        }
        errors.into_result()?;
        let now = self.ports().clock.now();
        let accepted = self.ports().usage.ingest(&unique, now).await?;
        // The ingestion path evaluates the alert rules of the customers it touched.
        if accepted > 0 {
            self.entitlements_changed(&ids).await;
            self.evaluate_alerts(&ids).await;
        }
        metrics::counter!("portal_usage_events_accepted_total").increment(accepted);
        metrics::counter!("portal_usage_events_duplicate_total").increment(total - accepted);
        Ok(IngestReport {
            accepted,
            duplicates: total - accepted,
        })
    }

    /// Marks pending invoices past their due date overdue and subscriptions past their
    /// end expired; returns both counts.
    pub async fn mark_overdue_and_expired(
        &self,
        _caller: &PlatformCaller,
    ) -> Result<(u64, u64), BillingError> {
        let today = self.today();
        let announce = |invoice: &Invoice| self.invoice_overdue(invoice);
        let overdue = self.ports().invoices.mark_overdue(today, &announce).await?;
        let expired = self.ports().subscriptions.expire_ended(today).await?;
        Ok((overdue, expired))
    }

    /// Records an invoice's payment. The amount, when given, must be the invoice's; a
    /// paid invoice reported paid again with the same reference (or none) is answered
    /// as it is, with another reference it is a conflict.
    #[instrument(skip_all, fields(caller = %caller.name, invoice = id))]
    pub async fn mark_invoice_paid(
        &self,
        caller: &PlatformCaller,
        id: &str,
        report: PaymentReport,
    ) -> Result<Invoice, BillingError> {
        let Ok(id) = InvoiceId::parse(id) else {
            return Err(BillingError::NotFound("invoice"));
        };
        let invoices = &self.ports().invoices;
        let invoice = invoices
            .find_any(&id)
            .await?
            .ok_or(BillingError::NotFound("invoice"))?;
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
            None => self.ports().clock.now(),
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
        let mut after = std::collections::BTreeMap::new();
        after.insert("invoice_id".to_owned(), invoice.id.to_string());
        after.insert("amount".to_owned(), invoice.amount.amount().to_string());
        after.insert("reference".to_owned(), reference.to_owned());
        let audit = AuditEntry {
            customer_id: invoice.customer_id.clone(),
            user_id: caller.audit_user()?,
            at: self.ports().clock.now(),
            action: AuditAction::InvoicePaid,
            before: [("status".to_owned(), invoice.status.as_str().to_owned())].into(),
            after,
        };
        match invoices.record_payment(&id, &payment, &audit).await {
            Ok(paid) => Ok(paid),
            // Paid concurrently: answer as a repeated report would be answered.
            Err(RepositoryError::Conflict) => {
                let now = invoices
                    .find_any(&id)
                    .await?
                    .ok_or(BillingError::NotFound("invoice"))?;
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
    ) -> Result<Invoice, BillingError> {
        if no_reference || invoice.payments.iter().any(|p| p.reference == reference) {
            Ok(invoice)
        } else {
            Err(BillingError::Conflict(format!(
                "invoice {} is already paid under another reference",
                invoice.id
            )))
        }
    }
}
