//! Entitlements (contract §11): whether the platform's products may serve more of each
//! product now. Answers are kept for a short bound ([`crate::entitlement_memo`]).

use std::sync::Arc;

use portal_domain::CustomerId;
use portal_domain::receivables::suspends;
use tracing::instrument;

use super::SpendGuard;
use super::SpendGuardError;
use crate::entitlement_memo::{Answer, ProductEntitlement};
use crate::error::BillingError;
use crate::principal::PlatformCaller;

impl SpendGuard {
    /// Whether the platform may serve more of each product now: a capped product stops
    /// at its cap's share of the month's included quota; every product stops while an
    /// invoice is `PORTAL_SUSPEND_AFTER_DAYS` overdue or more.
    #[instrument(skip_all, fields(caller = %caller.name, customer = %customer))]
    pub async fn entitlements(
        &self,
        caller: &PlatformCaller,
        customer: &CustomerId,
    ) -> Result<Arc<Vec<ProductEntitlement>>, SpendGuardError> {
        // The kept answer itself, shared: one answer is the same `Arc` until it is
        // computed again, so a caller may keep what it makes of it (the HTTP adapter
        // its JSON) for as long.
        let answer = self
            .memo
            .answer(customer, || self.compute_entitlements(customer))
            .await?;
        answer.ok_or(SpendGuardError::NotFound("customer"))
    }

    async fn compute_entitlements(&self, customer: &CustomerId) -> Result<Answer, BillingError> {
        if self.customers.find(customer).await?.is_none() {
            return Ok(None);
        }
        let caps = self.guard.caps(customer).await?;
        let usage = self.month_usage.of(customer, None).await?;
        // An invoice long past due suspends every product until it is paid (§15).
        let suspended = match self.receivables.earliest_unpaid_due(customer).await? {
            Some(due) => suspends(due, self.time.today(), self.suspend_after_days),
            None => false,
        };
        let products = usage
            .products
            .iter()
            .zip(&usage.overage)
            .map(|(summary, overage)| {
                let limit = caps
                    .iter()
                    .find(|c| c.product == summary.product)
                    .map(|c| c.limit(overage.included));
                let within = limit.is_none_or(|l| summary.used < l);
                ProductEntitlement {
                    product: summary.product,
                    allowed: within && !suspended,
                    used: summary.used,
                    limit,
                    reason: if suspended {
                        Some("overdue")
                    } else if !within {
                        Some("cap")
                    } else {
                        None
                    },
                }
            })
            .collect();
        Ok(Some(Arc::new(products)))
    }
}
