//! The token keys (contract §2, §13, §17): HS256 pinned, `exp` required. The user key
//! signs customers' tokens; a separate service key, when configured, is the only key for
//! `service` tokens; previous keys are still accepted while keys rotate. Tokens are bound
//! to this service: `aud` and `iss` must match when configured, `nbf` and `iat` must not
//! lie ahead, and a customer's token may not live longer than the configured maximum.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::auth::{Claims, TokenRole};
use crate::error::ApiError;

/// The secrets, as configured.
#[derive(Clone, Default)]
pub struct KeyRing {
    /// Signs and verifies customers' tokens (`PORTAL_JWT_SECRET`).
    pub current: Vec<u8>,
    /// Still accepted, never used to sign (`PORTAL_JWT_PREVIOUS_SECRETS`).
    pub previous: Vec<Vec<u8>>,
    /// The only key for `service` tokens when set (`PORTAL_SERVICE_JWT_SECRET`); without
    /// it, service tokens are signed with the user key.
    pub service: Option<Vec<u8>>,
    /// What binds a token to this service (§17).
    pub binding: TokenBinding,
}

/// `PORTAL_JWT_AUDIENCE`, `PORTAL_JWT_ISSUER`, `PORTAL_JWT_MAX_TTL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBinding {
    /// When set, every token's `aud` must be (or include) it.
    pub audience: Option<String>,
    /// When set, every token's `iss` must be it.
    pub issuer: Option<String>,
    /// The longest a customer's token may still have to live, in seconds.
    pub max_ttl: u64,
}

/// A day: the longest a customer's token may live unless configured otherwise.
pub const DEFAULT_MAX_TTL: u64 = 86_400;

impl Default for TokenBinding {
    fn default() -> Self {
        Self {
            audience: None,
            issuer: None,
            max_ttl: DEFAULT_MAX_TTL,
        }
    }
}

struct Key {
    decoding: DecodingKey,
    encoding: EncodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> Self {
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
        }
    }
}

/// Verifies (and, for the CLI, signs) tokens.
#[derive(Clone)]
pub struct TokenKeys {
    inner: std::sync::Arc<Keys>,
    /// Tokens whose signature was checked, by their exact text, with their claims. A page
    /// makes many requests with one token, and decoding and checking it again costs more
    /// than the rest of a cached read. Expiry is checked on every use, hit or not.
    verified: moka::sync::Cache<Box<str>, Claims>,
}

struct Keys {
    /// The current user key first, then the previous ones.
    user: Vec<Key>,
    service: Option<Key>,
    validation: Validation,
    binding: TokenBinding,
}

/// How many verified tokens are remembered, and for how long at most.
const VERIFIED_TOKENS: u64 = 10_000;
const VERIFIED_FOR: std::time::Duration = std::time::Duration::from_secs(300);
/// Seconds of clock difference allowed on `exp`.
pub(crate) const LEEWAY: u64 = 5;

impl TokenKeys {
    /// One key for every token.
    pub fn new(secret: &[u8]) -> Self {
        Self::with_ring(&KeyRing {
            current: secret.to_vec(),
            ..KeyRing::default()
        })
    }

    pub fn with_ring(ring: &KeyRing) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        let mut required = vec!["exp"];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY;
        match &ring.binding.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &ring.binding.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        let user = std::iter::once(&ring.current)
            .chain(&ring.previous)
            .map(|secret| Key::new(secret))
            .collect();
        Self {
            inner: std::sync::Arc::new(Keys {
                user,
                service: ring.service.as_deref().map(Key::new),
                validation,
                binding: ring.binding.clone(),
            }),
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_TOKENS)
                .time_to_live(VERIFIED_FOR)
                .build(),
        }
    }

    /// Signs with the key of the claims' role: the service key for service tokens when
    /// there is one, else the current user key. The configured `aud` and `iss` are added
    /// where the claims leave them out.
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        let key = match (&self.inner.service, claims.role) {
            (Some(service), TokenRole::Service) => service,
            _ => self.inner.user.first().ok_or(ErrorKind::InvalidKeyFormat)?,
        };
        let binding = &self.inner.binding;
        let claims = Claims {
            aud: claims
                .aud
                .clone()
                .or_else(|| binding.audience.clone().map(crate::auth::Audience::One)),
            iss: claims.iss.clone().or_else(|| binding.issuer.clone()),
            ..claims.clone()
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(u64::MAX, |d| d.as_secs());
        self.verify_at(token, now)
    }

    pub(crate) fn verify_at(&self, token: &str, now: u64) -> Result<Claims, ApiError> {
        let claims = match self.verified.get(token) {
            Some(claims) => claims,
            None => {
                let claims = self.inner.decode(token)?;
                self.verified.insert(token.into(), claims.clone());
                claims
            }
        };
        if claims.exp.saturating_add(LEEWAY) < now {
            return Err(expired());
        }
        // Issued in the future: not a token of a clock we agree with.
        if claims
            .iat
            .is_some_and(|iat| iat > now.saturating_add(LEEWAY))
        {
            return Err(refused());
        }
        let lives = claims.exp.saturating_sub(now);
        if claims.role != TokenRole::Service
            && lives > self.inner.binding.max_ttl.saturating_add(LEEWAY)
        {
            tracing::debug!(lives, "a customer token living too long refused");
            return Err(too_long());
        }
        Ok(claims)
    }
}

/// A token that is not one of ours: malformed, tampered, wrongly signed, of a role its
/// key may not sign (§16: "invalid", told apart from "expired").
fn refused() -> ApiError {
    ApiError::unauthorized("the token is invalid")
}

/// A customer token whose `exp` lies further ahead than this service accepts.
fn too_long() -> ApiError {
    ApiError::unauthorized("the token is valid for longer than this service accepts")
}

/// A token of ours whose `exp` has passed.
fn expired() -> ApiError {
    ApiError::unauthorized("the token has expired; sign in again")
}

impl Keys {
    /// The claims of a token signed with a key its role may use.
    fn decode(&self, token: &str) -> Result<Claims, ApiError> {
        let check = |key: &Key| {
            jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
                .map(|data| data.claims)
        };
        if let Some(service) = &self.service {
            match check(service) {
                Ok(claims) if claims.role == TokenRole::Service => return Ok(claims),
                // The service key signs nothing else.
                Ok(_) => return Err(refused()),
                Err(e) if *e.kind() == ErrorKind::InvalidSignature => {}
                Err(e) => return Err(refused_because(&e)),
            }
        }
        for key in &self.user {
            match check(key) {
                Ok(claims) if claims.role == TokenRole::Service && self.service.is_some() => {
                    tracing::debug!("a service token signed with the user key refused");
                    return Err(refused());
                }
                Ok(claims) => return Ok(claims),
                // Signed with another key: maybe the next one.
                Err(e) if *e.kind() == ErrorKind::InvalidSignature => {}
                // The signature matched (it is checked first) or the token is malformed.
                Err(e) => return Err(refused_because(&e)),
            }
        }
        tracing::debug!("token refused: signed with no known key");
        Err(refused())
    }
}

fn refused_because(e: &jsonwebtoken::errors::Error) -> ApiError {
    tracing::debug!(error = %e, "token refused");
    if *e.kind() == ErrorKind::ExpiredSignature {
        expired()
    } else {
        refused()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tests::claims;

    const USER: &[u8] = b"user-key-user-key-user-key-user-key";
    const OLD: &[u8] = b"old-key-old-key-old-key-old-key-old";
    const SERVICE: &[u8] = b"service-key-service-key-service-key";

    fn ring() -> TokenKeys {
        TokenKeys::with_ring(&KeyRing {
            current: USER.to_vec(),
            previous: vec![OLD.to_vec()],
            service: Some(SERVICE.to_vec()),
            binding: TokenBinding::default(),
        })
    }

    #[test]
    fn tokens_of_a_previous_key_are_accepted_while_keys_rotate() {
        let old = TokenKeys::new(OLD)
            .sign(&claims(TokenRole::Member, Some("cust_a")))
            .unwrap();
        assert!(ring().verify(&old).is_ok());
        // New tokens are signed with the current key.
        let new = ring()
            .sign(&claims(TokenRole::Member, Some("cust_a")))
            .unwrap();
        assert!(TokenKeys::new(USER).verify(&new).is_ok());
        assert!(TokenKeys::new(OLD).verify(&new).is_err());
    }

    #[test]
    fn with_a_service_key_only_it_signs_service_tokens() {
        let keys = ring();
        let by_user_key = TokenKeys::new(USER)
            .sign(&claims(TokenRole::Service, None))
            .unwrap();
        assert_eq!(keys.verify(&by_user_key).unwrap_err().code, "unauthorized");
        let by_old_key = TokenKeys::new(OLD)
            .sign(&claims(TokenRole::Service, None))
            .unwrap();
        assert_eq!(keys.verify(&by_old_key).unwrap_err().code, "unauthorized");
        let by_service_key = keys.sign(&claims(TokenRole::Service, None)).unwrap();
        assert_eq!(
            keys.verify(&by_service_key).unwrap().role,
            TokenRole::Service
        );
        assert!(TokenKeys::new(USER).verify(&by_service_key).is_err());
        // The service key signs no customer's token.
        let admin_by_service_key = TokenKeys::new(SERVICE)
            .sign(&claims(TokenRole::Admin, Some("cust_a")))
            .unwrap();
        assert_eq!(
            keys.verify(&admin_by_service_key).unwrap_err().code,
            "unauthorized"
        );
    }

    #[test]
    fn a_remembered_token_is_still_refused_once_it_expires() {
        let keys = TokenKeys::new(USER);
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
    fn another_secret_is_refused() {
        let token = TokenKeys::new(USER)
            .sign(&claims(TokenRole::Member, Some("cust_a")))
            .unwrap();
        let err = TokenKeys::new(OLD).verify(&token).unwrap_err();
        assert_eq!(err.code, "unauthorized");
    }
}
