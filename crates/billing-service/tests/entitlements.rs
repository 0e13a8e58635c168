//! Entitlements (§11) as two instances of the portal see them over one store: the
//! instance that ingests a batch answers from it at once; another answers from its
//! memo for at most its bound, then from the store (the contract allows one second).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{
    BillingService, ENTITLEMENT_MEMO_TTL, PlatformCaller, Principal, ProductEntitlement, Role,
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

async fn ai_chat(service: &BillingService) -> ProductEntitlement {
    service
        .entitlements(&caller(), "cust_demo")
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.product == Product::AiChat)
        .unwrap()
}

#[tokio::test]
async fn a_capped_product_stops_here_at_once_and_on_another_instance_within_the_bound() {
    let store = InMemoryStore::default();
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap());
    let here = BillingService::new(store.ports(clock.clone()));
    let there = BillingService::new(store.ports(clock.clone()));
    here.seed_demo().await.unwrap();
    let admin = Principal::new(
        CustomerId::parse("cust_demo").unwrap(),
        UserId::parse("user_1").unwrap(),
        Role::Admin,
    );
    here.set_caps(&admin, &[("ai_chat".into(), 100)])
        .await
        .unwrap();
    let before = ai_chat(&here).await;
    let limit = before.limit.unwrap();
    assert!(before.allowed && before.used < limit, "{before:?}");
    // The other instance has an answer in its memo from before the batch.
    assert_eq!(ai_chat(&there).await, before);

    here.ingest_usage(&caller(), &chats("evt-cap", limit - before.used))
        .await
        .unwrap();

    let stopped = ai_chat(&here).await;
    assert_eq!(
        (stopped.allowed, stopped.used),
        (false, limit),
        "{stopped:?}"
    );
    // The other instance: stopped once its memo's bound has passed, well within 1 s.
    let asked = Instant::now();
    let deadline = asked + Duration::from_secs(1);
    loop {
        let seen = ai_chat(&there).await;
        if seen == stopped {
            break;
        }
        assert_eq!(
            seen, before,
            "an answer is either the old one or the new one"
        );
        assert!(Instant::now() < deadline, "still {seen:?} after 1 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(asked.elapsed() <= ENTITLEMENT_MEMO_TTL + Duration::from_millis(100));
}
