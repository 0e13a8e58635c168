//! [`SubscriptionViews`]: a subscription as the customer sees it today (its plan, status,
//! scheduled change and the segments of this period and the next), the answer of every
//! use case that reads or changes a subscription.

use std::sync::Arc;

use chrono::NaiveDate;
use portal_domain::{Month, Plan, ScheduledChange, Segment, Subscription, SubscriptionStatus};

use crate::error::BillingError;
use crate::ports::PlanCatalog;
use crate::time::BusinessTime;

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

#[derive(Clone)]
pub struct SubscriptionViews {
    plans: Arc<dyn PlanCatalog>,
    time: BusinessTime,
}

impl SubscriptionViews {
    pub fn new(plans: Arc<dyn PlanCatalog>, time: BusinessTime) -> Self {
        Self { plans, time }
    }

    /// `subscription` as of today.
    pub async fn view(&self, subscription: Subscription) -> Result<SubscriptionView, BillingError> {
        let today = self.time.today();
        let plan_id = subscription
            .plan_on(today)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("subscription {} has no segments", subscription.id))?;
        let plan = self.plans.find(&plan_id).await?.ok_or_else(|| {
            BillingError::Internal(anyhow::anyhow!(
                "subscription {} names missing plan {plan_id}",
                subscription.id
            ))
        })?;
        Ok(view_on(subscription, plan, today))
    }

    /// `subscription` as of today, served today by `plan` (read by the caller, e.g. in
    /// the unit of work that changed it: nothing is read here).
    pub fn with_plan(&self, subscription: Subscription, plan: Plan) -> SubscriptionView {
        view_on(subscription, plan, self.time.today())
    }
}

/// `subscription` as of `today`, served that day by `plan`.
fn view_on(subscription: Subscription, plan: Plan, today: NaiveDate) -> SubscriptionView {
    let this = Month::of(today);
    // The segments cut to the current and the next period (one range of days).
    let (from, to) = (this.first_day(), this.next().last_day());
    let segments = subscription
        .segments
        .iter()
        .filter(|s| s.to >= from && s.from <= to)
        .map(|s| Segment::new(s.plan_id.clone(), s.from.max(from), s.to.min(to)))
        .collect();
    SubscriptionView {
        status: subscription.status_on(today),
        scheduled_change: subscription.scheduled_change(today),
        segments,
        subscription,
        plan,
    }
}
