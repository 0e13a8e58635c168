//! The billing model of contract §9 end to end: charges follow the subscription's
//! timeline whatever the order of runs and changes; a paid upgrade removes a scheduled
//! downgrade; partial months pay for the days served; the business calendar decides the
//! day of a usage event; account edits honour `If-Match`; payments are kept.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app, today};
use crate::on_both_databases;
use portal_http::TokenRole;

on_both_databases!(
    a_mid_month_upgrade_costs_the_same_whether_billed_before_or_after,
    a_paid_upgrade_removes_the_scheduled_downgrade,
    partial_months_pay_for_the_days_served,
    usage_days_follow_the_shanghai_calendar,
    stale_if_match_is_refused_and_changes_nothing,
    payments_are_checked_and_kept,
);

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.post_json(path, token, body).send().await.unwrap()
}

async fn ok(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A new customer on `plan` from `start` to `end`.
async fn provision(app: &TestApp, id: &str, plan: &str, start: NaiveDate, end: NaiveDate) {
    let svc = app.service_token();
    let path = format!("/api/internal/customers/{id}");
    let body = json!({"company_name": "测试公司", "contact_name": "王五", "contact_email": "w@example.com"});
    ok(app.put_json(&path, &svc, &body).send().await.unwrap()).await;
    let body =
        json!({"plan_id": plan, "start_date": start.to_string(), "end_date": end.to_string()});
    ok(app
        .put_json(&format!("{path}/subscription"), &svc, &body)
        .send()
        .await
        .unwrap())
    .await;
}

/// The sum of `customer`'s invoice lines whose days belong to `period`.
async fn invoiced(app: &TestApp, customer: &str, period: &str) -> Decimal {
    let token = app.token(customer, TokenRole::Member);
    let list = ok(app
        .get("/api/portal/invoices", &token)
        .send()
        .await
        .unwrap())
    .await;
    let mut sum = Decimal::ZERO;
    for i in list["invoices"].as_array().unwrap() {
        let path = format!("/api/portal/invoices/{}", i["invoice_id"].as_str().unwrap());
        let invoice = ok(app.get(&path, &token).send().await.unwrap()).await;
        for line in invoice["lines"].as_array().unwrap() {
            if line["period"] == period {
                sum += line["amount"].as_str().unwrap().parse::<Decimal>().unwrap();
            }
        }
    }
    sum
}

/// The customer of [`subscription_without_invoice`].
const UNBILLED: &str = "cust_bulk_1000001";

/// A customer on `pro` from `start` to `end` as an earlier version stored it: no
/// invoice of the current period (`scripts/sql/fill-subscriptions.sql`, one customer).
async fn subscription_without_invoice(app: &TestApp, start: NaiveDate, end: NaiveDate) {
    use sea_orm::ConnectionTrait;
    let sql = include_str!("../../scripts/sql/fill-subscriptions.sql")
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("{{N}}", "1")
        .replace("{{PLAN}}", "pro")
        .replace("{{START}}", &start.to_string())
        .replace("{{END}}", &end.to_string());
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    for statement in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
        db.execute_unprepared(statement).await.unwrap();
    }
    db.close().await.unwrap();
}

/// `price × days / days_in_month` in fen, half up: the oracle of one segment.
fn part(price_fen: i64, days: i64, month_days: i64) -> i64 {
    (2 * price_fen * days + month_days) / (2 * month_days)
}

fn month_days(d: NaiveDate) -> i64 {
    let first = d.with_day(1).unwrap();
    ((first + Months::new(1)) - first).num_days()
}

async fn a_mid_month_upgrade_costs_the_same_whether_billed_before_or_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = today();
    let first = today.with_day(1).unwrap();
    let period = today.format("%Y-%m").to_string();
    let end = first + Months::new(6);
    provision(&app, "cust_run_first", "pro", first, end).await;
    let upgrade = |id: &'static str| {
        let token = app.token(id, TokenRole::Admin);
        let app = &app;
        async move {
            ok(post(
                app,
                "/api/portal/subscription/upgrade",
                &token,
                &json!({"plan_id": "enterprise"}),
            )
            .await)
            .await
        }
    };
    // Provisioned, the month is invoiced at once (the run adds nothing); upgraded
    // afterwards, the upgrade invoices the difference.
    assert_eq!(app.billing_run(&period).await["created"], 0);
    let charged = upgrade("cust_run_first").await;
    assert_eq!(charged["invoice"]["kind"], "adjustment");
    // A subscription stored before periods were invoiced from their start, its month
    // not invoiced yet: the upgrade's preview is the month's invoice under the new
    // timeline (never ¥0.00), and the upgrade issues exactly that.
    subscription_without_invoice(&app, first, end).await;
    let token = app.token(UNBILLED, TokenRole::Admin);
    let preview = app
        .read_as(
            "/api/portal/subscription/upgrade/preview?plan_id=enterprise",
            &token,
        )
        .await;
    let not_yet = upgrade(UNBILLED).await;
    assert_eq!(not_yet["invoice"]["kind"], "subscription");
    assert_eq!(not_yet["invoice"]["amount"], preview["amount"]);
    assert_eq!(not_yet["invoice"]["lines"], preview["lines"]);
    assert_eq!(app.billing_run(&period).await["created"], 0);

    let n = month_days(today);
    let before = i64::from(today.day()) - 1;
    let oracle = part(99_900, before, n) + part(299_900, n - before, n);
    let expected = Decimal::new(oracle, 2);
    assert_eq!(invoiced(&app, "cust_run_first", &period).await, expected);
    assert_eq!(invoiced(&app, UNBILLED, &period).await, expected);
    assert_eq!(
        preview["amount"].as_str(),
        Some(expected.to_string().as_str())
    );
    // Runs repeated later change nothing.
    let again = app.billing_run(&period).await;
    assert_eq!(again["created"], 0);
    assert_eq!(invoiced(&app, "cust_run_first", &period).await, expected);
}

async fn a_paid_upgrade_removes_the_scheduled_downgrade(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin();
    let scheduled = ok(post(
        &app,
        "/api/portal/subscription/downgrade",
        &admin,
        &json!({"plan_id": "basic"}),
    )
    .await)
    .await;
    assert_eq!(scheduled["scheduled_change"]["plan_id"], "basic");
    let upgraded = ok(post(
        &app,
        "/api/portal/subscription/upgrade",
        &admin,
        &json!({"plan_id": "enterprise"}),
    )
    .await)
    .await;
    assert_eq!(upgraded["subscription"]["scheduled_change"], Value::Null);
    let segments = upgraded["subscription"]["segments"].as_array().unwrap();
    assert_eq!(segments.last().unwrap()["plan_id"], "enterprise");

    // The next period is billed, and served, as enterprise.
    let next = (today().with_day(1).unwrap() + Months::new(1))
        .format("%Y-%m")
        .to_string();
    app.billing_run(&next).await;
    assert_eq!(
        invoiced(&app, "cust_demo", &next).await,
        Decimal::new(299_900, 2)
    );
    let log = app.read("/api/portal/audit-log").await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "subscription.downgrade_removed",
            "subscription.upgraded",
            "subscription.downgrade_scheduled"
        ]
    );
    assert_eq!(entries[0]["details"]["after"]["reason"], "upgrade");
    assert_eq!(entries[0]["details"]["before"]["plan_id"], "basic");
}

async fn partial_months_pay_for_the_days_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    // From 20 March to 10 May: 12 of 31 days, April whole, 10 of 31 days.
    provision(&app, "cust_partial", "pro", d(3, 20), d(5, 10)).await;
    for period in ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"] {
        app.billing_run(period).await;
    }
    let amounts = [
        ("2026-02", 0),
        ("2026-03", part(99_900, 12, 31)),
        ("2026-04", 99_900),
        ("2026-05", part(99_900, 10, 31)),
        ("2026-06", 0),
    ];
    for (period, fen) in amounts {
        assert_eq!(
            invoiced(&app, "cust_partial", period).await,
            Decimal::new(fen, 2),
            "{period}"
        );
    }
    assert_eq!(part(99_900, 12, 31), 38_671, "999 × 12 / 31 = 386.709…");
}

async fn usage_days_follow_the_shanghai_calendar(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    // 16:30 UTC on 31 January is 00:30 on 1 February in Shanghai.
    let batch = json!({"events": [
        {"event_id": "late-night", "customer_id": "cust_demo", "product": "email", "count": 7, "occurred_at": "2001-01-31T16:30:00Z"},
        {"event_id": "before-midnight", "customer_id": "cust_demo", "product": "email", "count": 5, "occurred_at": "2001-01-31T15:59:59Z"},
    ]});
    ok(post(&app, "/api/internal/usage", &svc, &batch).await).await;
    let detail = app
        .read("/api/portal/usage/detail?from=2001-01-31&to=2001-02-01&product=email")
        .await;
    assert_eq!(
        detail["items"],
        json!([
            {"date": "2001-01-31", "product": "email", "count": 5},
            {"date": "2001-02-01", "product": "email", "count": 7}
        ])
    );
    let february = app.read("/api/portal/usage?month=2001-02").await;
    assert_eq!(crate::helpers::product(&february, "email")["used"], 7);
}

async fn stale_if_match_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin();
    let first = app.get("/api/portal/account", &admin).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    // Two admins read the same version; the first edit wins.
    let edit = |name: &str| json!({"contact_name": name});
    let a = app
        .put_json("/api/portal/account", &admin, &edit("甲"))
        .header("If-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    let newer = a.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(newer, etag);
    let b = app
        .put_json("/api/portal/account", &admin, &edit("乙"))
        .header("If-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_error(b, 412, "precondition_failed").await;
    let now = app.read("/api/portal/account").await;
    assert_eq!(now["contact_name"], "甲", "the stale edit changed nothing");
    // With the current tag it goes through; without If-Match too (last write wins).
    let c = app
        .put_json("/api/portal/account", &admin, &edit("丙"))
        .header("If-Match", &newer)
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), 200);
}

async fn payments_are_checked_and_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.service_token();
    let list = app.read("/api/portal/invoices").await;
    let pending = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] != "paid")
        .unwrap()
        .clone();
    let id = pending["invoice_id"].as_str().unwrap();
    let path = format!("/api/internal/invoices/{id}/paid");
    let wrong = post(
        &app,
        &path,
        &svc,
        &json!({"amount": "1.00", "reference": "BANK-1"}),
    )
    .await;
    let body = assert_error(wrong, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["amount"].is_string());
    let unchanged = app.read(&format!("/api/portal/invoices/{id}")).await;
    assert_eq!(unchanged["status"], pending["status"]);
    assert_eq!(unchanged["payments"], json!([]));

    let paid_at = "2026-11-20T02:00:00Z";
    let body = json!({"amount": pending["amount"], "reference": "BANK-1", "paid_at": paid_at});
    let paid = ok(post(&app, &path, &svc, &body).await).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(
        paid["payments"],
        json!([{"amount": pending["amount"], "reference": "BANK-1", "paid_at": paid_at}])
    );
    // The same report again answers it unchanged; another reference is a conflict.
    let again = ok(post(&app, &path, &svc, &body).await).await;
    assert_eq!(again, paid);
    let other = post(&app, &path, &svc, &json!({"reference": "BANK-2"})).await;
    assert_error(other, 409, "conflict").await;
    let seen = app.read(&format!("/api/portal/invoices/{id}")).await;
    assert_eq!(seen["payments"].as_array().unwrap().len(), 1);
    let log = app.read("/api/portal/audit-log").await;
    assert_eq!(log["entries"][0]["action"], "invoice.paid");
    assert_eq!(log["entries"][0]["details"]["after"]["reference"], "BANK-1");
}
