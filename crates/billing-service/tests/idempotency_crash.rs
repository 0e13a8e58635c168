//! An upgrade made with an `Idempotency-Key` whose process dies right after the upgrade
//! commits, before it answers: the retry with the same key (on a new process) answers
//! the stored result, and nothing is charged twice.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use portal_billing::plan_changes::PlanChangeError;
use portal_billing::test_support::{CrashAfterCommit, FixedClock, InMemoryStore};
use portal_billing::{Portal, Principal, Replayable, Role};
use portal_domain::{CustomerId, PageRequest, PlanId, UserId};

fn admin() -> Principal {
    Principal::new(
        CustomerId::parse("cust_demo").unwrap(),
        UserId::parse("user_1").unwrap(),
        Role::Admin,
    )
}

/// The answer's body: the new plan and the invoice's id, as the HTTP layer would encode.
fn encode(outcome: &portal_billing::UpgradeOutcome) -> anyhow::Result<Vec<u8>> {
    let invoice = outcome.invoice.as_ref().map(|i| i.id.to_string());
    Ok(format!(
        "{}|{}",
        outcome.subscription.plan.id,
        invoice.unwrap_or_default()
    )
    .into_bytes())
}

#[tokio::test]
async fn a_crash_between_the_commit_and_the_answer_is_answered_by_the_retry() {
    // Arrange: the demo customer on pro; a process whose ledger dies after a commit.
    let store = InMemoryStore::default();
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap());
    Portal::new(store.ports(clock.clone()))
        .demo
        .seed()
        .await
        .unwrap();
    let crashing = CrashAfterCommit::new(Arc::new(store.clone()));
    let mut ports = store.ports(clock.clone());
    ports.ledger = Arc::new(crashing.clone());
    ports.idempotency = Arc::new(crashing.clone());
    let dying = Portal::new(ports);
    let enterprise = PlanId::parse("enterprise").unwrap();
    let invoices_before = invoice_count(&store, &clock).await;

    // Act: the upgrade commits, then the process dies before it answers.
    let first = dying
        .plan_changes
        .upgrade_once(&admin(), Some("key-1"), &enterprise, None, encode)
        .await;
    assert!(crashing.crashed(), "the upgrade committed");
    assert!(
        matches!(first, Err(PlanChangeError::Unavailable(_))),
        "the caller got no answer: {first:?}"
    );
    // The retry reaches a new process over the same store.
    let restarted = Portal::new(store.ports(clock.clone()));
    let retry = restarted
        .plan_changes
        .upgrade_once(&admin(), Some("key-1"), &enterprise, None, encode)
        .await;

    // Assert: the stored answer of the upgrade that committed, and one invoice only.
    let Ok(Replayable::Replayed(body)) = retry else {
        panic!("the retry must replay the stored answer, got {retry:?}");
    };
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("enterprise|INV"), "{body}");
    let sub = restarted.plan_changes.subscription(&admin()).await.unwrap();
    assert_eq!(sub.plan.id, enterprise);
    assert_eq!(invoice_count(&store, &clock).await, invoices_before + 1);
}

async fn invoice_count(store: &InMemoryStore, clock: &Arc<FixedClock>) -> usize {
    let portal = Portal::new(store.ports(clock.clone()));
    portal
        .invoices
        .invoices(&admin(), PageRequest::default())
        .await
        .unwrap()
        .items
        .len()
}
