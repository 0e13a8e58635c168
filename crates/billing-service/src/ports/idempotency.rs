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

/// The keys of requests made with an `Idempotency-Key`, per customer, outside a unit of
/// work. A request whose change is a ledger unit of work claims its key and stores its
/// answer in that unit ([`super::LedgerTxn::claim_key`]), so the change and its answer
/// are stored together or not at all.
#[async_trait]
pub trait IdempotencyRepository: Send + Sync {
    /// Claims `key` for a request with `fingerprint` at `now`: `Claimed` when the key is
    /// new (or its claim is unanswered, older than [`STALE_CLAIM`] and of the same
    /// fingerprint: taken over), `Completed` with the stored answer, else `InProgress`.
    /// MUST answer `Claimed` to one caller only, concurrent claims included.
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError>;

    /// Deletes the keys claimed before `cutoff`, answered or not; returns how many.
    /// MUST keep every key claimed at or after `cutoff`.
    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError>;
}
