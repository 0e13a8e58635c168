//! The session of §16: the `?token=` exchanged for the `portal_session` cookie, read
//! back after a reload, ended on sign-out. These calls carry `X-Portal-Request: 1`, the
//! header without which the API ignores the cookie.

use gloo_net::http::Request;
use portal_api_types::SessionInfo;

use super::{ApiError, read, untokened};
use crate::bodies;

/// The header that lets the session cookie stand in for the bearer token.
pub const APP_REQUEST: (&str, &str) = ("X-Portal-Request", "1");

/// Exchanges `token` for the session cookie.
pub async fn start(token: &str) -> Result<SessionInfo, ApiError> {
    let request = Request::post("/api/session")
        .header("Authorization", &format!("Bearer {token}"))
        .header(APP_REQUEST.0, APP_REQUEST.1);
    read(&untokened(request).await?, bodies::session_info)
}

/// Who the session cookie signs in, if it is still good.
pub async fn current() -> Result<SessionInfo, ApiError> {
    let request = Request::get("/api/session").header(APP_REQUEST.0, APP_REQUEST.1);
    read(&untokened(request).await?, bodies::session_info)
}

/// Ends the session: the cookie is cleared.
pub async fn end() -> Result<(), ApiError> {
    let request = Request::delete("/api/session").header(APP_REQUEST.0, APP_REQUEST.1);
    untokened(request).await.map(|_| ())
}
