//! The port contract suite against the in-memory fakes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{TimeZone, Utc};
use portal_billing::test_support::{FixedClock, InMemoryStore, contract};

#[tokio::test]
async fn the_fakes_keep_every_promise() {
    contract::run_all("the in-memory fakes", || async {
        InMemoryStore::default().ports(FixedClock::at(
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        ))
    })
    .await;
}
