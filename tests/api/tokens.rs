//! Tokens bound to this service (contract §17): `aud` and `iss` must match when
//! configured, `nbf` and `iat` may not lie ahead, and a customer's token may not live
//! longer than `PORTAL_JWT_MAX_TTL`; each refusal is 401 with the contract's body.

use chrono::Utc;
use portal_http::{Claims, TokenKeys, TokenRole};

use crate::helpers::{Backend, SECRET, TestApp, spawn_app_with};

fn now() -> u64 {
    Utc::now().timestamp() as u64
}

/// A member's token of `cust_demo` signed with the users' key, shaped by `with`.
fn token(with: impl FnOnce(&mut Claims)) -> String {
    let mut claims = Claims {
        customer_id: Some("cust_demo".into()),
        user_id: Some("user_bound".into()),
        role: TokenRole::Member,
        exp: now() + 600,
        name: None,
        iat: Some(now()),
        aud: None,
        iss: None,
    };
    with(&mut claims);
    // A key without binding: what the claims say is what is signed.
    TokenKeys::new(SECRET.as_bytes()).sign(&claims).unwrap()
}

/// Any claims, signed with the users' key.
fn raw(claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn status(app: &TestApp, token: &str) -> (u16, String) {
    let resp = app
        .get("/api/portal/account", token)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        body["error"]["message"].as_str().unwrap_or("").to_owned(),
    )
}

fn one(aud: &str) -> Option<portal_http::Audience> {
    Some(portal_http::Audience::One(aud.into()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_service_or_living_too_long_is_refused() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PORTAL_JWT_AUDIENCE", "customer-portal".to_owned()),
            ("PORTAL_JWT_ISSUER", "https://sso.example.com".to_owned()),
            ("PORTAL_JWT_MAX_TTL", "3600".to_owned()),
        ],
    )
    .await;
    let bound = |c: &mut Claims| {
        c.aud = one("customer-portal");
        c.iss = Some("https://sso.example.com".into());
    };
    assert_eq!(status(&app, &token(bound)).await.0, 200);
    // The service's own tokens carry its audience and issuer.
    assert_eq!(status(&app, &app.member()).await.0, 200);
    // One of several audiences is enough.
    let several = token(|c| {
        bound(c);
        c.aud = Some(portal_http::Audience::Many(vec![
            "crm".into(),
            "customer-portal".into(),
        ]));
    });
    assert_eq!(status(&app, &several).await.0, 200);

    let refused = [
        (
            "no aud",
            token(|c| c.iss = Some("https://sso.example.com".into())),
        ),
        (
            "another aud",
            token(|c| {
                bound(c);
                c.aud = one("crm");
            }),
        ),
        ("no iss", token(|c| c.aud = one("customer-portal"))),
        (
            "another iss",
            token(|c| {
                bound(c);
                c.iss = Some("https://evil.example.com".into());
            }),
        ),
        (
            "nbf ahead",
            raw(serde_json::json!({
                "customer_id": "cust_demo", "user_id": "u", "role": "member",
                "exp": now() + 600, "nbf": now() + 120,
                "aud": "customer-portal", "iss": "https://sso.example.com",
            })),
        ),
        (
            "iat ahead",
            token(|c| {
                bound(c);
                c.iat = Some(now() + 120);
            }),
        ),
        (
            "a century to live",
            token(|c| {
                bound(c);
                c.exp = now() + 100 * 365 * 86_400;
            }),
        ),
        (
            "two hours to live",
            token(|c| {
                bound(c);
                c.exp = now() + 7_200;
            }),
        ),
    ];
    for (why, t) in refused {
        let (code, message) = status(&app, &t).await;
        assert_eq!(code, 401, "{why}: {message}");
    }
    let (_, message) = status(
        &app,
        &token(|c| {
            bound(c);
            c.exp = now() + 7_200;
        }),
    )
    .await;
    assert_eq!(
        message,
        "the token is valid for longer than this service accepts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbound_a_day_of_life_is_the_most_and_service_tokens_are_not_held_to_it() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    assert_eq!(
        status(&app, &token(|c| c.exp = now() + 86_000)).await.0,
        200
    );
    assert_eq!(
        status(&app, &token(|c| c.exp = now() + 90_000)).await.0,
        401
    );
    // Any audience is fine when none is configured.
    assert_eq!(status(&app, &token(|c| c.aud = one("crm"))).await.0, 200);
    // The platform's service tokens may live longer.
    let service = TokenKeys::new(SECRET.as_bytes())
        .sign(&Claims {
            customer_id: None,
            user_id: Some("billing-service".into()),
            role: TokenRole::Service,
            exp: now() + 30 * 86_400,
            name: None,
            iat: None,
            aud: None,
            iss: None,
        })
        .unwrap();
    let resp = app
        .get("/api/internal/fapiao/requests?status=pending", &service)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
