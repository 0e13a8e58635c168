//! The app's session (contract §16) through the real server: the token exchanged for an
//! `HttpOnly; SameSite=Strict; Path=/api` cookie that ends with the token; the cookie
//! used only on requests with `X-Portal-Request: 1` (without it: 401 and nothing done);
//! an expired or tampered cookie refused and cleared; sign-out; and "invalid" told apart
//! from "expired". Nothing here depends on the database: SQLite only.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portal_http::TokenRole;
use reqwest::Response;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{Backend, SECRET, TestApp, spawn_app};

fn set_cookie(resp: &Response) -> String {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portal_session="))
        .unwrap_or_else(|| panic!("no portal_session cookie set: {:?}", resp.headers()))
}

fn token_expiring_in(seconds: i64) -> String {
    let claims = json!({"customer_id": "cust_demo", "user_id": "u1", "role": "admin",
                        "exp": Utc::now().timestamp() + seconds});
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// A request with the session cookie holding `token` (and `X-Portal-Request: 1` when
/// `from_app`).
fn with_cookie(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    from_app: bool,
) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(method, app.url(path))
        .header(COOKIE, format!("portal_session={token}"));
    if from_app {
        request.header("X-Portal-Request", "1")
    } else {
        request
    }
}

async fn message(resp: Response) -> String {
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_session_cookie_signs_the_app_in_and_nothing_else() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.admin();

    // The exchange: the cookie carries the token, HttpOnly, Strict, /api, until `exp`.
    let resp = app
        .client
        .post(format!("{}/api/session", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = set_cookie(&resp);
    assert!(
        cookie.starts_with(&format!("portal_session={token};")),
        "{cookie}"
    );
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api"] {
        assert!(cookie.contains(part), "{part} missing: {cookie}");
    }
    // Plain HTTP on loopback: not `Secure` (a browser would drop it here).
    assert!(!cookie.contains("Secure"), "{cookie}");
    let max_age: i64 = cookie
        .split("; ")
        .find_map(|p| p.strip_prefix("Max-Age="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (590..=600).contains(&max_age),
        "ends with the token: {max_age}"
    );
    let who: Value = resp.json().await.unwrap();
    assert_eq!(
        (&who["customer_id"], &who["role"]),
        (&json!("cust_demo"), &json!("admin"))
    );

    // The app's requests: the cookie alone signs them in.
    let account = with_cookie(
        &app,
        reqwest::Method::GET,
        "/api/portal/account",
        &token,
        true,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(account.status(), 200);
    let again = with_cookie(&app, reqwest::Method::GET, "/api/session", &token, true)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "a reload finds the session");

    // A cross-site form sends the cookie without the header: 401, nothing changes, and
    // the cookie is not cleared (another site cannot sign the user out).
    let before: Value = account.json().await.unwrap();
    let forged = with_cookie(
        &app,
        reqwest::Method::PUT,
        "/api/portal/account",
        &token,
        false,
    )
    .json(&json!({"company_name": "跨站伪造有限公司"}))
    .send()
    .await
    .unwrap();
    assert_eq!(forged.status(), 401);
    assert!(forged.headers().get(SET_COOKIE).is_none());
    assert!(message(forged).await.contains("X-Portal-Request"));
    let after = app.read_as("/api/portal/account", &token).await;
    assert_eq!(after["company_name"], before["company_name"]);

    // Signing out clears it.
    let out = app
        .client
        .delete(format!("{}/api/session", app.address))
        .header("X-Portal-Request", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let cleared = set_cookie(&out);
    assert!(
        cleared.starts_with("portal_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );

    // A service token starts no session.
    let service = app
        .client
        .post(format!("{}/api/session", app.address))
        .bearer_auth(app.service_token())
        .send()
        .await
        .unwrap();
    assert_eq!(service.status(), 403);
}

#[tokio::test]
async fn an_expired_or_tampered_cookie_is_refused_and_cleared() {
    let app = spawn_app(Backend::Sqlite).await;
    let expired = token_expiring_in(-3600);
    let valid = token_expiring_in(600);
    let mut tampered = valid.clone();
    tampered.pop();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
    for (token, says) in [
        // In the reader's language: Chinese by default.
        (&expired, "已过期"),
        (&tampered, "无效"),
        (&"garbage".to_owned(), "无效"),
    ] {
        let resp = with_cookie(
            &app,
            reqwest::Method::GET,
            "/api/portal/account",
            token,
            true,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 401, "{says}");
        let cleared = set_cookie(&resp);
        assert!(cleared.contains("Max-Age=0"), "{says}: {cleared}");
        assert!(message(resp).await.contains(says), "{says}");
    }
    // The bearer header says the same: a malformed token is invalid, an old one expired.
    for (token, says) in [(&expired, "expired"), (&"garbage".to_owned(), "invalid")] {
        let resp = app
            .get("/api/portal/account", token)
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert!(message(resp).await.contains(says), "{says}");
    }
    assert_eq!(
        app.get(
            "/api/portal/account",
            &app.token("cust_demo", TokenRole::Member)
        )
        .send()
        .await
        .unwrap()
        .status(),
        200
    );
}
