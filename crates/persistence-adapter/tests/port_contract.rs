//! The port contract suite (`portal_billing::test_support::contract`) against the
//! sea-orm store on SQLite and PostgreSQL, and the cached store over the in-process
//! cache and over a real Redis: every implementation keeps every promise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::{TestPg, TestRedis, ports_of, sqlite_url};
use portal_billing::Ports;
use portal_billing::test_support::{FixedClock, contract};
use portal_persistence::{KeyValue, MemoryCache, RedisCache, SeaOrmStore};

/// Ports of `store` (or of the cache over it, when given).
fn ports(store: SeaOrmStore, cache: Option<Arc<dyn KeyValue>>) -> Ports {
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    ports_of(store, cache, clock)
}

async fn sqlite() -> SeaOrmStore {
    let store = SeaOrmStore::connect(&sqlite_url()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_keeps_every_promise() {
    contract::run_all("the sea-orm store on SQLite", || async {
        ports(sqlite().await, None)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_keeps_every_promise() {
    // Each case's database lives until the end of the test.
    let databases = Arc::new(std::sync::Mutex::new(Vec::new()));
    contract::run_all("the sea-orm store on PostgreSQL", || {
        let databases = databases.clone();
        async move {
            let db = TestPg::create().await;
            let store = SeaOrmStore::connect(&db.url).await.unwrap();
            databases.lock().unwrap().push(db);
            store.migrate().await.unwrap();
            ports(store, None)
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_cached_in_process_keeps_every_promise() {
    contract::run_all("the cached store over the in-process cache", || async {
        ports(sqlite().await, Some(Arc::new(MemoryCache::default())))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_cached_in_redis_keeps_every_promise() {
    let redis = TestRedis::start();
    contract::run_all("the cached store over Redis", || {
        redis.cli(&["FLUSHALL"]);
        let url = redis.url();
        async move {
            let cache: Arc<dyn KeyValue> = Arc::new(RedisCache::connect(&url).unwrap());
            ports(sqlite().await, Some(cache))
        }
    })
    .await;
}
