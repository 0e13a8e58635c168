use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::helpers::{Backend, SECRET, assert_error, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    every_bad_token_is_unauthorized,
    service_tokens_are_forbidden_on_the_portal
);

fn sign(header: Header, claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn b64(data: &[u8]) -> String {
    // URL-safe base64 without padding, as JWT segments are.
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn every_bad_token_is_unauthorized(backend: Backend) {
    let app = spawn_app(backend).await;
    let exp = Utc::now().timestamp() + 600;
    let good = json!({"customer_id": "cust_demo", "user_id": "u1", "role": "admin", "exp": exp});
    let valid = sign(
        Header::new(Algorithm::HS256),
        good.clone(),
        SECRET.as_bytes(),
    );

    let mut tampered = valid.clone();
    let parts: Vec<&str> = valid.split('.').collect();
    let forged_claims = b64(
        json!({"customer_id": "cust_demo2", "user_id": "u1", "role": "admin", "exp": exp})
            .to_string()
            .as_bytes(),
    );
    tampered = tampered.replace(parts[1], &forged_claims);

    let alg_none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(good.to_string().as_bytes())
    );

    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing header", None),
        ("not a jwt", Some("Bearer not-a-jwt".into())),
        ("wrong scheme", Some(format!("Basic {valid}"))),
        ("tampered payload", Some(format!("Bearer {tampered}"))),
        ("alg none", Some(format!("Bearer {alg_none}"))),
        (
            "wrong secret",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS256),
                    good.clone(),
                    b"another-secret-0123456789"
                )
            )),
        ),
        (
            "other algorithm",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS512),
                    good.clone(),
                    SECRET.as_bytes()
                )
            )),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS256),
                    json!({"customer_id": "cust_demo", "user_id": "u1", "role": "admin", "exp": Utc::now().timestamp() - 120}),
                    SECRET.as_bytes()
                )
            )),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS256),
                    json!({"customer_id": "cust_demo", "user_id": "u1", "role": "admin"}),
                    SECRET.as_bytes()
                )
            )),
        ),
        (
            "unknown role",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS256),
                    json!({"customer_id": "cust_demo", "user_id": "u1", "role": "owner", "exp": exp}),
                    SECRET.as_bytes()
                )
            )),
        ),
        (
            "user without customer",
            Some(format!(
                "Bearer {}",
                sign(
                    Header::new(Algorithm::HS256),
                    json!({"user_id": "u1", "role": "admin", "exp": exp}),
                    SECRET.as_bytes()
                )
            )),
        ),
    ];
    for (what, header) in cases {
        let mut req = app
            .client
            .get(format!("{}/api/portal/account", app.address));
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{what}");
        assert_error(resp, 401, "unauthorized").await;
    }

    // The valid token is accepted, and a ?token= query is never read by the API.
    let ok = app
        .client
        .get(format!("{}/api/portal/account", app.address))
        .bearer_auth(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let query = app
        .client
        .get(format!("{}/api/portal/account?token={valid}", app.address))
        .send()
        .await
        .unwrap();
    assert_error(query, 401, "unauthorized").await;
}

async fn service_tokens_are_forbidden_on_the_portal(backend: Backend) {
    let app = spawn_app(backend).await;
    let exp = Utc::now().timestamp() + 600;
    // Signed with the service tokens' key (PostgreSQL requires one of their own, §17).
    let key = if backend == Backend::Sqlite {
        SECRET
    } else {
        crate::helpers::SERVICE_SECRET
    };
    let service = sign(
        Header::new(Algorithm::HS256),
        json!({"role": "service", "user_id": "billing", "exp": exp}),
        key.as_bytes(),
    );
    let resp = app
        .get("/api/portal/invoices", &service)
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "forbidden").await;
}
