//! The spend guard (contract §11): alert rules and caps customers set, the notifications
//! rules fire when ingested usage crosses them (evaluated in the ingestion path, once
//! per rule and month), and the entitlements the platform's products ask before serving.

mod entitlements;

use std::collections::BTreeSet;
use std::sync::Arc;

use portal_domain::guard::{AlertRule, Cap, Channel, RawAlertRule, validate_caps, validate_rules};
use portal_domain::{AuditAction, AuditEntry, CustomerId, NotificationId};
use tracing::instrument;

use crate::entitlement_memo::{EntitlementChanges, EntitlementMemo};
use crate::events::Events;
use crate::month_usage::MonthUsage;
use crate::ports::{CustomerRepository, GuardRepository, Notification};
use crate::principal::Principal;
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What a spend guard use case can end in.
    SpendGuardError,
    conflict: "the alert rules or caps were changed by another request; reload them and try again"
);

/// The spend guard's ports and collaborators.
pub struct SpendGuard {
    pub(crate) guard: Arc<dyn GuardRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) month_usage: MonthUsage,
    pub(crate) memo: EntitlementMemo,
    pub(crate) entitlements: EntitlementChanges,
    pub(crate) receivables: Arc<dyn crate::ports::ReceivablesRepository>,
    /// Days overdue after which service is suspended (0: never).
    pub(crate) suspend_after_days: u32,
    pub(crate) events: Events,
    pub(crate) time: BusinessTime,
}

/// The most notifications listed.
pub const NOTIFICATIONS_LISTED: u32 = 100;

impl SpendGuard {
    /// Forgets this process's entitlement answers of customers that another instance
    /// changed (told by the change feed).
    pub async fn forget_entitlements(&self, customers: &[CustomerId]) {
        self.memo.forget(customers).await;
    }

    /// The channels this server delivers: in the app always; e-mail and webhooks when
    /// configured (a rule on a channel that is not is refused).
    pub fn available_channels(&self) -> BTreeSet<Channel> {
        [
            Some(Channel::InApp),
            self.events.sends_mail().then_some(Channel::Email),
            self.events.sends_webhooks().then_some(Channel::Webhook),
        ]
        .into_iter()
        .flatten()
        .collect()
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
            user_name: principal.name.clone(),
            at: self.time.now(),
            action,
            before: [("count".to_owned(), before.to_string())].into(),
            after: [("count".to_owned(), after.to_string())].into(),
        }
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn alert_rules(
        &self,
        principal: &Principal,
    ) -> Result<Vec<AlertRule>, SpendGuardError> {
        Ok(self.guard.alert_rules(&principal.customer_id).await?)
    }

    /// Replaces the rules (admin). Invalid input changes nothing.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn set_alert_rules(
        &self,
        principal: &Principal,
        raw: &[RawAlertRule],
    ) -> Result<Vec<AlertRule>, SpendGuardError> {
        principal.require_admin("change the alert rules")?;
        let rules = validate_rules(raw, &self.available_channels())?;
        let guard = &self.guard;
        let before = guard.alert_rules(&principal.customer_id).await?.len();
        let audit = self.guard_audit(principal, AuditAction::AlertsUpdated, before, rules.len());
        guard
            .set_alert_rules(&principal.customer_id, &rules, &audit)
            .await?;
        Ok(rules)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn caps(&self, principal: &Principal) -> Result<Vec<Cap>, SpendGuardError> {
        Ok(self.guard.caps(&principal.customer_id).await?)
    }

    /// Replaces the caps (admin). Invalid input changes nothing.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn set_caps(
        &self,
        principal: &Principal,
        raw: &[(String, i64)],
    ) -> Result<Vec<Cap>, SpendGuardError> {
        principal.require_admin("change the caps")?;
        let caps = validate_caps(raw)?;
        let guard = &self.guard;
        let before = guard.caps(&principal.customer_id).await?.len();
        let audit = self.guard_audit(principal, AuditAction::CapsUpdated, before, caps.len());
        guard
            .set_caps(&principal.customer_id, &caps, &audit)
            .await?;
        self.entitlements
            .changed(std::slice::from_ref(&principal.customer_id))
            .await;
        Ok(caps)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn notifications(
        &self,
        principal: &Principal,
    ) -> Result<(u64, Vec<Notification>), SpendGuardError> {
        Ok(self
            .guard
            .notifications(&principal.customer_id, NOTIFICATIONS_LISTED)
            .await?)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn mark_notification_read(
        &self,
        principal: &Principal,
        id: &NotificationId,
    ) -> Result<Notification, SpendGuardError> {
        self.guard
            .mark_read(&principal.customer_id, id.as_str())
            .await?
            .ok_or(SpendGuardError::NotFound("notification"))
    }

    /// 全部已读: marks every notification of the customer read; how many were unread.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn mark_all_notifications_read(
        &self,
        principal: &Principal,
    ) -> Result<u64, SpendGuardError> {
        Ok(self.guard.mark_all_read(&principal.customer_id).await?)
    }
}
