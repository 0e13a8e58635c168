use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    subscription_and_plans_follow_the_contract,
    upgrade_charges_the_previewed_proration,
    refused_upgrades_change_nothing,
    concurrent_upgrades_leave_one_change_and_one_invoice,
);

/// Independent oracle: this month was invoiced as pro (999.00); from today it is pro for
/// the days before and enterprise for the rest, each rounded half up in fen; the upgrade
/// charges the difference.
fn expected_proration_today() -> String {
    let today = crate::helpers::today();
    let first_next = if today.month() == 12 {
        NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)
    }
    .unwrap();
    let days = i64::from(first_next.pred_opt().unwrap().day());
    let remaining = days - i64::from(today.day()) + 1;
    let part = |price: i64, n: i64| (2 * price * n + days) / (2 * days);
    let fen = part(99_900, days - remaining) + part(299_900, remaining) - 99_900;
    format!("{}.{:02}", fen / 100, fen % 100)
}

async fn subscription_and_plans_follow_the_contract(backend: Backend) {
    let app = spawn_app(backend).await;
    let sub = app.read("/api/portal/subscription").await;
    assert_eq!(sub["plan_id"], "pro");
    assert_eq!(sub["plan_name"], "专业版");
    assert_eq!(sub["status"], "active");
    let start = NaiveDate::parse_from_str(sub["start_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let end = NaiveDate::parse_from_str(sub["end_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let today = crate::helpers::today();
    assert!(start <= today && today <= end);

    let plans = app.read("/api/portal/plans").await;
    let plans = plans["plans"].as_array().unwrap();
    let rows: Vec<(String, String, String, i64, i64, i64)> = plans
        .iter()
        .map(|p| {
            (
                p["plan_id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
                p["price"].as_str().unwrap().to_owned(),
                p["features"]["ai_chat_quota"].as_i64().unwrap(),
                p["features"]["agent_seats"].as_i64().unwrap(),
                p["features"]["email_quota"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("basic", "基础版", "299.00", 2000, 2, 200),
        ("pro", "专业版", "999.00", 10000, 5, 1000),
        ("enterprise", "企业版", "2999.00", 50000, 20, 5000),
    ];
    assert_eq!(rows.len(), 3);
    for (row, exp) in rows.iter().zip(expected) {
        assert_eq!(
            (
                row.0.as_str(),
                row.1.as_str(),
                row.2.as_str(),
                row.3,
                row.4,
                row.5
            ),
            exp
        );
    }
    assert!(
        plans
            .iter()
            .all(|p| p["currency"] == "CNY" && p["period"] == "month")
    );
}

async fn upgrade_charges_the_previewed_proration(backend: Backend) {
    let app = spawn_app(backend).await;
    let preview = app
        .read("/api/portal/subscription/upgrade/preview?plan_id=enterprise")
        .await;
    let expected = expected_proration_today();
    assert_eq!(preview["amount"], expected.as_str());
    assert_eq!(preview["currency"], "CNY");
    assert_eq!(
        preview["proration_date"],
        crate::helpers::today().to_string()
    );

    let resp = app
        .post_json(
            "/api/portal/subscription/upgrade",
            &app.admin(),
            &json!({"plan_id": "enterprise"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["subscription"]["plan_id"], "enterprise");
    assert_eq!(body["subscription"]["plan_name"], "企业版");
    let invoice = &body["invoice"];
    assert_eq!(invoice["amount"], expected.as_str());
    assert_eq!(invoice["status"], "pending");
    let month = crate::helpers::today().format("%Y%m").to_string();
    assert_eq!(
        invoice["invoice_id"],
        format!("INV{month}003"),
        "after the demo's two of this month"
    );
    assert_eq!(invoice["kind"], "adjustment");
    let line_sum: rust_decimal::Decimal = invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        line_sum.to_string(),
        expected,
        "total equals the sum of lines"
    );

    // The change is stored: subscription, invoice list and detail agree.
    assert_eq!(
        app.read("/api/portal/subscription").await["plan_id"],
        "enterprise"
    );
    let list = app.read("/api/portal/invoices").await;
    assert_eq!(list["invoices"][0]["invoice_id"], invoice["invoice_id"]);
    let id = invoice["invoice_id"].as_str().unwrap();
    let detail = app.read(&format!("/api/portal/invoices/{id}")).await;
    assert_eq!(detail["amount"], expected.as_str());
    // Quotas follow the new plan.
    let usage = app.read("/api/portal/usage").await;
    assert_eq!(crate::helpers::product(&usage, "ai_chat")["quota"], 50000);
}

async fn refused_upgrades_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let invoices_before = app.read("/api/portal/invoices").await;
    let cases = [
        (
            app.member(),
            json!({"plan_id": "enterprise"}),
            403,
            "forbidden",
        ),
        (app.admin(), json!({"plan_id": "pro"}), 409, "conflict"),
        (app.admin(), json!({"plan_id": "basic"}), 409, "conflict"),
        (
            app.admin(),
            json!({"plan_id": "platinum"}),
            422,
            "validation_failed",
        ),
        (app.admin(), json!({}), 422, "validation_failed"),
        (
            app.admin(),
            json!({"plan_id": "enterprise", "coupon": "FREE"}),
            422,
            "validation_failed",
        ),
    ];
    for (token, body, status, code) in cases {
        let resp = app
            .post_json("/api/portal/subscription/upgrade", &token, &body)
            .send()
            .await
            .unwrap();
        assert_error(resp, status, code).await;
    }
    assert_eq!(app.read("/api/portal/subscription").await["plan_id"], "pro");
    assert_eq!(app.read("/api/portal/invoices").await, invoices_before);

    let resp = app
        .get(
            "/api/portal/subscription/upgrade/preview?plan_id=basic",
            &app.admin(),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 409, "conflict").await;
    let resp = app
        .get("/api/portal/subscription/upgrade/preview", &app.admin())
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "bad_request").await;
}

async fn concurrent_upgrades_leave_one_change_and_one_invoice(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin();
    let requests = (0..8).map(|_| {
        app.post_json(
            "/api/portal/subscription/upgrade",
            &token,
            &json!({"plan_id": "enterprise"}),
        )
        .send()
    });
    let responses = futures::future::join_all(requests).await;
    let statuses: Vec<u16> = responses
        .iter()
        .map(|r| r.as_ref().unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );

    let month = crate::helpers::today().format("%Y-%m").to_string();
    let invoices = app.read("/api/portal/invoices").await;
    let this_month = invoices["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["period"] == month.as_str())
        .count();
    assert_eq!(this_month, 2, "the month's invoice and one upgrade invoice");
    assert_eq!(
        app.read("/api/portal/subscription").await["plan_id"],
        "enterprise"
    );
}
