use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(health_openapi_and_unknown_paths);

async fn health_openapi_and_unknown_paths(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/healthz", "/readyz"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }

    let doc = app.openapi().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let contract = [
        ("get", "/api/portal/account"),
        ("put", "/api/portal/account"),
        ("get", "/api/portal/subscription"),
        ("get", "/api/portal/plans"),
        ("post", "/api/portal/subscription/upgrade"),
        ("get", "/api/portal/subscription/upgrade/preview"),
        ("get", "/api/portal/usage"),
        ("get", "/api/portal/usage/detail"),
        ("get", "/api/portal/invoices"),
        ("get", "/api/portal/invoices/{id}"),
        ("get", "/api/portal/invoices/{id}/pdf"),
        ("post", "/api/portal/subscription/downgrade"),
        ("delete", "/api/portal/subscription/scheduled-change"),
        ("get", "/api/portal/audit-log"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    ];
    for (method, path) in contract {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    // The platform's calls are documented by the listener that serves them (§17).
    let internal = app.internal_openapi().await;
    let contract = [
        ("put", "/api/internal/customers/{customer_id}"),
        ("put", "/api/internal/customers/{customer_id}/subscription"),
        ("post", "/api/internal/usage"),
        ("post", "/api/internal/billing/run"),
        ("post", "/api/internal/invoices/{invoice_id}/paid"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    ];
    for (method, path) in contract {
        assert!(
            internal["paths"][path][method].is_object(),
            "{method} {path} missing from the internal listener's OpenAPI document"
        );
    }

    let resp = app
        .get("/api/portal/nothing-here", &app.admin())
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;

    // The app's shell carries the frame-ancestors policy of the allowed parents.
    let shell = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    let csp = shell.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.ends_with("; frame-ancestors 'self' http://127.0.0.1:9999"),
        "{csp}"
    );
    assert!(csp.starts_with("default-src 'self'; "), "{csp}");
}
