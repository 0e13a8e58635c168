//! Bearer-token authentication (contract §2): HS256 pinned, `exp` required, and every
//! bad token (missing, malformed, tampered, expired, wrongly signed, `alg: none`, other
//! algorithms, unknown role, user token without `customer_id`) answered with 401. The
//! session cookie of §16 carries the same token, and stands in for the header only on
//! requests that say `X-Portal-Request: 1` (no cross-site form can send that).

use std::borrow::Cow;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use portal_billing::{PlatformCaller, Principal, Role};
use portal_domain::{CustomerId, UserId};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::ApiError;

/// The role claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenRole {
    Admin,
    Member,
    /// The platform's own services (internal API only).
    Service,
}

/// The claims of a portal token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub role: TokenRole,
    /// Seconds since the Unix epoch.
    pub exp: u64,
    /// The user's name (optional): the change history names the user by it (§16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Seconds since the Unix epoch when it was issued; never ahead of now (§17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Who it is for (`PORTAL_JWT_AUDIENCE`, §17): one audience or several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Who issued it (`PORTAL_JWT_ISSUER`, §17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// A token's `aud`: one audience, or a list (RFC 7519 allows both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The session cookie's name (§16).
pub const SESSION_COOKIE: &str = "portal_session";
/// The header that lets the session cookie stand in for the bearer header (§16).
pub const APP_REQUEST_HEADER: &str = "x-portal-request";

/// Whether the request says it comes from the app (`X-Portal-Request: 1`).
pub(crate) fn from_the_app(req: &HttpRequest) -> bool {
    req.headers()
        .get(APP_REQUEST_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1")
}

/// The request's token: the bearer header, else the session cookie on a request from
/// the app. A cookie without `X-Portal-Request: 1` is refused and used for nothing.
pub(crate) fn credential(req: &HttpRequest) -> Result<Cow<'_, str>, ApiError> {
    if req.headers().contains_key(AUTHORIZATION) {
        return bearer(req).map(Cow::Borrowed);
    }
    match req.cookie(SESSION_COOKIE) {
        Some(cookie) if from_the_app(req) && !cookie.value().is_empty() => {
            Ok(Cow::Owned(cookie.value().to_owned()))
        }
        Some(_) => Err(ApiError::unauthorized(
            "the session cookie is accepted only with the X-Portal-Request: 1 header",
        )),
        None => bearer(req).map(Cow::Borrowed),
    }
}

pub(crate) fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
    // UTF-8 checked in one pass (a header value holds no control characters but tabs;
    // `to_str`'s visible-ASCII test per byte cost as much as the rest of the parse). A
    // token with other than ASCII fails its verification.
    let value = std::str::from_utf8(header.as_bytes())
        .map_err(|_| ApiError::unauthorized("the Authorization header is malformed"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthorized(
            "the Authorization header must be 'Bearer <token>'",
        )),
    }
}

fn claims_of(req: &HttpRequest) -> Result<Claims, ApiError> {
    // Verified already by the rate limiter in front of the handler: taken, not copied
    // (one extractor per request reads the claims).
    if let Some(claims) = req.extensions_mut().remove::<Claims>() {
        return Ok(claims);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(ApiError::internal)?;
    state.keys.verify(&credential(req)?)
}

/// A customer's user, from a valid `admin` or `member` token.
pub struct CustomerUser(pub Principal);

fn customer_principal(claims: Claims) -> Result<Principal, ApiError> {
    let role = match claims.role {
        TokenRole::Admin => Role::Admin,
        TokenRole::Member => Role::Member,
        TokenRole::Service => {
            return Err(ApiError::forbidden(
                "service tokens may not use the customer portal API",
            ));
        }
    };
    let bad = || ApiError::unauthorized("the token lacks a valid customer_id or user_id");
    let customer_id = claims
        .customer_id
        .as_deref()
        .and_then(|c| CustomerId::parse(c).ok())
        .ok_or_else(bad)?;
    let user_id = claims
        .user_id
        .as_deref()
        .and_then(|u| UserId::parse(u).ok())
        .ok_or_else(bad)?;
    let mut principal = Principal::new(customer_id, user_id, role);
    principal.name = claims.name.as_deref().and_then(display_name);
    Ok(principal)
}

/// The longest name the history keeps of a user.
const MAX_USER_NAME: usize = 64;

/// A token's `name` as the history shows it: trimmed, without control characters, at
/// most 64 characters; `None` when nothing is left.
fn display_name(raw: &str) -> Option<String> {
    let name: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_NAME)
        .collect::<String>()
        .trim()
        .to_owned();
    (!name.is_empty()).then_some(name)
}

impl FromRequest for CustomerUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            claims_of(req)
                .and_then(customer_principal)
                .map(CustomerUser),
        )
    }
}

/// A customer's user and when their token ends: what a session (§16) is made of.
pub struct SessionUser {
    pub principal: Principal,
    /// The token's `exp`.
    pub expires_at: u64,
}

impl FromRequest for SessionUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(claims_of(req).and_then(|claims| {
            let expires_at = claims.exp;
            customer_principal(claims).map(|principal| SessionUser {
                principal,
                expires_at,
            })
        }))
    }
}

/// One of the platform's services, from a valid `service` token; a user's token is 403.
pub struct ServiceCaller(pub PlatformCaller);

fn platform_caller(claims: Claims) -> Result<PlatformCaller, ApiError> {
    match claims.role {
        TokenRole::Service => Ok(PlatformCaller {
            name: claims.user_id.unwrap_or_else(|| "service".into()),
        }),
        TokenRole::Admin | TokenRole::Member => Err(ApiError::forbidden(
            "the internal API is for the platform's services only",
        )),
    }
}

impl FromRequest for ServiceCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(claims_of(req).and_then(platform_caller).map(ServiceCaller))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::TokenKeys;

    /// Claims of user `user_1` that expire in 2100.
    pub(crate) fn claims(role: TokenRole, customer: Option<&str>) -> Claims {
        Claims {
            customer_id: customer.map(str::to_owned),
            user_id: Some("user_1".into()),
            role,
            // Ten minutes ahead: within the longest a customer's token may live.
            exp: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                + 600,
            name: None,
            iat: None,
            aud: None,
            iss: None,
        }
    }

    #[test]
    fn a_signed_token_round_trips() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length-32b");
        let token = keys
            .sign(&claims(TokenRole::Admin, Some("cust_a")))
            .unwrap();
        let back = keys.verify(&token).unwrap();
        assert_eq!(back.customer_id.as_deref(), Some("cust_a"));
        let principal = customer_principal(back).unwrap();
        assert_eq!(principal.role, Role::Admin);
    }

    #[test]
    fn user_tokens_need_a_customer_and_service_tokens_are_forbidden() {
        assert_eq!(
            customer_principal(claims(TokenRole::Admin, None))
                .unwrap_err()
                .code,
            "unauthorized"
        );
        assert_eq!(
            customer_principal(claims(TokenRole::Member, Some("bad id")))
                .unwrap_err()
                .code,
            "unauthorized"
        );
        assert_eq!(
            customer_principal(claims(TokenRole::Service, None))
                .unwrap_err()
                .code,
            "forbidden"
        );
    }
}
