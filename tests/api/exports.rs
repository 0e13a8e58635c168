//! Exports for spreadsheets (contract §16) through the real server: the invoices and
//! credit notes of a range of periods and a month's usage, as XLSX (opened back with
//! calamine) and CSV (BOM, headers in the reader's language), scoped by the token; bad
//! ranges and formats are 422 naming the field.

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, Days, Months};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, spawn_app, today};
use crate::on_both_databases;
use portal_http::TokenRole;

on_both_databases!(
    bills_export_with_credit_notes_negative_and_add_up,
    a_months_usage_exports_per_day_with_the_months_overage,
);

async fn bytes(app: &TestApp, path: &str, token: &str, lang: &str) -> Vec<u8> {
    let resp = app
        .get(path, token)
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.bytes().await.unwrap().to_vec()
}

/// The sheet's rows below its header row (the row whose first cell is `first_header`).
fn sheet_rows(xlsx: Vec<u8>, sheet: &str, first_header: &str) -> (Vec<Data>, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let at = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String(first_header.into())))
        .unwrap_or_else(|| panic!("no header row in {rows:?}"));
    (rows[at].clone(), rows[at + 1..].to_vec())
}

fn number(cell: &Data) -> Decimal {
    match cell {
        Data::Float(f) => Decimal::try_from(*f).unwrap().round_dp(2),
        Data::Int(i) => Decimal::from(*i),
        other => panic!("a number, not {other:?}"),
    }
}

async fn bills_export_with_credit_notes_negative_and_add_up(backend: Backend) {
    let app = spawn_app(backend).await;
    // A month invoiced at once, then cut short after ten days: an invoice and a credit note.
    let first = today().with_day(1).unwrap();
    let (from, year) = (first.to_string(), (first + Months::new(12)).to_string());
    app.add_customer("cust_export").await;
    app.subscribe("cust_export", "pro", &from, &year).await;
    let tenth = (first + Days::new(9)).to_string();
    app.subscribe("cust_export", "pro", &from, &tenth).await;
    let token = app.token("cust_export", TokenRole::Member);
    let invoices = app.read_as("/api/portal/invoices", &token).await;
    let notes = app.read_as("/api/portal/credit-notes", &token).await;
    let invoice = &invoices["invoices"][0];
    let note = &notes["credit_notes"][0];
    assert_eq!(invoices["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(notes["credit_notes"].as_array().unwrap().len(), 1);

    let month = first.format("%Y-%m");
    let path = format!("/api/portal/exports/invoices?from={month}&to={month}&format=xlsx");
    let (header, rows) = sheet_rows(bytes(&app, &path, &token, "zh-CN").await, "账单", "单号");
    assert_eq!(header.len(), 12, "{header:?}");
    assert_eq!(header[5], Data::String("不含税金额".into()));
    assert_eq!(rows.len(), 2, "the invoice and the credit note: {rows:?}");
    let by_id = |id: &Value| {
        rows.iter()
            .find(|r| r[0] == Data::String(id.as_str().unwrap().into()))
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    let bill = by_id(&invoice["invoice_id"]);
    let credit = by_id(&note["credit_note_id"]);
    let dec = |v: &Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    assert_eq!(number(&bill[7]), dec(&invoice["amount"]));
    assert_eq!(credit[1], Data::String("贷项通知单".into()));
    assert_eq!(
        number(&credit[7]),
        -dec(&note["amount"]),
        "credited: negative"
    );
    // Net + tax = total on each row; the totals add up to the ten days charged.
    for row in [&bill, &credit] {
        assert_eq!(number(&row[5]) + number(&row[6]), number(&row[7]));
    }
    let charged = number(&bill[7]) + number(&credit[7]);
    let days = i64::from(first.with_day(10).unwrap().day());
    let month_days = ((first + Months::new(1)) - first).num_days();
    assert_eq!(
        charged,
        Decimal::new((2 * 99_900 * days + month_days) / (2 * month_days), 2)
    );

    // CSV: a BOM and the headers in the reader's language.
    let csv = format!("/api/portal/exports/invoices?from={month}&to={month}&format=csv");
    let zh = bytes(&app, &csv, &token, "zh-CN").await;
    assert!(
        zh.starts_with("\u{feff}单号,类型,账期".as_bytes()),
        "{:?}",
        String::from_utf8_lossy(&zh)
    );
    let en = bytes(&app, &csv, &token, "en").await;
    assert!(en.starts_with("\u{feff}Number,Type,Period".as_bytes()));
    assert_eq!(String::from_utf8(en).unwrap().lines().count(), 3);

    // Scoped by the token: the demo's documents are not in another customer's file.
    let demo = bytes(&app, &csv, &app.member(), "en").await;
    assert!(
        !String::from_utf8(demo)
            .unwrap()
            .contains(invoice["invoice_id"].as_str().unwrap())
    );

    // Bad ranges and formats: 422 naming the field.
    app.refused_naming(
        "/api/portal/exports/invoices",
        &token,
        &[
            ("from=2024-01&to=2026-12&format=csv", "from"),
            ("from=2026-12&to=2026-11&format=csv", "from"),
            ("from=2026-13&format=csv", "from"),
            ("format=pdf", "format"),
        ],
    )
    .await;
}

async fn a_months_usage_exports_per_day_with_the_months_overage(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.member();
    let month = today().format("%Y-%m").to_string();
    let overview = app.read_as("/api/portal/usage", &token).await;
    let detail = app
        .read_as(
            &format!(
                "/api/portal/usage/detail?from={}&to={}",
                today().with_day(1).unwrap(),
                today()
            ),
            &token,
        )
        .await;
    let days = detail["items"].as_array().unwrap().len();
    let path = format!("/api/portal/exports/usage?month={month}&format=xlsx");
    let (header, rows) = sheet_rows(bytes(&app, &path, &token, "zh-CN").await, "用量", "日期");
    assert_eq!(header[5], Data::String("超出费用".into()));
    assert_eq!(
        rows.len(),
        days + 3,
        "every product per day, then the month's three"
    );
    for product in overview["products"].as_array().unwrap() {
        let name = match product["product"].as_str().unwrap() {
            "ai_chat" => "AI 对话",
            "email" => "邮件",
            _ => "坐席",
        };
        let total = rows
            .iter()
            .find(|r| r[0] == Data::String("本月合计".into()) && r[1] == Data::String(name.into()))
            .unwrap_or_else(|| panic!("no month row for {name}"));
        assert_eq!(
            number(&total[2]),
            Decimal::from(product["used"].as_i64().unwrap()),
            "{name}"
        );
        assert_eq!(
            number(&total[5]),
            product["overage_amount"]
                .as_str()
                .unwrap()
                .parse::<Decimal>()
                .unwrap(),
            "{name}"
        );
    }
    let csv = bytes(
        &app,
        &format!("/api/portal/exports/usage?month={month}&format=csv"),
        &token,
        "en",
    )
    .await;
    assert!(csv.starts_with("\u{feff}Date,Product,Used,Included".as_bytes()));
    app.refused_naming(
        "/api/portal/exports/usage",
        &token,
        &[
            ("month=2026-13&format=csv", "month"),
            ("month=2026-12&format=ods", "format"),
        ],
    )
    .await;
}
