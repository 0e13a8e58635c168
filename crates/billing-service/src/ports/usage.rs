//! Daily usage: ingestion and reads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{CustomerId, DateRange, Product, UsageEvent, UsageRecord};

use super::RepositoryError;

#[async_trait]
pub trait UsageRepository: Send + Sync {
    /// Daily values in `range`, ordered by date, then product name. MUST hold only the
    /// customer's values of days in `range` (of `product` when given)
    /// (contract: `usage_daily_is_ordered_and_scoped`).
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError>;

    /// Counts new events once, ever: events whose id was seen before are skipped, the
    /// rest move the daily values (counted products add, seats keep the highest) in one
    /// transaction. Returns how many events were new. MUST count an event id once, in
    /// later batches and within one batch (`usage_events_count_once`).
    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError>;

    /// Stores daily values for days and products that have none yet; returns how many
    /// were stored. MUST never overwrite a stored value
    /// (`usage_daily_is_ordered_and_scoped`).
    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError>;
}
