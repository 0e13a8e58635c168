//! The randomized billing simulation (see `portal_billing::simulation`) through the real
//! service on SQLite and PostgreSQL: fewer, smaller cases than on the in-memory ports,
//! each on a fresh database. Zero fen of difference from the oracle.

use chrono::{TimeZone, Utc};
use portal_billing::PlanCatalog;
use portal_billing::simulation::{plans, play, scenario};
use portal_billing::test_support::FixedClock;
use portal_persistence::SeaOrmStore;
use proptest::prelude::*;

use crate::helpers::{Backend, TestDatabase, portal_on};

fn simulate(backend: Backend, cases: u32) {
    let config = ProptestConfig {
        cases,
        ..ProptestConfig::default()
    };
    proptest!(config, |(s in scenario(3, 40))| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(async {
            let (_db, url) = TestDatabase::create(backend).await;
            let store = SeaOrmStore::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            for plan in plans() {
                store.upsert(&plan).await.unwrap();
            }
            let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 1, 1, 4, 0, 0).unwrap());
            let portal = portal_on(store.clone(), clock.clone());
            let outcome = play(&portal, &clock, &s).await;
            store.close().await.ok();
            outcome
        });
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    });
}

#[test]
fn every_period_adds_up_on_sqlite() {
    simulate(Backend::Sqlite, 60);
}

#[test]
fn every_period_adds_up_on_postgres() {
    simulate(Backend::Postgres, 20);
}
