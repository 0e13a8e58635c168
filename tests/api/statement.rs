//! The statement (对账单, contract §15) through the API on SQLite, PostgreSQL and
//! PostgreSQL with Redis: opening, running and closing balances that close on what is
//! owed, as JSON, as CSV (BOM, headers in the reader's language, no cell a formula) and
//! as XLSX opened back; bad ranges and formats refused naming the field.

use chrono::Datelike;
use serde_json::json;

use super::receivables::{dec, pay};
use crate::helpers::{Backend, spawn_app, today};
use crate::on_both_databases;

on_both_databases!(the_statement_adds_up_as_json_xlsx_and_csv);

async fn the_statement_adds_up_as_json_xlsx_and_csv(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.member();
    // A payment and a credit on the account as well as the demo's bills.
    let resp = pay(
        &app,
        json!({"amount": "1200.00", "reference": "=CMD|' /C calc'!A0", "customer_id": "cust_demo"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let to = today();
    let mut from = to.with_day(1).unwrap();
    for _ in 0..23 {
        from = (from - chrono::Days::new(1)).with_day(1).unwrap();
    }
    let (from, to) = (
        from.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    );
    let path = format!("/api/portal/statement?from={from}&to={to}");
    let s = app.read_as(&path, &token).await;
    assert_eq!((&s["from"], &s["to"]), (&json!(from), &json!(to)));
    // Everything since the demo began is in 24 months: nothing brought forward.
    assert_eq!(s["opening_balance"], "0.00");
    let mut running = dec(&s["opening_balance"]);
    let entries = s["entries"].as_array().unwrap();
    for e in entries {
        running += dec(&e["debit"]) - dec(&e["credit"]);
        assert_eq!(dec(&e["balance"]), running, "{e}");
    }
    assert_eq!(dec(&s["closing_balance"]), running);
    let balance = app.read_as("/api/portal/balance", &token).await;
    assert_eq!(
        running,
        dec(&balance["outstanding"]) - dec(&balance["credit"]),
        "the statement closes on what is owed: {balance}"
    );
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"invoice") && kinds.contains(&"payment"),
        "{kinds:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["description"].as_str().unwrap().starts_with("账单（")),
        "worded in Chinese: {entries:?}"
    );

    // CSV: a BOM, Chinese headers, the same rows, text that cannot run as a formula.
    let csv = app
        .get(&format!("{path}&format=csv"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "日期,类型,单号,摘要,借方,贷方,余额");
    assert_eq!(lines.len(), entries.len() + 3, "{text}");
    assert!(
        lines
            .last()
            .unwrap()
            .ends_with(s["closing_balance"].as_str().unwrap())
    );
    // The reference is kept, inside its description; no cell starts a formula.
    assert!(text.contains("=CMD|"), "{text}");
    assert!(
        text.split([',', '\n'])
            .all(|cell| !cell.trim_start_matches('"').starts_with(['=', '+', '@'])),
        "{text}"
    );
    let en = app
        .get(&format!("{path}&format=csv&lang=en"), &token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        std::str::from_utf8(&en[3..])
            .unwrap()
            .starts_with("Date,Type,Number,Description")
    );

    // XLSX, opened back: the headers, one row per entry, the closing balance.
    use calamine::{Data, Reader, Xlsx};
    let xlsx = app
        .get(&format!("{path}&format=xlsx"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("对账单").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("日期".into())))
        .unwrap();
    let last = rows.last().unwrap();
    assert_eq!(
        rows.len() - header - 1,
        entries.len() + 2,
        "opening, entries, closing"
    );
    let closing = match &last[6] {
        Data::Float(f) => *f,
        other => panic!("the closing balance is a number, not {other:?}"),
    };
    assert!(
        (closing
            - s["closing_balance"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap())
        .abs()
            < 0.001
    );

    // Bad ranges and formats change nothing and say which field.
    app.refused_naming(
        "/api/portal/statement",
        &token,
        &[
            ("from=2026-12&to=2026-11", "from"),
            ("from=2024-01&to=2026-12", "from"),
            ("from=2026-13&to=2026-12", "from"),
            ("to=later", "to"),
            ("format=pdf", "format"),
        ],
    )
    .await;
}
