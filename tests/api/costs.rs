//! Cost analysis (费用分析, contract §16) through the real server: each month's fees,
//! overage, adjustments, credits and tax add up to its total, which is what the month's
//! invoices and credit notes charge; scoped by the token; `months` outside 1–24 is 422.

use chrono::{Datelike, Days, Months};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app, today};
use crate::on_both_databases;
use portal_http::TokenRole;

on_both_databases!(a_months_costs_add_up_to_what_its_documents_charge,);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, not {v}"))
        .parse()
        .unwrap()
}

async fn a_months_costs_add_up_to_what_its_documents_charge(backend: Backend) {
    let app = spawn_app(backend).await;
    // This month invoiced at once, then cut short after ten days: an invoice and a
    // credit note, both concerning this month.
    let first = today().with_day(1).unwrap();
    let (from, year) = (first.to_string(), (first + Months::new(12)).to_string());
    app.add_customer("cust_costs").await;
    app.subscribe("cust_costs", "pro", &from, &year).await;
    let tenth = (first + Days::new(9)).to_string();
    app.subscribe("cust_costs", "pro", &from, &tenth).await;
    let token = app.token("cust_costs", TokenRole::Member);
    let invoices = app.read_as("/api/portal/invoices", &token).await;
    let notes = app.read_as("/api/portal/credit-notes", &token).await;
    let invoice = app
        .read_as(
            &format!(
                "/api/portal/invoices/{}",
                invoices["invoices"][0]["invoice_id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    let credited = dec(&notes["credit_notes"][0]["amount"]);

    let costs = app.read_as("/api/portal/costs?months=3", &token).await;
    assert_eq!(costs["currency"], "CNY");
    let months = costs["months"].as_array().unwrap();
    assert_eq!(months.len(), 3, "{costs}");
    let this = &months[2];
    assert_eq!(this["month"], first.format("%Y-%m").to_string());
    assert_eq!(months[0]["total"], "0.00", "nothing before: {costs}");

    // What the month cost is what its documents charge: the invoice less the credit.
    assert_eq!(dec(&this["total"]), dec(&invoice["amount"]) - credited);
    assert_eq!(dec(&this["fees"]), dec(&invoice["net_amount"]));
    assert!(dec(&this["credits"]) < Decimal::ZERO, "{this}");
    // …and its parts add up to it, to the fen.
    for m in months {
        let overage: Decimal = m["overage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| dec(&p["amount"]))
            .sum();
        let parts = dec(&m["fees"])
            + overage
            + dec(&m["adjustments"])
            + dec(&m["credits"])
            + dec(&m["tax"]);
        assert_eq!(parts, dec(&m["total"]), "{m}");
    }
    let products: Vec<&str> = this["overage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert_eq!(products.len(), 3, "every product listed: {products:?}");
    assert_eq!(
        dec(&this["change"]),
        dec(&this["total"]) - dec(&months[1]["total"])
    );
    assert_eq!(
        this["change_percent"],
        Value::Null,
        "the month before cost nothing"
    );

    // Twelve months by default, ending with this one.
    let default = app.read_as("/api/portal/costs", &token).await;
    assert_eq!(default["months"].as_array().unwrap().len(), 12);
    assert_eq!(default["months"][11]["month"], this["month"]);

    // Scoped by the token: another customer's months do not hold these documents.
    let other = app
        .read_as("/api/portal/costs?months=1", &app.member())
        .await;
    assert_ne!(other["months"][0]["total"], this["total"]);

    for bad in ["0", "25", "twelve", "-1"] {
        let resp = app
            .get(&format!("/api/portal/costs?months={bad}"), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "months={bad}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"]["fields"]["months"].is_string(), "{body}");
    }
}
