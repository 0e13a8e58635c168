//! Key-value backends: Redis (a single server or a Redis Cluster, through deadpool-redis
//! and the redis crate) with short timeouts, a circuit breaker per node and repair of
//! keys whose update failed; or an in-process cache (moka) without Redis.

use std::time::Duration;

use async_trait::async_trait;

mod breaker;
mod cluster;
mod memory;
mod redis;

pub use memory::MemoryCache;
pub use redis::RedisCache;

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
    /// Whether hashes written with [`KeyValue::hset`] are kept (for the platform's other
    /// services); when not, the usage hashes are not worth reading the database for.
    fn keeps_hashes(&self) -> bool {
        true
    }
}
