//! The randomized billing simulation on the in-memory ports: zero fen of difference
//! between every period's invoices and the oracle's charges.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{TimeZone, Utc};
use portal_billing::simulation::{plans, play, scenario};
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{PlanCatalog, Portal};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_period_adds_up_to_its_charges_whatever_the_order(s in scenario(4, 80)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let outcome = runtime.block_on(async {
            let store = InMemoryStore::default();
            for plan in plans() {
                store.upsert(&plan).await.unwrap();
            }
            let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 1, 1, 4, 0, 0).unwrap());
            let portal = Portal::new(store.ports(clock.clone()));
            play(&portal, &clock, &s).await
        });
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
