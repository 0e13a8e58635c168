//! The port contract suite (`portal_billing::test_support::contract`) against the
//! sea-orm store on SQLite and PostgreSQL, and the cached store over the in-process
//! cache and over a real Redis: every implementation keeps every promise, one test per
//! promise and implementation (`cargo test -p portal-persistence --test port_contract
//! outbox_claims` runs one promise on all four).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::{TestPg, TestRedis, ports_of, sqlite_url};
use portal_billing::Adapters;
use portal_billing::test_support::FixedClock;
use portal_persistence::{KeyValue, MemoryCache, RedisCache, SeaOrmStore};

/// Ports of `store` (or of the cache over it, when given).
fn ports(store: SeaOrmStore, cache: Option<Arc<dyn KeyValue>>) -> Adapters {
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    ports_of(store, cache, clock)
}

async fn sqlite() -> SeaOrmStore {
    let store = SeaOrmStore::connect(&sqlite_url()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

mod sqlite {
    use super::*;

    async fn fresh() -> (Adapters, ()) {
        (ports(sqlite().await, None), ())
    }

    portal_billing::port_contract_tests!(fresh);
}

mod postgres {
    use super::*;

    /// A new database, kept until the case ends.
    async fn fresh() -> (Adapters, TestPg) {
        let db = TestPg::create().await;
        let store = SeaOrmStore::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        (ports(store, None), db)
    }

    portal_billing::port_contract_tests!(fresh);
}

mod cached_in_process {
    use super::*;

    async fn fresh() -> (Adapters, ()) {
        (
            ports(sqlite().await, Some(Arc::new(MemoryCache::default()))),
            (),
        )
    }

    portal_billing::port_contract_tests!(fresh);
}

mod cached_in_redis {
    use super::*;

    /// A Redis server of the case's own, kept until the case ends.
    async fn fresh() -> (Adapters, TestRedis) {
        let redis = TestRedis::start();
        let cache: Arc<dyn KeyValue> = Arc::new(RedisCache::connect(&redis.url()).unwrap());
        (ports(sqlite().await, Some(cache)), redis)
    }

    portal_billing::port_contract_tests!(fresh);
}
