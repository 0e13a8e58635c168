//! Billing operations (contract §8) end to end: the internal API, provisioning, usage
//! ingestion and billing runs (plan changes are in `plan_changes.rs`).

use chrono::{Datelike, Months};
use futures::future::join_all;
use portal_http::TokenRole;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    internal_api_needs_a_service_token,
    provisioning_creates_and_replaces,
    usage_events_count_once_even_under_concurrent_replays,
    invalid_usage_batches_change_nothing,
    billing_runs_are_idempotent_gap_free_and_mark_overdue,
);

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    app.post_json(path, token, body).send().await.unwrap()
}

async fn internal_api_needs_a_service_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"period": "2030-01"});
    for token in [app.admin(), app.member()] {
        let resp = post(&app, "/api/internal/billing/run", &token, &body).await;
        assert_error(resp, 403, "forbidden").await;
    }
    let none = app
        .client
        .post(app.url("/api/internal/billing/run"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(none, 401, "unauthorized").await;
    let ok = post(
        &app,
        "/api/internal/billing/run",
        &app.service_token(),
        &body,
    )
    .await;
    assert_eq!(ok.status(), 200);
}

async fn provisioning_creates_and_replaces(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    let put = |path: String, body: Value| {
        let svc = svc.clone();
        let app = &app;
        async move { app.put_json(&path, &svc, &body).send().await.unwrap() }
    };
    let body = json!({"company_name": "新客户有限公司", "contact_name": "赵六", "contact_email": "zhao@example.com"});
    let created = put("/api/internal/customers/cust_new".into(), body.clone()).await;
    assert_eq!(created.status(), 201);
    let again = put("/api/internal/customers/cust_new".into(), json!({"company_name": "新客户集团", "contact_name": "赵六", "contact_email": "zhao@example.com"})).await;
    assert_eq!(again.status(), 200);
    let bad = put(
        "/api/internal/customers/cust_new".into(),
        json!({"company_name": "x", "contact_name": "y", "contact_email": "nope"}),
    )
    .await;
    assert_error(bad, 422, "validation_failed").await;

    let today = crate::helpers::today();
    let start = today.with_day(1).unwrap();
    let end = start + Months::new(12);
    let sub = put(
        "/api/internal/customers/cust_new/subscription".into(),
        json!({"plan_id": "basic", "start_date": start.to_string(), "end_date": end.to_string()}),
    )
    .await;
    assert_eq!(sub.status(), 200);
    let replaced = put(
        "/api/internal/customers/cust_new/subscription".into(),
        json!({"plan_id": "pro", "start_date": start.to_string(), "end_date": end.to_string()}),
    )
    .await;
    let replaced: Value = replaced.json().await.unwrap();
    assert_eq!(replaced["plan_id"], "pro");

    let user = app.token("cust_new", TokenRole::Member);
    let account = app.read_as("/api/portal/account", &user).await;
    assert_eq!(account["company_name"], "新客户集团");
    let seen = app.read_as("/api/portal/subscription", &user).await;
    assert_eq!(seen["plan_id"], "pro");
    assert_eq!(
        seen["subscription_id"], replaced["subscription_id"],
        "replaced, not duplicated"
    );

    // Fees are billed in advance: provisioned, the month is invoiced at once (basic,
    // the whole month); replaced by pro, the difference is invoiced at once too.
    let list = app.read_as("/api/portal/invoices", &user).await;
    let mut amounts: Vec<(&str, &str)> = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["period"].as_str().unwrap(), i["amount"].as_str().unwrap()))
        .collect();
    amounts.sort();
    let period = today.format("%Y-%m").to_string();
    assert_eq!(
        amounts,
        [(period.as_str(), "299.00"), (period.as_str(), "700.00")],
        "{list}"
    );

    let unknown_plan = put(
        "/api/internal/customers/cust_new/subscription".into(),
        json!({"plan_id": "gold", "start_date": start.to_string(), "end_date": end.to_string()}),
    )
    .await;
    assert_error(unknown_plan, 422, "validation_failed").await;
    let unknown_customer = put(
        "/api/internal/customers/cust_ghost/subscription".into(),
        json!({"plan_id": "pro", "start_date": start.to_string(), "end_date": end.to_string()}),
    )
    .await;
    assert_error(unknown_customer, 404, "not_found").await;
}

fn ev(id: &str, customer: &str, product: &str, count: i64, at: &str) -> Value {
    json!({"event_id": id, "customer_id": customer, "product": product, "count": count, "occurred_at": at})
}

/// The day's values of cust_demo for `date`, by product.
async fn day_values(app: &TestApp, date: &str) -> Value {
    let detail = app
        .read(&format!("/api/portal/usage/detail?from={date}&to={date}"))
        .await;
    let mut out = serde_json::Map::new();
    for item in detail["items"].as_array().unwrap() {
        out.insert(
            item["product"].as_str().unwrap().to_owned(),
            item["count"].clone(),
        );
    }
    Value::Object(out)
}

async fn usage_events_count_once_even_under_concurrent_replays(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    let date = "2001-02-03";
    let at = "2001-02-03T10:00:00Z";
    let mut events: Vec<Value> = (0..300)
        .map(|i| ev(&format!("evt-{i}"), "cust_demo", "ai_chat", 2, at))
        .collect();
    events.extend((0..50).map(|i| ev(&format!("mail-{i}"), "cust_demo", "email", 1, at)));
    events.push(ev("seat-a", "cust_demo", "agent_seats", 4, at));
    events.push(ev("seat-b", "cust_demo", "agent_seats", 7, at));
    events.push(ev("seat-c", "cust_demo", "agent_seats", 5, at));
    let batch = json!({"events": events});

    // Eight concurrent deliveries of the same batch: each event counts once.
    let replies = join_all((0..8).map(|_| post(&app, "/api/internal/usage", &svc, &batch))).await;
    let mut accepted = 0;
    for r in replies {
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["accepted"].as_u64().unwrap() + body["duplicates"].as_u64().unwrap(),
            353
        );
        accepted += body["accepted"].as_u64().unwrap();
    }
    assert_eq!(accepted, 353);
    let values = day_values(&app, date).await;
    assert_eq!(
        values,
        json!({"agent_seats": 7, "ai_chat": 600, "email": 50})
    );

    // A later batch adds to the day; seats only move up.
    let more = json!({"events": [ev("late-1", "cust_demo", "ai_chat", 11, "2001-02-03T15:59:59Z"), ev("late-2", "cust_demo", "agent_seats", 3, at), ev("evt-0", "cust_demo", "ai_chat", 2, at)]});
    let body: Value = post(&app, "/api/internal/usage", &svc, &more)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        day_values(&app, date).await,
        json!({"agent_seats": 7, "ai_chat": 611, "email": 50})
    );
    // The month's overview agrees.
    let overview = app.read("/api/portal/usage?month=2001-02").await;
    assert_eq!(crate::helpers::product(&overview, "ai_chat")["used"], 611);
    assert_eq!(crate::helpers::product(&overview, "agent_seats")["used"], 7);
}

async fn invalid_usage_batches_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    let at = "2001-03-04T10:00:00Z";
    let cases = [
        json!({"events": [ev("ok-1", "cust_demo", "ai_chat", 1, at), ev("bad-1", "cust_demo", "sms", 1, at)]}),
        json!({"events": [ev("ok-1", "cust_demo", "ai_chat", 1, at), ev("bad-2", "cust_ghost", "email", 1, at)]}),
        json!({"events": [ev("ok-1", "cust_demo", "ai_chat", -5, at)]}),
        json!({"events": [ev("ok-1", "cust_demo", "ai_chat", 1, "not a time")]}),
        json!({"events": []}),
        json!({"events": (0..1001).map(|i| ev(&format!("x{i}"), "cust_demo", "email", 1, at)).collect::<Vec<_>>()}),
    ];
    for body in cases {
        let resp = post(&app, "/api/internal/usage", &svc, &body).await;
        assert_error(resp, 422, "validation_failed").await;
    }
    assert_eq!(day_values(&app, "2001-03-04").await, json!({}));
    // ok-1 was never counted, so it is still new.
    let body: Value = post(
        &app,
        "/api/internal/usage",
        &svc,
        &json!({"events": [ev("ok-1", "cust_demo", "ai_chat", 1, at)]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["accepted"], 1);
}

async fn billing_runs_are_idempotent_gap_free_and_mark_overdue(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    let today = crate::helpers::today();
    let period = today.format("%Y-%m").to_string();
    let next = (today.with_day(1).unwrap() + Months::new(1))
        .format("%Y-%m")
        .to_string();

    let first: Value = post(
        &app,
        "/api/internal/billing/run",
        &svc,
        &json!({"period": period}),
    )
    .await
    .json()
    .await
    .unwrap();
    // The demo data invoiced the current month already: nothing more is owed.
    assert_eq!(
        (first["created"].as_u64(), first["skipped"].as_u64()),
        (Some(0), Some(2))
    );
    // Last month's pending invoice is overdue; this month's two (issued on the 1st,
    // due on the 16th) are too from the 17th on.
    let this_month_due_passed = if today.day() > 16 { 2 } else { 0 };
    assert_eq!(first["invoices_overdue"], 1 + this_month_due_passed);
    let again: Value = post(
        &app,
        "/api/internal/billing/run",
        &svc,
        &json!({"period": period}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(2))
    );

    // Concurrent runs of the next period create each invoice once.
    let next_body = json!({"period": next});
    let runs =
        join_all((0..4).map(|_| post(&app, "/api/internal/billing/run", &svc, &next_body))).await;
    let mut created = 0;
    for r in runs {
        assert_eq!(r.status(), 200);
        created += r.json::<Value>().await.unwrap()["created"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(created, 2);

    // All invoices issued this month are numbered 001..004 without gaps.
    let prefix = format!("INV{}", today.format("%Y%m"));
    let mut seqs: Vec<u32> = Vec::new();
    for token in [app.admin(), app.token("cust_demo2", TokenRole::Member)] {
        let list: Value = app
            .get("/api/portal/invoices", &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for i in list["invoices"].as_array().unwrap() {
            let id = i["invoice_id"].as_str().unwrap();
            if let Some(seq) = id.strip_prefix(&prefix) {
                seqs.push(seq.parse().unwrap());
            }
        }
    }
    seqs.sort();
    assert_eq!(seqs, [1, 2, 3, 4]);

    let invoices = app.read("/api/portal/invoices").await;
    let statuses: Vec<&str> = invoices["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    let this_month = if today.day() > 16 {
        "overdue"
    } else {
        "pending"
    };
    assert_eq!(
        statuses,
        ["pending", this_month, "overdue", "paid", "paid"],
        "next month's, this month's, then the demo's"
    );
    let newest = invoices["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paid: Value = post(
        &app,
        &format!("/api/internal/invoices/{newest}/paid"),
        &svc,
        &json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(
        app.read(&format!("/api/portal/invoices/{newest}")).await["status"],
        "paid"
    );
    let missing = post(
        &app,
        "/api/internal/invoices/INV999901999/paid",
        &svc,
        &json!({}),
    )
    .await;
    assert_error(missing, 404, "not_found").await;
    let bad_period = post(
        &app,
        "/api/internal/billing/run",
        &svc,
        &json!({"period": "2025-13"}),
    )
    .await;
    assert_error(bad_period, 422, "validation_failed").await;
}
