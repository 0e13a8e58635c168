//! Contract §11, first part: alert rules (admin) fired once a month by ingestion into
//! in-app notifications, caps, and the entitlements the platform asks before serving.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, product, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    admins_set_alert_rules_and_bad_ones_change_nothing,
    a_crossed_rule_notifies_once_a_month,
    caps_stop_a_product_in_the_entitlements
);

async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.put_json(path, token, body).send().await.unwrap()
}

async fn admins_set_alert_rules_and_bad_ones_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let rules = json!({"rules": [
        {"kind": "quota_percent", "product": "ai_chat", "threshold": 80, "channels": ["in_app"]},
        {"kind": "projected_amount", "product": null, "threshold": "1500.00", "channels": ["in_app"]},
    ]});
    let resp = put(&app, "/api/portal/alerts", &app.admin(), &rules).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.read("/api/portal/alerts").await, rules);

    // A member reads them and cannot change them.
    let resp = put(
        &app,
        "/api/portal/alerts",
        &app.member(),
        &json!({"rules": []}),
    )
    .await;
    assert_error(resp, 403, "forbidden").await;
    // Bad rules: every problem named, nothing changed.
    let bad = json!({"rules": [
        {"kind": "quota_percent", "product": "sms", "threshold": 0, "channels": []},
        {"kind": "projected_amount", "product": null, "threshold": "12.345", "channels": ["email"]},
    ]});
    let body = assert_error(
        put(&app, "/api/portal/alerts", &app.admin(), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    let fields = &body["error"]["fields"];
    for field in [
        "rules[0].product",
        "rules[0].threshold",
        "rules[0].channels",
        "rules[1].threshold",
        "rules[1].channels",
    ] {
        assert!(fields.get(field).is_some(), "{field} not named in {body}");
    }
    assert_eq!(app.read("/api/portal/alerts").await, rules);
    let history = app.read("/api/portal/audit-log").await;
    assert!(
        history["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "alerts.updated"),
        "the change is in the audit log"
    );
}

async fn a_crossed_rule_notifies_once_a_month(backend: Backend) {
    let app = spawn_app(backend).await;
    let overview = app.read("/api/portal/usage").await;
    let ai = product(&overview, "ai_chat");
    let (used, included) = (
        ai["used"].as_i64().unwrap(),
        ai["included"].as_i64().unwrap(),
    );
    // A rule just above today's use: the next batch crosses it.
    let percent = used * 100 / included + 5;
    let rules = json!({"rules": [
        {"kind": "quota_percent", "product": "ai_chat", "threshold": percent, "channels": ["in_app"]},
    ]});
    assert_eq!(
        put(&app, "/api/portal/alerts", &app.admin(), &rules)
            .await
            .status(),
        200
    );
    assert_eq!(app.read("/api/portal/notifications").await["unread"], 0);
    // Below the threshold: nothing.
    app.chats("g-1", 1).await;
    assert_eq!(app.read("/api/portal/notifications").await["unread"], 0);
    // Across it: one notification, in the reader's language.
    app.chats("g-2", included * 6 / 100).await;
    let list = app.read("/api/portal/notifications").await;
    assert_eq!(list["unread"], 1, "{list}");
    let n = &list["notifications"][0];
    assert_eq!(n["kind"], "usage.threshold_crossed");
    assert_eq!(n["title"], format!("AI 对话用量已达 {percent}%"));
    assert_eq!(n["read"], false);
    assert_eq!(n["link"], "/usage", "the page it is about");
    let en = app.read("/api/portal/notifications?lang=en").await;
    assert_eq!(
        en["notifications"][0]["title"],
        format!("AI chat usage reached {percent}%")
    );
    // More usage in the same month fires nothing more.
    app.chats("g-3", included).await;
    assert_eq!(
        app.read("/api/portal/notifications").await["notifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // 全部已读 marks the caller's own only.
    let other = app.token("cust_demo2", portal_http::TokenRole::Admin);
    let all_read = |token: String| {
        let app = &app;
        async move {
            let resp = app
                .post_json("/api/portal/notifications/read-all", &token, &json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.unwrap()["marked"].clone()
        }
    };
    assert_eq!(all_read(other.clone()).await, 0);
    assert_eq!(app.read("/api/portal/notifications").await["unread"], 1);
    assert_eq!(all_read(app.member()).await, 1);
    assert_eq!(app.read("/api/portal/notifications").await["unread"], 0);
    // Read one by one: another customer cannot read it.
    let id = n["id"].as_str().unwrap();
    let resp = app
        .post_json(
            &format!("/api/portal/notifications/{id}/read"),
            &other,
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;
    let resp = app
        .post_json(
            &format!("/api/portal/notifications/{id}/read"),
            &app.member(),
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.read("/api/portal/notifications").await["unread"], 0);
}

async fn caps_stop_a_product_in_the_entitlements(backend: Backend) {
    let app = spawn_app(backend).await;
    let service = app.service_token();
    let entitlements = || app.read_as("/api/internal/entitlements/cust_demo", &service);
    let open = entitlements().await;
    assert!(
        open["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["allowed"] == true && p["limit"].is_null())
    );

    // A member cannot cap; bad caps change nothing.
    let cap = json!({"caps": [{"product": "ai_chat", "stop_at_percent": 100}]});
    assert_error(
        put(&app, "/api/portal/caps", &app.member(), &cap).await,
        403,
        "forbidden",
    )
    .await;
    let bad = json!({"caps": [{"product": "agent_seats", "stop_at_percent": 100}]});
    assert_error(
        put(&app, "/api/portal/caps", &app.admin(), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(app.read("/api/portal/caps").await, json!({"caps": []}));

    assert_eq!(
        put(&app, "/api/portal/caps", &app.admin(), &cap)
            .await
            .status(),
        200
    );
    assert_eq!(app.read("/api/portal/caps").await, cap);
    let overview = app.read("/api/portal/usage").await;
    let included = product(&overview, "ai_chat")["included"].as_i64().unwrap();
    let capped = entitlements().await;
    let ai = capped["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "ai_chat")
        .unwrap()
        .clone();
    assert_eq!(ai["limit"], included);
    let used = ai["used"].as_i64().unwrap();
    assert_eq!(ai["remaining"], (included - used).max(0));
    assert_eq!(ai["allowed"], used < included);
    // Up to the cap: stopped, at once.
    app.chats("cap-1", (included - used).max(0) + 1).await;
    let stopped = entitlements().await;
    let ai = stopped["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "ai_chat")
        .unwrap();
    assert_eq!(
        (ai["allowed"].as_bool(), ai["remaining"].as_i64()),
        (Some(false), Some(0)),
        "{stopped}"
    );
    // E-mail is not capped.
    let email = stopped["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "email")
        .unwrap();
    assert_eq!(email["allowed"], true);
    // Only services ask; an unknown customer is 404.
    let resp = app
        .get("/api/internal/entitlements/cust_demo", &app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app
        .get("/api/internal/entitlements/cust_nobody", &service)
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;
}
