//! The in-process cache (moka) for the embedded setup without Redis.

use async_trait::async_trait;

use super::{CacheError, KEY_TTL, KeyValue};

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

    fn keeps_hashes(&self) -> bool {
        false
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
