//! [`MonthUsage`]: a customer's month of usage against the quotas of the plan serving it,
//! with the overage so far. The usage overview shows it; entitlements and alert rules
//! are judged by it.

use std::sync::Arc;

use portal_domain::{
    CustomerId, DateRange, Month, Plan, Product, ProductOverage, UsageSummary, overage,
};

use crate::error::BillingError;
use crate::ports::{PlanCatalog, SubscriptionRepository, UsageRepository};
use crate::subscription_view::SubscriptionViews;
use crate::time::BusinessTime;

/// A month of usage against the current plan's quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageOverview {
    pub month: Month,
    pub products: Vec<UsageSummary>,
    /// Each product's usage beyond its plan so far (§10), in the same order.
    pub overage: Vec<ProductOverage>,
}

#[derive(Clone)]
pub struct MonthUsage {
    pub(crate) subscriptions: Arc<dyn SubscriptionRepository>,
    pub(crate) usage: Arc<dyn UsageRepository>,
    pub(crate) plans: Arc<dyn PlanCatalog>,
    pub(crate) views: SubscriptionViews,
    pub(crate) time: BusinessTime,
}

impl MonthUsage {
    /// `customer`'s usage of `month` (default: the current month).
    pub async fn of(
        &self,
        customer: &CustomerId,
        month: Option<Month>,
    ) -> Result<UsageOverview, BillingError> {
        let today = self.time.today();
        let month = month.unwrap_or_else(|| Month::of(today));
        let subscription = self.subscriptions.current(customer).await?;
        let quotas = match &subscription {
            Some(subscription) => Some(self.views.view(subscription.clone()).await?.plan.quotas),
            None => None,
        };
        let records = self
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
        let plans = self.plans.list().await?;
        let segments = subscription.map(|s| s.segments).unwrap_or_default();
        let currency = Plan::currency_of(&plans);
        let overage = overage::month_overage(&segments, &plans, month, &records, today, currency);
        Ok(UsageOverview {
            month,
            products,
            overage,
        })
    }
}
