//! Fair limits (contract §17): one budget per customer whichever of its tokens, costly
//! routes counting 10, anonymous callers by address (behind `PORTAL_TRUSTED_PROXIES`, the
//! right-most untrusted `X-Forwarded-For` entry), and the app's files and configuration
//! never limited — a flood of junk tokens keeps nobody from loading the app.

use portal_http::TokenRole;

use crate::hardening::built_app;
use crate::helpers::{Backend, TestApp, spawn_app_with};

async fn status(app: &TestApp, path: &str, token: &str) -> u16 {
    app.get(path, token).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_junk_tokens_keeps_no_one_from_the_app_or_a_customer_from_the_api() {
    let dist = built_app();
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PORTAL_RATE_LIMIT", "1".to_owned()),
            ("PORTAL_STATIC_DIR", dist.display().to_string()),
        ],
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..300 {
        statuses.push(status(&app, "/api/portal/account", &format!("junk.{i}.token")).await);
    }
    assert!(
        statuses.iter().filter(|s| **s == 429).count() > 250,
        "{statuses:?}"
    );
    // The app still loads, from the same address.
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    for path in [
        "/index.html",
        "/",
        "/app-0123456789abcdef.js",
        "/api/app-config",
    ] {
        let resp = get(path).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    // A customer with a valid token is served: their own budget.
    assert_eq!(
        status(&app, "/api/portal/account", &app.member()).await,
        200
    );
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tokens_of_one_customer_share_a_budget_and_a_costly_call_counts_ten() {
    // Five a second, bursts of ten.
    let app = spawn_app_with(Backend::Sqlite, &[("PORTAL_RATE_LIMIT", "5".to_owned())]).await;
    let first = app.token("cust_demo", TokenRole::Member);
    let second = app.named_token("cust_demo", TokenRole::Admin, "另一位");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(status(&app, "/api/portal/plans", &first).await);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // The same customer's other token finds the budget spent.
    assert_eq!(status(&app, "/api/portal/plans", &second).await, 429);

    // Another customer: a costly call (the cost analysis) spends the whole burst at once.
    let other = app.token("cust_other", TokenRole::Member);
    assert_eq!(status(&app, "/api/portal/costs", &other).await, 200);
    assert_eq!(status(&app, "/api/portal/plans", &other).await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PORTAL_RATE_LIMIT", "1".to_owned()),
            ("PORTAL_TRUSTED_PROXIES", "127.0.0.0/8".to_owned()),
        ],
    )
    .await;
    let from = |client: &'static str| {
        app.client
            .get(format!("{}/api/portal/account", app.address))
            .header("X-Forwarded-For", format!("6.6.6.6, {client}"))
            .send()
    };
    let mut first = Vec::new();
    for _ in 0..20 {
        first.push(from("198.51.100.1").await.unwrap().status().as_u16());
    }
    assert!(first.contains(&429), "{first:?}");
    // Another client behind the same proxy (the spoofed left entry is the same).
    assert_eq!(from("198.51.100.2").await.unwrap().status(), 401);

    // Without trusting the proxy, the header is ignored: one budget for the peer.
    let plain = spawn_app_with(Backend::Sqlite, &[("PORTAL_RATE_LIMIT", "1".to_owned())]).await;
    let mut seen = Vec::new();
    for i in 0..20 {
        let resp = plain
            .client
            .get(format!("{}/api/portal/account", plain.address))
            .header("X-Forwarded-For", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        seen.push(resp.status().as_u16());
    }
    assert!(seen.contains(&429), "{seen:?}");
}
