//! At-least-once delivery across a crash (contract §11): a `portal serve` killed with
//! SIGKILL after a change was committed but before its webhook was delivered delivers
//! it, with the same id, once started again.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeSet;
use std::time::Duration;

use portal_notify::test_support::{WebhookReceiver, eventually};
use portal_persistence::test_support::TestPg;

mod common;
use common::Portal;

const WEBHOOK_SECRET: &str = "whsec-crash-0123456789";

fn portal(database_url: &str, receiver: &WebhookReceiver) -> Portal {
    Portal::new(
        database_url,
        &[
            ("PORTAL_WEBHOOK_URL", &receiver.url),
            ("PORTAL_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
}

async fn killed_between_commit_and_delivery_then_delivered(database_url: &str) {
    // Arrange: a receiver that fails every try until told otherwise.
    let receiver = WebhookReceiver::start(usize::MAX).await.unwrap();
    let portal = portal(database_url, &receiver);
    portal.output(&["seed", "--demo"]);
    let token = portal.output(&[
        "token",
        "--customer",
        "cust_demo",
        "--user",
        "u1",
        "--role",
        "admin",
    ]);
    let mut first = portal.serve().await;

    // A plan change commits `subscription.changed` and `invoice.issued`.
    let upgraded = reqwest::Client::new()
        .post(format!(
            "{}/api/portal/subscription/upgrade",
            portal.address
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"plan_id": "enterprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(upgraded.status(), 200);
    let ids = |statuses: &[u16]| -> BTreeSet<String> {
        receiver
            .received()
            .iter()
            .filter(|r| statuses.contains(&r.status))
            .filter_map(|r| r.json()["id"].as_str().map(str::to_owned))
            .collect()
    };
    // Both tried and refused: committed, not delivered. Then the process dies.
    let tried = eventually(Duration::from_secs(20), || {
        let tried = ids(&[500]);
        (tried.len() == 2).then_some(tried)
    })
    .await
    .expect("both events tried within 20 s");
    first.kill(); // SIGKILL
    assert!(ids(&[204]).is_empty());

    // Act: the receiver recovers and the portal starts again.
    receiver.fail_next(0);
    let mut second = portal.serve().await;

    // Assert: each event delivered, with the id it was tried with before the crash. The
    // kill may come between a try and its record (the receiver answered, the outbox not
    // yet told): that message stays leased to the dead process until its lease lapses.
    let deadline = portal_billing::delivery::CLAIM_LEASE + Duration::from_secs(30);
    let delivered = eventually(deadline, || {
        let delivered = ids(&[204]);
        (delivered.len() >= 2).then_some(delivered)
    })
    .await
    .unwrap_or_else(|| panic!("not delivered after restart: {:#?}", receiver.received()));
    assert_eq!(delivered, tried);
    let types: BTreeSet<String> = receiver
        .received()
        .iter()
        .filter(|r| r.status == 204)
        .filter_map(|r| r.json()["type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "invoice.issued".to_owned(),
            "subscription.changed".to_owned()
        ])
    );
    second.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_outlives_a_sigkill_on_sqlite() {
    let path = std::env::temp_dir().join(format!("portal_crash_{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    killed_between_commit_and_delivery_then_delivered(&url).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_outlives_a_sigkill_on_postgres() {
    let pg = TestPg::create().await;
    killed_between_commit_and_delivery_then_delivered(&pg.url).await;
}
