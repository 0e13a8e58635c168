//! Stored answers of requests made with an `Idempotency-Key`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::CustomerId;

use super::RepositoryError;

/// The state of an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new and now reserved for this request.
    Claimed,
    /// A request with this key is still running.
    InProgress { fingerprint: String },
    /// A request with this key finished with `response`.
    Completed {
        fingerprint: String,
        response: Vec<u8>,
    },
}

/// A claim older than this whose request never finished (the process died) may be taken
/// over by a retry with the same fingerprint.
pub const STALE_CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Stored results of requests made with an `Idempotency-Key`, per customer. A claim is
/// `Claimed` once; then `InProgress` until completed (or, after [`STALE_CLAIM`], taken
/// over by the same fingerprint), then `Completed` with its response. `release` frees
/// only an unanswered claim.
#[async_trait]
pub trait IdempotencyRepository: Send + Sync {
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError>;

    async fn complete(
        &self,
        customer: &CustomerId,
        key: &str,
        response: &[u8],
    ) -> Result<(), RepositoryError>;

    /// Frees a claimed key whose request failed, so it can be retried.
    async fn release(&self, customer: &CustomerId, key: &str) -> Result<(), RepositoryError>;

    /// Deletes the keys claimed before `cutoff`, answered or not; returns how many.
    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError>;
}
