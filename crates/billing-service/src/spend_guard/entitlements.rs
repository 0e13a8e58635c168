//! Entitlements (contract §11): whether the platform's products may serve more of each
//! product now. Answers are kept for a short bound ([`crate::entitlement_memo`]).

use std::sync::Arc;

use portal_domain::CustomerId;
use tracing::instrument;

use super::SpendGuard;
use super::SpendGuardError;
use crate::entitlement_memo::{Answer, ProductEntitlement};
use crate::error::BillingError;
use crate::principal::PlatformCaller;

impl SpendGuard {
    /// Whether the platform may serve more of each product now: a capped product stops
    /// at its cap's share of the month's included quota.
    #[instrument(skip_all, fields(caller = %caller.name, customer = %customer))]
    pub async fn entitlements(
        &self,
        caller: &PlatformCaller,
        customer: &CustomerId,
    ) -> Result<Vec<ProductEntitlement>, SpendGuardError> {
        let answer = self
            .memo
            .answer(customer, || self.compute_entitlements(customer))
            .await?;
        answer
            .map(|products| products.as_ref().clone())
            .ok_or(SpendGuardError::NotFound("customer"))
    }

    async fn compute_entitlements(&self, customer: &CustomerId) -> Result<Answer, BillingError> {
        if self.customers.find(customer).await?.is_none() {
            return Ok(None);
        }
        let caps = self.guard.caps(customer).await?;
        let usage = self.month_usage.of(customer, None).await?;
        let products = usage
            .products
            .iter()
            .zip(&usage.overage)
            .map(|(summary, overage)| {
                let limit = caps
                    .iter()
                    .find(|c| c.product == summary.product)
                    .map(|c| c.limit(overage.included));
                ProductEntitlement {
                    product: summary.product,
                    allowed: limit.is_none_or(|l| summary.used < l),
                    used: summary.used,
                    limit,
                }
            })
            .collect();
        Ok(Some(Arc::new(products)))
    }
}
