//! What the last read of each key made of its JSON, kept with that JSON: a read that
//! gets the same JSON from the cache again takes a copy of the value rather than parsing
//! it (issue 28: parsing the subscription key cost about 8,000 instructions a read, a
//! copy about 1,000). Only an identical JSON is answered from here, so nothing is read
//! that the cache does not hold at that moment.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

/// Keys whose last parse is kept.
const KEPT: u64 = 10_000;
/// A key not read for this long is let go.
const IDLE: Duration = Duration::from_secs(60);

struct Entry<T> {
    raw: String,
    value: T,
}

#[derive(Clone)]
pub(super) struct Parsed(moka::sync::Cache<String, Arc<dyn Any + Send + Sync>>);

impl Default for Parsed {
    fn default() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(KEPT)
                .time_to_idle(IDLE)
                .build(),
        )
    }
}

impl Parsed {
    /// The value last made of `raw` under `key`, when `raw` is the same JSON.
    pub(super) fn get<T: Clone + 'static>(&self, key: &str, raw: &str) -> Option<T> {
        let entry = self.0.get(key)?;
        let entry = entry.downcast_ref::<Entry<T>>()?;
        (entry.raw == raw).then(|| entry.value.clone())
    }

    /// Keeps what `raw` under `key` was parsed into.
    pub(super) fn keep<T: Send + Sync + 'static>(&self, key: &str, raw: String, value: T) {
        self.0
            .insert(key.to_owned(), Arc::new(Entry { raw, value }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_json_is_answered() {
        let parsed = Parsed::default();
        parsed.keep("k", r#"{"a":1}"#.to_owned(), 1_u32);
        assert_eq!(parsed.get::<u32>("k", r#"{"a":1}"#), Some(1));
        // Another JSON under the key: parsed again by the caller.
        assert_eq!(parsed.get::<u32>("k", r#"{"a":2}"#), None);
        // Another type asked of the key: not this entry.
        assert_eq!(parsed.get::<String>("k", r#"{"a":1}"#), None);
        assert_eq!(parsed.get::<u32>("other", r#"{"a":1}"#), None);
    }
}
