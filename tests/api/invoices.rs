use chrono::{Datelike, Months};
use portal_http::TokenRole;
use serde_json::Value;

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    invoices_follow_the_demo_data,
    another_customers_invoice_is_not_found
);

async fn invoices_follow_the_demo_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let list = app.read("/api/portal/invoices").await;
    let invoices = list["invoices"].as_array().unwrap();
    let today = crate::helpers::today();
    let month = |back: u32| (today - Months::new(back)).format("%Y%m").to_string();
    let ids: Vec<&str> = invoices
        .iter()
        .map(|i| i["invoice_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            format!("INV{}001", month(0)),
            format!("INV{}001", month(1)),
            format!("INV{}001", month(2)),
            format!("INV{}001", month(3))
        ],
        "newest first, one for the current month and each of the three previous"
    );
    let statuses: Vec<&str> = invoices
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    // Overdue is read from the due date (§15): last month's unpaid invoice, due on the
    // 16th of last month, is overdue though no job has run; this month's is from the 17th.
    assert_eq!(&statuses[1..], ["overdue", "paid", "paid"]);
    let this_month = if today.day() > 16 {
        "overdue"
    } else {
        "pending"
    };
    assert_eq!(statuses[0], this_month);
    for i in invoices {
        assert_eq!(i["amount"], "999.00");
        assert_eq!(i["currency"], "CNY");
    }

    let detail = app.read(&format!("/api/portal/invoices/{}", ids[1])).await;
    assert_eq!(detail["invoice_id"], ids[1]);
    assert_eq!(detail["status"], "overdue");
    let pdf = super::pdf::pdf_text(&app, ids[1]).await;
    assert!(pdf.contains("已逾期"), "the PDF's stamp");
    let period = (today - Months::new(1)).format("%Y-%m").to_string();
    assert_eq!(detail["period"], period);
    assert_eq!(detail["kind"], "subscription");
    let lines = detail["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["quantity"], 1);
    assert_eq!(lines[0]["unit_price"], "999.00");
    assert_eq!(lines[0]["amount"], "999.00");
    // One line per segment, as data, worded in the reader's language (zh by default).
    assert_eq!(lines[0]["kind"], "fee");
    assert_eq!(lines[0]["plan_id"], "pro");
    assert_eq!(lines[0]["period"], period);
    assert_eq!(lines[0]["from"], format!("{period}-01"));
    assert_eq!(lines[0]["days"], lines[0]["days_in_month"]);
    let zh = lines[0]["description"].as_str().unwrap();
    assert!(zh.contains("专业版") && !zh.contains("plan"), "{zh}");
    let en = app
        .get(&format!("/api/portal/invoices/{}", ids[1]), &app.member())
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let en = en["lines"][0]["description"].as_str().unwrap().to_owned();
    assert!(en.contains("pro plan") && !en.contains("专业版"), "{en}");
    let by_query = app
        .read(&format!("/api/portal/invoices/{}?lang=en", ids[1]))
        .await;
    assert_eq!(by_query["lines"][0]["description"], en.as_str());

    let other = app
        .get(
            "/api/portal/invoices",
            &app.token("cust_demo2", TokenRole::Member),
        )
        .send()
        .await
        .unwrap();
    let other: Value = other.json().await.unwrap();
    let theirs = other["invoices"].as_array().unwrap();
    assert_eq!(theirs.len(), 2, "the previous month and the current one");
    assert_eq!(theirs[1]["status"], "paid");
    assert_eq!(theirs[1]["amount"], "299.00");
    assert_eq!(
        theirs[1]["invoice_id"],
        format!("INV{}002", month(1)),
        "numbered after cust_demo's"
    );
}

async fn another_customers_invoice_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let other_token = app.token("cust_demo2", TokenRole::Admin);
    let theirs: Value = app
        .get("/api/portal/invoices", &other_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let their_id = theirs["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();

    for path in [
        format!("/api/portal/invoices/{their_id}"),
        format!("/api/portal/invoices/{their_id}/pdf"),
        "/api/portal/invoices/INV999912999".to_owned(),
        "/api/portal/invoices/..%2F..%2Fetc".to_owned(),
    ] {
        let resp = app.get(&path, &app.admin()).send().await.unwrap();
        let missing = assert_error(resp, 404, "not_found").await;
        assert!(!missing.to_string().contains("cust_demo2"));
    }
    // The owner still sees it.
    let own = app
        .get(&format!("/api/portal/invoices/{their_id}"), &other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}
