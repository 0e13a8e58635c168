//! The app's session (contract §16): `POST /api/session` exchanges the bearer token for
//! the `portal_session` cookie (`HttpOnly; SameSite=Strict; Path=/api`, `Secure` unless
//! over plain HTTP on loopback) that ends with the token; `GET` says who it is;
//! `DELETE` ends it. The cookie stands in for the bearer header only with
//! `X-Portal-Request: 1` ([`crate::auth::credential`]); one the API refuses (expired,
//! tampered) is cleared by [`crate::refusals`].

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use portal_api_types::{ErrorBody, SessionInfo};
use portal_billing::Role;

use crate::auth::{SESSION_COOKIE, SessionUser, credential, from_the_app};
use crate::error::ApiError;

fn info(user: &SessionUser) -> SessionInfo {
    SessionInfo {
        customer_id: user.principal.customer_id.to_string(),
        user_id: user.principal.user_id.to_string(),
        role: match user.principal.role {
            Role::Admin => "admin",
            Role::Member => "member",
        }
        .into(),
        expires_at: user.expires_at,
    }
}

/// Whether cookies sent back over this request's connection may lack `Secure`: plain
/// HTTP from this machine (development); anything else gets `Secure`.
fn plain_loopback(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "http"
        && req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

/// The cookie of `value`, alive `seconds` (0 clears it).
fn session_cookie<'a>(req: &HttpRequest, value: String, seconds: i64) -> Cookie<'a> {
    let mut cookie = Cookie::build(SESSION_COOKIE, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/api")
        .max_age(Duration::seconds(seconds.max(0)))
        .finish();
    cookie.set_secure(!plain_loopback(req));
    cookie
}

/// Starts a session with the bearer token: sets `portal_session`, which ends with the
/// token. A service token is 403.
#[utoipa::path(
    context_path = "/api",
    tag = "app",
    responses(
        (status = 200, body = SessionInfo, description = "Set-Cookie: portal_session"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/session")]
pub async fn start(req: HttpRequest, user: SessionUser) -> Result<HttpResponse, ApiError> {
    let token = credential(&req)?.into_owned();
    let now = chrono::Utc::now().timestamp();
    let left = i64::try_from(user.expires_at).unwrap_or(i64::MAX) - now;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&req, token, left))
        .json(info(&user)))
}

/// Who the session (or bearer token) is.
#[utoipa::path(
    context_path = "/api",
    tag = "app",
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/session")]
pub async fn current(user: SessionUser) -> web::Json<SessionInfo> {
    web::Json(info(&user))
}

/// Ends the session: clears the cookie (whatever it held).
#[utoipa::path(context_path = "/api", tag = "app", responses((status = 204)))]
#[delete("/session")]
pub async fn end(req: HttpRequest) -> HttpResponse {
    HttpResponse::NoContent()
        .cookie(session_cookie(&req, String::new(), 0))
        .finish()
}

/// Whether `req` signed in by the session cookie alone (from the app, no bearer header):
/// a 401 to it clears the cookie ([`crate::refusals`]). A cookie sent without
/// `X-Portal-Request` is refused but kept: another site cannot sign the user out.
pub(crate) fn by_cookie_alone(req: &HttpRequest) -> bool {
    req.cookie(SESSION_COOKIE).is_some()
        && from_the_app(req)
        && !req.headers().contains_key(AUTHORIZATION)
}

/// The cookie that removes the session cookie (expired, tampered).
pub(crate) fn removal(req: &HttpRequest) -> Cookie<'static> {
    session_cookie(req, String::new(), 0)
}
