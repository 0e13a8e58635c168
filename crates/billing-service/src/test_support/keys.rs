//! The in-memory idempotency keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::CustomerId;

use super::InMemoryStore;
use crate::ports::{IdempotencyRepository, KeyClaim, RepositoryError};

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
        let slot = (customer.clone(), key.to_owned());
        Ok(match state.keys.get(&slot) {
            None => {
                state.keys.insert(slot, (fingerprint.to_owned(), None, now));
                KeyClaim::Claimed
            }
            Some((f, None, claimed))
                if now - *claimed > crate::ports::STALE_CLAIM && f == fingerprint =>
            {
                state.keys.insert(slot, (fingerprint.to_owned(), None, now));
                KeyClaim::Claimed
            }
            Some((f, None, _)) => KeyClaim::InProgress {
                fingerprint: f.clone(),
            },
            Some((f, Some(r), _)) => KeyClaim::Completed {
                fingerprint: f.clone(),
                response: r.clone(),
            },
        })
    }

    async fn complete(
        &self,
        customer: &CustomerId,
        key: &str,
        response: &[u8],
    ) -> Result<(), RepositoryError> {
        if let Some(entry) = self
            .lock()?
            .keys
            .get_mut(&(customer.clone(), key.to_owned()))
        {
            entry.1 = Some(response.to_vec());
        }
        Ok(())
    }

    async fn release(&self, customer: &CustomerId, key: &str) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        let slot = (customer.clone(), key.to_owned());
        if matches!(state.keys.get(&slot), Some((_, None, _))) {
            state.keys.remove(&slot);
        }
        Ok(())
    }

    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let before = state.keys.len();
        state.keys.retain(|_, (_, _, claimed)| *claimed >= cutoff);
        Ok((before - state.keys.len()) as u64)
    }
}
