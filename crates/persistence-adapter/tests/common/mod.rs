//! What the adapter's test binaries share beyond `portal_persistence::test_support`.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)] // test code: each test binary uses a part

pub use portal_persistence::test_support::{TestPg, TestRedis, sqlite_url};

/// The ports as the server wires them (the cache over `store`), or the store alone.
pub fn ports_of(
    store: portal_persistence::SeaOrmStore,
    cache: Option<std::sync::Arc<dyn portal_persistence::KeyValue>>,
    clock: std::sync::Arc<dyn portal_billing::Clock>,
) -> portal_billing::Adapters {
    use std::sync::Arc;
    let renderer = Arc::new(portal_billing::test_support::TextRenderer::default());
    match cache {
        Some(cache) => portal_persistence::CachedStore::new(store, cache).ports(renderer, clock),
        None => portal_billing::Adapters::from_store(
            Arc::new(store),
            renderer,
            clock,
            Default::default(),
        ),
    }
}
