use chrono::{Datelike, Days};
use serde_json::Value;

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    usage_overview_matches_the_daily_detail,
    usage_detail_checks_its_query
);

async fn usage_overview_matches_the_daily_detail(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = crate::helpers::today();
    let month = today.format("%Y-%m").to_string();
    let overview = app.read("/api/portal/usage").await;
    assert_eq!(
        overview["month"],
        month.as_str(),
        "defaults to the current month"
    );
    let explicit = app.read(&format!("/api/portal/usage?month={month}")).await;
    assert_eq!(explicit, overview);

    let first = today.with_day(1).unwrap();
    let detail = app
        .read(&format!("/api/portal/usage/detail?from={first}&to={today}"))
        .await;
    let items = detail["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        3 * today.day() as usize,
        "every day has every product"
    );
    let of = |p: &'static str| {
        items
            .iter()
            .filter(move |i| i["product"] == p)
            .map(|i| i["count"].as_i64().unwrap())
    };
    let expected = [
        ("ai_chat", of("ai_chat").sum::<i64>(), 10000),
        ("email", of("email").sum::<i64>(), 1000),
        ("agent_seats", of("agent_seats").max().unwrap(), 5),
    ];
    let products = overview["products"].as_array().unwrap();
    assert_eq!(products.len(), 3);
    for (row, (product, used, quota)) in products.iter().zip(expected) {
        assert_eq!(row["product"], product);
        assert_eq!(row["used"], used, "{product}");
        assert_eq!(row["quota"], quota);
        // percent is a number with at most one decimal.
        let percent = row["percent"].as_f64().unwrap();
        let exact = used as f64 * 100.0 / quota as f64;
        assert!(
            (percent - exact).abs() <= 0.05 + 1e-9,
            "{product}: {percent} vs {exact}"
        );
        assert!(((percent * 10.0).round() - percent * 10.0).abs() < 1e-9);
        assert!(matches!(
            row["alert"].as_str(),
            Some("none" | "warning" | "exceeded")
        ));
    }

    // Ordered by date, then product.
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap().to_owned(),
                i["product"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // Another customer's usage is its own.
    let other = app
        .get(
            "/api/portal/usage",
            &app.token("cust_demo2", portal_http::TokenRole::Member),
        )
        .send()
        .await
        .unwrap();
    let other: Value = other.json().await.unwrap();
    assert_eq!(crate::helpers::product(&other, "ai_chat")["quota"], 2000);

    // A month without data reads zero.
    let empty = app.read("/api/portal/usage?month=2001-01").await;
    assert!(
        empty["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["used"] == 0)
    );
}

async fn usage_detail_checks_its_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = crate::helpers::today();
    let week_ago = today - Days::new(6);

    let only_email = app
        .read(&format!(
            "/api/portal/usage/detail?from={week_ago}&to={today}&product=email"
        ))
        .await;
    let items = only_email["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert!(
        items
            .iter()
            .all(|i| i["product"] == "email" && i["count"].as_i64().unwrap() > 0)
    );
    assert_eq!(only_email["from"], week_ago.to_string());

    let year_ago = today - Days::new(365);
    let full_year = app
        .get(
            &format!("/api/portal/usage/detail?from={year_ago}&to={today}"),
            &app.admin(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(full_year.status(), 200, "366 days inclusive is allowed");

    let too_long = today - Days::new(366);
    let cases = [
        (
            format!("from={too_long}&to={today}"),
            422,
            "validation_failed",
        ),
        (
            format!("from={today}&to={week_ago}"),
            422,
            "validation_failed",
        ),
        (
            format!("from={week_ago}&to={today}&product=sms"),
            422,
            "validation_failed",
        ),
        (format!("from=2025-13-01&to={today}"), 400, "bad_request"),
        (format!("from={week_ago}"), 400, "bad_request"),
        ("from=yesterday&to=today".to_owned(), 400, "bad_request"),
    ];
    for (query, status, code) in cases {
        let resp = app
            .get(&format!("/api/portal/usage/detail?{query}"), &app.admin())
            .send()
            .await
            .unwrap();
        assert_error(resp, status, code).await;
    }
    let resp = app
        .get("/api/portal/usage?month=2025-13", &app.admin())
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "bad_request").await;
}
