//! Bearer-token authentication (contract §2): HS256 pinned, `exp` required, and every
//! bad token (missing, malformed, tampered, expired, wrongly signed, `alg: none`, other
//! algorithms, unknown role, user token without `customer_id`) answered with 401.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
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
}

/// Verifies (and, for the CLI, signs) tokens with the shared HS256 secret.
#[derive(Clone)]
pub struct TokenKeys {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    /// Tokens whose signature was checked, by their exact text, with their claims. A page
    /// makes many requests with one token, and decoding and checking it again costs more
    /// than the rest of a cached read. Expiry is checked on every use, hit or not.
    verified: moka::sync::Cache<Box<str>, Claims>,
}

/// How many verified tokens are remembered, and for how long at most.
const VERIFIED_TOKENS: u64 = 10_000;
const VERIFIED_FOR: std::time::Duration = std::time::Duration::from_secs(300);
/// Seconds of clock difference allowed on `exp`.
const LEEWAY: u64 = 5;

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_exp = true;
        validation.leeway = LEEWAY;
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_TOKENS)
                .time_to_live(VERIFIED_FOR)
                .build(),
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(u64::MAX, |d| d.as_secs());
        self.verify_at(token, now)
    }

    fn verify_at(&self, token: &str, now: u64) -> Result<Claims, ApiError> {
        let refused = || ApiError::unauthorized("the token is missing, invalid or expired");
        let claims = match self.verified.get(token) {
            Some(claims) => claims,
            None => {
                let claims =
                    jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                        .map(|data| data.claims)
                        .map_err(|e| {
                            tracing::debug!(error = %e, "token refused");
                            refused()
                        })?;
                self.verified.insert(token.into(), claims.clone());
                claims
            }
        };
        if claims.exp.saturating_add(LEEWAY) < now {
            return Err(refused());
        }
        Ok(claims)
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
    let value = header
        .to_str()
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
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(ApiError::internal)?;
    state.keys.verify(bearer(req)?)
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
    Ok(Principal::new(customer_id, user_id, role))
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
mod tests {
    use super::*;

    fn claims(role: TokenRole, customer: Option<&str>) -> Claims {
        Claims {
            customer_id: customer.map(str::to_owned),
            user_id: Some("user_1".into()),
            role,
            exp: 4_102_444_800, // 2100-01-01
        }
    }

    #[test]
    fn a_remembered_token_is_still_refused_once_it_expires() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let token = keys
            .sign(&Claims {
                exp: now + 60,
                ..claims(TokenRole::Member, Some("cust_a"))
            })
            .unwrap();
        assert!(keys.verify_at(&token, now).is_ok());
        assert!(keys.verify_at(&token, now + 60 + LEEWAY).is_ok());
        let late = keys.verify_at(&token, now + 60 + LEEWAY + 1).unwrap_err();
        assert_eq!(
            actix_web::ResponseError::status_code(&late),
            actix_web::http::StatusCode::UNAUTHORIZED
        );
        // A token differing in one signature character is checked, not taken as known.
        let mut chars: Vec<char> = token.chars().collect();
        let i = chars.len() - 10;
        chars[i] = if chars[i] == 'x' { 'y' } else { 'x' };
        let tampered: String = chars.into_iter().collect();
        assert!(keys.verify_at(&tampered, now).is_err());
    }

    #[test]
    fn a_signed_token_round_trips() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length");
        let token = keys
            .sign(&claims(TokenRole::Admin, Some("cust_a")))
            .unwrap();
        let back = keys.verify(&token).unwrap();
        assert_eq!(back.customer_id.as_deref(), Some("cust_a"));
        let principal = customer_principal(back).unwrap();
        assert_eq!(principal.role, Role::Admin);
    }

    #[test]
    fn another_secret_is_refused() {
        let token = TokenKeys::new(b"one-secret-one-secret-one-secret")
            .sign(&claims(TokenRole::Member, Some("cust_a")))
            .unwrap();
        let err = TokenKeys::new(b"another-secret-another-secret-xx")
            .verify(&token)
            .unwrap_err();
        assert_eq!(err.code, "unauthorized");
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
