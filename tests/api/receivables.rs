//! What a customer owes (contract §15), through the API on SQLite, PostgreSQL and
//! PostgreSQL with Redis: a cut-short month becomes a credit note applied at once to the
//! month's invoice; bank transfers matched by id or 汇款识别码, applied earliest due first,
//! recorded once per reference (also when sent 8 at once), the rest kept as credit; bad
//! reports refused with nothing stored; and the account equation after each of them.

use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use portal_http::TokenRole;

use crate::helpers::{Backend, TestApp, assert_error, spawn_app, today};
use crate::on_both_databases;

on_both_databases!(
    a_month_cut_short_is_a_credit_note_applied_at_once,
    a_bank_transfer_pays_the_earliest_due_first_once_per_reference,
    a_bad_payment_is_refused_and_changes_nothing,
);

pub(crate) fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, not {v}"))
        .parse()
        .unwrap()
}

/// A new customer `id` on `plan` from 1 January 2026 to the end of 2027.
async fn customer_on(app: &TestApp, id: &str, plan: &str) {
    app.add_customer(id).await;
    app.subscribe(id, plan, "2026-01-01", "2027-12-31").await;
}

async fn subscribe(app: &TestApp, id: &str, plan: &str, from: &str, to: &str) {
    app.subscribe(id, plan, from, to).await;
}

/// Every invoice and credit note of the token's customer, in full.
async fn documents(app: &TestApp, token: &str) -> (Vec<Value>, Vec<Value>) {
    let mut invoices = Vec::new();
    let list = app.read_as("/api/portal/invoices?limit=200", token).await;
    for s in list["invoices"].as_array().unwrap() {
        let id = s["invoice_id"].as_str().unwrap();
        invoices.push(
            app.read_as(&format!("/api/portal/invoices/{id}"), token)
                .await,
        );
    }
    let mut notes = Vec::new();
    let list = app
        .read_as("/api/portal/credit-notes?limit=200", token)
        .await;
    for s in list["credit_notes"].as_array().unwrap() {
        let id = s["credit_note_id"].as_str().unwrap();
        notes.push(
            app.read_as(&format!("/api/portal/credit-notes/{id}"), token)
                .await,
        );
    }
    (invoices, notes)
}

/// Checks Σ invoices − Σ credit notes − Σ payments = outstanding − credit, the payments
/// being those reported against invoices (§9, the demo's) and `by_transfer`, and that
/// the balance's `outstanding` is the sum of the invoices' `amount_due`; returns the
/// balance.
async fn equation_holds(app: &TestApp, token: &str, by_transfer: Decimal) -> Value {
    let (invoices, notes) = documents(app, token).await;
    let reported: Decimal = invoices
        .iter()
        .flat_map(|i| i["payments"].as_array().unwrap())
        .map(|p| dec(&p["amount"]))
        .sum();
    let paid = reported + by_transfer;
    let balance = app.read_as("/api/portal/balance", token).await;
    let invoiced: Decimal = invoices.iter().map(|i| dec(&i["amount"])).sum();
    let credited: Decimal = notes.iter().map(|n| dec(&n["amount"])).sum();
    let due: Decimal = invoices.iter().map(|i| dec(&i["amount_due"])).sum();
    for i in &invoices {
        assert!(dec(&i["amount_due"]) >= Decimal::ZERO, "{i}");
        assert_eq!(
            dec(&i["amount_paid"]) + dec(&i["amount_due"]),
            dec(&i["amount"]).max(Decimal::ZERO),
            "{i}"
        );
    }
    assert_eq!(dec(&balance["outstanding"]), due, "{balance}");
    assert_eq!(
        invoiced - credited - paid,
        dec(&balance["outstanding"]) - dec(&balance["credit"]),
        "the account equation: {balance}"
    );
    balance
}

pub(crate) async fn pay(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/api/internal/payments", &app.service_token(), &body)
        .send()
        .await
        .unwrap()
}

async fn a_month_cut_short_is_a_credit_note_applied_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let month = today().format("%Y-%m").to_string();
    customer_on(&app, "cust_cn", "pro").await;
    let token = app.token("cust_cn", TokenRole::Admin);
    app.billing_run(&month).await;
    let (invoices, _) = documents(&app, &token).await;
    let bill = invoices
        .iter()
        .find(|i| i["period"] == month.as_str())
        .expect("the month's invoice")
        .clone();
    assert_eq!(bill["amount_due"], bill["amount"], "{bill}");

    // The platform ends the subscription after the month's first day: the rest of the
    // month is credited.
    let first = today().with_day(1).unwrap();
    let end = first.format("%Y-%m-%d").to_string();
    subscribe(&app, "cust_cn", "pro", "2026-01-01", &end).await;
    let (invoices, notes) = documents(&app, &token).await;
    assert_eq!(notes.len(), 1, "one credit note: {notes:?}");
    let note = &notes[0];
    let id = note["credit_note_id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("CN{}", month.replace('-', ""))),
        "numbered as a credit note: {id}"
    );
    assert_eq!(note["status"], "issued");
    assert!(dec(&note["amount"]) > Decimal::ZERO, "{note}");
    assert_eq!(
        dec(&note["net_amount"]) + dec(&note["tax_amount"]),
        dec(&note["amount"]),
        "{note}"
    );
    let bill_id = bill["invoice_id"].as_str().unwrap();
    assert_eq!(note["credits_invoice_ids"], json!([bill_id]), "{note}");
    // No negative invoice: every invoice owes something or nothing.
    assert!(invoices.iter().all(|i| dec(&i["amount"]) >= Decimal::ZERO));
    // Applied at once to the month's bill, which lists it.
    let bill = app
        .read_as(&format!("/api/portal/invoices/{bill_id}"), &token)
        .await;
    assert_eq!(bill["credit_note_ids"], json!([id]), "{bill}");
    let applied = &bill["applications"][0];
    assert_eq!(
        (&applied["source"], &applied["id"]),
        (&json!("credit_note"), &json!(id))
    );
    assert_eq!(dec(&bill["amount_paid"]), dec(&note["amount"]));
    let balance = equation_holds(&app, &token, Decimal::ZERO).await;
    assert_eq!(
        dec(&balance["outstanding"]),
        dec(&bill["amount"]) - dec(&note["amount"])
    );
    assert_eq!(balance["credit"], "0.00");

    // Its PDF is a credit note, and another customer cannot see it.
    let pdf = app
        .get(&format!("/api/portal/credit-notes/{id}/pdf"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let text = super::pdf::squashed_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("贷项通知单") && text.contains(id), "{text}");
    for path in [
        format!("/api/portal/credit-notes/{id}"),
        format!("/api/portal/credit-notes/{id}/pdf"),
        format!("/api/portal/invoices/{id}"),
    ] {
        let other = app.get(&path, &app.member()).send().await.unwrap();
        assert_error(other, 404, "not_found").await;
    }
}

async fn a_bank_transfer_pays_the_earliest_due_first_once_per_reference(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.member();
    let before = equation_holds(&app, &token, Decimal::ZERO).await;
    let code = before["remittance_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert!(!code.contains(['I', 'O']), "{code}");
    assert_eq!(
        app.read_as("/api/portal/balance", &token).await["remittance_code"],
        code.as_str(),
        "stable"
    );
    assert!(before["pay_to"]["account_number"].is_string());
    let outstanding = dec(&before["outstanding"]);
    assert!(outstanding > Decimal::ZERO, "the demo owes: {before}");
    let (invoices, _) = documents(&app, &token).await;
    let mut open: Vec<&Value> = invoices
        .iter()
        .filter(|i| dec(&i["amount_due"]) > Decimal::ZERO)
        .collect();
    open.sort_by_key(|i| {
        (
            i["due_date"].as_str().unwrap().to_owned(),
            i["invoice_id"].as_str().unwrap().to_owned(),
        )
    });

    // More than is owed, by the code written in lower case with a space, as a clerk
    // might type it: every open invoice is paid, earliest due first; the rest is credit.
    let amount = outstanding + Decimal::new(10_000, 2);
    let body = json!({"amount": amount.to_string(), "reference": "CMB-20261206-0001",
                      "remittance_code": format!(" {} ", code.to_lowercase()),
                      "method": "bank_transfer"});
    let resp = pay(&app, body.clone()).await;
    assert_eq!(resp.status(), 201);
    let receipt: Value = resp.json().await.unwrap();
    assert_eq!(receipt["customer_id"], "cust_demo");
    let paid_ids: Vec<&str> = receipt["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["invoice_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = open
        .iter()
        .map(|i| i["invoice_id"].as_str().unwrap())
        .collect();
    assert_eq!(paid_ids, expected, "earliest due first");
    assert_eq!(receipt["credit"], "100.00");
    let after = equation_holds(&app, &token, amount).await;
    assert_eq!(
        (&after["outstanding"], &after["overdue"], &after["credit"]),
        (&json!("0.00"), &json!("0.00"), &json!("100.00"))
    );
    let (invoices, _) = documents(&app, &token).await;
    assert!(
        invoices.iter().all(|i| i["status"] == "paid"),
        "{invoices:?}"
    );

    // The same reference again, and 8 at once: the first answer, nothing changes.
    let again = pay(&app, body.clone()).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["payment_id"], receipt["payment_id"]);
    let concurrent =
        json!({"amount": "50.00", "reference": "CMB-20261206-0002", "customer_id": "cust_demo"});
    let replies = futures::future::join_all((0..8).map(|_| pay(&app, concurrent.clone()))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 200),
        "{statuses:?}"
    );
    let last = equation_holds(&app, &token, amount + Decimal::new(5_000, 2)).await;
    assert_eq!(last["credit"], "150.00");

    // A new bill meets the credit at once: paid ahead for a subscription from next
    // month, the month's invoice is paid from the credit when the run issues it.
    let next = today().with_day(1).unwrap() + chrono::Months::new(1);
    let month = next.format("%Y-%m").to_string();
    let resp = app
        .put_json(
            "/api/internal/customers/cust_prepaid",
            &app.service_token(),
            &json!({"company_name": "预付测试", "contact_name": "赵六", "contact_email": "z@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let (from, to) = (
        next.to_string(),
        (next + chrono::Months::new(12)).to_string(),
    );
    subscribe(&app, "cust_prepaid", "basic", &from, &to).await;
    let prepaid = app.token("cust_prepaid", TokenRole::Member);
    let resp = pay(
        &app,
        json!({"amount": "5000.00", "reference": "CMB-PRE-1", "customer_id": "cust_prepaid"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    app.billing_run(&month).await;
    let (invoices, _) = documents(&app, &prepaid).await;
    assert!(!invoices.is_empty());
    for i in &invoices {
        assert_eq!(i["status"], "paid", "{i}");
        assert_eq!(i["applications"][0]["source"], "credit", "{i}");
    }
    equation_holds(&app, &prepaid, Decimal::new(500_000, 2)).await;
}

async fn a_bad_payment_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.member();
    let before = app.read_as("/api/portal/balance", &token).await;
    let code = before["remittance_code"].as_str().unwrap();
    // One character mistyped: the check character tells it from an unknown code.
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == '2' { '3' } else { '2' };
    let typo: String = typo.into_iter().collect();
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (body, field) in [
        (
            json!({"amount": "0", "reference": "R1", "customer_id": "cust_demo"}),
            "amount",
        ),
        (
            json!({"amount": "-5.00", "reference": "R1", "customer_id": "cust_demo"}),
            "amount",
        ),
        (
            json!({"amount": "1.001", "reference": "R1", "customer_id": "cust_demo"}),
            "amount",
        ),
        (
            json!({"amount": "abc", "reference": "R1", "customer_id": "cust_demo"}),
            "amount",
        ),
        (
            json!({"amount": "10.00", "customer_id": "cust_demo"}),
            "reference",
        ),
        (
            json!({"amount": "10.00", "reference": "R1", "customer_id": "cust_ghost"}),
            "customer_id",
        ),
        (
            json!({"amount": "10.00", "reference": "R1", "remittance_code": typo}),
            "remittance_code",
        ),
        (
            json!({"amount": "10.00", "reference": "R1", "remittance_code": "2345678Z"}),
            "remittance_code",
        ),
        (json!({"amount": "10.00", "reference": "R1"}), "customer_id"),
        (
            json!({"amount": "10.00", "reference": "R1", "customer_id": "cust_demo", "paid_at": future}),
            "paid_at",
        ),
        (
            json!({"amount": "10.00", "reference": "R1", "customer_id": "cust_demo", "method": "cash"}),
            "method",
        ),
    ] {
        let body_text = body.to_string();
        let error = assert_error(pay(&app, body).await, 422, "validation_failed").await;
        assert!(
            error["error"]["fields"][field].is_string(),
            "{body_text}: {error}"
        );
    }
    // A member may not report payments.
    let resp = app
        .post_json(
            "/api/internal/payments",
            &app.admin(),
            &json!({"amount": "10.00", "reference": "R1", "customer_id": "cust_demo"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(app.read_as("/api/portal/balance", &token).await, before);
    // The reference refused is still free.
    let ok = pay(
        &app,
        json!({"amount": "10.00", "reference": "R1", "customer_id": "cust_demo"}),
    )
    .await;
    assert_eq!(ok.status(), 201);
}
