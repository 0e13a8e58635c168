//! VAT on every money document (contract §14), through the API on SQLite, PostgreSQL and
//! PostgreSQL with Redis: each line's rate, net and tax; each document's sums and its
//! breakdown per rate; the total in capital numerals; the catalogue's rates and their
//! checks. Each figure is recomputed here from the line's amount and rate.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    every_money_document_carries_its_tax,
    a_period_on_two_rates_is_broken_down_per_rate,
    a_bad_tax_rate_is_refused_and_changes_nothing,
    usage_billed_at_one_rate_is_taken_back_at_it,
);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, not {v}"))
        .parse()
        .unwrap()
}

/// `amount × rate / (1 + rate)` to the fen, half away from zero (§14).
fn tax_of(amount: Decimal, rate: Decimal) -> Decimal {
    (amount * rate / (Decimal::ONE + rate))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Checks `doc`'s lines (under `lines`) and its sums (`prefix` + `net_amount`, …): each
/// line's tax as recomputed, net + tax = amount, the document's net and tax the sums of
/// its lines', its breakdown one entry per rate adding up. Returns the breakdown's rates.
fn check(doc: &Value, lines: &str, prefix: &str) -> Vec<String> {
    let mut per_rate: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
    for line in doc[lines].as_array().unwrap() {
        let (amount, rate) = (dec(&line["amount"]), dec(&line["tax_rate"]));
        let (net, tax) = (dec(&line["net_amount"]), dec(&line["tax_amount"]));
        assert_eq!(tax, tax_of(amount, rate), "{line}");
        assert_eq!(net + tax, amount, "{line}");
        let sums = per_rate
            .entry(line["tax_rate"].as_str().unwrap().to_owned())
            .or_default();
        for (sum, value) in sums.iter_mut().zip([net, tax, amount]) {
            *sum += value;
        }
    }
    let field = |name: &str| doc[format!("{prefix}{name}")].clone();
    let all = per_rate.values().fold([Decimal::ZERO; 3], |acc, r| {
        [acc[0] + r[0], acc[1] + r[1], acc[2] + r[2]]
    });
    assert_eq!(dec(&field("net_amount")), all[0], "net of {doc}");
    assert_eq!(dec(&field("tax_amount")), all[1], "tax of {doc}");
    let amount = if prefix.is_empty() {
        "amount"
    } else {
        "projected_amount"
    };
    assert_eq!(dec(&doc[amount]), all[2], "amount of {doc}");
    let rates: Vec<Decimal> = field("tax_breakdown")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| dec(&r["tax_rate"]))
        .collect();
    assert!(
        rates.windows(2).all(|w| w[0] < w[1]),
        "lowest rate first: {rates:?}"
    );
    let breakdown: BTreeMap<String, [Decimal; 3]> = field("tax_breakdown")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let sums = [&r["net_amount"], &r["tax_amount"], &r["amount"]].map(dec);
            assert_eq!(sums[0] + sums[1], sums[2], "{r}");
            (r["tax_rate"].as_str().unwrap().to_owned(), sums)
        })
        .collect();
    assert_eq!(breakdown, per_rate, "breakdown of {doc}");
    per_rate.into_keys().collect()
}

async fn every_money_document_carries_its_tax(backend: Backend) {
    let app = spawn_app(backend).await;
    // The OpenAPI document describes every new member (and schemathesis holds the
    // answers to it).
    let doc = app.openapi().await;
    let schemas = &doc["components"]["schemas"];
    let totals = [
        "net_amount",
        "tax_amount",
        "tax_breakdown",
        "amount_in_words",
    ];
    for (schema, members) in [
        ("Plan", &["tax_rate"][..]),
        ("InvoiceLine", &["tax_rate", "net_amount", "tax_amount"][..]),
        ("Invoice", &totals[..]),
        ("UpgradePreview", &totals[..]),
        ("UpcomingBill", &totals[..]),
        ("FapiaoRequest", &totals[..]),
        (
            "TaxBreakdownEntry",
            &["tax_rate", "net_amount", "tax_amount", "amount"][..],
        ),
    ] {
        for member in members {
            let described = &schemas[schema]["properties"][member]["description"];
            assert!(described.is_string(), "{schema}.{member} undocumented");
        }
    }
    let internal = app.internal_openapi().await;
    assert!(internal["paths"]["/api/internal/plans/{plan_id}"]["put"].is_object());
    let plans = app.read("/api/portal/plans").await;
    for plan in plans["plans"].as_array().unwrap() {
        assert_eq!(plan["tax_rate"], "0.06", "{plan}");
    }

    let list = app.read("/api/portal/invoices?limit=200").await;
    let mut seen_pro_month = false;
    for summary in list["invoices"].as_array().unwrap() {
        let id = summary["invoice_id"].as_str().unwrap();
        let invoice = app.read(&format!("/api/portal/invoices/{id}")).await;
        assert_eq!(check(&invoice, "lines", ""), ["0.06"], "{invoice}");
        if invoice["amount"] == "999.00" {
            // 999 × 0.06 / 1.06 = 56.547…
            assert_eq!(
                (&invoice["net_amount"], &invoice["tax_amount"]),
                (&json!("942.45"), &json!("56.55"))
            );
            assert_eq!(invoice["amount_in_words"], "玖佰玖拾玖元整");
            seen_pro_month = true;
        }
    }
    assert!(seen_pro_month, "the demo bills a pro month: {list}");

    let preview = app
        .read("/api/portal/subscription/upgrade/preview?plan_id=enterprise")
        .await;
    assert_eq!(check(&preview, "lines", ""), ["0.06"], "{preview}");
    assert!(dec(&preview["tax_amount"]) > Decimal::ZERO, "{preview}");

    let upcoming = app.read("/api/portal/billing/upcoming").await;
    check(&upcoming, "lines", "");
    check(&upcoming, "projected_lines", "projected_");
    assert!(
        upcoming["amount_in_words"]
            .as_str()
            .unwrap()
            .ends_with(['整', '角', '分'])
    );

    // A fapiao request states its invoices' net and tax (§14, §12).
    super::fapiao::save_profile(&app, &super::fapiao::company()).await;
    let paid = super::fapiao::paid_invoices(&app).await;
    let resp = app
        .post_json(
            "/api/portal/fapiao/requests",
            &app.admin(),
            &json!({"invoice_ids": &paid[..2], "kind": "special"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let request: Value = resp.json().await.unwrap();
    let mut lines = Vec::new();
    for id in &paid[..2] {
        let invoice = app.read(&format!("/api/portal/invoices/{id}")).await;
        lines.extend(invoice["lines"].as_array().unwrap().iter().cloned());
    }
    let covered = json!({"lines": lines, "amount": request["amount"],
        "net_amount": request["net_amount"], "tax_amount": request["tax_amount"],
        "tax_breakdown": request["tax_breakdown"]});
    assert_eq!(check(&covered, "lines", ""), ["0.06"]);
    let listed = app.read("/api/portal/fapiao/requests").await;
    assert_eq!(
        listed["requests"][0]["tax_breakdown"],
        request["tax_breakdown"]
    );
}

/// The demo catalogue's enterprise plan, at `rate`.
fn enterprise(rate: &str) -> Value {
    json!({"name": "企业版", "price": "2999.00",
        "features": {"ai_chat_quota": 50000, "agent_seats": 20, "email_quota": 5000},
        "overage": {"ai_chat": "0.03", "email": "0.02", "agent_seats": "79.00"},
        "tax_rate": rate})
}

async fn put_plan(app: &TestApp, id: &str, body: &Value) -> reqwest::Response {
    app.put_json(
        &format!("/api/internal/plans/{id}"),
        &app.service_token(),
        body,
    )
    .send()
    .await
    .unwrap()
}

/// The demo admin's upgrade to enterprise at its preview's date: (preview, answer).
async fn upgrade_to_enterprise(app: &TestApp) -> (Value, Value) {
    let preview = app
        .read("/api/portal/subscription/upgrade/preview?plan_id=enterprise")
        .await;
    let body = json!({"plan_id": "enterprise", "proration_date": preview["proration_date"]});
    let resp = app
        .post_json("/api/portal/subscription/upgrade", &app.admin(), &body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    (preview, resp.json().await.unwrap())
}

async fn a_period_on_two_rates_is_broken_down_per_rate(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = put_plan(&app, "enterprise", &enterprise("0.13")).await;
    assert_eq!(resp.status(), 200);
    let plan: Value = resp.json().await.unwrap();
    assert_eq!(plan["tax_rate"], "0.13");
    let plans = app.read("/api/portal/plans").await;
    let rates: BTreeMap<&str, &str> = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["plan_id"].as_str().unwrap(),
                p["tax_rate"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rates["enterprise"], "0.13");
    assert_eq!(rates["pro"], "0.06");

    // Mid-month from pro (6 %) to enterprise (13 %): the pro month is taken back at 6 %,
    // its days so far and enterprise's rest are charged each at its own rate.
    let (preview, upgraded) = upgrade_to_enterprise(&app).await;
    assert_eq!(check(&preview, "lines", ""), ["0.06", "0.13"], "{preview}");
    let id = upgraded["invoice"]["invoice_id"].as_str().unwrap();
    let invoice = app.read(&format!("/api/portal/invoices/{id}")).await;
    assert_eq!(check(&invoice, "lines", ""), ["0.06", "0.13"], "{invoice}");
    assert_eq!(invoice["tax_breakdown"], preview["tax_breakdown"]);
    for line in invoice["lines"].as_array().unwrap() {
        let expected = if line["plan_id"] == "enterprise" {
            "0.13"
        } else {
            "0.06"
        };
        assert_eq!(line["tax_rate"], expected, "{line}");
    }
    // Invoices issued before keep the rate they were issued with.
    let list = app.read("/api/portal/invoices?limit=200").await;
    for summary in list["invoices"].as_array().unwrap() {
        let other = summary["invoice_id"].as_str().unwrap();
        if other != id {
            let old = app.read(&format!("/api/portal/invoices/{other}")).await;
            assert_eq!(check(&old, "lines", ""), ["0.06"], "{old}");
        }
    }

    // The PDF shows both rates, the tax columns and the total in words.
    let text = super::pdf::pdf_text(&app, id).await;
    for expected in ["税率", "税额", "价税合计", "6%", "13%"] {
        assert!(text.contains(expected), "{expected:?} missing in {text}");
    }
    let words = invoice["amount_in_words"].as_str().unwrap();
    assert!(text.contains(words), "{words} missing in {text}");

    // A later change of pro's rate changes nothing issued: every old line keeps its rate.
    let mut pro = enterprise("0.09");
    pro["name"] = json!("专业版");
    pro["price"] = json!("999.00");
    pro["features"] = json!({"ai_chat_quota": 10000, "agent_seats": 5, "email_quota": 1000});
    pro["overage"] = json!({"ai_chat": "0.05", "email": "0.03", "agent_seats": "99.00"});
    assert_eq!(put_plan(&app, "pro", &pro).await.status(), 200);
    for summary in list["invoices"].as_array().unwrap() {
        let id = summary["invoice_id"].as_str().unwrap();
        let again = app.read(&format!("/api/portal/invoices/{id}")).await;
        for line in again["lines"].as_array().unwrap() {
            let issued = if line["plan_id"] == "enterprise" {
                "0.13"
            } else {
                "0.06"
            };
            assert_eq!(line["tax_rate"], issued, "{line}");
        }
    }
}

async fn a_bad_tax_rate_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.read("/api/portal/plans").await;
    for bad in ["0.25", "0.2001", "-0.01", "0.06251", "6%", ""] {
        let resp = put_plan(&app, "enterprise", &enterprise(bad)).await;
        let body = assert_error(resp, 422, "validation_failed").await;
        assert!(
            body["error"]["fields"]["tax_rate"].is_string(),
            "{bad}: {body}"
        );
        let resp = put_plan(&app, "galactic", &enterprise(bad)).await;
        assert_error(resp, 422, "validation_failed").await;
    }
    // Only the platform's services write the catalogue.
    let resp = app
        .put_json(
            "/api/internal/plans/enterprise",
            &app.admin(),
            &enterprise("0.13"),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "forbidden").await;
    // A rate is required.
    let mut without = enterprise("0.06");
    without.as_object_mut().unwrap().remove("tax_rate");
    let resp = put_plan(&app, "enterprise", &without).await;
    let body = assert_error(resp, 422, "validation_failed").await;
    assert!(
        body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("tax_rate")
    );
    assert_eq!(app.read("/api/portal/plans").await, before);

    // The finest rate allowed, on a new plan.
    let resp = put_plan(&app, "galactic", &enterprise("0.0625")).await;
    assert_eq!(resp.status(), 201);
    let plans = app.read("/api/portal/plans").await;
    let galactic = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == "galactic")
        .cloned()
        .unwrap();
    assert_eq!(galactic["tax_rate"], "0.0625");
}

/// This month's overage, billed early at pro's 6 % by a run of next month, is re-priced by
/// an upgrade to enterprise (13 %): it is taken back at 6 % and what the month owes now is
/// billed at 13 %, so no tax is left over at a rate that owes nothing.
async fn usage_billed_at_one_rate_is_taken_back_at_it(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        put_plan(&app, "enterprise", &enterprise("0.13"))
            .await
            .status(),
        200
    );
    app.chats("tax-chats", 25_000).await;
    let this_month = crate::helpers::today().format("%Y-%m").to_string();
    let next = crate::helpers::today()
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .format("%Y-%m")
        .to_string();
    app.billing_run(&next).await;
    upgrade_to_enterprise(&app).await;
    app.billing_run(&next).await;

    let mut per_rate: BTreeMap<String, Decimal> = BTreeMap::new();
    let list = app.read("/api/portal/invoices?limit=200").await;
    for summary in list["invoices"].as_array().unwrap() {
        let id = summary["invoice_id"].as_str().unwrap();
        let invoice = app.read(&format!("/api/portal/invoices/{id}")).await;
        check(&invoice, "lines", "");
        for line in invoice["lines"].as_array().unwrap() {
            let usage = line["kind"] == "overage" || line["kind"] == "adjustment";
            if usage && line["period"] == this_month.as_str() {
                *per_rate
                    .entry(line["tax_rate"].as_str().unwrap().to_owned())
                    .or_default() += dec(&line["amount"]);
            }
        }
    }
    assert!(
        per_rate.contains_key("0.06"),
        "the overage was billed at 6 %: {per_rate:?}"
    );
    // Nothing is left at 6 %: what pro billed is taken back at 6 %. What the month owes
    // now (under enterprise's larger quota: nothing early in the month, something on its
    // last days) is billed at 13 %, and nowhere else.
    assert_eq!(
        per_rate["0.06"],
        Decimal::ZERO,
        "usage left at 6 %: {per_rate:?}"
    );
    let usage = app.read("/api/portal/usage").await;
    let owed: Decimal = usage["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| dec(&p["overage_amount"]))
        .sum();
    let at_13 = per_rate.get("0.13").copied().unwrap_or_default();
    assert_eq!(at_13, owed, "usage at 13 %: {per_rate:?}, owed {owed}");
    assert!(
        per_rate.keys().all(|r| r == "0.06" || r == "0.13"),
        "{per_rate:?}"
    );
}
