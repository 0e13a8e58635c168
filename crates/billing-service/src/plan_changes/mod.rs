//! Plan changes a customer's admin makes: an upgrade now (charged at once for the
//! periods already invoiced), a downgrade scheduled for the end of the period, and
//! calling a scheduled change off. Each is one ledger unit of work: read the
//! subscription, the prices and the invoiced lines, compute the new timeline and what
//! settles it, then store the timeline (compare-and-set on its version), the invoice and
//! the audit entries together.

mod catalogue;
mod idempotent;
mod provisioning;

use std::sync::Arc;

use chrono::NaiveDate;
use portal_domain::invoice::total_of;
use portal_domain::timeline::{switch_from, without_changes_after};
use portal_domain::{
    AuditAction, AuditEntry, FieldErrors, Invoice, InvoiceLine, Month, Plan, PlanChange, PlanId,
    ScheduledChange, Segment, Subscription, TimelineError, plan,
};
use tracing::instrument;

use crate::events::SubscriptionChange;
use crate::ports::{CustomerRepository, Ledger, LedgerTxn, PlanCatalog, SubscriptionRepository};
use crate::principal::Principal;
use crate::subscription_view::{SubscriptionView, SubscriptionViews};
use crate::time::BusinessTime;
use crate::timeline_commit::{Committed, Settlement, TimelineChange, TimelineCommit};

crate::error::capability_error!(
    /// What a plan change can end in.
    PlanChangeError,
    conflict: "the subscription was changed by another request; reload it and try again"
);

pub use idempotent::{MAX_KEY_LEN, Replayable};

/// What an upgrade did: the changed subscription and the invoice, when anything is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeOutcome {
    pub subscription: SubscriptionView,
    pub invoice: Option<Invoice>,
}

/// What an upgrade would charge now: the lines that settle the periods already
/// invoiced with the new timeline and, in a period with no invoice yet, that period's
/// invoice under the new timeline — exactly the invoice the upgrade issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeQuote {
    pub plan_id: PlanId,
    pub proration_date: NaiveDate,
    pub amount: portal_domain::Money,
    pub lines: Vec<InvoiceLine>,
}

/// The subscription and its plan: see it, compare plans, upgrade now, schedule or call
/// off a downgrade, and the platform's provisioning of a subscription.
pub struct PlanChanges {
    pub(crate) ledger: Arc<dyn Ledger>,
    pub(crate) subscriptions: Arc<dyn SubscriptionRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) plans: Arc<dyn PlanCatalog>,
    pub(crate) views: SubscriptionViews,
    pub(crate) timeline: TimelineCommit,
    pub(crate) time: BusinessTime,
}

/// An upgrade worked out inside a unit of work, not yet stored.
struct PlannedUpgrade {
    subscription: Subscription,
    current: Plan,
    target: Plan,
    segments: Vec<Segment>,
    removed: Option<ScheduledChange>,
    quote: UpgradeQuote,
    settlement: Settlement,
}

fn no_such_plan() -> PlanChangeError {
    FieldErrors::single("plan_id", "no such plan").into()
}

fn unchangeable(subscription: &Subscription, today: NaiveDate) -> PlanChangeError {
    PlanChangeError::Conflict(format!(
        "the subscription is {} and cannot be changed",
        subscription.status_on(today).as_str()
    ))
}

fn timeline_conflict(err: TimelineError) -> PlanChangeError {
    PlanChangeError::Conflict(err.to_string())
}

impl PlanChanges {
    /// The customer's subscription as of today.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn subscription(
        &self,
        principal: &Principal,
    ) -> Result<SubscriptionView, PlanChangeError> {
        let subscription = self
            .subscriptions
            .current(&principal.customer_id)
            .await?
            .ok_or(PlanChangeError::NotFound("subscription"))?;
        Ok(self.views.view(subscription).await?)
    }

    /// The catalogue, cheapest first.
    #[instrument(skip_all)]
    pub async fn plans(&self, _principal: &Principal) -> Result<Vec<Plan>, PlanChangeError> {
        let mut plans = self.plans.list().await?;
        plan::sort_cheapest_first(&mut plans);
        Ok(plans)
    }

    /// An audit entry of the principal's change, dated now.
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
            user_name: principal.name.clone(),
            at: self.time.now(),
            action,
            before: map(before),
            after: map(after),
        }
    }

    /// Reads the subscription and the catalogue in `txn` and finds `plan_id` in it.
    async fn subscription_and_target(
        &self,
        txn: &mut Box<dyn LedgerTxn + '_>,
        plan_id: &PlanId,
    ) -> Result<(Subscription, Vec<Plan>, Plan), PlanChangeError> {
        let subscription = txn
            .subscription()
            .await?
            .ok_or(PlanChangeError::NotFound("subscription"))?;
        let plans = txn.plans().await?;
        let target = plans
            .iter()
            .find(|p| &p.id == plan_id)
            .cloned()
            .ok_or_else(no_such_plan)?;
        Ok((subscription, plans, target))
    }

    async fn plan_upgrade(
        &self,
        txn: &mut Box<dyn LedgerTxn + '_>,
        plan_id: &PlanId,
        proration_date: Option<NaiveDate>,
    ) -> Result<PlannedUpgrade, PlanChangeError> {
        let (subscription, plans, target) = self.subscription_and_target(txn, plan_id).await?;
        let today = self.time.today();
        let on = match proration_date {
            None => today,
            Some(d)
                if d <= today
                    && Month::of(d) == Month::of(today)
                    && d >= subscription.start_date() =>
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
            return Err(unchangeable(&subscription, today));
        }
        let current = subscription
            .plan_on(on)
            .and_then(|id| plans.iter().find(|p| &p.id == id))
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!("subscription {} names no known plan", subscription.id)
            })?;
        match PlanChange::between(&current, &target) {
            PlanChange::Upgrade => {}
            PlanChange::Same => {
                return Err(PlanChangeError::Conflict(format!(
                    "the subscription is already on {} or a plan of the same price",
                    target.id
                )));
            }
            PlanChange::Downgrade => {
                return Err(PlanChangeError::Conflict(format!(
                    "{} is cheaper than the current plan; that is a downgrade, not an upgrade",
                    target.id
                )));
            }
        }
        let segments =
            switch_from(&subscription.segments, &target.id, on).map_err(timeline_conflict)?;
        let changed = Subscription {
            segments: segments.clone(),
            ..subscription.clone()
        };
        let settlement = self
            .timeline
            .settlement(txn.as_mut(), &changed, &plans, Month::of(on))
            .await?;
        let amount = total_of(target.price.currency(), &settlement.lines)?;
        Ok(PlannedUpgrade {
            removed: subscription.scheduled_change(today),
            quote: UpgradeQuote {
                plan_id: target.id.clone(),
                proration_date: on,
                amount,
                lines: settlement.lines.clone(),
            },
            settlement,
            subscription,
            current,
            target,
            segments,
        })
    }

    /// What upgrading to `plan_id` would charge now: the difference the new timeline
    /// makes to the periods already invoiced, and the current period's invoice when it
    /// has none yet — the lines and amount of the invoice [`Self::upgrade`] would issue.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn preview_upgrade(
        &self,
        principal: &Principal,
        plan_id: &PlanId,
    ) -> Result<UpgradeQuote, PlanChangeError> {
        let mut txn = self.ledger.begin(&principal.customer_id).await?;
        // Read only: dropped without a commit.
        Ok(self.plan_upgrade(&mut txn, plan_id, None).await?.quote)
    }

    /// Moves the subscription to a dearer plan from today (or the preview's
    /// `proration_date`), invoices the difference for the periods already invoiced (or
    /// the current period under the new timeline when it has no invoice yet) and
    /// removes a scheduled downgrade, in one unit of work. Of concurrent changes of one
    /// subscription one wins; the others get a conflict.
    #[instrument(skip_all, fields(customer = %principal.customer_id, plan = %plan_id))]
    pub async fn upgrade(
        &self,
        principal: &Principal,
        plan_id: &PlanId,
        proration_date: Option<NaiveDate>,
    ) -> Result<UpgradeOutcome, PlanChangeError> {
        principal.require_admin("change the plan")?;
        let mut txn = self.ledger.begin(&principal.customer_id).await?;
        let upgrade = self
            .upgrade_in(&mut txn, principal, plan_id, proration_date)
            .await?;
        let outcome = self.outcome_of(&upgrade);
        self.timeline.commit(txn, &upgrade.0).await?;
        upgraded(&upgrade.0);
        Ok(outcome)
    }

    /// The upgrade's writes in `txn`, not committed.
    async fn upgrade_in(
        &self,
        txn: &mut Box<dyn LedgerTxn + '_>,
        principal: &Principal,
        plan_id: &PlanId,
        proration_date: Option<NaiveDate>,
    ) -> Result<(Committed, Plan), PlanChangeError> {
        let planned = self.plan_upgrade(txn, plan_id, proration_date).await?;
        let mut audit = vec![self.audit(
            principal,
            AuditAction::PlanUpgraded,
            &[("plan_id", planned.current.id.to_string())],
            &[
                ("plan_id", planned.target.id.to_string()),
                ("proration_date", planned.quote.proration_date.to_string()),
                ("amount", planned.quote.amount.amount().to_string()),
            ],
        )];
        if let Some(removed) = &planned.removed {
            audit.push(self.audit(
                principal,
                AuditAction::DowngradeRemoved,
                &[
                    ("plan_id", removed.plan_id.to_string()),
                    ("effective_date", removed.effective_date.to_string()),
                ],
                &[
                    ("reason", "upgrade".to_owned()),
                    ("plan_id", planned.target.id.to_string()),
                ],
            ));
        }
        let change = TimelineChange {
            changed: Subscription {
                segments: planned.segments.clone(),
                ..planned.subscription.clone()
            },
            settlement: planned.settlement,
            change: SubscriptionChange::Upgraded,
        };
        let committed = self.timeline.write(txn.as_mut(), change, audit).await?;
        Ok((committed, planned.target))
    }

    /// The answer of an upgrade: the subscription, now on `target`, and its invoice. Read
    /// nothing: it is worked out inside the unit of work (on SQLite, the store's one
    /// connection is the unit of work's until it ends).
    fn outcome_of(&self, (committed, target): &(Committed, Plan)) -> UpgradeOutcome {
        UpgradeOutcome {
            subscription: self
                .views
                .with_plan(committed.saved.clone(), target.clone()),
            invoice: committed.invoice.clone(),
        }
    }

    /// Schedules a move to a cheaper plan on the first day of the next period (admins
    /// only): a segment of the timeline that takes effect on its date by itself. Nothing
    /// of the current period is refunded; a next period already invoiced is credited.
    #[instrument(skip_all, fields(customer = %principal.customer_id, plan = %plan_id))]
    pub async fn schedule_downgrade(
        &self,
        principal: &Principal,
        plan_id: &PlanId,
    ) -> Result<SubscriptionView, PlanChangeError> {
        principal.require_admin("change the plan")?;
        let customer = &principal.customer_id;
        let mut txn = self.ledger.begin(customer).await?;
        let (subscription, plans, target) = self.subscription_and_target(&mut txn, plan_id).await?;
        let today = self.time.today();
        if !subscription.is_changeable_on(today) {
            return Err(unchangeable(&subscription, today));
        }
        let current = subscription
            .plan_on(today)
            .and_then(|id| plans.iter().find(|p| &p.id == id))
            .ok_or_else(|| {
                anyhow::anyhow!("subscription {} names no known plan", subscription.id)
            })?;
        if PlanChange::between(current, &target) != PlanChange::Downgrade {
            return Err(PlanChangeError::Conflict(format!(
                "{} is not cheaper than the current plan; use an upgrade",
                target.id
            )));
        }
        let change = ScheduledChange::downgrade(target.id.clone(), today);
        let segments = switch_from(&subscription.segments, &target.id, change.effective_date)
            .map_err(timeline_conflict)?;
        let audit = self.audit(
            principal,
            AuditAction::DowngradeScheduled,
            &[("plan_id", current.id.to_string())],
            &[
                ("plan_id", target.id.to_string()),
                ("effective_date", change.effective_date.to_string()),
            ],
        );
        let from = Month::of(change.effective_date);
        let changed = Subscription {
            segments,
            ..subscription
        };
        let saved = self
            .commit_timeline(
                txn,
                changed,
                &plans,
                from,
                Some(audit),
                SubscriptionChange::DowngradeScheduled,
            )
            .await?;
        Ok(self.views.view(saved).await?)
    }

    /// Calls off a scheduled change (admins only); without one, nothing changes.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn cancel_scheduled_change(
        &self,
        principal: &Principal,
    ) -> Result<SubscriptionView, PlanChangeError> {
        principal.require_admin("change the plan")?;
        let customer = &principal.customer_id;
        let mut txn = self.ledger.begin(customer).await?;
        let subscription = txn
            .subscription()
            .await?
            .ok_or(PlanChangeError::NotFound("subscription"))?;
        let today = self.time.today();
        let Some(scheduled) = subscription.scheduled_change(today) else {
            drop(txn);
            return Ok(self.views.view(subscription).await?);
        };
        let plans = txn.plans().await?;
        let segments = without_changes_after(&subscription.segments, today);
        let current_plan = subscription
            .plan_on(today)
            .map(ToString::to_string)
            .unwrap_or_default();
        let audit = self.audit(
            principal,
            AuditAction::DowngradeCancelled,
            &[
                ("plan_id", scheduled.plan_id.to_string()),
                ("effective_date", scheduled.effective_date.to_string()),
            ],
            &[("plan_id", current_plan)],
        );
        let from = Month::of(scheduled.effective_date);
        let kept = Subscription {
            segments,
            ..subscription
        };
        let saved = self
            .commit_timeline(
                txn,
                kept,
                &plans,
                from,
                Some(audit),
                SubscriptionChange::DowngradeCancelled,
            )
            .await?;
        Ok(self.views.view(saved).await?)
    }

    /// Stores `changed` (its new timeline) with `audit`, settling the invoiced periods
    /// from `from` on with an adjustment invoice when anything is owed or credited.
    pub(super) async fn commit_timeline(
        &self,
        mut txn: Box<dyn LedgerTxn + '_>,
        changed: Subscription,
        plans: &[Plan],
        from: Month,
        audit: Option<AuditEntry>,
        change: SubscriptionChange,
    ) -> Result<Subscription, PlanChangeError> {
        let settlement = self
            .timeline
            .settlement(txn.as_mut(), &changed, plans, from)
            .await?;
        let change = TimelineChange {
            changed,
            settlement,
            change,
        };
        let committed = self
            .timeline
            .write(txn.as_mut(), change, audit.into_iter().collect())
            .await?;
        self.timeline.commit(txn, &committed).await?;
        Ok(committed.saved)
    }
}

/// Logs a committed upgrade.
fn upgraded(committed: &Committed) {
    tracing::info!(
        subscription = %committed.saved.id,
        invoice = committed.invoice.as_ref().map(|i| i.id.to_string()),
        "plan upgraded"
    );
}
