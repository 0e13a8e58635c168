//! Key-value backends: Redis (deadpool-redis) with short timeouts, a circuit breaker and
//! repair of keys whose update failed; or an in-process cache (moka) without Redis.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use deadpool_redis::redis;
use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};

/// Every JSON key expires after this at the latest: the last bound on staleness.
pub const KEY_TTL: Duration = Duration::from_secs(300);
/// How long one Redis command may take before the cache is skipped.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(50);
/// Consecutive failures that open the breaker, and how long it stays open.
const BREAKER_THRESHOLD: u32 = 3;
const BREAKER_OPEN: Duration = Duration::from_millis(500);
/// How often keys whose update failed are retried for deletion.
const REPAIR_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("the cache is skipped while it is failing")]
    Open,
    #[error("the cache did not answer in time")]
    Timeout,
    #[error("cache error: {0}")]
    Backend(String),
}

/// What the cache layer needs of a store.
#[async_trait]
pub trait KeyValue: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError>;
    async fn set(&self, key: &str, value: &str) -> Result<(), CacheError>;
    /// Writes hash fields (and refreshes the TTL).
    async fn hset(&self, key: &str, fields: &[(&str, String)]) -> Result<(), CacheError>;
    async fn del(&self, keys: &[String]) -> Result<(), CacheError>;
    /// Deletes every key matching a glob `pattern` (bulk updates).
    async fn del_matching(&self, pattern: &str) -> Result<(), CacheError>;
    /// Remembers keys whose update failed: they are not read from the cache and are
    /// deleted as soon as the cache answers again.
    fn mark_dirty(&self, keys: &[String]);
    fn is_dirty(&self, key: &str) -> bool;
}

/// A circuit breaker: closed while Redis answers; open (every command skipped at once)
/// for [`BREAKER_OPEN`] after [`BREAKER_THRESHOLD`] failures in a row; then half-open:
/// one command probes Redis while the others keep skipping it, so a dead Redis costs one
/// request per period at most [`COMMAND_TIMEOUT`], never all of them.
#[derive(Default)]
struct Breaker {
    failures: AtomicU32,
    state: Mutex<BreakerState>,
}

#[derive(Default, Clone, Copy)]
enum BreakerState {
    #[default]
    Closed,
    Open {
        until: Instant,
    },
    Probing {
        since: Instant,
    },
}

impl Breaker {
    fn allows(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        let now = Instant::now();
        match *state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::Probing { since: now };
                true
            }
            BreakerState::Open { .. } => false,
            // A probe that was dropped unfinished does not block the next one for ever.
            BreakerState::Probing { since } if now.duration_since(since) > 2 * COMMAND_TIMEOUT => {
                *state = BreakerState::Probing { since: now };
                true
            }
            BreakerState::Probing { .. } => false,
        }
    }

    fn success(&self) {
        self.failures.store(0, Ordering::Relaxed);
        if let Ok(mut state) = self.state.lock() {
            *state = BreakerState::Closed;
        }
    }

    fn failure(&self) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut state) = self.state.lock()
            && (n >= BREAKER_THRESHOLD || matches!(*state, BreakerState::Probing { .. }))
        {
            *state = BreakerState::Open {
                until: Instant::now() + BREAKER_OPEN,
            };
        }
    }
}

struct RedisInner {
    /// Makes connections (with the create timeout) and checks them before handing one out.
    pool: Pool,
    /// The connection each worker thread uses, kept out of the pool: Redis' multiplexed
    /// connection pipelines the commands of that thread's concurrent requests over one
    /// socket, with no health check per command, and its driver runs on the same thread
    /// (actix runs a single-threaded runtime per worker), so a command wakes no other
    /// thread. Dropped after a failure, so the next command takes a checked one.
    lanes: Mutex<HashMap<ThreadId, deadpool_redis::Connection>>,
    breaker: Breaker,
    dirty: Mutex<HashSet<String>>,
}

/// Redis behind deadpool, failing fast.
#[derive(Clone)]
pub struct RedisCache {
    inner: Arc<RedisInner>,
}

impl RedisCache {
    /// A pool for `url`; connections are made lazily, so a dead Redis does not stop the
    /// start. Spawns the repair task (needs a Tokio runtime).
    pub fn connect(url: &str) -> Result<Self, CacheError> {
        let mut config = Config::from_url(url);
        config.pool = Some(PoolConfig {
            max_size: 32,
            timeouts: Timeouts {
                wait: Some(Duration::from_millis(100)),
                create: Some(Duration::from_millis(200)),
                recycle: Some(Duration::from_millis(100)),
            },
            ..Default::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| CacheError::Backend(e.to_string()))?;
        let cache = Self {
            inner: Arc::new(RedisInner {
                pool,
                lanes: Mutex::new(HashMap::new()),
                breaker: Breaker::default(),
                dirty: Mutex::new(HashSet::new()),
            }),
        };
        let weak = Arc::downgrade(&cache.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REPAIR_INTERVAL).await;
                let Some(inner) = weak.upgrade() else { break };
                RedisCache { inner }.repair().await;
            }
        });
        Ok(cache)
    }

    /// Deletes the keys whose update failed, once Redis answers.
    async fn repair(&self) {
        let keys: Vec<String> = match self.inner.dirty.lock() {
            Ok(d) if !d.is_empty() => d.iter().cloned().collect(),
            _ => return,
        };
        let mut cmd = redis::cmd("DEL");
        for k in &keys {
            cmd.arg(k);
        }
        if self.run::<i64>(cmd).await.is_ok() {
            if let Ok(mut d) = self.inner.dirty.lock() {
                for k in &keys {
                    d.remove(k);
                }
            }
            tracing::info!(keys = keys.len(), "cache repaired after an outage");
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, CacheError> {
        let thread = std::thread::current().id();
        if let Ok(lanes) = self.inner.lanes.lock()
            && let Some(conn) = lanes.get(&thread)
        {
            return Ok(conn.as_ref().clone());
        }
        // Taken from the pool (made, or checked with a PING) and kept: the next thread
        // to ask gets a connection of its own.
        let pooled = self
            .inner
            .pool
            .get()
            .await
            .map_err(|e| CacheError::Backend(e.to_string()))?;
        let conn = pooled.as_ref().clone();
        if let Ok(mut lanes) = self.inner.lanes.lock() {
            lanes.insert(thread, pooled);
        }
        Ok(conn)
    }

    fn drop_connection(&self) {
        if let Ok(mut lanes) = self.inner.lanes.lock() {
            lanes.remove(&std::thread::current().id());
        }
    }

    /// Runs `attempt` unless the breaker is open, within the command timeout, and
    /// records the outcome with the breaker.
    async fn guarded<T>(
        &self,
        attempt: impl std::future::Future<Output = Result<T, CacheError>>,
    ) -> Result<T, CacheError> {
        if !self.inner.breaker.allows() {
            return Err(CacheError::Open);
        }
        let result = match tokio::time::timeout(COMMAND_TIMEOUT, attempt).await {
            Ok(r) => r,
            Err(_) => Err(CacheError::Timeout),
        };
        match &result {
            Ok(_) => self.inner.breaker.success(),
            Err(e) => {
                self.inner.breaker.failure();
                self.drop_connection();
                tracing::debug!(error = %e, "cache command failed");
            }
        }
        result
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, CacheError> {
        self.guarded(async {
            let mut conn = self.connection().await?;
            cmd.query_async::<T>(&mut conn)
                .await
                .map_err(|e| CacheError::Backend(e.to_string()))
        })
        .await
    }
}

#[async_trait]
impl KeyValue for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        self.run(cmd).await
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("EX").arg(KEY_TTL.as_secs());
        self.run::<()>(cmd).await
    }

    async fn hset(&self, key: &str, fields: &[(&str, String)]) -> Result<(), CacheError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        let hset = pipe.cmd("HSET").arg(key);
        for (f, v) in fields {
            hset.arg(*f).arg(v);
        }
        pipe.cmd("EXPIRE").arg(key).arg(KEY_TTL.as_secs() * 12);
        self.guarded(async {
            let mut conn = self.connection().await?;
            pipe.query_async::<()>(&mut conn)
                .await
                .map_err(|e| CacheError::Backend(e.to_string()))
        })
        .await
    }

    async fn del(&self, keys: &[String]) -> Result<(), CacheError> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("DEL");
        for k in keys {
            cmd.arg(k);
        }
        self.run::<i64>(cmd).await.map(|_| ())
    }

    async fn del_matching(&self, pattern: &str) -> Result<(), CacheError> {
        let mut cursor: u64 = 0;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000);
            let (next, keys): (u64, Vec<String>) = self.run(scan).await?;
            self.del(&keys).await?;
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    fn mark_dirty(&self, keys: &[String]) {
        if let Ok(mut d) = self.inner.dirty.lock() {
            d.extend(keys.iter().cloned());
        }
    }

    fn is_dirty(&self, key: &str) -> bool {
        self.inner
            .dirty
            .lock()
            .map(|d| d.contains(key))
            .unwrap_or(true)
    }
}

/// An in-process cache for the embedded setup (no `REDIS_URL`).
#[derive(Clone)]
pub struct MemoryCache {
    strings: moka::future::Cache<String, String>,
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self {
            strings: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(KEY_TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

#[async_trait]
impl KeyValue for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self.strings.get(key).await)
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), CacheError> {
        self.strings.insert(key.to_owned(), value.to_owned()).await;
        Ok(())
    }

    /// Hashes serve other services through Redis; in process nobody reads them.
    async fn hset(&self, _key: &str, _fields: &[(&str, String)]) -> Result<(), CacheError> {
        Ok(())
    }

    async fn del(&self, keys: &[String]) -> Result<(), CacheError> {
        for k in keys {
            self.strings.invalidate(k).await;
        }
        Ok(())
    }

    async fn del_matching(&self, pattern: &str) -> Result<(), CacheError> {
        let (prefix, suffix) = pattern.split_once('*').unwrap_or((pattern, ""));
        let prefix = prefix.to_owned();
        let suffix = suffix.to_owned();
        self.strings
            .invalidate_entries_if(move |k, _| k.starts_with(&prefix) && k.ends_with(&suffix))
            .map_err(|e| CacheError::Backend(e.to_string()))?;
        Ok(())
    }

    fn mark_dirty(&self, _keys: &[String]) {}

    fn is_dirty(&self, _key: &str) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_out_the_open_period() {
        std::thread::sleep(BREAKER_OPEN + Duration::from_millis(20));
    }

    #[test]
    fn an_open_breaker_lets_one_probe_through_at_a_time() {
        let breaker = Breaker::default();
        for _ in 0..BREAKER_THRESHOLD {
            assert!(breaker.allows());
            breaker.failure();
        }
        assert!(!breaker.allows(), "open after {BREAKER_THRESHOLD} failures");

        wait_out_the_open_period();
        assert!(
            breaker.allows(),
            "the first command after the period probes"
        );
        assert!(
            !breaker.allows(),
            "the others keep skipping while it probes"
        );
        breaker.failure();
        assert!(!breaker.allows(), "a failed probe opens it again");

        wait_out_the_open_period();
        assert!(breaker.allows());
        breaker.success();
        assert!(
            breaker.allows() && breaker.allows(),
            "closed after a good probe"
        );
    }

    #[test]
    fn a_single_failure_does_not_open_the_breaker() {
        let breaker = Breaker::default();
        breaker.failure();
        breaker.success();
        breaker.failure();
        assert!(breaker.allows());
    }
}
