//! [`CachedStore`]: the database repositories with the cache in front. Writes go to the
//! database first and then bring the contract's keys up to date; reads try the cache and
//! fill a missing key from the database, one load per key at a time (single flight).
//! A cache failure is logged, the key remembered for repair, and the request served
//! from the database.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use portal_billing::{
    Actor, CustomerRepository, PlanCatalog, RepositoryError, SubscriptionRepository,
    UsageRepository,
};
use portal_domain::product::Metering;
use portal_domain::{
    AccountChanges, BusinessCalendar, Customer, CustomerId, DateRange, Month, NewCustomer, Plan,
    PlanId, Product, Subscription,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::flight::{Flights, Loaded};
use super::keys::{
    self, CustomerInfo, InvoiceListItem, PlanInfo, SubscriptionInfo, SubscriptionKey,
};
use super::kv::KeyValue;
use crate::SeaOrmStore;

/// Plans are the platform's catalogue: read on every subscription view, changed by a
/// release, not by customers. Each process keeps them this long after reading them
/// (through Redis), so a subscription read costs one Redis command, not two. A plan
/// changed by another process is seen here within this bound; one changed by this
/// process, at once.
const PLAN_LOCAL_TTL: Duration = Duration::from_secs(10);

/// A failing cache is worth a warning once, not once per request while the breaker is open.
fn log_failure(key: &str, error: &super::kv::CacheError) {
    match error {
        super::kv::CacheError::Open => {
            tracing::debug!(key, "cache skipped; key queued for repair")
        }
        other => tracing::warn!(key, error = %other, "cache update failed; key queued for repair"),
    }
}

/// What a cache read gave.
enum Read<T> {
    Hit(T),
    /// The cache answered: no such key.
    Miss,
    /// The cache did not answer (breaker open, timeout, error).
    Failed,
}

/// The repositories with a cache in front. Only what the cache touches goes through it:
/// the audit log, idempotency keys and the health probe are wired to the store itself.
#[derive(Clone)]
pub struct CachedStore {
    pub(super) db: SeaOrmStore,
    cache: Arc<dyn KeyValue>,
    flights: Arc<Flights>,
    plans: moka::sync::Cache<PlanId, Plan>,
    parsed: super::parsed::Parsed,
    loads: Arc<AtomicU64>,
    calendar: BusinessCalendar,
}

impl CachedStore {
    pub fn new(db: SeaOrmStore, cache: Arc<dyn KeyValue>) -> Self {
        Self {
            db,
            cache,
            flights: Arc::default(),
            plans: moka::sync::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(PLAN_LOCAL_TTL)
                .build(),
            parsed: Default::default(),
            loads: Arc::default(),
            calendar: BusinessCalendar::default(),
        }
    }

    /// The service's ports as served: through this cache what it keeps current, the
    /// store itself for the rest (the audit log, idempotency keys, the health probe).
    pub fn ports(
        self,
        renderer: Arc<dyn portal_billing::InvoiceRenderer>,
        clock: Arc<dyn portal_billing::Clock>,
    ) -> portal_billing::Adapters {
        let calendar = self.calendar;
        let direct = Arc::new(self.db.clone());
        let cached = Arc::new(self);
        portal_billing::Adapters {
            customers: cached.clone(),
            plans: cached.clone(),
            subscriptions: cached.clone(),
            ledger: cached.clone(),
            usage: cached.clone(),
            invoices: cached,
            ..portal_billing::Adapters::from_store(direct, renderer, clock, calendar)
        }
    }

    /// The business calendar whose "today" the subscription key describes.
    pub fn with_calendar(mut self, calendar: BusinessCalendar) -> Self {
        self.calendar = calendar;
        self
    }

    fn today(&self) -> NaiveDate {
        self.calendar.date_of(Utc::now())
    }

    /// Database reads made to fill the cache (for tests of single flight).
    pub fn cache_fills(&self) -> u64 {
        self.loads.load(Ordering::SeqCst)
    }

    /// `to_value` gives what is written (the contract's fields and more); `from_value`
    /// rebuilds the value from what is read, which may be a leaner view of the same JSON.
    pub(super) async fn cached<T: Clone + Send + Sync + 'static, W, V, L, Fut>(
        &self,
        key: &str,
        to_value: impl Fn(&T) -> W,
        from_value: impl Fn(V) -> Option<T>,
        load: L,
    ) -> Result<Option<T>, RepositoryError>
    where
        W: Serialize,
        V: DeserializeOwned,
        L: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, RepositoryError>>,
    {
        // A key whose last update failed may hold an old value: it is not read until the
        // repair has deleted it; the database (through the flight below) answers.
        let read_started = Instant::now();
        let cache_answered = if self.cache.is_dirty(key) {
            false
        } else {
            match self.read(key, &from_value).await {
                Read::Hit(hit) => {
                    metrics::counter!("portal_cache_hits_total").increment(1);
                    return Ok(Some(hit));
                }
                Read::Miss => true,
                Read::Failed => false,
            }
        };
        metrics::counter!("portal_cache_misses_total").increment(1);
        // Single flight: the first miss loads; everyone waiting on the same key gets
        // that result. A finished load also answers later requests for a while when the
        // cache cannot (down, hung or the key dirty); after a plain miss, only a load that
        // finished after the read began (the fill racing with it) does, otherwise the key
        // is loaded and stored again.
        let flight = self.flights.join(key, cache_answered, read_started)?;
        // Boxed: the load's future (a database query) is large, and kept inline it would
        // make every read's future as large, to be allocated and copied on a cache hit too.
        let result = Box::pin(flight.result.get_or_try_init(|| async {
            self.loads.fetch_add(1, Ordering::SeqCst);
            let loaded = load().await?;
            let json = match &loaded {
                Some(value) => {
                    let json = serde_json::to_string(&to_value(value))
                        .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
                    if let Err(e) = self.cache.set(key, &json).await {
                        log_failure(key, &e);
                        self.cache.mark_dirty(&[key.to_owned()]);
                    }
                    Some(json)
                }
                None => None,
            };
            Ok::<_, RepositoryError>(Loaded {
                finished: Instant::now(),
                json,
            })
        }))
        .await
        .cloned();
        match result?.json {
            Some(json) => Ok(serde_json::from_str::<V>(&json).ok().and_then(from_value)),
            None => Ok(None),
        }
    }

    async fn read<T: Clone + Send + Sync + 'static, V: DeserializeOwned>(
        &self,
        key: &str,
        from_value: impl Fn(V) -> Option<T>,
    ) -> Read<T> {
        match self.cache.get(key).await {
            // The same JSON as last time: what it was parsed into then.
            Ok(Some(raw)) if let Some(value) = self.parsed.get(key, &raw) => Read::Hit(value),
            Ok(Some(raw)) => match serde_json::from_str::<V>(&raw).ok().and_then(from_value) {
                Some(value) => {
                    self.parsed.keep(key, raw, value.clone());
                    Read::Hit(value)
                }
                // Not ours to trust (another writer's shape): load and store it anew.
                None => Read::Miss,
            },
            Ok(None) => Read::Miss,
            Err(e) => {
                tracing::debug!(key, error = %e, "cache read skipped");
                Read::Failed
            }
        }
    }

    /// Stores a value; on failure the key is remembered for repair.
    async fn write<V: Serialize>(&self, key: &str, value: &V) {
        self.flights.forget(&[key.to_owned()]);
        let Ok(json) = serde_json::to_string(value) else {
            return;
        };
        if let Err(e) = self.cache.set(key, &json).await {
            log_failure(key, &e);
            self.cache.mark_dirty(&[key.to_owned()]);
        }
    }

    pub(super) async fn forget(&self, keys: &[String]) {
        self.flights.forget(keys);
        if let Err(e) = self.cache.del(keys).await {
            tracing::warn!(error = %e, "cache invalidation failed; keys queued for repair");
            self.cache.mark_dirty(keys);
        }
    }

    pub(super) async fn forget_matching(&self, pattern: &str) {
        self.flights.clear();
        if let Err(e) = self.cache.del_matching(pattern).await {
            // Which keys is unknown: they expire within the TTL.
            tracing::warn!(pattern, error = %e, "cache bulk invalidation failed");
        }
    }

    pub(super) async fn refresh_subscription(&self, subscription: &Subscription) {
        let key = keys::customer_subscription(&subscription.customer_id);
        let today = self.today();
        let plan = match subscription.plan_on(today) {
            Some(id) => self.find_plan(id).await,
            None => Ok(None),
        };
        match plan {
            Ok(Some(plan)) => {
                self.write(&key, &SubscriptionInfo::of(subscription, &plan.name, today))
                    .await
            }
            _ => self.forget(&[key]).await,
        }
    }

    pub(super) async fn refresh_invoices(&self, customer: &CustomerId) {
        let key = keys::invoices(customer);
        match self.db.all_invoices(customer).await {
            Ok(list) => {
                let items: Vec<InvoiceListItem> = list.iter().map(InvoiceListItem::of).collect();
                self.write(&key, &items).await;
            }
            Err(_) => self.forget(&[key]).await,
        }
    }

    /// Writes the daily hashes and monthly summaries of the touched days from the
    /// database's values, so they are right even if the cache had missed earlier writes.
    pub(super) async fn refresh_usage(&self, touched: &HashSet<(CustomerId, NaiveDate)>) {
        if !self.cache.keeps_hashes() {
            return;
        }
        let now = Utc::now();
        let mut months: HashSet<(CustomerId, Month)> = HashSet::new();
        for (customer, date) in touched {
            months.insert((customer.clone(), Month::of(*date)));
        }
        for (customer, month) in months {
            let Ok(records) = self
                .db
                .daily(&customer, DateRange::month(month), None)
                .await
            else {
                continue;
            };
            let mut used: BTreeMap<&'static str, i64> =
                Product::ALL.iter().map(|p| (p.as_str(), 0)).collect();
            for r in &records {
                if let Some(slot) = used.get_mut(r.product.as_str()) {
                    *slot = match r.product.metering() {
                        Metering::Counted => *slot + r.count,
                        Metering::Gauge => (*slot).max(r.count),
                    };
                }
                if touched.contains(&(customer.clone(), r.date)) {
                    let key = keys::usage_day(&customer, r.date, r.product.as_str());
                    let fields = [
                        ("count", r.count.to_string()),
                        ("updated_at", now.to_rfc3339()),
                    ];
                    if self.cache.hset(&key, &fields).await.is_err() {
                        self.cache.mark_dirty(&[key]);
                    }
                }
            }
            let key = keys::usage_summary(&customer, month);
            if self
                .cache
                .hset(&key, &keys::summary_fields(&used, now))
                .await
                .is_err()
            {
                self.cache.mark_dirty(&[key]);
            }
        }
    }

    async fn find_plan(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError> {
        if let Some(plan) = self.plans.get(id) {
            return Ok(Some(plan));
        }
        let found = self
            .cached(
                &keys::plan(id),
                PlanInfo::of,
                PlanInfo::into_domain,
                || async move { PlanCatalog::find(&self.db, id).await },
            )
            .await?;
        if let Some(plan) = &found {
            self.plans.insert(id.clone(), plan.clone());
        }
        Ok(found)
    }
}

#[async_trait]
impl CustomerRepository for CachedStore {
    #[tracing::instrument(name = "cache.store.find", level = "debug", skip_all)]
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError> {
        self.cached(
            &keys::customer_info(id),
            CustomerInfo::of,
            CustomerInfo::into_domain,
            || async move { CustomerRepository::find(&self.db, id).await },
        )
        .await
    }

    #[tracing::instrument(name = "cache.store.update", level = "debug", skip_all)]
    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError> {
        let updated = self.db.update(id, changes, expected_version, actor).await?;
        if let Some(c) = &updated {
            self.write(&keys::customer_info(id), &CustomerInfo::of(c))
                .await;
        }
        Ok(updated)
    }

    #[tracing::instrument(name = "cache.store.existing", level = "debug", skip_all)]
    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError> {
        self.db.existing(ids).await
    }

    #[tracing::instrument(name = "cache.store.upsert", level = "debug", skip_all)]
    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError> {
        let result = CustomerRepository::upsert(&self.db, id, data, now).await?;
        self.write(&keys::customer_info(id), &CustomerInfo::of(&result.0))
            .await;
        Ok(result)
    }
}

#[async_trait]
impl PlanCatalog for CachedStore {
    #[tracing::instrument(name = "cache.store.list", level = "debug", skip_all)]
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError> {
        PlanCatalog::list(&self.db).await
    }

    #[tracing::instrument(name = "cache.store.find", level = "debug", skip_all)]
    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError> {
        self.find_plan(id).await
    }

    #[tracing::instrument(name = "cache.store.upsert", level = "debug", skip_all)]
    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError> {
        PlanCatalog::upsert(&self.db, plan).await?;
        self.plans.invalidate(&plan.id);
        self.write(&keys::plan(&plan.id), &PlanInfo::of(plan)).await;
        // Subscriptions carry the plan's name.
        self.forget_matching("customer:*:subscription").await;
        Ok(())
    }
}

#[async_trait]
impl SubscriptionRepository for CachedStore {
    #[tracing::instrument(name = "cache.store.current", level = "debug", skip_all)]
    async fn current(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<Subscription>, RepositoryError> {
        // The load borrows: cloning the store into it would make every read's future
        // larger, to be copied on each hit.
        let found = self
            .cached(
                &keys::customer_subscription(customer),
                |(s, plan_name): &(Subscription, String)| {
                    SubscriptionInfo::of(s, plan_name, self.today())
                },
                |mut key: SubscriptionKey| {
                    let name = std::mem::take(&mut key.plan_name);
                    key.into_domain().map(|s| (s, name))
                },
                || async move {
                    let Some(s) = self.db.current(customer).await? else {
                        return Ok(None);
                    };
                    // The key carries the name of today's plan (contract §5).
                    let name = match s.plan_on(self.today()) {
                        Some(id) => self.find_plan(id).await?.map(|p| p.name),
                        None => None,
                    }
                    .unwrap_or_default();
                    Ok(Some((s, name)))
                },
            )
            .await?;
        Ok(found.map(|(s, _)| s))
    }

    #[tracing::instrument(name = "cache.store.insert_if_absent", level = "debug", skip_all)]
    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError> {
        let inserted = SubscriptionRepository::insert_if_absent(&self.db, subscription).await?;
        if let Some(current) = self.db.current(&subscription.customer_id).await? {
            self.refresh_subscription(&current).await;
        }
        Ok(inserted)
    }

    #[tracing::instrument(name = "cache.store.expire_ended", level = "debug", skip_all)]
    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError> {
        let n = self.db.expire_ended(today).await?;
        if n > 0 {
            self.forget_matching("customer:*:subscription").await;
        }
        Ok(n)
    }
}
