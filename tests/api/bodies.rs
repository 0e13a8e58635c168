//! Bounded request bodies (contract §17): 64 kB on `/api/portal/*` (and every route but
//! two), 1 MB for usage batches, 8 MB for fapiao issuance; beyond, `413
//! payload_too_large` with the contract's body, declared in the OpenAPI document; a body
//! must arrive within 10 s, else `408 request_timeout`. Nothing is changed by a refusal.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, assert_error, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_their_routes_limit_are_413_and_change_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let before = app.read_as("/api/portal/account", &app.admin()).await;
    for size in [70 * 1024, 2 * 1024 * 1024] {
        let body = json!({"contact_name": "x".repeat(size)});
        let resp = app
            .put_json("/api/portal/account", &app.admin(), &body)
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        let error = assert_error(resp, 413, "payload_too_large").await;
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("65536"),
            "{error}"
        );
    }
    // In the reader's language by default.
    let resp = app
        .put_json(
            "/api/portal/account",
            &app.admin(),
            &json!({"contact_name": "x".repeat(70 * 1024)}),
        )
        .send()
        .await
        .unwrap();
    let error = assert_error(resp, 413, "payload_too_large").await;
    assert!(
        error["error"]["message"].as_str().unwrap().contains("字节"),
        "{error}"
    );
    assert_eq!(
        app.read_as("/api/portal/account", &app.admin()).await,
        before
    );

    // A usage batch of 1000 events (about 150 kB) is within its route's 1 MB.
    let day = crate::helpers::today().format("%Y-%m-%d").to_string();
    let events: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"event_id": format!("big-batch-{i:04}-{}", "p".repeat(64)),
                   "customer_id": "cust_demo", "product": "email", "count": 1,
                   "occurred_at": format!("{day}T02:00:00Z")})
        })
        .collect();
    let batch = json!({"events": events});
    assert!(batch.to_string().len() > 64 * 1024);
    let resp = app
        .post_json("/api/internal/usage", &app.service_token(), &batch)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    // Each listener's OpenAPI document declares it.
    let (public, internal) = (app.openapi().await, app.internal_openapi().await);
    for (doc, path, method) in [
        (&public, "/api/portal/account", "put"),
        (&internal, "/api/internal/usage", "post"),
    ] {
        let responses = &doc["paths"][path][method]["responses"];
        assert!(responses["413"].is_object(), "{path} {method}: {responses}");
        assert!(responses["408"].is_object(), "{path} {method}: {responses}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_is_cut_off_after_ten_seconds_with_408() {
    let app = spawn_app(Backend::Sqlite).await;
    let before = app.read_as("/api/portal/account", &app.admin()).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let body = r#"{"contact_name": "慢慢来"}"#;
    let head = format!(
        "PUT /api/portal/account HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nAccept-Language: en\r\nContent-Length: {}\r\n\r\n",
        app.admin(),
        body.len()
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    // A few bytes, then nothing more.
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&answer).contains("request_timeout") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 20 s");
    let waited = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(waited >= Duration::from_secs(9), "cut off after {waited:?}");
    assert_eq!(
        app.read_as("/api/portal/account", &app.admin()).await,
        before
    );
}
