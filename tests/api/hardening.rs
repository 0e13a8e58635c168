//! Contract §13 and the security review: keys, rate limits, the app's headers, metrics.

use chrono::Utc;
use portal_http::{Claims, TokenKeys, TokenRole};
use serde_json::json;

use crate::helpers::{Backend, SECRET, assert_error, spawn_app_with};

const SERVICE_KEY: &str = "service-key-0123456789-service-key-0123456789";
const OLD_KEY: &str = "old-user-key-0123456789-old-user-key-0123456789";

fn signed(secret: &str, role: TokenRole, customer: Option<&str>) -> String {
    TokenKeys::new(secret.as_bytes())
        .sign(&Claims {
            customer_id: customer.map(str::to_owned),
            user_id: Some("someone".into()),
            role,
            exp: (Utc::now().timestamp() + 600) as u64,
            name: None,
            iat: None,
            aud: None,
            iss: None,
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_tokens_take_the_service_key_and_old_user_keys_still_work() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PORTAL_SERVICE_JWT_SECRET", SERVICE_KEY.to_owned()),
            ("PORTAL_JWT_PREVIOUS_SECRETS", OLD_KEY.to_owned()),
        ],
    )
    .await;
    let mark_paid = |token: String| {
        app.post_json(
            "/api/internal/invoices/INV209901999/paid",
            &token,
            &json!({"amount": "1.00", "reference": "r", "paid_at": "2025-12-20T10:00:00Z"}),
        )
        .send()
    };
    // A service token signed with the users' key is refused once a service key is set.
    let by_user_key = signed(SECRET, TokenRole::Service, None);
    assert_error(mark_paid(by_user_key).await.unwrap(), 401, "unauthorized").await;
    // With the service key it gets through authentication (the invoice does not exist).
    let by_service_key = signed(SERVICE_KEY, TokenRole::Service, None);
    assert_error(mark_paid(by_service_key).await.unwrap(), 404, "not_found").await;
    // The service key signs no customer's token.
    let admin_by_service_key = signed(SERVICE_KEY, TokenRole::Admin, Some("cust_demo"));
    let resp = app
        .get("/api/portal/account", &admin_by_service_key)
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "unauthorized").await;
    // A customer's token of the previous key is accepted while keys rotate.
    let old = signed(OLD_KEY, TokenRole::Member, Some("cust_demo"));
    let resp = app.get("/api/portal/account", &old).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_rate_limit_a_token_gets_429_with_retry_after_and_others_go_on() {
    // One request a second, bursts of two: 30 quick requests pass the limit even on a
    // slow, loaded machine.
    let app = spawn_app_with(Backend::Sqlite, &[("PORTAL_RATE_LIMIT", "1".to_owned())]).await;
    let token = app.member();
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..30 {
        let resp = app.get("/api/portal/plans", &token).send().await.unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 && limited.is_none() {
            limited = Some(resp);
        }
    }
    // A burst of twice the rate passes; most of the other 30 quick requests do not.
    assert!(statuses[..2].iter().all(|s| *s == 200), "{statuses:?}");
    let resp = limited.unwrap_or_else(|| panic!("never limited: {statuses:?}"));
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry_after, 1, "one request comes back within a second");
    assert_error(resp, 429, "rate_limited").await;
    // Another customer's token has its own budget.
    let other = app.token("cust_demo2", TokenRole::Member);
    let resp = app.get("/api/portal/plans", &other).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // The platform's service calls are not limited.
    let service = app.service_token();
    for _ in 0..10 {
        let resp = app
            .post_json("/api/internal/usage", &service, &json!({"events": []}))
            .send()
            .await
            .unwrap();
        assert_ne!(resp.status(), 429);
    }
    // Without a token, the client's address is limited.
    let mut anonymous = Vec::new();
    for _ in 0..30 {
        let resp = app
            .client
            .get(format!("{}/api/portal/plans", app.address))
            .send()
            .await
            .unwrap();
        anonymous.push(resp.status().as_u16());
    }
    assert!(
        anonymous.contains(&401) && anonymous.contains(&429),
        "{anonymous:?}"
    );
}

/// A built app as Trunk writes it: `index.html` with its inline loader, hashed assets.
pub(crate) fn built_app() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portal-dist-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html><head><script type=\"module\">import init from '/app-0123456789abcdef.js';init();</script></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("app-0123456789abcdef.js"),
        "export default function init() {}",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_gets_a_strict_policy_its_page_is_never_stored_and_missing_files_are_404() {
    let dist = built_app();
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("PORTAL_STATIC_DIR", dist.display().to_string())],
    )
    .await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    let page = get("/?token=abc.def.ghi").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self' http://127.0.0.1:9999",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // An app route is the page too, and not stored either.
    let route = get("/invoices/INV202512001").await.unwrap();
    assert_eq!(route.status(), 200);
    assert_eq!(route.headers()["cache-control"], "no-store");
    // A hashed asset is kept for a year.
    let asset = get("/app-0123456789abcdef.js").await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // A missing file is a 404, never the page, and never cached for a year.
    for missing in [
        "/app-fedcba9876543210.js",
        "/favicon.ico",
        "/assets/logo.png",
    ] {
        let resp = get(missing).await.unwrap();
        assert_eq!(resp.status(), 404, "{missing}");
        assert_ne!(
            resp.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{missing}"
        );
    }
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_and_status_in_the_prometheus_format() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    app.read("/api/portal/account").await;
    let invoices = app.read("/api/portal/invoices").await;
    let id = invoices["invoices"][0]["invoice_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.read(&format!("/api/portal/invoices/{id}")).await;
    let resp = app
        .get("/api/portal/invoices/INV000000000", &app.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let event = json!({
        "event_id": "metrics-test-1",
        "customer_id": "cust_demo",
        "product": "email",
        "count": 3,
        "occurred_at": Utc::now().to_rfc3339(),
    });
    let resp = app
        .post_json(
            "/api/internal/usage",
            &app.service_token(),
            &json!({"events": [event]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A method of the client's invention adds no series of its own (§17).
    for method in ["FOOBAR", "BREW"] {
        let resp = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}/api/portal/account", app.address),
            )
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_client_error(),
            "{method}: {}",
            resp.status()
        );
    }
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    let has = |needle: &str| {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    };
    has("# TYPE http_requests_total counter");
    has(r#"method="GET",route="/api/portal/invoices/{id}",status="200""#);
    has(r#"method="GET",route="/api/portal/invoices/{id}",status="404""#);
    has("# TYPE http_request_duration_seconds histogram");
    has(
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/portal/account",le="0.005"}"#,
    );
    has("portal_cache_misses_total");
    has("portal_usage_events_accepted_total");
    has(r#"method="OTHER""#);
    assert!(
        !text.contains("FOOBAR") && !text.contains("BREW"),
        "a method became a label"
    );
    // Ids are not labels: the invoice id never appears.
    assert!(!text.contains(&id), "an id became a label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_declares_401_403_429_and_503_for_customer_and_internal_calls() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let (public, internal) = (app.openapi().await, app.internal_openapi().await);
    let mut checked = 0;
    let paths = public["paths"].as_object().unwrap().iter();
    for (path, item) in paths.chain(internal["paths"].as_object().unwrap()) {
        if !path.starts_with("/api/portal/") && !path.starts_with("/api/internal/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            for status in ["401", "403", "429", "503"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} lacks {status}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 19, "{checked} operations checked");
}
