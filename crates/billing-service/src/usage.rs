//! [`Usage`]: a customer's usage against the quotas (the month's overview with its
//! overage, the daily detail), and the platform's ingestion of usage events, which
//! evaluates the spend guard's alert rules of the customers it touched.

use std::sync::Arc;

use portal_domain::billing_ops::{first_of_each_id, validate_batch};
use portal_domain::{
    CustomerId, DateRange, FieldErrors, Month, Product, RawUsageEvent, UsageRecord,
};
use tracing::instrument;

use crate::alert_evaluation::AlertEvaluation;
use crate::entitlement_memo::EntitlementChanges;
use crate::month_usage::{MonthUsage, UsageOverview};
use crate::ports::{CustomerRepository, Metrics, UsageRepository};
use crate::principal::{PlatformCaller, Principal};
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What a usage read or an ingestion can end in.
    UsageError,
    conflict: "the usage was changed by another request; send the batch again"
);

/// What an ingestion batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestReport {
    /// Events counted now.
    pub accepted: u64,
    /// Events whose id was seen before (in an earlier batch or earlier in this one).
    pub duplicates: u64,
}

pub struct Usage {
    pub(crate) usage: Arc<dyn UsageRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) month_usage: MonthUsage,
    pub(crate) alerts: AlertEvaluation,
    pub(crate) entitlements: EntitlementChanges,
    pub(crate) metrics: Arc<dyn Metrics>,
    pub(crate) time: BusinessTime,
}

impl Usage {
    /// Usage of `month` (default: the current month) against the current plan's quotas.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_overview(
        &self,
        principal: &Principal,
        month: Option<Month>,
    ) -> Result<UsageOverview, UsageError> {
        Ok(self.month_usage.of(&principal.customer_id, month).await?)
    }

    /// Daily values in an inclusive range, optionally of one product.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_detail(
        &self,
        principal: &Principal,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, UsageError> {
        Ok(self
            .usage
            .daily(&principal.customer_id, range, product)
            .await?)
    }

    /// A month's usage for a spreadsheet (§16): every product's daily values and the
    /// month's figures (included, overage units and amount so far).
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn usage_export(
        &self,
        principal: &Principal,
        month: Month,
    ) -> Result<(UsageOverview, Vec<UsageRecord>), UsageError> {
        let overview = self
            .month_usage
            .of(&principal.customer_id, Some(month))
            .await?;
        let daily = self
            .usage
            .daily(&principal.customer_id, DateRange::month(month), None)
            .await?;
        Ok((overview, daily))
    }

    /// Counts a batch of usage events; each event id counts once, ever. An invalid event
    /// (or an unknown customer) rejects the whole batch and changes nothing.
    #[instrument(skip_all, fields(caller = %caller.name, events = raw.len()))]
    pub async fn ingest_usage(
        &self,
        caller: &PlatformCaller,
        raw: &[RawUsageEvent],
    ) -> Result<IngestReport, UsageError> {
        let events = validate_batch(raw, self.time.calendar())?;
        let total = events.len() as u64;
        let (unique, _) = first_of_each_id(events);
        let mut ids: Vec<CustomerId> = unique.iter().map(|e| e.customer_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let known = self.customers.existing(&ids).await?;
        let mut errors = FieldErrors::default();
        for (i, e) in raw.iter().enumerate() {
            let listed = unique
                .iter()
                .any(|u| u.customer_id.as_str() == e.customer_id);
            if listed && !known.iter().any(|k| k.as_str() == e.customer_id) {
                errors.add(format!("events[{i}].customer_id"), "no such customer");
            }
        }
        errors.into_result()?;
        let now = self.time.now();
        let accepted = self.usage.ingest(&unique, now).await?;
        // The ingestion path evaluates the alert rules of the customers it touched.
        if accepted > 0 {
            self.entitlements.changed(&ids).await;
            self.alerts.evaluate(&ids).await;
        }
        self.metrics
            .usage_events_ingested(accepted, total - accepted);
        Ok(IngestReport {
            accepted,
            duplicates: total - accepted,
        })
    }
}
