//! Pages of the invoice list and the audit log (contract §13): `limit` (1–200, default
//! 50) and `cursor` in, `next_cursor` out, `null` on the last page.

use std::collections::HashSet;

use portal_http::TokenRole;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    invoice_pages_walk_the_whole_list_once,
    bad_limits_and_cursors_are_bad_requests,
    audit_log_pages_walk_the_whole_log_once
);

/// A page's body, asserting 200 and that `next_cursor` is there (a string or null).
async fn page(app: &TestApp, token: &str, path: &str) -> Value {
    let resp = app.get(path, token).send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    let body: Value = resp.json().await.unwrap();
    let next = body.get("next_cursor").expect("next_cursor is always sent");
    assert!(next.is_string() || next.is_null(), "{body}");
    body
}

/// The `field` items of every page of `limit` from the first, following `next_cursor`
/// until it is null.
async fn walk(
    app: &TestApp,
    token: &str,
    path: &str,
    limit: usize,
    field: &str,
) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut url = format!("{path}?limit={limit}");
    loop {
        let body = page(app, token, &url).await;
        let items = body[field].as_array().unwrap().clone();
        assert!(
            items.len() <= limit,
            "{} items on a page of {limit}",
            items.len()
        );
        pages.push(items);
        let Some(cursor) = body["next_cursor"].as_str() else {
            return pages;
        };
        // base64url without padding: nothing to escape in a query.
        url = format!("{path}?limit={limit}&cursor={cursor}");
        assert!(pages.len() < 20, "the pages never end");
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["invoice_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn invoice_pages_walk_the_whole_list_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let whole = page(&app, &app.admin(), "/api/portal/invoices").await;
    let all = ids(whole["invoices"].as_array().unwrap());
    assert_eq!(
        all.len(),
        4,
        "the demo customer's four invoices on the default page"
    );
    assert!(whole["next_cursor"].is_null(), "one page holds them all");

    let pages = walk(&app, &app.admin(), "/api/portal/invoices", 2, "invoices").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2], "two full pages, the second the last");
    let walked = ids(&pages.concat());
    assert_eq!(walked, all, "every invoice once, newest first");

    // Another customer's pages hold only theirs, even when handed the demo customer's
    // cursor.
    let theirs_token = app.token("cust_demo2", TokenRole::Member);
    let theirs = ids(
        &walk(&app, &theirs_token, "/api/portal/invoices", 1, "invoices")
            .await
            .concat(),
    );
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|id| !all.contains(id)), "{theirs:?}");
    let first = page(&app, &app.admin(), "/api/portal/invoices?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let crossed = page(
        &app,
        &theirs_token,
        &format!("/api/portal/invoices?limit=200&cursor={cursor}"),
    )
    .await;
    let crossed = ids(crossed["invoices"].as_array().unwrap());
    assert!(crossed.iter().all(|id| theirs.contains(id)), "{crossed:?}");
}

async fn bad_limits_and_cursors_are_bad_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let invoice_cursor =
        page(&app, &app.admin(), "/api/portal/invoices?limit=1").await["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
    for path in ["/api/portal/invoices", "/api/portal/audit-log"] {
        for query in [
            "limit=0",
            "limit=201",
            "limit=-1",
            "limit=ten",
            "cursor=garbage",
            "cursor=",
        ] {
            let resp = app
                .get(&format!("{path}?{query}"), &app.admin())
                .send()
                .await
                .unwrap();
            assert_error(resp, 400, "bad_request").await;
        }
        for limit in [1, 200] {
            page(&app, &app.admin(), &format!("{path}?limit={limit}")).await;
        }
    }
    // Both lists document their paging.
    let doc = app.openapi().await;
    for path in ["/api/portal/invoices", "/api/portal/audit-log"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], 200, "{limit}");
        assert!(params.iter().any(|p| p["name"] == "cursor"), "{path}");
        let body = &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"];
        let schema = body["schema"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let required = &doc["components"]["schemas"][schema]["required"];
        assert!(
            required.as_array().unwrap().contains(&json!("next_cursor")),
            "{schema}"
        );
    }
    // One list's cursor is not another's.
    let resp = app
        .get(
            &format!("/api/portal/audit-log?cursor={invoice_cursor}"),
            &app.admin(),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "bad_request").await;
}

async fn audit_log_pages_walk_the_whole_log_once(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..5 {
        let resp = app
            .put_json(
                "/api/portal/account",
                &app.admin(),
                &json!({"contact_name": format!("联系人{i}")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let whole = page(&app, &app.admin(), "/api/portal/audit-log?limit=200").await;
    let all = whole["entries"].as_array().unwrap().clone();
    assert!(whole["next_cursor"].is_null());
    let names: Vec<&str> = all
        .iter()
        .filter_map(|e| e["details"]["after"]["contact_name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["联系人4", "联系人3", "联系人2", "联系人1", "联系人0"],
        "newest first"
    );

    let pages = walk(&app, &app.admin(), "/api/portal/audit-log", 2, "entries").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    let full = all.len() / 2;
    assert!(sizes[..full].iter().all(|n| *n == 2), "{sizes:?}");
    assert_eq!(
        pages.len(),
        all.len().div_ceil(2),
        "no empty page after the last: {sizes:?}"
    );
    let walked = pages.concat();
    assert_eq!(walked, all, "every entry once, newest first");
    let distinct: HashSet<String> = walked.iter().map(Value::to_string).collect();
    assert_eq!(distinct.len(), walked.len(), "no entry twice");

    let theirs = page(
        &app,
        &app.token("cust_demo2", TokenRole::Member),
        "/api/portal/audit-log?limit=200",
    )
    .await;
    assert!(
        theirs["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["details"]["after"]["contact_name"].is_null()),
        "another customer's log holds none of these edits: {theirs}"
    );
}
