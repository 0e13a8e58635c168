//! Contract §10, first part: plans carry overage prices, and the usage overview shows
//! what the month's segments include and what is used beyond it, priced.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::RoundingStrategy;
use serde_json::{Value, json};

use crate::helpers::{Backend, product, spawn_app, today};
use crate::on_both_databases;

on_both_databases!(
    plans_show_their_overage_prices,
    usage_beyond_the_plan_is_counted_and_priced
);

async fn plans_show_their_overage_prices(backend: Backend) {
    let app = spawn_app(backend).await;
    let plans = app.read("/api/portal/plans").await;
    let overage: BTreeMap<String, Value> = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["plan_id"].as_str().unwrap().to_owned(),
                p["overage"].clone(),
            )
        })
        .collect();
    // The demo values of §10: a conversation, an e-mail, a seat for a month.
    assert_eq!(
        overage["basic"],
        json!({"ai_chat": "0.08", "email": "0.05", "agent_seats": "129.00"})
    );
    assert_eq!(
        overage["pro"],
        json!({"ai_chat": "0.05", "email": "0.03", "agent_seats": "99.00"})
    );
    assert_eq!(
        overage["enterprise"],
        json!({"ai_chat": "0.03", "email": "0.02", "agent_seats": "79.00"})
    );
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// The previous month, which the demo customer spent wholly on `pro` (10,000
/// conversations, 1,000 e-mails, 5 seats; 0.05 / 0.03 / 99.00 beyond).
async fn usage_beyond_the_plan_is_counted_and_priced(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = today().with_day(1).unwrap();
    let last_month_end = first.pred_opt().unwrap();
    let month = last_month_end.format("%Y-%m").to_string();
    let days = last_month_end.day();
    // Enough conversations on one day to pass the quota.
    let day = NaiveDate::from_ymd_opt(last_month_end.year(), last_month_end.month(), 10).unwrap();
    let event = |id: &str, product: &str, count: i64, hour: u32| {
        json!({
            "event_id": id,
            "customer_id": "cust_demo",
            "product": product,
            "count": count,
            "occurred_at": format!("{day}T{hour:02}:00:00Z"),
        })
    };
    let conversations = event("overage-test-1", "ai_chat", 12_345, 4);
    // Eight seats in use one day: three beyond pro's five.
    let seats_used = event("overage-test-2", "agent_seats", 8, 5);
    let resp = app
        .post_json(
            "/api/internal/usage",
            &app.service_token(),
            &json!({"events": [conversations, seats_used]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let overview = app.read(&format!("/api/portal/usage?month={month}")).await;
    let detail = app
        .read(&format!(
            "/api/portal/usage/detail?from={month}-01&to={last_month_end}"
        ))
        .await;
    let items = detail["items"].as_array().unwrap();
    let of = |p: &'static str| items.iter().filter(move |i| i["product"] == p);

    // Conversations: the whole month on pro includes 10,000.
    let ai = product(&overview, "ai_chat");
    let used: i64 = of("ai_chat").map(|i| i["count"].as_i64().unwrap()).sum();
    assert_eq!(ai["used"], used);
    assert_eq!(ai["included"], 10_000);
    assert_eq!(ai["overage_units"], used - 10_000);
    assert_eq!(
        dec(&ai["overage_amount"]),
        Decimal::from(used - 10_000) * Decimal::new(5, 2)
    );

    // Seats: each day's seats beyond 5, at 99.00 a seat-month, divided by the month's days.
    let seats = product(&overview, "agent_seats");
    let seat_days: i64 = of("agent_seats")
        .map(|i| (i["count"].as_i64().unwrap() - 5).max(0))
        .sum();
    assert!(seat_days >= 3, "{seat_days} seat-days beyond pro");
    assert_eq!(seats["included"], 5);
    assert_eq!(seats["overage_units"], seat_days);
    let exact = Decimal::from(seat_days) * Decimal::new(9_900, 2) / Decimal::from(days);
    assert_eq!(
        dec(&seats["overage_amount"]),
        exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    );

    // E-mails within the quota: nothing beyond.
    let email = product(&overview, "email");
    assert_eq!(email["included"], 1_000);
    assert_eq!(email["overage_units"], 0);
    assert_eq!(email["overage_amount"], "0.00");
}
