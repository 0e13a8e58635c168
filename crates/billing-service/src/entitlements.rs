//! Entitlements (contract §11): whether the platform's products may serve more of each
//! product now. Every AI chat asks, so answers are memoised in the process for a short
//! bound (the contract allows an answer to be one second behind an ingested batch);
//! this process forgets a customer's answer at once when it ingests their usage or
//! changes their caps or plan, so here a batch that reaches a cap is seen immediately.
//! An answer older than its TTL is computed again by the one check that finds it so;
//! checks meanwhile get the answer kept (never one older than [`ENTITLEMENT_MEMO_LIMIT`]),
//! so no burst of checks waits on the database every TTL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use portal_domain::{CustomerId, Product};
use tracing::instrument;

use crate::error::BillingError;
use crate::principal::PlatformCaller;
use crate::service::BillingService;

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
}

impl ProductEntitlement {
    pub fn remaining(&self) -> Option<i64> {
        self.limit.map(|l| (l - self.used).max(0))
    }
}

/// A customer's answer (`None`: no such customer), keyed by the business date too, so a
/// new day (or month) is never answered from the day before.
type Answer = Option<Arc<Vec<ProductEntitlement>>>;

/// An answer with when it was computed, and whether a check is computing it again.
struct Kept {
    answer: Answer,
    at: Instant,
    refreshing: AtomicBool,
}

impl Kept {
    fn new(answer: Answer) -> Arc<Self> {
        Arc::new(Self {
            answer,
            at: Instant::now(),
            refreshing: AtomicBool::new(false),
        })
    }
}

type Key = (CustomerId, NaiveDate);

/// The memo: one computation per customer at a time (single flight), fresh for its TTL,
/// dropped after [`ENTITLEMENT_MEMO_LIMIT`].
#[derive(Clone)]
pub(crate) struct EntitlementMemo {
    answers: Option<moka::future::Cache<Key, Arc<Kept>>>,
    ttl: Duration,
}

impl EntitlementMemo {
    /// A TTL of zero memoises nothing (every check computes).
    pub(crate) fn new(ttl: Duration) -> Self {
        let answers = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ENTITLEMENT_MEMO_LIMIT.max(ttl))
                .build()
        });
        Self { answers, ttl }
    }

    /// Forgets the customers' answers of `today` (after a change made through this
    /// process); answers of earlier days are never read again.
    pub(crate) async fn forget(&self, customers: &[CustomerId], today: NaiveDate) {
        let Some(answers) = &self.answers else { return };
        for customer in customers {
            answers.invalidate(&(customer.clone(), today)).await;
        }
    }
}

impl BillingService {
    /// Whether the platform may serve more of each product now: a capped product stops
    /// at its cap's share of the month's included quota.
    #[instrument(skip_all, fields(caller = %caller.name, customer = customer))]
    pub async fn entitlements(
        &self,
        caller: &PlatformCaller,
        customer: &str,
    ) -> Result<Vec<ProductEntitlement>, BillingError> {
        let Ok(customer) = CustomerId::parse(customer) else {
            return Err(BillingError::NotFound("customer"));
        };
        let memo = self.memo();
        let answer = match &memo.answers {
            None => self.compute_entitlements(&customer).await?,
            Some(answers) => {
                let key = (customer.clone(), self.today());
                match answers.get(&key).await {
                    Some(kept) if kept.at.elapsed() < memo.ttl => kept.answer.clone(),
                    // Stale: the first check to see it computes it again; the others
                    // answer from it meanwhile.
                    Some(kept) => {
                        if kept.refreshing.swap(true, Ordering::AcqRel) {
                            kept.answer.clone()
                        } else {
                            match self.compute_entitlements(&customer).await {
                                Ok(fresh) => {
                                    answers.insert(key, Kept::new(fresh.clone())).await;
                                    fresh
                                }
                                Err(error) => {
                                    kept.refreshing.store(false, Ordering::Release);
                                    return Err(error);
                                }
                            }
                        }
                    }
                    None => answers
                        .try_get_with(key, async {
                            self.compute_entitlements(&customer).await.map(Kept::new)
                        })
                        .await
                        .map_err(|shared| match shared.as_ref() {
                            BillingError::Unavailable(cause) => {
                                BillingError::Unavailable(anyhow::anyhow!("{cause:#}"))
                            }
                            other => BillingError::Internal(anyhow::anyhow!("{other:#}")),
                        })?
                        .answer
                        .clone(),
                }
            }
        };
        answer
            .map(|products| products.as_ref().clone())
            .ok_or(BillingError::NotFound("customer"))
    }

    async fn compute_entitlements(&self, customer: &CustomerId) -> Result<Answer, BillingError> {
        if self.ports().customers.find(customer).await?.is_none() {
            return Ok(None);
        }
        let caps = self.ports().guard.caps(customer).await?;
        let usage = self.month_usage(customer, None).await?;
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
