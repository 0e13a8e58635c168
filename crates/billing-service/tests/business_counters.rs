//! Business counters go through the `Metrics` port (a recording fake here, Prometheus in
//! the server), and each capability's error names what a stale write found changed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use portal_billing::accounts::AccountError;
use portal_billing::billing::BillingRunError;
use portal_billing::fapiao::FapiaoError;
use portal_billing::invoices::InvoiceError;
use portal_billing::plan_changes::PlanChangeError;
use portal_billing::spend_guard::SpendGuardError;
use portal_billing::test_support::{FixedClock, InMemoryStore, Recorded, RecordingMetrics};
use portal_billing::{PlatformCaller, Portal, RepositoryError};
use portal_domain::Month;
use portal_domain::billing_ops::RawUsageEvent;

fn chat(id: &str) -> RawUsageEvent {
    RawUsageEvent {
        event_id: id.into(),
        customer_id: "cust_demo".into(),
        product: "ai_chat".into(),
        count: 3,
        occurred_at: "2025-12-19T09:00:00Z".into(),
    }
}

#[tokio::test]
async fn ingestion_and_runs_tell_the_metrics_port() {
    let store = InMemoryStore::default();
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap());
    let metrics = Arc::new(RecordingMetrics::default());
    let mut ports = store.ports(clock.clone());
    ports.metrics = metrics.clone();
    let portal = Portal::new(ports);
    portal.demo.seed().await.unwrap();
    let platform = PlatformCaller {
        name: "billing".into(),
    };

    portal
        .usage
        .ingest_usage(&platform, &[chat("e1"), chat("e2"), chat("e1")])
        .await
        .unwrap();
    let run = portal
        .billing
        .billing_run(&platform, Month::parse("2026-01").unwrap())
        .await
        .unwrap();

    let recorded = metrics.recorded();
    assert_eq!(
        recorded[0],
        Recorded::UsageEventsIngested {
            accepted: 2,
            duplicates: 1
        }
    );
    assert!(
        recorded.contains(&Recorded::RunCustomersBilled {
            created: run.created,
            skipped: run.skipped
        }),
        "{recorded:?}"
    );
    assert_eq!(
        recorded.last(),
        Some(&Recorded::BillingRunFinished {
            invoices: run.created
        })
    );
    assert!(run.created > 0, "the demo customers owe January");
}

#[test]
fn a_stale_write_names_what_changed() {
    let said = [
        (
            AccountError::from(RepositoryError::Conflict).to_string(),
            "the account",
        ),
        (
            PlanChangeError::from(RepositoryError::Conflict).to_string(),
            "the subscription",
        ),
        (
            BillingRunError::from(RepositoryError::Conflict).to_string(),
            "the billing run",
        ),
        (
            InvoiceError::from(RepositoryError::Conflict).to_string(),
            "the invoice",
        ),
        (
            SpendGuardError::from(RepositoryError::Conflict).to_string(),
            "the alert rules or caps",
        ),
        (
            FapiaoError::from(RepositoryError::Conflict).to_string(),
            "the fapiao request",
        ),
    ];
    for (message, what) in said {
        assert!(message.starts_with(what), "{message:?} names {what}");
    }
}
