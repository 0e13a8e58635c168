//! The platform's provisioning of a subscription (`PUT /api/internal/customers/{id}/subscription`):
//! a timeline change like any other, settled at once: a subscription that serves the
//! current period gets that period's invoice at once.

use chrono::NaiveDate;
use portal_domain::{
    CustomerId, FieldErrors, Month, PlanId, Segment, Subscription, SubscriptionId,
    SubscriptionStatus,
};
use tracing::instrument;

use super::PlanChangeError;
use super::PlanChanges;
use crate::events::SubscriptionChange;
use crate::principal::PlatformCaller;
use crate::subscription_view::SubscriptionView;

impl PlanChanges {
    /// Puts a customer on a plan from `start` to `end`, replacing what served those days
    /// (and any later ones); the days before `start` keep their plans, so a renewal keeps
    /// the history. Invoiced periods from `start`'s on are settled at once, and a current
    /// period it serves that has no invoice yet is invoiced at once (fees in advance).
    #[instrument(skip_all, fields(caller = %caller.name, customer = %customer))]
    pub async fn provision_subscription(
        &self,
        caller: &PlatformCaller,
        customer: &CustomerId,
        plan_id: &PlanId,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<SubscriptionView, PlanChangeError> {
        if self.customers.find(customer).await?.is_none() {
            return Err(PlanChangeError::NotFound("customer"));
        }
        let plan = self
            .plans
            .find(plan_id)
            .await?
            .ok_or_else(|| FieldErrors::single("plan_id", "no such plan"))?;
        if end < start {
            return Err(FieldErrors::single("end_date", "must not be before start_date").into());
        }
        let mut txn = self.ledger.begin(customer).await?;
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
                SubscriptionChange::Provisioned,
            )
            .await?;
        Ok(self.views.view(saved).await?)
    }
}

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
