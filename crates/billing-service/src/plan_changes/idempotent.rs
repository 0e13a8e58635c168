//! Requests made with an `Idempotency-Key`: the first result is stored and replayed for
//! the same key and body; the same key with another body is refused; concurrent
//! requests with one key make one change. The key's claim, the change and the stored
//! answer are one unit of work (zero-to-production's pattern): no crash can leave a
//! change without its answer, so a retry never runs the change again.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use portal_domain::{FieldErrors, PlanId};

use super::PlanChangeError;
use super::{PlanChanges, UpgradeOutcome};
use crate::ports::KeyClaim;
use crate::principal::Principal;

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// A fresh result, or the stored one of an earlier request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayable<T> {
    Fresh(T),
    /// The stored response body of the first request, as encoded then.
    Replayed(Vec<u8>),
}

fn check_key(key: &str) -> Result<(), PlanChangeError> {
    let valid =
        !key.is_empty() && key.len() <= MAX_KEY_LEN && key.chars().all(|c| c.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(FieldErrors::single(
            "Idempotency-Key",
            format!("1 to {MAX_KEY_LEN} visible ASCII characters"),
        )
        .into())
    }
}

impl PlanChanges {
    /// [`PlanChanges::upgrade`], made safe to retry with `key`. `encode` turns the
    /// outcome into the response body that is stored and replayed; if it fails, nothing
    /// is stored and the caller gets an internal error, never an empty body.
    pub async fn upgrade_once(
        &self,
        principal: &Principal,
        key: Option<&str>,
        plan_id: &PlanId,
        proration_date: Option<NaiveDate>,
        encode: impl FnOnce(&UpgradeOutcome) -> anyhow::Result<Vec<u8>>,
    ) -> Result<Replayable<Vec<u8>>, PlanChangeError> {
        let Some(key) = key else {
            let outcome = self.upgrade(principal, plan_id, proration_date).await?;
            return Ok(Replayable::Fresh(encode(&outcome)?));
        };
        check_key(key)?;
        principal.require_admin("change the plan")?;
        let fingerprint = {
            let mut h = Sha256::new();
            h.update(b"upgrade\0");
            h.update(plan_id.as_str().as_bytes());
            h.update(b"\0");
            h.update(proration_date.map(|d| d.to_string()).unwrap_or_default());
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let customer = &principal.customer_id;
        let mut txn = self.ledger.begin(customer).await?;
        match txn.claim_key(key, &fingerprint, self.time.now()).await? {
            KeyClaim::Claimed => {}
            KeyClaim::Completed { fingerprint: f, .. }
            | KeyClaim::InProgress { fingerprint: f }
                if f != fingerprint =>
            {
                return Err(FieldErrors::single(
                    "Idempotency-Key",
                    "was already used with a different request",
                )
                .into());
            }
            KeyClaim::Completed { response, .. } => return Ok(Replayable::Replayed(response)),
            KeyClaim::InProgress { .. } => {
                return Err(PlanChangeError::Conflict(
                    "a request with this Idempotency-Key is still in progress".into(),
                ));
            }
        }
        // A failure drops the unit of work: neither the change nor the claim is stored,
        // and the request may be retried with the same key.
        let upgrade = self
            .upgrade_in(&mut txn, principal, plan_id, proration_date)
            .await?;
        let body = encode(&self.outcome_of(&upgrade))?;
        txn.answer_key(key, &body).await?;
        self.timeline.commit(txn, &upgrade.0).await?;
        super::upgraded(&upgrade.0);
        Ok(Replayable::Fresh(body))
    }
}
