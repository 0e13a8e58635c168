//! The bill to come and the usage overview of a customer with a full year of daily usage
//! (contract §10), through the real HTTP API on SQLite and PostgreSQL: sequential
//! requests on loopback, the median and the 90th percentile printed. Asserts nothing
//! about speed. `UPCOMING_REQUESTS` sets the number of requests per figure (300).
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use std::time::{Duration, Instant};

use chrono::Days;
use portal_http::TokenRole;
use portal_tests::helpers::{Backend, TestApp, spawn_app, today};
use serde_json::{Value, json};

const CUSTOMER: &str = "cust_year";

async fn year_of_usage(app: &TestApp) {
    let service = app.service_token();
    let created = app
        .put_json(
            &format!("/api/internal/customers/{CUSTOMER}"),
            &service,
            &json!({"company_name": "一年用量", "contact_name": "赵六", "contact_email": "z@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let first = today() - Days::new(365);
    let subscribed = app
        .put_json(
            &format!("/api/internal/customers/{CUSTOMER}/subscription"),
            &service,
            &json!({"plan_id": "pro", "start_date": first.to_string(), "end_date": (today() + Days::new(365)).to_string()}),
        )
        .send()
        .await
        .unwrap();
    assert!(subscribed.status().is_success());
    // Every day of the year, every product, a little beyond the plan's pace.
    let mut events = Vec::new();
    let mut day = first;
    while day <= today() {
        for (product, count) in [("ai_chat", 400), ("email", 40), ("agent_seats", 6)] {
            events.push(json!({
                "event_id": format!("year-{day}-{product}"),
                "customer_id": CUSTOMER,
                "product": product,
                "count": count,
                "occurred_at": format!("{day}T04:00:00Z"),
            }));
        }
        day = day.succ_opt().unwrap();
    }
    for batch in events.chunks(1000) {
        let resp = app
            .post_json("/api/internal/usage", &service, &json!({ "events": batch }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
}

/// Dates each day's usage as ingested on its own day (the benchmark sent the year at
/// once): a billing run's watermark then leaves the older months alone, as in service.
async fn as_if_ingested_daily(app: &TestApp) {
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(&app.database_url).await.unwrap();
    let sql = if app.database_url.starts_with("postgres") {
        "UPDATE usage_logs SET updated_at = (date + interval '20 hours')::timestamptz"
    } else {
        // The stored text keeps its shape: only its date part changes.
        "UPDATE usage_logs SET updated_at = date || substr(updated_at, 11)"
    };
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

/// Median and 90th percentile of `n` sequential GETs of `path`.
async fn measure(app: &TestApp, token: &str, path: &str, n: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let resp = app.get(path, token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let _: Value = resp.json().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    (times[n / 2], times[n * 9 / 10])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = std::env::var("UPCOMING_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for (name, backend) in [
        ("SQLite", Backend::Sqlite),
        ("PostgreSQL", Backend::Postgres),
    ] {
        let app = spawn_app(backend).await;
        year_of_usage(&app).await;
        let token = app.token(CUSTOMER, TokenRole::Member);
        // Warm the connections.
        measure(&app, &token, "/api/portal/billing/upcoming", 20).await;
        let never_billed = measure(&app, &token, "/api/portal/billing/upcoming", n).await;
        as_if_ingested_daily(&app).await;
        // A billing run of this month sets the customer's watermark, as every month's would.
        let this_month = today().format("%Y-%m").to_string();
        let resp = app
            .post_json(
                "/api/internal/billing/run",
                &app.service_token(),
                &json!({ "period": this_month }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let upcoming = measure(&app, &token, "/api/portal/billing/upcoming", n).await;
        let usage = measure(&app, &token, "/api/portal/usage", n).await;
        println!(
            "{name}, a year of daily usage ({n} requests each): upcoming bill median {} (p90 {}); \
             before any billing run (every month looked at) median {} (p90 {}); usage overview median {} (p90 {})",
            ms(upcoming.0),
            ms(upcoming.1),
            ms(never_billed.0),
            ms(never_billed.1),
            ms(usage.0),
            ms(usage.1),
        );
    }
}
