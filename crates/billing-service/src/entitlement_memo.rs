//! What this process keeps of entitlement answers (contract §11), and the collaborator
//! every capability that changes a customer's entitlements calls: [`EntitlementChanges`]
//! forgets this process's answers at once and tells the other instances.
//!
//! Every AI chat asks, so answers are memoised for a short bound (the contract allows an
//! answer to be one second behind an ingested batch). An answer older than its TTL is
//! computed again by the one check that finds it so; checks meanwhile get the answer kept
//! (never one older than [`ENTITLEMENT_MEMO_LIMIT`]), so no burst of checks waits on the
//! database every TTL. Ages are read from the [`Clock`](crate::ports::Clock) port, so tests
//! advance a clock instead of sleeping.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::{CustomerId, Product};

use crate::error::BillingError;
use crate::ports::ChangeFeed;
use crate::time::BusinessTime;

/// How long another instance's answer may lag behind a change made through this one:
/// well within the contract's second.
pub const ENTITLEMENT_MEMO_TTL: Duration = Duration::from_millis(250);

/// The oldest answer ever given while another check computes it again: within the
/// contract's second.
pub const ENTITLEMENT_MEMO_LIMIT: Duration = Duration::from_millis(900);

/// One product's entitlement now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductEntitlement {
    pub product: Product,
    pub allowed: bool,
    pub used: i64,
    pub limit: Option<i64>,
    /// Why it is not allowed: `cap` (the customer's cap is reached) or `overdue` (service
    /// is suspended for an invoice long past due, §15).
    pub reason: Option<&'static str>,
}

impl ProductEntitlement {
    pub fn remaining(&self) -> Option<i64> {
        self.limit.map(|l| (l - self.used).max(0))
    }
}

/// A customer's answer (`None`: no such customer).
pub type Answer = Option<Arc<Vec<ProductEntitlement>>>;

/// An answer with when it was computed, and whether a check is computing it again.
struct Kept {
    pub answer: Answer,
    at: DateTime<Utc>,
    refreshing: AtomicBool,
}

impl Kept {
    fn new(answer: Answer, at: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            answer,
            at,
            refreshing: AtomicBool::new(false),
        })
    }

    /// How old the answer is at `now` (never negative: a clock set back is age zero).
    fn age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.at).to_std().unwrap_or_default()
    }
}

/// Keyed by the business date too, so a new day (or month) is never answered from the
/// day before.
type Key = (CustomerId, NaiveDate);

/// The memo: one computation per customer at a time, fresh for its TTL, never used past
/// [`ENTITLEMENT_MEMO_LIMIT`].
#[derive(Clone)]
pub struct EntitlementMemo {
    answers: Option<moka::future::Cache<Key, Arc<Kept>>>,
    ttl: Duration,
    time: BusinessTime,
}

impl EntitlementMemo {
    /// A TTL of zero memoises nothing (every check computes).
    pub fn new(ttl: Duration, time: BusinessTime) -> Self {
        let answers = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(100_000)
                // A memory bound only: ages are judged by the clock port.
                .time_to_idle(Duration::from_secs(60))
                .build()
        });
        Self { answers, ttl, time }
    }

    /// The customer's answer of today: kept within the TTL; past it, computed again by
    /// the one check that finds it so while the others answer from it; missing (or past
    /// [`ENTITLEMENT_MEMO_LIMIT`]), computed by one check while the others wait for it.
    pub async fn answer<F, Fut>(
        &self,
        customer: &CustomerId,
        compute: F,
    ) -> Result<Answer, BillingError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Answer, BillingError>>,
    {
        let Some(answers) = &self.answers else {
            return compute().await;
        };
        // One reading of the clock: the day of the key and the age of the answer.
        let now = self.time.now();
        let key = (customer.clone(), self.time.calendar().date_of(now));
        if let Some(kept) = answers.get(&key).await {
            let age = kept.age(now);
            if age < self.ttl {
                return Ok(kept.answer.clone());
            }
            if age < ENTITLEMENT_MEMO_LIMIT.max(self.ttl) {
                if kept.refreshing.swap(true, Ordering::AcqRel) {
                    return Ok(kept.answer.clone());
                }
                return match compute().await {
                    Ok(fresh) => {
                        answers
                            .insert(key, Kept::new(fresh.clone(), self.time.now()))
                            .await;
                        Ok(fresh)
                    }
                    Err(error) => {
                        kept.refreshing.store(false, Ordering::Release);
                        Err(error)
                    }
                };
            }
            answers.invalidate(&key).await;
        }
        let time = &self.time;
        let kept = answers
            .try_get_with(key, async move {
                compute().await.map(|a| Kept::new(a, time.now()))
            })
            .await
            .map_err(|shared| match shared.as_ref() {
                BillingError::Unavailable(cause) => {
                    BillingError::Unavailable(anyhow::anyhow!("{cause:#}"))
                }
                other => BillingError::Internal(anyhow::anyhow!("{other:#}")),
            })?;
        Ok(kept.answer.clone())
    }

    /// Forgets the customers' answers of today; answers of earlier days are never read
    /// again.
    pub async fn forget(&self, customers: &[CustomerId]) {
        let Some(answers) = &self.answers else { return };
        let today = self.time.today();
        for customer in customers {
            answers.invalidate(&(customer.clone(), today)).await;
        }
    }
}

/// Called after a change of customers' usage, caps or plan: this process forgets their
/// entitlement answers at once, and the other instances are told (the change feed).
#[derive(Clone)]
pub struct EntitlementChanges {
    memo: EntitlementMemo,
    feed: Arc<dyn ChangeFeed>,
}

impl EntitlementChanges {
    pub fn new(memo: EntitlementMemo, feed: Arc<dyn ChangeFeed>) -> Self {
        Self { memo, feed }
    }

    /// The customers' entitlements changed here.
    pub async fn changed(&self, customers: &[CustomerId]) {
        self.memo.forget(customers).await;
        self.feed.customers_changed(customers).await;
    }
}
