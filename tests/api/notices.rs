//! Notifications of receivables (contract §16): an invoice issued, a credit note issued
//! and a payment received each notify the customer, worded in the reader's language and
//! linking to the object; "mark all read" clears them. Scoped by the token.

use chrono::{Datelike, Days, Months};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, today};
use crate::on_both_databases;
use portal_http::TokenRole;

on_both_databases!(bills_credits_and_payments_notify_the_customer,);

async fn notifications(app: &TestApp, token: &str, lang: &str) -> Value {
    let resp = app
        .get("/api/portal/notifications", token)
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn of_kind<'a>(list: &'a Value, kind: &str) -> Vec<&'a Value> {
    list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

async fn bills_credits_and_payments_notify_the_customer(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = today().with_day(1).unwrap();
    let (from, year) = (first.to_string(), (first + Months::new(12)).to_string());
    app.add_customer("cust_note").await;
    app.subscribe("cust_note", "pro", &from, &year).await;
    let token = app.token("cust_note", TokenRole::Admin);
    let invoices = app.read_as("/api/portal/invoices", &token).await;
    let invoice_id = invoices["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The invoice issued at provisioning: one notification, linking to it.
    let zh = notifications(&app, &token, "zh-CN").await;
    let issued = of_kind(&zh, "invoice.issued");
    assert_eq!(issued.len(), 1, "{zh}");
    assert_eq!(issued[0]["link"], format!("/invoices/{invoice_id}"));
    assert_eq!(issued[0]["title"], "新账单已出");
    assert!(issued[0]["body"].as_str().unwrap().contains(&invoice_id));
    assert_eq!(zh["unread"], 1);
    let en = notifications(&app, &token, "en").await;
    assert_eq!(
        of_kind(&en, "invoice.issued")[0]["title"],
        "New bill issued"
    );

    // Cut short after ten days: a credit note, linking to it.
    let tenth = (first + Days::new(9)).to_string();
    app.subscribe("cust_note", "pro", &from, &tenth).await;
    let notes = app.read_as("/api/portal/credit-notes", &token).await;
    let note_id = notes["credit_notes"][0]["credit_note_id"].as_str().unwrap();
    let list = notifications(&app, &token, "zh-CN").await;
    let credited = of_kind(&list, "credit_note.issued");
    assert_eq!(credited.len(), 1, "{list}");
    assert_eq!(credited[0]["link"], format!("/credit-notes/{note_id}"));
    assert!(credited[0]["body"].as_str().unwrap().contains(note_id));

    // A bank transfer received: a notification linking to the statement.
    let resp = app
        .post_json(
            "/api/internal/payments",
            &app.service_token(),
            &json!({"amount": "100.00", "reference": "BANK-NOTE-1", "customer_id": "cust_note"}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let list = notifications(&app, &token, "en").await;
    let paid = of_kind(&list, "payment.received");
    assert_eq!(paid.len(), 1, "{list}");
    assert_eq!(paid[0]["link"], "/statement");
    assert!(paid[0]["body"].as_str().unwrap().contains("BANK-NOTE-1"));
    assert_eq!(list["unread"], 3);

    // Another customer is told nothing of it.
    let demo = notifications(&app, &app.admin(), "en").await;
    assert!(
        of_kind(&demo, "payment.received")
            .iter()
            .all(|n| !n["body"].as_str().unwrap().contains("BANK-NOTE-1"))
    );

    // Mark all read.
    let resp = app
        .post_json("/api/portal/notifications/read-all", &token, &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(notifications(&app, &token, "en").await["unread"], 0);
}
