//! Entitlements (§11) as two instances of the portal see them over one store: the
//! instance that ingests a batch answers from it at once; another answers from its
//! memo for at most its bound, then from the store (the contract allows one second).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{
    ENTITLEMENT_MEMO_LIMIT, ENTITLEMENT_MEMO_TTL, PlatformCaller, Portal, Principal,
    ProductEntitlement, Role,
};
use portal_domain::billing_ops::RawUsageEvent;
use portal_domain::{CustomerId, Product, UserId};

fn caller() -> PlatformCaller {
    PlatformCaller {
        name: "ai-chat".into(),
    }
}

fn chats(id: &str, count: i64) -> Vec<RawUsageEvent> {
    vec![RawUsageEvent {
        event_id: id.into(),
        customer_id: "cust_demo".into(),
        product: "ai_chat".into(),
        count,
        occurred_at: "2025-12-19T09:00:00Z".into(),
    }]
}

async fn ai_chat(portal: &Portal) -> ProductEntitlement {
    portal
        .spend_guard
        .entitlements(&caller(), &CustomerId::parse("cust_demo").unwrap())
        .await
        .unwrap()
        .iter()
        .find(|p| p.product == Product::AiChat)
        .copied()
        .unwrap()
}

/// Two instances of the portal over one store with the demo data, on one clock.
async fn two_instances() -> (Portal, Portal, Arc<FixedClock>, DateTime<Utc>) {
    let store = InMemoryStore::default();
    let start = Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap();
    let clock = FixedClock::at(start);
    let here = Portal::new(store.ports(clock.clone()));
    let there = Portal::new(store.ports(clock.clone()));
    here.demo.seed().await.unwrap();
    (here, there, clock, start)
}

#[tokio::test]
async fn a_capped_product_stops_here_at_once_and_on_another_instance_within_the_bound() {
    let (here, there, clock, start) = two_instances().await;
    let admin = Principal::new(
        CustomerId::parse("cust_demo").unwrap(),
        UserId::parse("user_1").unwrap(),
        Role::Admin,
    );
    here.spend_guard
        .set_caps(&admin, &[("ai_chat".into(), 100)])
        .await
        .unwrap();
    let before = ai_chat(&here).await;
    let limit = before.limit.unwrap();
    assert!(before.allowed && before.used < limit, "{before:?}");
    // The other instance has an answer in its memo from before the batch.
    assert_eq!(ai_chat(&there).await, before);

    here.usage
        .ingest_usage(&caller(), &chats("evt-cap", limit - before.used))
        .await
        .unwrap();

    let stopped = ai_chat(&here).await;
    assert_eq!(
        (stopped.allowed, stopped.used),
        (false, limit),
        "{stopped:?}"
    );
    // The other instance answers from its memo while the answer is within its TTL...
    let ttl = chrono::Duration::from_std(ENTITLEMENT_MEMO_TTL).unwrap();
    clock.set(start + ttl - chrono::Duration::milliseconds(1));
    assert_eq!(
        ai_chat(&there).await,
        before,
        "within the TTL: the kept answer"
    );
    // ...and from the store once it has passed: the first check past it computes again.
    clock.set(start + ttl);
    assert_eq!(ai_chat(&there).await, stopped, "past the TTL: stopped");
}

#[tokio::test]
async fn an_answer_past_its_limit_is_computed_again() {
    let (here, there, clock, start) = two_instances().await;
    let before = ai_chat(&there).await;
    here.usage
        .ingest_usage(&caller(), &chats("evt-more", 7))
        .await
        .unwrap();
    let limit = chrono::Duration::from_std(ENTITLEMENT_MEMO_LIMIT).unwrap();
    clock.set(start + limit);
    let seen = ai_chat(&there).await;
    assert_eq!(seen.used, before.used + 7, "past the limit: computed again");
}
