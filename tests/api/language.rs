//! One language per page (contract §16): every error message and field reason comes in
//! the request's language — Chinese by default, English by `Accept-Language: en` or
//! `?lang=en` — on every backend, and a refusal worded in either changes nothing else
//! (status, code, the fields named).

use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    refusals_come_in_the_readers_language,
    plans_and_the_history_name_things_in_both_languages,
);

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A refusal as a browser without a language (`None`) or with one would get it.
async fn refusal(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    language: Option<&str>,
) -> (u16, Value) {
    // A client of its own: the suite's sends `Accept-Language: en` by default.
    let mut req = Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(language) = language {
        req = req.header("Accept-Language", language);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Every text of an error body: its message and each field's reason.
fn texts(body: &Value) -> Vec<String> {
    let mut out = vec![body["error"]["message"].as_str().unwrap().to_owned()];
    if let Some(fields) = body["error"]["fields"].as_object() {
        out.extend(fields.values().map(|v| v.as_str().unwrap().to_owned()));
    }
    out
}

async fn refusals_come_in_the_readers_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, member) = (app.admin(), app.member());
    let cases: Vec<(Method, &str, &str, Option<Value>)> = vec![
        (
            Method::PUT,
            "/api/portal/account",
            &admin,
            Some(json!({"contact_email": "not an address"})),
        ),
        (
            Method::GET,
            "/api/portal/invoices/INV209901999",
            &member,
            None,
        ),
        (Method::GET, "/api/portal/account", "garbage", None),
        (Method::GET, "/api/portal/costs?months=0", &member, None),
        (
            Method::PUT,
            "/api/portal/alerts",
            &member,
            Some(json!({"rules": []})),
        ),
        (Method::GET, "/api/portal/nowhere", &member, None),
        (
            Method::PUT,
            "/api/portal/account",
            &admin,
            Some(json!({"plan": "pro"})),
        ),
    ];
    let before = app.read_as("/api/portal/account", &admin).await;
    for (method, path, token, body) in cases {
        let (zh_status, zh) = refusal(&app, method.clone(), path, token, body.clone(), None).await;
        let (en_status, en) = refusal(
            &app,
            method.clone(),
            path,
            token,
            body.clone(),
            Some("en-US,en;q=0.9"),
        )
        .await;
        let (_, by_query) = refusal(
            &app,
            method.clone(),
            &format!(
                "{path}{}lang=en",
                if path.contains('?') { '&' } else { '?' }
            ),
            token,
            body,
            Some("zh-CN"),
        )
        .await;
        // The same refusal: status, code and the fields it names.
        assert_eq!(zh_status, en_status, "{path}");
        assert_eq!(zh["error"]["code"], en["error"]["code"], "{path}");
        let names = |b: &Value| {
            b["error"]["fields"]
                .as_object()
                .map(|f| f.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(names(&zh), names(&en), "{path}");
        for text in texts(&zh) {
            assert!(has_han(&text), "{path}: not Chinese by default: {text}");
        }
        for text in texts(&en).into_iter().chain(texts(&by_query)) {
            assert!(!has_han(&text), "{path}: Chinese in English: {text}");
        }
    }
    // Word for word, as a clerk reads them.
    let (_, zh) = refusal(
        &app,
        Method::GET,
        "/api/portal/invoices/INV209901999",
        &member,
        None,
        None,
    )
    .await;
    assert_eq!(zh["error"]["message"], "未找到账单。");
    let (_, en) = refusal(
        &app,
        Method::GET,
        "/api/portal/invoices/INV209901999",
        &member,
        None,
        Some("en"),
    )
    .await;
    assert_eq!(en["error"]["message"], "invoice not found");
    let (_, zh) = refusal(
        &app,
        Method::PUT,
        "/api/portal/alerts",
        &member,
        Some(json!({"rules": []})),
        None,
    )
    .await;
    assert_eq!(zh["error"]["message"], "只有管理员可以修改告警规则。");
    let (_, zh) = refusal(
        &app,
        Method::GET,
        "/api/portal/account",
        "garbage",
        None,
        None,
    )
    .await;
    assert_eq!(zh["error"]["message"], "令牌无效。");
    // Nothing a refusal was asked to do was done.
    assert_eq!(app.read_as("/api/portal/account", &admin).await, before);
}

async fn plans_and_the_history_name_things_in_both_languages(backend: Backend) {
    let app = spawn_app(backend).await;
    // Plan names in both languages, as the catalogue gives them.
    let plans = app.read_as("/api/portal/plans", &app.member()).await;
    let pro = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == "pro")
        .unwrap();
    assert_eq!(
        (pro["name"].as_str(), pro["name_en"].as_str()),
        (Some("专业版"), Some("Pro"))
    );
    let sub = app.read_as("/api/portal/subscription", &app.member()).await;
    assert_eq!(sub["plan_name_en"], "Pro");
    // A plan the catalogue names in Chinese only is named so in both.
    let resp = app
        .put_json(
            "/api/internal/plans/solo",
            &app.service_token(),
            &json!({"name": "个人版", "price": "99.00", "tax_rate": "0.06",
                "features": {"ai_chat_quota": 100, "agent_seats": 1, "email_quota": 10},
                "overage": {"ai_chat": "0.10", "email": "0.05", "agent_seats": "50.00"}}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let plans = app.read_as("/api/portal/plans", &app.member()).await;
    let solo = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == "solo")
        .unwrap();
    assert_eq!(solo["name_en"], "个人版");

    // The change history names the user by the token's `name`.
    let token = app.named_token("cust_demo", portal_http::TokenRole::Admin, "李雷");
    let resp = app
        .put_json(
            "/api/portal/account",
            &token,
            &json!({"contact_name": "韩梅梅"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let log = app.read_as("/api/portal/audit-log", &token).await;
    let newest = &log["entries"][0];
    assert_eq!(newest["action"], "account.updated");
    assert_eq!(newest["user_name"], "李雷", "{newest}");
    assert_eq!(newest["user_id"], "user_named");
    // Without a name, the entry has none.
    let resp = app
        .put_json(
            "/api/portal/account",
            &app.admin(),
            &json!({"contact_name": "王五"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let log = app.read_as("/api/portal/audit-log", &token).await;
    assert!(
        log["entries"][0].get("user_name").is_none(),
        "{}",
        log["entries"][0]
    );
}
