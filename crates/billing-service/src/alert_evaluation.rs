//! [`AlertEvaluation`]: after an ingestion batch, the spend guard's alert rules of the
//! customers it touched are judged against their usage this month (and the projected
//! bill), and each rule that their usage now crosses fires, once per rule and month: its
//! notification, e-mail and webhook stored together (contract §11).

use std::sync::Arc;

use portal_domain::guard::{AlertCondition, Channel, Notice};
use portal_domain::{CustomerId, Month};

use crate::error::BillingError;
use crate::events::Events;
use crate::month_usage::MonthUsage;
use crate::ports::{CustomerRepository, GuardRepository, Metrics, Notification};
use crate::time::BusinessTime;
use crate::upcoming::UpcomingBills;

#[derive(Clone)]
pub struct AlertEvaluation {
    pub(crate) guard: Arc<dyn GuardRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) month_usage: MonthUsage,
    pub(crate) upcoming: UpcomingBills,
    pub(crate) events: Events,
    pub(crate) metrics: Arc<dyn Metrics>,
    pub(crate) time: BusinessTime,
}

impl AlertEvaluation {
    /// Fires the rules of `customers` that their usage this month now crosses, once per
    /// rule and month. Called after an ingestion batch; a failure here is logged, never
    /// the batch's (its events are counted).
    pub async fn evaluate(&self, customers: &[CustomerId]) {
        if let Err(error) = self.try_evaluate(customers).await {
            tracing::warn!(%error, "alert rules not evaluated");
        }
    }

    async fn try_evaluate(&self, customers: &[CustomerId]) -> Result<(), BillingError> {
        let month = Month::of(self.time.today());
        let rules = self.guard.rules_of(customers).await?;
        for (customer, rules) in rules {
            let Some(account) = self.customers.find(&customer).await? else {
                continue;
            };
            let usage = self.month_usage.of(&customer, Some(month)).await?;
            let wants_bill = rules
                .iter()
                .any(|r| matches!(r.condition, AlertCondition::ProjectedAmount { .. }));
            let projected = if wants_bill {
                Some(self.upcoming.of(&customer).await?.projected_amount)
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
                let outbox = self.events.alert_messages(&account, month, rule, &crossing);
                let notification = rule
                    .channels
                    .contains(&Channel::InApp)
                    .then(|| Notification::new(&customer, crossing, self.time.now()));
                let fired = self
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
                    self.metrics.alert_fired();
                }
            }
        }
        Ok(())
    }
}
