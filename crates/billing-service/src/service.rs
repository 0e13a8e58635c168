//! [`BillingService`]: one method per use case of the portal.

use chrono::NaiveDate;
use portal_domain::{
    AccountChanges, AuditAction, AuditEntry, AuditKey, AuditPage, Customer, DateRange, FieldErrors,
    Invoice, InvoiceId, InvoiceKey, InvoiceLine, InvoicePage, Month, PageRequest, Plan, PlanId,
    Product, ScheduledChange, Segment, Subscription, SubscriptionStatus, UsageRecord, UsageSummary,
    plan,
};
use tracing::instrument;

use crate::entitlements::{ENTITLEMENT_MEMO_TTL, EntitlementMemo};
use crate::error::BillingError;
use crate::ports::{Actor, Ports};
use crate::principal::Principal;

/// How often an account edit without If-Match is tried when a concurrent edit wins the
/// version compare: each retry reads the row again, so with few writers one succeeds.
const UNCONDITIONAL_EDIT_ATTEMPTS: u32 = 5;

/// A subscription with its plan and its status as of today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionView {
    pub subscription: Subscription,
    /// The plan serving today.
    pub plan: Plan,
    pub status: SubscriptionStatus,
    /// The next plan change after today, if one is scheduled.
    pub scheduled_change: Option<ScheduledChange>,
    /// The segments serving the current and the next period, cut to them.
    pub segments: Vec<Segment>,
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

/// What an upgrade would charge now: the lines that settle the periods already
/// invoiced with the new timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeQuote {
    pub plan_id: PlanId,
    pub proration_date: NaiveDate,
    pub amount: portal_domain::Money,
    pub lines: Vec<InvoiceLine>,
}

/// A month of usage against the current plan's quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageOverview {
    pub month: Month,
    pub products: Vec<UsageSummary>,
    /// Each product's usage beyond its plan so far (§10), in the same order.
    pub overage: Vec<portal_domain::ProductOverage>,
}

pub struct BillingService {
    ports: Ports,
    memo: EntitlementMemo,
    /// This process among the instances: the holder of the billing runs it drives.
    instance: String,
}

impl BillingService {
    pub fn new(ports: Ports) -> Self {
        Self {
            ports,
            memo: EntitlementMemo::new(ENTITLEMENT_MEMO_TTL),
            instance: format!("inst_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// This process's name as the holder of billing runs' leases (new at each start).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// How long an entitlement answer is kept in this process (zero: not at all).
    pub fn with_entitlement_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.memo = EntitlementMemo::new(ttl);
        self
    }

    pub(crate) fn ports(&self) -> &Ports {
        &self.ports
    }

    pub(crate) fn memo(&self) -> &EntitlementMemo {
        &self.memo
    }

    /// Forgets this process's entitlement answers of customers whose usage, caps or
    /// plan it just changed.
    /// The other instances are told too (`Ports::changes`).
    pub(crate) async fn entitlements_changed(&self, customers: &[portal_domain::CustomerId]) {
        self.memo.forget(customers, self.today()).await;
        self.ports.changes.customers_changed(customers).await;
    }

    /// Forgets this process's entitlement answers of customers that another instance
    /// changed (told by the change feed).
    pub async fn forget_entitlements(&self, customers: &[portal_domain::CustomerId]) {
        self.memo.forget(customers, self.today()).await;
    }

    /// Today on the business calendar.
    pub fn today(&self) -> NaiveDate {
        self.ports.calendar.date_of(self.ports.clock.now())
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
        if_match: Option<&str>,
    ) -> Result<Customer, BillingError> {
        principal.require_admin("change the account")?;
        let expected_version = match if_match.map(str::trim) {
            None | Some("*") => None,
            Some(tag) => Some(version_of_etag(tag).ok_or_else(|| {
                BillingError::PreconditionFailed(
                    "If-Match does not name a version of the account".into(),
                )
            })?),
        };
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
        // Without If-Match the caller asked for no precondition: a concurrent change of
        // the row (the store compares versions to record before and after) is retried.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .ports
                .customers
                .update(&principal.customer_id, &changes, expected_version, &actor)
                .await
            {
                Ok(Some(updated)) => return Ok(updated),
                Ok(None) => return Err(BillingError::NotFound("account")),
                Err(crate::ports::RepositoryError::Conflict)
                    if expected_version.is_none() && attempt < UNCONDITIONAL_EDIT_ATTEMPTS => {}
                Err(crate::ports::RepositoryError::Conflict) => {
                    return Err(BillingError::PreconditionFailed(
                        "the account was changed since it was read; reload it and try again".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn actor(&self, principal: &Principal) -> Actor {
        Actor {
            user_id: principal.user_id.clone(),
            at: self.ports.clock.now(),
        }
    }

    pub(crate) fn audit(
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

    pub(crate) async fn view(
        &self,
        subscription: Subscription,
    ) -> Result<SubscriptionView, BillingError> {
        let today = self.today();
        let plan_id = subscription
            .plan_on(today)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("subscription {} has no segments", subscription.id))?;
        let plan = self.ports.plans.find(&plan_id).await?.ok_or_else(|| {
            BillingError::Internal(anyhow::anyhow!(
                "subscription {} names missing plan {plan_id}",
                subscription.id
            ))
        })?;
        let this = Month::of(today);
        // The segments cut to the current and the next period (one range of days).
        let (from, to) = (this.first_day(), this.next().last_day());
        let segments = subscription
            .segments
            .iter()
            .filter(|s| s.to >= from && s.from <= to)
            .map(|s| Segment::new(s.plan_id.clone(), s.from.max(from), s.to.min(to)))
            .collect();
        Ok(SubscriptionView {
            status: subscription.status_on(today),
            scheduled_change: subscription.scheduled_change(today),
            segments,
            subscription,
            plan,
        })
    }

    /// The catalogue, cheapest first.
    #[instrument(skip_all)]
    pub async fn plans(&self, _principal: &Principal) -> Result<Vec<Plan>, BillingError> {
        let mut plans = self.ports.plans.list().await?;
        plan::sort_cheapest_first(&mut plans);
        Ok(plans)
    }

    /// A page of the changes made through the portal, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn audit_log(
        &self,
        principal: &Principal,
        page: PageRequest<AuditKey>,
    ) -> Result<AuditPage, BillingError> {
        Ok(self.ports.audit.list(&principal.customer_id, &page).await?)
    }

    /// Usage of `month` (default: the current month) against the current plan's quotas.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_overview(
        &self,
        principal: &Principal,
        month: Option<Month>,
    ) -> Result<UsageOverview, BillingError> {
        self.month_usage(&principal.customer_id, month).await
    }

    /// A customer's usage of `month` (default: the current month), as
    /// [`Self::usage_overview`] shows it.
    pub(crate) async fn month_usage(
        &self,
        customer: &portal_domain::CustomerId,
        month: Option<Month>,
    ) -> Result<UsageOverview, BillingError> {
        let today = self.today();
        let month = month.unwrap_or_else(|| Month::of(today));
        let subscription = self.ports.subscriptions.current(customer).await?;
        let quotas = match &subscription {
            Some(subscription) => Some(self.view(subscription.clone()).await?.plan.quotas),
            None => None,
        };
        let records = self
            .ports
            .usage
            .daily(customer, DateRange::month(month), None)
            .await?;
        let products = Product::ALL
            .into_iter()
            .map(|product| {
                let quota = quotas.map(|q| q.for_product(product)).unwrap_or(0);
                UsageSummary::of_month(product, month, quota, &records, today)
            })
            .collect();
        let plans = self.ports.plans.list().await?;
        let segments = subscription.map(|s| s.segments).unwrap_or_default();
        let currency = Plan::currency_of(&plans);
        let overage = portal_domain::overage::month_overage(
            &segments, &plans, month, &records, today, currency,
        );
        Ok(UsageOverview {
            month,
            products,
            overage,
        })
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

    /// A page of the customer's invoices, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn invoices(
        &self,
        principal: &Principal,
        page: PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, BillingError> {
        Ok(self
            .ports
            .invoices
            .list(&principal.customer_id, &page)
            .await?)
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

/// The version an account `ETag` (`"3"`, or weak `W/"3"`) names.
fn version_of_etag(tag: &str) -> Option<i64> {
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// The `ETag` of an account at `version`.
pub fn account_etag(version: i64) -> String {
    format!("\"{version}\"")
}
