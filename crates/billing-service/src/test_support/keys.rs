//! The in-memory idempotency keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::CustomerId;

use super::{InMemoryStore, State};
use crate::ports::{IdempotencyRepository, KeyClaim, RepositoryError, STALE_CLAIM};

/// What claiming `key` at `now` finds in `state` (nothing is written).
pub(super) fn claim_of(
    state: &State,
    customer: &CustomerId,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> KeyClaim {
    match state.keys.get(&(customer.clone(), key.to_owned())) {
        None => KeyClaim::Claimed,
        Some((f, None, claimed)) if now - *claimed > STALE_CLAIM && f == fingerprint => {
            KeyClaim::Claimed
        }
        Some((f, None, _)) => KeyClaim::InProgress {
            fingerprint: f.clone(),
        },
        Some((f, Some(r), _)) => KeyClaim::Completed {
            fingerprint: f.clone(),
            response: r.clone(),
        },
    }
}

#[async_trait]
impl IdempotencyRepository for InMemoryStore {
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        let mut state = self.lock()?;
        let claim = claim_of(&state, customer, key, fingerprint, now);
        if claim == KeyClaim::Claimed {
            state.keys.insert(
                (customer.clone(), key.to_owned()),
                (fingerprint.to_owned(), None, now),
            );
        }
        Ok(claim)
    }

    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let before = state.keys.len();
        state.keys.retain(|_, (_, _, claimed)| *claimed >= cutoff);
        Ok((before - state.keys.len()) as u64)
    }
}
