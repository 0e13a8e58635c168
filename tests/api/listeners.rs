//! Two listeners (contract §17): the platform's calls (`/api/internal/*`), `/metrics`
//! and the probes on `PORTAL_INTERNAL_BIND`; the customer's API and the app on
//! `PORTAL_BIND`, which answers 404 for the platform's calls and the metrics. Each
//! listener's `/api/openapi.json` documents what it serves.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(the_platforms_calls_answer_on_the_internal_listener_only);

/// `method path` with `token` on the listener at `base`.
async fn call(app: &TestApp, base: &str, method: Method, path: &str, token: &str) -> u16 {
    let mut req = app
        .client
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(token);
    if method == Method::POST {
        req = req.json(&json!({"period": "2031-01"}));
    }
    req.send().await.unwrap().status().as_u16()
}

async fn the_platforms_calls_answer_on_the_internal_listener_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let service = app.service_token();
    let internal_calls = [
        (Method::GET, "/api/internal/entitlements/cust_demo"),
        (Method::GET, "/api/internal/fapiao/requests"),
        (Method::POST, "/api/internal/billing/run"),
    ];
    for (method, path) in internal_calls {
        // On the public listener: not there, with the contract's body.
        let resp = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&service)
            .json(&json!({"period": "2031-01"}))
            .send()
            .await
            .unwrap();
        assert_error(resp, 404, "not_found").await;
        // On the internal listener: served.
        let status = call(&app, &app.internal_address, method.clone(), path, &service).await;
        assert_eq!(status, 200, "{method} {path} on the internal listener");
    }
    // The metrics: 404 on the public listener (not the app's page), 200 inside.
    let resp = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    let refusal = assert_error(resp, 404, "not_found").await;
    // In the reader's language like every refusal: Chinese unless asked otherwise.
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(message.chars().any(|c| c > '\u{3000}'), "{message}");
    let english = app
        .client
        .get(format!("{}/metrics", app.address))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let english = assert_error(english, 404, "not_found").await;
    assert_eq!(english["error"]["message"], "no endpoint GET /metrics");
    let metrics = app
        .client
        .get(format!("{}/metrics", app.internal_address))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("http_requests_total")
    );

    // The probes answer on both.
    for base in [&app.address, &app.internal_address] {
        for probe in ["/healthz", "/readyz"] {
            let status = call(&app, base, Method::GET, probe, "").await;
            assert_eq!(status, 200, "{base}{probe}");
        }
    }
    // The customer's API and the app are not on the internal listener.
    let admin = app.admin();
    for path in ["/api/portal/account", "/api/app-config", "/", "/index.html"] {
        let status = call(&app, &app.internal_address, Method::GET, path, &admin).await;
        assert_eq!(status, 404, "{path} on the internal listener");
    }
    assert_eq!(
        call(
            &app,
            &app.address,
            Method::GET,
            "/api/portal/account",
            &admin
        )
        .await,
        200
    );

    // Each document lists what its listener serves, and only that.
    let public = app.openapi().await;
    let internal = app.internal_openapi().await;
    let paths = |doc: &serde_json::Value| -> Vec<String> {
        doc["paths"].as_object().unwrap().keys().cloned().collect()
    };
    let (public, internal) = (paths(&public), paths(&internal));
    assert!(
        public
            .iter()
            .all(|p| !p.starts_with("/api/internal/") && p != "/metrics"),
        "{public:?}"
    );
    assert!(
        public.iter().any(|p| p == "/api/portal/account"),
        "{public:?}"
    );
    assert!(
        internal.iter().all(|p| p.starts_with("/api/internal/")
            || ["/metrics", "/healthz", "/readyz"].contains(&p.as_str())),
        "{internal:?}"
    );
    for path in ["/api/internal/entitlements/{customer_id}", "/metrics"] {
        assert!(internal.iter().any(|p| p == path), "{path}: {internal:?}");
    }
}
