//! Billing runs as jobs (contract §13): `POST /api/internal/billing/runs` answers 202
//! at once; the run's progress is read by id until it ends, and what it billed is what
//! the invoices show.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error, spawn_app, today};
use crate::on_both_databases;

on_both_databases!(
    a_run_starts_at_once_and_reports_what_it_billed,
    run_requests_are_checked
);

/// The run's state once it is no longer running.
async fn ended(app: &TestApp, run_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = app
            .get(
                &format!("/api/internal/billing/runs/{run_id}"),
                &app.service_token(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let run: Value = resp.json().await.unwrap();
        if run["status"] != "running" {
            return run;
        }
        assert!(Instant::now() < deadline, "still running after 30 s: {run}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start(app: &TestApp, period: &str) -> String {
    let resp = app
        .post_json(
            "/api/internal/billing/runs",
            &app.service_token(),
            &json!({ "period": period }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let body: Value = resp.json().await.unwrap();
    body["run_id"].as_str().unwrap().to_owned()
}

/// Invoices of `period` of the demo customers, through their own API.
async fn invoices_of(app: &TestApp, period: &str) -> usize {
    let mut n = 0;
    for customer in ["cust_demo", "cust_demo2"] {
        let token = app.token(customer, portal_http::TokenRole::Member);
        let list = app.read_as("/api/portal/invoices?limit=200", &token).await;
        n += list["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["period"] == period)
            .count();
    }
    n
}

async fn a_run_starts_at_once_and_reports_what_it_billed(backend: crate::helpers::Backend) {
    let app = spawn_app(backend).await;
    let next = portal_domain::Month::of(today()).next().to_string();
    assert_eq!(invoices_of(&app, &next).await, 0);

    let run_id = start(&app, &next).await;
    let run = ended(&app, &run_id).await;
    assert_eq!(run["status"], "finished", "{run}");
    assert_eq!(run["period"], next.as_str());
    assert_eq!(run["run_id"], run_id.as_str());
    let (total, done) = (
        run["total"].as_u64().unwrap(),
        run["done"].as_u64().unwrap(),
    );
    let (created, skipped) = (
        run["created"].as_u64().unwrap(),
        run["skipped"].as_u64().unwrap(),
    );
    assert_eq!(
        (total, done),
        (2, 2),
        "both demo customers are billable: {run}"
    );
    assert_eq!(created + skipped, done);
    assert_eq!(created as usize, invoices_of(&app, &next).await, "{run}");
    assert!(created > 0, "next month's fees are owed: {run}");
    assert!(
        run["finished_at"].is_string() && run["error"].is_null(),
        "{run}"
    );

    // A new run of the period bills nothing more, and neither does the §8 endpoint.
    let again = ended(&app, &start(&app, &next).await).await;
    assert_ne!(
        again["run_id"],
        run_id.as_str(),
        "a finished run is not reused"
    );
    assert_eq!(
        (again["created"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(2))
    );
    let legacy = app.billing_run(&next).await;
    assert_eq!(legacy["created"], 0);
    assert_eq!(created as usize, invoices_of(&app, &next).await);
}

async fn run_requests_are_checked(backend: crate::helpers::Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"period": "2030-01"});
    for token in [app.admin(), app.member()] {
        let resp = app
            .post_json("/api/internal/billing/runs", &token, &body)
            .send()
            .await
            .unwrap();
        assert_error(resp, 403, "forbidden").await;
    }
    let svc = app.service_token();
    for bad in [
        json!({"period": "2030-13"}),
        json!({"period": "next month"}),
        json!({}),
    ] {
        let resp = app
            .post_json("/api/internal/billing/runs", &svc, &bad)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(status == 422 || status == 400, "{bad}: {status}");
    }
    let missing = app
        .get("/api/internal/billing/runs/run_nope", &svc)
        .send()
        .await
        .unwrap();
    assert_error(missing, 404, "not_found").await;
    let customer = app
        .get("/api/internal/billing/runs/run_nope", &app.member())
        .send()
        .await
        .unwrap();
    assert_error(customer, 403, "forbidden").await;
}
