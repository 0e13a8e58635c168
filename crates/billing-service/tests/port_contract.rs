//! The port contract suite against the in-memory fakes: one test per promise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod in_memory {
    use chrono::{TimeZone, Utc};
    use portal_billing::Adapters;
    use portal_billing::test_support::{FixedClock, InMemoryStore};

    async fn fresh() -> (Adapters, ()) {
        let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        (InMemoryStore::default().ports(clock), ())
    }

    portal_billing::port_contract_tests!(fresh);
}
