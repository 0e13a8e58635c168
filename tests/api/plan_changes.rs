//! Plan changes through the API (contract §8): the upgrade preview's date and the
//! Idempotency-Key, and scheduled downgrades.

use chrono::{Datelike, Months, Utc};
use futures::future::join_all;
use portal_billing::{IdempotencyRepository, KeyClaim};
use portal_domain::CustomerId;
use portal_http::TokenRole;
use portal_persistence::SeaOrmStore;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;
use crate::operations::post;

on_both_databases!(
    upgrade_preview_date_and_idempotency_key,
    downgrades_are_scheduled_cancelled_applied_and_audited,
);

async fn upgrade_preview_date_and_idempotency_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let preview = app
        .read("/api/portal/subscription/upgrade/preview?plan_id=enterprise")
        .await;
    let body = json!({"plan_id": "enterprise", "proration_date": preview["proration_date"]});
    let invoices_before = app.read("/api/portal/invoices").await["invoices"]
        .as_array()
        .unwrap()
        .len();

    let send = |key: &'static str, body: Value| {
        let app = &app;
        async move {
            app.post_json("/api/portal/subscription/upgrade", &app.admin(), &body)
                .header("Idempotency-Key", key)
                .send()
                .await
                .unwrap()
        }
    };
    // Concurrent requests with one key: one change; the rest replay it or are told to wait.
    let replies = join_all((0..6).map(|_| send("upgrade-1", body.clone()))).await;
    let mut bodies = Vec::new();
    for r in replies {
        match r.status().as_u16() {
            200 => bodies.push(r.json::<Value>().await.unwrap()),
            409 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(!bodies.is_empty());
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every 200 is the same result"
    );
    assert_eq!(
        bodies[0]["invoice"]["amount"], preview["amount"],
        "the charge equals the preview"
    );
    let invoices_after = app.read("/api/portal/invoices").await["invoices"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(invoices_after, invoices_before + 1);

    let replay = send("upgrade-1", body.clone()).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), bodies[0]);

    let other_body = send("upgrade-1", json!({"plan_id": "pro"})).await;
    assert_error(other_body, 422, "validation_failed").await;

    let future = crate::helpers::today() + chrono::Days::new(40);
    let bad_date = send(
        "upgrade-2",
        json!({"plan_id": "enterprise", "proration_date": future.to_string()}),
    )
    .await;
    assert_error(bad_date, 422, "validation_failed").await;

    let log = app.read("/api/portal/audit-log").await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "subscription.upgraded");
    assert_eq!(entry["user_id"], "user_test");
    assert_eq!(entry["details"]["before"]["plan_id"], "pro");
    assert_eq!(entry["details"]["after"]["plan_id"], "enterprise");
    assert_eq!(
        entry["details"]["after"]["invoice_id"],
        bodies[0]["invoice"]["invoice_id"]
    );

    // Keys are kept 24 hours: the billing run deletes older ones and keeps the rest.
    let store = SeaOrmStore::connect(&app.database_url).await.unwrap();
    let customer = CustomerId::parse("cust_demo").unwrap();
    let day_old = Utc::now() - chrono::TimeDelta::hours(25);
    let claim = store
        .claim(&customer, "old-key", "fp", day_old)
        .await
        .unwrap();
    assert_eq!(claim, KeyClaim::Claimed);
    let run = post(
        &app,
        "/api/internal/billing/run",
        &app.service_token(),
        &json!({"period": "2030-01"}),
    )
    .await;
    assert_eq!(run.status(), 200);
    let run: Value = run.json().await.unwrap();
    assert_eq!(run["idempotency_keys_purged"], 1, "{run}");
    let again = store.claim(&customer, "old-key", "other", Utc::now()).await;
    assert_eq!(again.unwrap(), KeyClaim::Claimed, "the old key is gone");
    let replay = send("upgrade-1", body.clone()).await;
    assert_eq!(
        replay.headers()["idempotent-replayed"],
        "true",
        "a fresh key stays"
    );
}

async fn downgrades_are_scheduled_cancelled_applied_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let first_of_next = crate::helpers::today().with_day(1).unwrap() + Months::new(1);

    let member = post(
        &app,
        "/api/portal/subscription/downgrade",
        &app.member(),
        &json!({"plan_id": "basic"}),
    )
    .await;
    assert_error(member, 403, "forbidden").await;
    let dearer = post(
        &app,
        "/api/portal/subscription/downgrade",
        &app.admin(),
        &json!({"plan_id": "enterprise"}),
    )
    .await;
    assert_error(dearer, 409, "conflict").await;
    let unknown = post(
        &app,
        "/api/portal/subscription/downgrade",
        &app.admin(),
        &json!({"plan_id": "free"}),
    )
    .await;
    assert_error(unknown, 422, "validation_failed").await;

    let scheduled: Value = post(
        &app,
        "/api/portal/subscription/downgrade",
        &app.admin(),
        &json!({"plan_id": "basic"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(scheduled["plan_id"], "pro");
    assert_eq!(
        scheduled["scheduled_change"],
        json!({"plan_id": "basic", "effective_date": first_of_next.to_string()})
    );
    assert_eq!(
        app.read("/api/portal/subscription").await["scheduled_change"]["plan_id"],
        "basic"
    );

    let cancelled = app
        .client
        .delete(format!(
            "{}/api/portal/subscription/scheduled-change",
            app.address
        ))
        .bearer_auth(app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    assert_eq!(
        cancelled.json::<Value>().await.unwrap()["scheduled_change"],
        Value::Null
    );

    post(
        &app,
        "/api/portal/subscription/downgrade",
        &app.admin(),
        &json!({"plan_id": "basic"}),
    )
    .await;
    let svc = app.service_token();
    let next = first_of_next.format("%Y-%m").to_string();
    let run: Value = post(
        &app,
        "/api/internal/billing/run",
        &svc,
        &json!({"period": next}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(run["created"], 2);
    // Billing next month in advance does not apply its downgrade today.
    let sub = app.read("/api/portal/subscription").await;
    assert_eq!(sub["plan_id"], "pro");
    assert_eq!(sub["scheduled_change"]["plan_id"], "basic");
    let segments = sub["segments"].as_array().unwrap();
    assert_eq!(segments.last().unwrap()["plan_id"], "basic");
    assert_eq!(segments.last().unwrap()["from"], first_of_next.to_string());
    let newest = &app.read("/api/portal/invoices").await["invoices"][0];
    assert_eq!(
        (newest["period"].as_str(), newest["amount"].as_str()),
        (Some(next.as_str()), Some("299.00")),
        "billed at the new plan, no refund"
    );

    let log = app.read("/api/portal/audit-log").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "subscription.downgrade_scheduled",
            "subscription.downgrade_cancelled",
            "subscription.downgrade_scheduled"
        ]
    );
    let theirs: Value = app
        .get(
            "/api/portal/audit-log",
            &app.token("cust_demo2", TokenRole::Admin),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["entries"], json!([]));
}
