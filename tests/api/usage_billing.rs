//! Contract §10, the bill: month M's usage beyond the plan on month M+1's invoice, late
//! usage as adjustment lines once, and the upcoming bill equal to what the run issues.
//! Each test has a customer of its own on a timeline it sets through the internal API.

use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use portal_http::TokenRole;

use crate::helpers::{Backend, TestApp, spawn_app, today};
use crate::on_both_databases;
use crate::pdf::squashed_text;

on_both_databases!(
    a_month_below_and_above_quota_is_billed_on_the_next_invoice,
    a_mid_month_upgrade_includes_quota_by_segment_and_seats_by_day,
    a_late_event_after_billing_is_one_adjustment_once,
    the_upcoming_bill_is_the_invoice_the_run_then_issues
);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

/// A customer of its own on `plan` for 2026 and 2027.
async fn customer_on(app: &TestApp, id: &str, plan: &str) {
    let service = app.service_token();
    let resp = app
        .put_json(
            &format!("/api/internal/customers/{id}"),
            &service,
            &json!({"company_name": "计费测试", "contact_name": "王五", "contact_email": "w@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    subscribe(app, id, plan, "2026-01-01").await;
}

/// Puts `id` on `plan` from `from` to the end of 2027 (the days before keep theirs).
async fn subscribe(app: &TestApp, id: &str, plan: &str, from: &str) {
    let resp = app
        .put_json(
            &format!("/api/internal/customers/{id}/subscription"),
            &app.service_token(),
            &json!({"plan_id": plan, "start_date": from, "end_date": "2027-12-31"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// Ingests `(event_id, product, count, day)` events for `customer`; returns the report.
async fn ingest(app: &TestApp, customer: &str, events: &[(&str, &str, i64, &str)]) -> Value {
    let events: Vec<Value> = events
        .iter()
        .map(|(id, product, count, day)| {
            json!({"event_id": id, "customer_id": customer, "product": product,
                   "count": count, "occurred_at": format!("{day}T04:00:00Z")})
        })
        .collect();
    let resp = app
        .post_json(
            "/api/internal/usage",
            &app.service_token(),
            &json!({ "events": events }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// `customer`'s invoices, oldest first, each with its lines (in English).
async fn invoices_of(app: &TestApp, customer: &str) -> Vec<Value> {
    let token = app.token(customer, TokenRole::Member);
    let list = app.read_as("/api/portal/invoices?limit=200", &token).await;
    let mut out = Vec::new();
    for summary in list["invoices"].as_array().unwrap().iter().rev() {
        let id = summary["invoice_id"].as_str().unwrap();
        out.push(
            app.read_as(&format!("/api/portal/invoices/{id}?lang=en"), &token)
                .await,
        );
    }
    out
}

fn usage_lines(invoice: &Value) -> Vec<&Value> {
    invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "overage" || l["kind"] == "adjustment")
        .collect()
}

async fn a_month_below_and_above_quota_is_billed_on_the_next_invoice(backend: Backend) {
    let app = spawn_app(backend).await;
    customer_on(&app, "cust_ovr", "pro").await;
    // February within pro's 10,000 conversations; March beyond them and beyond 1,000
    // e-mails.
    ingest(
        &app,
        "cust_ovr",
        &[
            ("f1", "ai_chat", 9_000, "2026-02-10"),
            ("m1", "ai_chat", 6_000, "2026-03-03"),
            ("m2", "ai_chat", 4_500, "2026-03-20"),
            ("m3", "email", 1_200, "2026-03-21"),
        ],
    )
    .await;
    app.billing_run("2026-03").await;
    app.billing_run("2026-04").await;
    let invoices = invoices_of(&app, "cust_ovr").await;
    let march = invoices.iter().find(|i| i["period"] == "2026-03").unwrap();
    assert!(
        usage_lines(march).is_empty(),
        "February within quota: {march}"
    );
    assert_eq!(dec(&march["amount"]), Decimal::new(99_900, 2));

    let april = invoices.iter().find(|i| i["period"] == "2026-04").unwrap();
    let lines = usage_lines(april);
    assert_eq!(
        lines.len(),
        2,
        "one line per product beyond the plan: {april}"
    );
    let ai = lines.iter().find(|l| l["product"] == "ai_chat").unwrap();
    assert_eq!(ai["kind"], "overage");
    assert_eq!(ai["period"], "2026-03");
    assert_eq!(
        (ai["quantity"].as_i64(), ai["used"].as_i64()),
        (Some(500), Some(10_500))
    );
    assert_eq!(ai["included"], 10_000);
    assert_eq!(dec(&ai["unit_price"]), Decimal::new(5, 2));
    assert_eq!(dec(&ai["amount"]), Decimal::new(2_500, 2));
    assert_eq!(
        ai["description"],
        "AI chat overage, 2026-03: 10500 used, 10000 included, 500 beyond × 0.05"
    );
    let email = lines.iter().find(|l| l["product"] == "email").unwrap();
    assert_eq!(dec(&email["amount"]), Decimal::new(600, 2)); // 200 × 0.03
    // April's fee and March's usage: 999.00 + 25.00 + 6.00.
    assert_eq!(dec(&april["amount"]), Decimal::new(103_000, 2));
    // The PDF words the same lines, in Chinese.
    let token = app.token("cust_ovr", TokenRole::Member);
    let id = april["invoice_id"].as_str().unwrap();
    let pdf = app
        .get(&format!("/api/portal/invoices/{id}/pdf?lang=zh"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let text = squashed_text(&pdf.bytes().await.unwrap());
    for words in ["AI对话超额（2026-03）", "已用10500，含10000，超出500×¥0.05"] {
        assert!(text.contains(words), "{words} not in the PDF: {text}");
    }
}

async fn a_mid_month_upgrade_includes_quota_by_segment_and_seats_by_day(backend: Backend) {
    let app = spawn_app(backend).await;
    customer_on(&app, "cust_seg", "pro").await;
    // Pro to 18 March, enterprise from the 19th (31 days: 18 + 13).
    subscribe(&app, "cust_seg", "enterprise", "2026-03-19").await;
    ingest(
        &app,
        "cust_seg",
        &[
            ("c1", "ai_chat", 27_000, "2026-03-25"),
            // 8 seats on pro's 5 (3 beyond), 22 on enterprise's 20 (2 beyond), 4 on pro.
            ("s1", "agent_seats", 8, "2026-03-10"),
            ("s2", "agent_seats", 22, "2026-03-25"),
            ("s3", "agent_seats", 4, "2026-03-11"),
        ],
    )
    .await;
    let token = app.token("cust_seg", TokenRole::Member);
    let overview = app.read_as("/api/portal/usage?month=2026-03", &token).await;
    let ai = crate::helpers::product(&overview, "ai_chat");
    // 10,000 × 18/31 + 50,000 × 13/31 = 26,774.19… → 26,774.
    assert_eq!(ai["included"], 26_774);
    assert_eq!(ai["overage_units"], 226);
    app.billing_run("2026-04").await;
    let invoices = invoices_of(&app, "cust_seg").await;
    let april = invoices.iter().find(|i| i["period"] == "2026-04").unwrap();
    let lines = usage_lines(april);
    let ai = lines.iter().find(|l| l["product"] == "ai_chat").unwrap();
    // Priced by the month's last plan: 226 × 0.03.
    assert_eq!(dec(&ai["amount"]), Decimal::new(678, 2));
    let seats = lines
        .iter()
        .find(|l| l["product"] == "agent_seats")
        .unwrap();
    assert_eq!(seats["quantity"], 5, "seat-days beyond each day's plan");
    // (3 × 99.00 + 2 × 79.00) / 31 = 14.677… → 14.68.
    assert_eq!(dec(&seats["amount"]), Decimal::new(1_468, 2));
    assert!(lines.iter().all(|l| l["product"] != "email"));
}

async fn a_late_event_after_billing_is_one_adjustment_once(backend: Backend) {
    let app = spawn_app(backend).await;
    customer_on(&app, "cust_late", "pro").await;
    ingest(
        &app,
        "cust_late",
        &[("a1", "ai_chat", 10_500, "2026-03-03")],
    )
    .await;
    app.billing_run("2026-04").await;
    // 300 conversations of March arrive after March was billed, and again.
    let late = [("late-1", "ai_chat", 300, "2026-03-30")];
    assert_eq!(ingest(&app, "cust_late", &late).await["accepted"], 1);
    assert_eq!(ingest(&app, "cust_late", &late).await["duplicates"], 1);
    app.billing_run("2026-05").await;
    app.billing_run("2026-05").await;
    app.billing_run("2026-06").await;
    let invoices = invoices_of(&app, "cust_late").await;
    let march: Vec<&Value> = invoices
        .iter()
        .flat_map(usage_lines)
        .filter(|l| l["period"] == "2026-03")
        .collect();
    assert_eq!(
        march.len(),
        2,
        "the overage, then one adjustment: {march:?}"
    );
    let adjustment = march.iter().find(|l| l["kind"] == "adjustment").unwrap();
    assert_eq!(adjustment["quantity"], 300);
    assert_eq!(dec(&adjustment["amount"]), Decimal::new(1_500, 2));
    let may = invoices.iter().find(|i| i["period"] == "2026-05").unwrap();
    assert!(
        usage_lines(may).iter().any(|l| l["kind"] == "adjustment"),
        "on the next invoice: {may}"
    );
    // March's usage lines add up to its whole overage: 800 × 0.05.
    let total: Decimal = march.iter().map(|l| dec(&l["amount"])).sum();
    assert_eq!(total, Decimal::new(4_000, 2));
}

async fn the_upcoming_bill_is_the_invoice_the_run_then_issues(backend: Backend) {
    let app = spawn_app(backend).await;
    customer_on(&app, "cust_next", "pro").await;
    let day = today();
    let this_month = day.format("%Y-%m").to_string();
    ingest(
        &app,
        "cust_next",
        &[("n1", "ai_chat", 10_200, &day.to_string())],
    )
    .await;
    let token = app.token("cust_next", TokenRole::Member);
    let upcoming = app
        .read_as("/api/portal/billing/upcoming?lang=en", &token)
        .await;
    let next = if day.month() == 12 {
        format!("{}-01", day.year() + 1)
    } else {
        format!("{}-{:02}", day.year(), day.month() + 1)
    };
    assert_eq!(upcoming["period"], next);
    // Next month's fee and this month's 200 conversations beyond so far.
    assert_eq!(dec(&upcoming["amount"]), Decimal::new(100_900, 2));
    let ai = upcoming["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product"] == "ai_chat")
        .unwrap();
    assert_eq!(
        (ai["kind"].as_str(), ai["period"].as_str()),
        (Some("overage"), Some(this_month.as_str()))
    );
    // Projected: 10,200 at the month's pace to its end, half up.
    let (elapsed, days) = (i64::from(day.day()), {
        let first_next =
            chrono::NaiveDate::parse_from_str(&format!("{next}-01"), "%Y-%m-%d").unwrap();
        i64::from(first_next.pred_opt().unwrap().day())
    });
    let projected = (2 * 10_200 * days + elapsed) / (2 * elapsed);
    let projected_ai = upcoming["projected_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product"] == "ai_chat")
        .unwrap();
    assert_eq!(projected_ai["quantity"], projected - 10_000);
    assert_eq!(
        dec(&upcoming["projected_amount"]),
        Decimal::new(99_900, 2) + Decimal::from(projected - 10_000) * Decimal::new(5, 2)
    );

    // The run of that period issues exactly these lines.
    // (The run bills the demo customers too.)
    assert!(app.billing_run(&next).await["created"].as_u64() >= Some(1));
    let invoices = invoices_of(&app, "cust_next").await;
    let issued = invoices.iter().find(|i| i["period"] == next).unwrap();
    assert_eq!(issued["lines"], upcoming["lines"]);
    assert_eq!(issued["amount"], upcoming["amount"]);
    // Afterwards the bill to come owes nothing more for that period.
    let after = app.read_as("/api/portal/billing/upcoming", &token).await;
    assert_eq!(after["amount"], "0.00", "{after}");
}
