//! The billing operations the platform's services call: provisioning, usage ingestion,
//! the billing run, and payments. Callers are platform services, not customers.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use portal_domain::billing_ops::{bills_period, first_of_each_id, period_lines, validate_batch};
use portal_domain::invoice::PAYMENT_TERM_DAYS;
use portal_domain::{
    Customer, CustomerId, FieldErrors, Invoice, InvoiceId, InvoiceKind, InvoiceStatus, Month,
    NewCustomer, NewInvoice, PlanId, RawUsageEvent,
};
use tracing::instrument;

use crate::error::BillingError;
use crate::principal::PlatformCaller;
use crate::service::{BillingService, SubscriptionView};

/// What an ingestion batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestReport {
    /// Events counted now.
    pub accepted: u64,
    /// Events whose id was seen before (in an earlier batch or earlier in this one).
    pub duplicates: u64,
}

/// What a billing run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BillingRunReport {
    pub created: u64,
    /// Subscriptions that already had their invoice for the period.
    pub skipped: u64,
    pub scheduled_changes_applied: u64,
    pub invoices_overdue: u64,
    pub subscriptions_expired: u64,
    /// Idempotency keys older than [`IDEMPOTENCY_KEY_RETENTION`] deleted.
    pub idempotency_keys_purged: u64,
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

    /// Puts a customer on a plan for `start..=end`, replacing the current subscription.
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
        let subscription = self
            .ports()
            .subscriptions
            .replace(&customer, &plan.id, start, end)
            .await?;
        self.view_of(subscription).await
    }

    /// Counts a batch of usage events; each event id counts once, ever. An invalid event
    /// (or an unknown customer) rejects the whole batch and changes nothing.
    #[instrument(skip_all, fields(caller = %caller.name, events = raw.len()))]
    pub async fn ingest_usage(
        &self,
        caller: &PlatformCaller,
        raw: &[RawUsageEvent],
    ) -> Result<IngestReport, BillingError> {
        let events = validate_batch(raw)?;
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
        Ok(IngestReport {
            accepted,
            duplicates: total - accepted,
        })
    }

    /// Bills `period`: applies scheduled changes due by its first day, issues one
    /// invoice per subscription serving it (none twice), then marks overdue invoices and
    /// ended subscriptions.
    #[instrument(skip_all, fields(caller = %caller.name, period = %period))]
    pub async fn billing_run(
        &self,
        caller: &PlatformCaller,
        period: Month,
    ) -> Result<BillingRunReport, BillingError> {
        let ports = self.ports();
        let now = ports.clock.now();
        let today = now.date_naive();
        let mut report = BillingRunReport {
            scheduled_changes_applied: ports
                .subscriptions
                .apply_due_changes(period.first_day())
                .await?,
            ..Default::default()
        };
        let mut plans = BTreeMap::new();
        for subscription in ports.subscriptions.billable(period).await? {
            if !bills_period(&subscription, period) {
                continue;
            }
            let plan = match plans.get(&subscription.plan_id) {
                Some(plan) => plan,
                None => {
                    let plan = ports
                        .plans
                        .find(&subscription.plan_id)
                        .await?
                        .ok_or_else(|| {
                            BillingError::Internal(anyhow::anyhow!(
                                "subscription {} names missing plan {}",
                                subscription.id,
                                subscription.plan_id
                            ))
                        })?;
                    plans.entry(subscription.plan_id.clone()).or_insert(plan)
                }
            };
            let issued_on = today.max(period.first_day());
            let invoice = NewInvoice {
                customer_id: subscription.customer_id.clone(),
                period,
                kind: InvoiceKind::Subscription,
                status: InvoiceStatus::Pending,
                currency: plan.price.currency(),
                lines: period_lines(plan, period),
                created_at: now,
                due_date: issued_on + Days::new(PAYMENT_TERM_DAYS),
            };
            match ports.invoices.issue_for_period(&invoice).await? {
                Some(_) => report.created += 1,
                None => report.skipped += 1,
            }
        }
        let (overdue, expired) = self.mark_overdue_and_expired(caller).await?;
        report.invoices_overdue = overdue;
        report.subscriptions_expired = expired;
        report.idempotency_keys_purged = ports
            .idempotency
            .purge_claimed_before(now - IDEMPOTENCY_KEY_RETENTION)
            .await?;
        tracing::info!(?report, "billing run finished");
        Ok(report)
    }

    /// Marks pending invoices past their due date overdue and subscriptions past their
    /// end expired; returns both counts.
    pub async fn mark_overdue_and_expired(
        &self,
        _caller: &PlatformCaller,
    ) -> Result<(u64, u64), BillingError> {
        let today = self.today();
        let overdue = self.ports().invoices.mark_overdue(today).await?;
        let expired = self.ports().subscriptions.expire_ended(today).await?;
        Ok((overdue, expired))
    }

    /// Records an invoice's payment.
    #[instrument(skip_all, fields(caller = %caller.name, invoice = id))]
    pub async fn mark_invoice_paid(
        &self,
        caller: &PlatformCaller,
        id: &str,
    ) -> Result<Invoice, BillingError> {
        let Ok(id) = InvoiceId::parse(id) else {
            return Err(BillingError::NotFound("invoice"));
        };
        self.ports()
            .invoices
            .mark_paid(&id)
            .await?
            .ok_or(BillingError::NotFound("invoice"))
    }
}
