//! Sustained usage ingestion through the real HTTP API into PostgreSQL (SQLite with
//! `INGEST_BACKEND=sqlite`; PostgreSQL with Redis beside it, the usage hashes written
//! too, with `INGEST_BACKEND=postgres_redis`): batches of 1000 events from several
//! concurrent clients on loopback, then the stored totals are compared with what was sent. Prints figures;
//! asserts nothing about speed. `just bench-ingest` (INGEST_BATCHES, INGEST_CLIENTS).
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use std::time::Instant;

use chrono::{Days, Utc};
use futures::future::join_all;
use portal_tests::helpers::{Backend, spawn_app};
use serde_json::{Value, json};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let backend = match std::env::var("INGEST_BACKEND").as_deref() {
        Ok("sqlite") => Backend::Sqlite,
        // Redis beside PostgreSQL: the usage hashes (contract §5) written too.
        Ok("postgres_redis") => Backend::PostgresRedis,
        _ => Backend::Postgres,
    };
    let batches = env("INGEST_BATCHES", 200);
    let clients = env("INGEST_CLIENTS", 4);
    let app = spawn_app(backend).await;
    let token = app.service_token();
    let customers = ["cust_demo", "cust_demo2"];
    let products = ["ai_chat", "email", "agent_seats"];
    // Spread over 30 days long ago, so the demo data is not touched.
    let base = Utc::now() - Days::new(4000);

    let make_batch = |b: usize| {
        let events: Vec<Value> = (0..1000)
            .map(|i| {
                let n = b * 1000 + i;
                let at = base + Days::new((n % 30) as u64);
                json!({
                    "event_id": format!("bench-{n}"),
                    "customer_id": customers[n % 2],
                    "product": products[n % 3],
                    "count": 1 + (n % 5) as i64,
                    "occurred_at": at.to_rfc3339(),
                })
            })
            .collect();
        json!({ "events": events })
    };
    let bodies: Vec<Value> = (0..batches).map(make_batch).collect();

    let started = Instant::now();
    let mut accepted = 0_u64;
    for chunk in bodies.chunks(clients) {
        let replies = join_all(
            chunk
                .iter()
                .map(|body| app.post_json("/api/internal/usage", &token, body).send()),
        )
        .await;
        for r in replies {
            let r = r.unwrap();
            assert_eq!(r.status(), 200);
            accepted += r.json::<Value>().await.unwrap()["accepted"]
                .as_u64()
                .unwrap();
        }
    }
    let elapsed = started.elapsed();
    let events = (batches * 1000) as f64;
    println!(
        "ingestion ({backend:?}, {clients} concurrent clients, {batches} batches of 1000): {:.0} events/s ({:.2} s, {accepted} accepted)",
        events / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );

    // Nothing lost: stored counted totals equal what was sent.
    let mut expected_counted = 0_i64;
    for n in 0..batches * 1000 {
        if n % 3 != 2 {
            expected_counted += 1 + (n % 5) as i64;
        }
    }
    let from = base.date_naive();
    let to = from + Days::new(29);
    let mut stored = 0_i64;
    for customer in customers {
        let t = app.token(customer, portal_http::TokenRole::Member);
        let detail: Value = app
            .get(&format!("/api/portal/usage/detail?from={from}&to={to}"), &t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stored += detail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["product"] != "agent_seats")
            .map(|i| i["count"].as_i64().unwrap())
            .sum::<i64>();
    }
    println!(
        "totals: sent {expected_counted}, stored {stored} -> {}",
        if stored == expected_counted {
            "nothing lost"
        } else {
            "MISMATCH"
        }
    );
}
