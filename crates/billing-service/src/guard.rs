//! The spend guard (contract §11): alert rules and caps customers set, the notifications
//! rules fire when ingested usage crosses them (evaluated in the ingestion path, once
//! per rule and month), and the entitlements the platform's products ask before serving.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::guard::{
    AlertCondition, AlertRule, Cap, Channel, Notice, RawAlertRule, validate_caps, validate_rules,
};
use portal_domain::{AuditAction, AuditEntry, CustomerId, Month};
use tracing::instrument;

use crate::delivery::OutboxMessage;
use crate::error::BillingError;
use crate::ports::RepositoryError;
use crate::principal::Principal;
use crate::service::BillingService;

/// The most notifications listed.
pub const NOTIFICATIONS_LISTED: u32 = 100;

/// A notification as stored: what fired, worded when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub customer_id: CustomerId,
    pub at: DateTime<Utc>,
    pub notice: Notice,
    pub read: bool,
}

/// Alert rules, caps, firings and notifications, per customer.
#[async_trait]
pub trait GuardRepository: Send + Sync {
    async fn alert_rules(&self, customer: &CustomerId) -> Result<Vec<AlertRule>, RepositoryError>;

    /// The rules of each of `customers` that has any.
    async fn rules_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<BTreeMap<CustomerId, Vec<AlertRule>>, RepositoryError>;

    /// Replaces the customer's rules and records `audit`, in one transaction.
    async fn set_alert_rules(
        &self,
        customer: &CustomerId,
        rules: &[AlertRule],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    async fn caps(&self, customer: &CustomerId) -> Result<Vec<Cap>, RepositoryError>;

    /// Replaces the customer's caps and records `audit`, in one transaction.
    async fn set_caps(
        &self,
        customer: &CustomerId,
        caps: &[Cap],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    /// Records that the rule `rule_key` fired for the customer in `month`, and stores
    /// `notification` and writes `outbox` (its e-mail, its webhook) with it, in one
    /// transaction. MUST store nothing and answer `false` when the rule fired in that
    /// month already (concurrent firings: exactly one wins).
    async fn fire(
        &self,
        customer: &CustomerId,
        month: Month,
        rule_key: &str,
        notification: Option<&Notification>,
        outbox: &[OutboxMessage],
    ) -> Result<bool, RepositoryError>;

    /// The number unread and the newest `limit` notifications, newest first.
    async fn notifications(
        &self,
        customer: &CustomerId,
        limit: u32,
    ) -> Result<(u64, Vec<Notification>), RepositoryError>;

    /// Marks the customer's notification read; `None` when it has none of that id.
    async fn mark_read(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Notification>, RepositoryError>;
}

impl BillingService {
    /// The channels this server delivers: in the app always; e-mail and webhooks when
    /// configured (a rule on a channel that is not is refused).
    fn available_channels(&self) -> BTreeSet<Channel> {
        let ports = self.ports();
        [
            Some(Channel::InApp),
            ports.mailer.as_ref().map(|_| Channel::Email),
            ports.webhooks.as_ref().map(|_| Channel::Webhook),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A new, unread notification of `notice` for the customer, dated now.
    pub(crate) fn notification(&self, customer: &CustomerId, notice: Notice) -> Notification {
        Notification {
            id: format!("ntf_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            at: self.ports().clock.now(),
            notice,
            read: false,
        }
    }

    fn guard_audit(
        &self,
        principal: &Principal,
        action: AuditAction,
        before: usize,
        after: usize,
    ) -> AuditEntry {
        AuditEntry {
            customer_id: principal.customer_id.clone(),
            user_id: principal.user_id.clone(),
            at: self.ports().clock.now(),
            action,
            before: [("count".to_owned(), before.to_string())].into(),
            after: [("count".to_owned(), after.to_string())].into(),
        }
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn alert_rules(&self, principal: &Principal) -> Result<Vec<AlertRule>, BillingError> {
        Ok(self
            .ports()
            .guard
            .alert_rules(&principal.customer_id)
            .await?)
    }

    /// Replaces the rules (admin). Invalid input changes nothing.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn set_alert_rules(
        &self,
        principal: &Principal,
        raw: &[RawAlertRule],
    ) -> Result<Vec<AlertRule>, BillingError> {
        principal.require_admin("change the alert rules")?;
        let rules = validate_rules(raw, &self.available_channels())?;
        let guard = &self.ports().guard;
        let before = guard.alert_rules(&principal.customer_id).await?.len();
        let audit = self.guard_audit(principal, AuditAction::AlertsUpdated, before, rules.len());
        guard
            .set_alert_rules(&principal.customer_id, &rules, &audit)
            .await?;
        Ok(rules)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn caps(&self, principal: &Principal) -> Result<Vec<Cap>, BillingError> {
        Ok(self.ports().guard.caps(&principal.customer_id).await?)
    }

    /// Replaces the caps (admin). Invalid input changes nothing.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn set_caps(
        &self,
        principal: &Principal,
        raw: &[(String, i64)],
    ) -> Result<Vec<Cap>, BillingError> {
        principal.require_admin("change the caps")?;
        let caps = validate_caps(raw)?;
        let guard = &self.ports().guard;
        let before = guard.caps(&principal.customer_id).await?.len();
        let audit = self.guard_audit(principal, AuditAction::CapsUpdated, before, caps.len());
        guard
            .set_caps(&principal.customer_id, &caps, &audit)
            .await?;
        self.entitlements_changed(std::slice::from_ref(&principal.customer_id))
            .await;
        Ok(caps)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn notifications(
        &self,
        principal: &Principal,
    ) -> Result<(u64, Vec<Notification>), BillingError> {
        Ok(self
            .ports()
            .guard
            .notifications(&principal.customer_id, NOTIFICATIONS_LISTED)
            .await?)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn mark_notification_read(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<Notification, BillingError> {
        self.ports()
            .guard
            .mark_read(&principal.customer_id, id)
            .await?
            .ok_or(BillingError::NotFound("notification"))
    }

    /// Fires the rules of `customers` that their usage this month now crosses, once per
    /// rule and month. Called after an ingestion batch; a failure here is logged, never
    /// the batch's (its events are counted).
    pub(crate) async fn evaluate_alerts(&self, customers: &[CustomerId]) {
        if let Err(error) = self.try_evaluate_alerts(customers).await {
            tracing::warn!(%error, "alert rules not evaluated");
        }
    }

    async fn try_evaluate_alerts(&self, customers: &[CustomerId]) -> Result<(), BillingError> {
        let month = Month::of(self.today());
        let rules = self.ports().guard.rules_of(customers).await?;
        for (customer, rules) in rules {
            let Some(account) = self.ports().customers.find(&customer).await? else {
                continue;
            };
            let usage = self.month_usage(&customer, Some(month)).await?;
            let wants_bill = rules
                .iter()
                .any(|r| matches!(r.condition, AlertCondition::ProjectedAmount { .. }));
            let projected = if wants_bill {
                Some(self.upcoming_for(&customer).await?.projected_amount)
            } else {
                None
            };
            for rule in &rules {
                let crossing = match &rule.condition {
                    AlertCondition::QuotaPercent { product, percent } => {
                        let (Some(summary), Some(overage)) = (
                            usage.products.iter().find(|s| s.product == *product),
                            usage.overage.iter().find(|o| o.product == *product),
                        ) else {
                            continue;
                        };
                        let included = overage.included;
                        // used / included ≥ percent / 100, in integers.
                        let crossed = included > 0
                            && i128::from(summary.used) * 100
                                >= i128::from(included) * i128::from(*percent);
                        crossed.then_some(Notice::Quota {
                            product: *product,
                            percent: *percent,
                            used: summary.used,
                            included,
                        })
                    }
                    AlertCondition::ProjectedAmount { amount } => projected
                        .filter(|p| p.amount() >= amount.amount())
                        .map(|p| Notice::ProjectedBill {
                            threshold: *amount,
                            projected: p,
                        }),
                };
                let Some(crossing) = crossing else { continue };
                let outbox = self.alert_messages(&account, month, rule, &crossing);
                let notification = rule
                    .channels
                    .contains(&Channel::InApp)
                    .then(|| self.notification(&customer, crossing));
                let fired = self
                    .ports()
                    .guard
                    .fire(
                        &customer,
                        month,
                        &rule.key(),
                        notification.as_ref(),
                        &outbox,
                    )
                    .await?;
                if fired {
                    metrics::counter!("portal_alerts_fired_total").increment(1);
                }
            }
        }
        Ok(())
    }
}
