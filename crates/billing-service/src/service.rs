//! [`BillingService`]: one method per use case of the portal.

use chrono::{Days, NaiveDate};
use portal_domain::invoice::PAYMENT_TERM_DAYS;
use portal_domain::proration::ProrationError;
use portal_domain::{
    AccountChanges, AuditAction, AuditEntry, Customer, DateRange, FieldErrors, Invoice, InvoiceId,
    InvoiceKind, InvoiceStatus, InvoiceSummary, Month, NewInvoice, Plan, PlanChange, PlanId,
    Product, ProrationQuote, ScheduledChange, Subscription, SubscriptionStatus, UsageRecord,
    UsageSummary, plan,
};
use tracing::instrument;

use crate::error::BillingError;
use crate::ports::{Actor, PlanChangeCommit, Ports};

/// The most audit entries one read returns.
const AUDIT_PAGE: u64 = 500;
use crate::principal::Principal;

/// A subscription with its plan and its status as of today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionView {
    pub subscription: Subscription,
    pub plan: Plan,
    pub status: SubscriptionStatus,
}

/// An account edit as submitted: any of the fields, not yet validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountEdit {
    pub company_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
}

/// What an upgrade did: the changed subscription and the invoice, when anything is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeOutcome {
    pub subscription: SubscriptionView,
    pub invoice: Option<Invoice>,
}

/// What an upgrade would charge now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeQuote {
    pub plan_id: PlanId,
    pub quote: ProrationQuote,
}

/// A month of usage against the current plan's quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageOverview {
    pub month: Month,
    pub products: Vec<UsageSummary>,
}

pub struct BillingService {
    ports: Ports,
}

impl BillingService {
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }

    pub(crate) fn ports(&self) -> &Ports {
        &self.ports
    }

    /// Today in UTC, the calendar the billing periods follow.
    pub fn today(&self) -> NaiveDate {
        self.ports.clock.now().date_naive()
    }

    /// Whether the source of truth answers.
    pub async fn ready(&self) -> bool {
        self.ports.health.ready().await
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn account(&self, principal: &Principal) -> Result<Customer, BillingError> {
        self.ports
            .customers
            .find(&principal.customer_id)
            .await?
            .ok_or(BillingError::NotFound("account"))
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn update_account(
        &self,
        principal: &Principal,
        edit: AccountEdit,
    ) -> Result<Customer, BillingError> {
        principal.require_admin("change the account")?;
        let changes = AccountChanges::parse(
            edit.company_name.as_deref(),
            edit.contact_name.as_deref(),
            edit.contact_email.as_deref(),
        )?;
        if changes.is_empty() {
            return Err(FieldErrors::single(
                "body",
                "give at least one of company_name, contact_name, contact_email",
            )
            .into());
        }
        let actor = self.actor(principal);
        self.ports
            .customers
            .update(&principal.customer_id, &changes, &actor)
            .await?
            .ok_or(BillingError::NotFound("account"))
    }

    fn actor(&self, principal: &Principal) -> Actor {
        Actor {
            user_id: principal.user_id.clone(),
            at: self.ports.clock.now(),
        }
    }

    fn audit(
        &self,
        principal: &Principal,
        action: AuditAction,
        before: &[(&str, String)],
        after: &[(&str, String)],
    ) -> AuditEntry {
        let map = |pairs: &[(&str, String)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        AuditEntry {
            customer_id: principal.customer_id.clone(),
            user_id: principal.user_id.clone(),
            at: self.ports.clock.now(),
            action,
            before: map(before),
            after: map(after),
        }
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn subscription(
        &self,
        principal: &Principal,
    ) -> Result<SubscriptionView, BillingError> {
        let subscription = self
            .ports
            .subscriptions
            .current(&principal.customer_id)
            .await?
            .ok_or(BillingError::NotFound("subscription"))?;
        self.view(subscription).await
    }

    pub(crate) async fn view_of(
        &self,
        subscription: Subscription,
    ) -> Result<SubscriptionView, BillingError> {
        self.view(subscription).await
    }

    async fn view(&self, subscription: Subscription) -> Result<SubscriptionView, BillingError> {
        let plan = self
            .ports
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
        let status = subscription.status_on(self.today());
        Ok(SubscriptionView {
            subscription,
            plan,
            status,
        })
    }

    /// The catalogue, cheapest first.
    #[instrument(skip_all)]
    pub async fn plans(&self, _principal: &Principal) -> Result<Vec<Plan>, BillingError> {
        let mut plans = self.ports.plans.list().await?;
        plan::sort_cheapest_first(&mut plans);
        Ok(plans)
    }

    /// Checks an upgrade to `plan_id` and quotes it for today.
    async fn quote_upgrade(
        &self,
        principal: &Principal,
        plan_id: &str,
        proration_date: Option<NaiveDate>,
    ) -> Result<(Subscription, Plan, Plan, ProrationQuote), BillingError> {
        let target = match PlanId::parse(plan_id) {
            Ok(id) => self.ports.plans.find(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| FieldErrors::single("plan_id", "no such plan"))?;
        let subscription = self
            .ports
            .subscriptions
            .current(&principal.customer_id)
            .await?
            .ok_or(BillingError::NotFound("subscription"))?;
        let today = self.today();
        let on = match proration_date {
            None => today,
            Some(d)
                if d <= today
                    && Month::of(d) == Month::of(today)
                    && d >= subscription.start_date =>
            {
                d
            }
            Some(_) => {
                return Err(FieldErrors::single(
                    "proration_date",
                    "must be a day of the current period, not after today",
                )
                .into());
            }
        };
        if !subscription.is_changeable_on(today) {
            return Err(BillingError::Conflict(format!(
                "the subscription is {} and cannot be changed",
                subscription.status_on(today).as_str()
            )));
        }
        let current = self.view(subscription).await?;
        match PlanChange::between(&current.plan, &target) {
            PlanChange::Upgrade => {}
            PlanChange::Same => {
                return Err(BillingError::Conflict(format!(
                    "the subscription is already on {} or a plan of the same price",
                    target.id
                )));
            }
            PlanChange::Downgrade => {
                return Err(BillingError::Conflict(format!(
                    "{} is cheaper than the current plan; that is a downgrade, not an upgrade",
                    target.id
                )));
            }
        }
        let quote =
            ProrationQuote::for_upgrade(&current.plan, &target, on, current.subscription.end_date)
                .map_err(|e| match e {
                    ProrationError::NotAnUpgrade { .. } => BillingError::Conflict(e.to_string()),
                    ProrationError::Money(m) => BillingError::from(m),
                })?;
        Ok((current.subscription, current.plan, target, quote))
    }

    /// What upgrading to `plan_id` would charge today.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn preview_upgrade(
        &self,
        principal: &Principal,
        plan_id: &str,
    ) -> Result<UpgradeQuote, BillingError> {
        let (_, _, target, quote) = self.quote_upgrade(principal, plan_id, None).await?;
        Ok(UpgradeQuote {
            plan_id: target.id,
            quote,
        })
    }

    /// Moves the subscription to a dearer plan now and invoices the prorated difference,
    /// both in one unit of work. Of concurrent upgrades of one subscription, one wins and
    /// the others get a conflict.
    #[instrument(skip_all, fields(customer = %principal.customer_id, plan = plan_id))]
    pub async fn upgrade(
        &self,
        principal: &Principal,
        plan_id: &str,
        proration_date: Option<NaiveDate>,
    ) -> Result<UpgradeOutcome, BillingError> {
        principal.require_admin("change the plan")?;
        let (subscription, current, target, quote) = self
            .quote_upgrade(principal, plan_id, proration_date)
            .await?;
        let now = self.ports.clock.now();
        let invoice = if quote.is_chargeable() {
            Some(NewInvoice {
                customer_id: principal.customer_id.clone(),
                period: quote.period,
                kind: InvoiceKind::Proration,
                status: InvoiceStatus::Pending,
                currency: quote.amount.currency(),
                lines: quote.lines.clone(),
                created_at: now,
                due_date: quote.proration_date + Days::new(PAYMENT_TERM_DAYS),
            })
        } else {
            None
        };
        let (changed, invoice) = self
            .ports
            .subscriptions
            .change_plan(&PlanChangeCommit {
                customer_id: principal.customer_id.clone(),
                subscription_id: subscription.id.clone(),
                expected_version: subscription.version,
                new_plan_id: target.id.clone(),
                invoice,
                audit: self.audit(
                    principal,
                    AuditAction::PlanUpgraded,
                    &[("plan_id", current.id.to_string())],
                    &[
                        ("plan_id", target.id.to_string()),
                        ("proration_date", quote.proration_date.to_string()),
                        ("amount", quote.amount.amount().to_string()),
                    ],
                ),
            })
            .await?;
        tracing::info!(
            subscription = %changed.id,
            invoice = invoice.as_ref().map(|i| i.id.to_string()),
            "plan upgraded"
        );
        Ok(UpgradeOutcome {
            subscription: self.view(changed).await?,
            invoice,
        })
    }

    /// Schedules a move to a cheaper plan at the end of the current period (admins only).
    /// Nothing is refunded; the billing run applies the change at its date.
    #[instrument(skip_all, fields(customer = %principal.customer_id, plan = plan_id))]
    pub async fn schedule_downgrade(
        &self,
        principal: &Principal,
        plan_id: &str,
    ) -> Result<SubscriptionView, BillingError> {
        principal.require_admin("change the plan")?;
        let target = match PlanId::parse(plan_id) {
            Ok(id) => self.ports.plans.find(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| FieldErrors::single("plan_id", "no such plan"))?;
        let current = self.subscription(principal).await?;
        let today = self.today();
        if !current.subscription.is_changeable_on(today) {
            return Err(BillingError::Conflict(format!(
                "the subscription is {} and cannot be changed",
                current.status.as_str()
            )));
        }
        if PlanChange::between(&current.plan, &target) != PlanChange::Downgrade {
            return Err(BillingError::Conflict(format!(
                "{} is not cheaper than the current plan; use an upgrade",
                target.id
            )));
        }
        let change = ScheduledChange::downgrade(target.id.clone(), today);
        let audit = self.audit(
            principal,
            AuditAction::DowngradeScheduled,
            &[("plan_id", current.plan.id.to_string())],
            &[
                ("plan_id", target.id.to_string()),
                ("effective_date", change.effective_date.to_string()),
            ],
        );
        let changed = self
            .ports
            .subscriptions
            .set_scheduled_change(&current.subscription, Some(&change), &audit)
            .await?;
        self.view(changed).await
    }

    /// Cancels a scheduled change (admins only); without one, nothing changes.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn cancel_scheduled_change(
        &self,
        principal: &Principal,
    ) -> Result<SubscriptionView, BillingError> {
        principal.require_admin("change the plan")?;
        let current = self.subscription(principal).await?;
        let Some(scheduled) = current.subscription.scheduled_change.clone() else {
            return Ok(current);
        };
        let audit = self.audit(
            principal,
            AuditAction::DowngradeCancelled,
            &[
                ("plan_id", scheduled.plan_id.to_string()),
                ("effective_date", scheduled.effective_date.to_string()),
            ],
            &[("plan_id", current.plan.id.to_string())],
        );
        let changed = self
            .ports
            .subscriptions
            .set_scheduled_change(&current.subscription, None, &audit)
            .await?;
        self.view(changed).await
    }

    /// Every change made through the portal, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn audit_log(&self, principal: &Principal) -> Result<Vec<AuditEntry>, BillingError> {
        Ok(self
            .ports
            .audit
            .list(&principal.customer_id, AUDIT_PAGE)
            .await?)
    }

    /// Usage of `month` (default: the current month) against the current plan's quotas.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_overview(
        &self,
        principal: &Principal,
        month: Option<Month>,
    ) -> Result<UsageOverview, BillingError> {
        let today = self.today();
        let month = month.unwrap_or_else(|| Month::of(today));
        let quotas = match self
            .ports
            .subscriptions
            .current(&principal.customer_id)
            .await?
        {
            Some(subscription) => Some(self.view(subscription).await?.plan.quotas),
            None => None,
        };
        let records = self
            .ports
            .usage
            .daily(&principal.customer_id, DateRange::month(month), None)
            .await?;
        let products = Product::ALL
            .into_iter()
            .map(|product| {
                let quota = quotas.map(|q| q.for_product(product)).unwrap_or(0);
                UsageSummary::of_month(product, month, quota, &records, today)
            })
            .collect();
        Ok(UsageOverview { month, products })
    }

    /// Daily values in an inclusive range, optionally of one product.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_detail(
        &self,
        principal: &Principal,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, BillingError> {
        Ok(self
            .ports
            .usage
            .daily(&principal.customer_id, range, product)
            .await?)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn invoices(
        &self,
        principal: &Principal,
    ) -> Result<Vec<InvoiceSummary>, BillingError> {
        Ok(self.ports.invoices.list(&principal.customer_id).await?)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn invoice(&self, principal: &Principal, id: &str) -> Result<Invoice, BillingError> {
        // A malformed id cannot name an invoice: it is as missing as an unknown one.
        let Ok(id) = InvoiceId::parse(id) else {
            return Err(BillingError::NotFound("invoice"));
        };
        self.ports
            .invoices
            .find(&principal.customer_id, &id)
            .await?
            .ok_or(BillingError::NotFound("invoice"))
    }
}
