//! `PORTAL_JWT_AUDIENCE`, `PORTAL_JWT_ISSUER`, `PORTAL_JWT_MAX_TTL` (§17): what binds a
//! token to this service.

use portal_http::{DEFAULT_MAX_TTL, TokenBinding};

use crate::config_error::ConfigError;

/// The shortest and longest maximum lifetime a customer's token may be given.
const MAX_TTL_RANGE: std::ops::RangeInclusive<u64> = 60..=31_536_000;

pub fn token_binding(get: impl Fn(&str) -> Option<String>) -> Result<TokenBinding, ConfigError> {
    let text = |name: &'static str| -> Result<Option<String>, ConfigError> {
        match get(name).map(|raw| raw.trim().to_owned()) {
            None => Ok(None),
            Some(value) if value.is_empty() || value.chars().any(char::is_control) => Err(
                ConfigError::new(name, "must be a non-empty text without control characters"),
            ),
            Some(value) => Ok(Some(value)),
        }
    };
    let max_ttl = match get("PORTAL_JWT_MAX_TTL") {
        None => DEFAULT_MAX_TTL,
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| MAX_TTL_RANGE.contains(s))
            .ok_or_else(|| {
                ConfigError::new(
                    "PORTAL_JWT_MAX_TTL",
                    "must be a number of seconds from 60 to 31536000 (default 86400)",
                )
            })?,
    };
    Ok(TokenBinding {
        audience: text("PORTAL_JWT_AUDIENCE")?,
        issuer: text("PORTAL_JWT_ISSUER")?,
        max_ttl,
    })
}

/// With PostgreSQL (a production database, §17): the platform's service tokens take a
/// key of their own, distinct from the customers' (`user`), so that no customer-token
/// key can sign one.
pub fn require_service_key(user: Option<&[u8]>, service: Option<&[u8]>) -> Result<(), ConfigError> {
    match (user, service) {
        (Some(user), Some(service)) if user != service => Ok(()),
        (None, Some(_)) => Ok(()),
        _ => Err(ConfigError::new(
            "PORTAL_SERVICE_JWT_SECRET",
            "must be set, and differ from PORTAL_JWT_SECRET, with a PostgreSQL DATABASE_URL",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<TokenBinding, ConfigError> {
        token_binding(|k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn unset_binds_nothing_but_a_day_of_life() {
        assert_eq!(read(&[]).unwrap(), TokenBinding::default());
        assert_eq!(TokenBinding::default().max_ttl, 86_400);
        let set = read(&[
            ("PORTAL_JWT_AUDIENCE", "customer-portal"),
            ("PORTAL_JWT_ISSUER", " https://sso.example.com "),
            ("PORTAL_JWT_MAX_TTL", "3600"),
        ])
        .unwrap();
        assert_eq!(set.audience.as_deref(), Some("customer-portal"));
        assert_eq!(set.issuer.as_deref(), Some("https://sso.example.com"));
        assert_eq!(set.max_ttl, 3600);
    }

    #[test]
    fn postgresql_needs_a_service_key_of_its_own() {
        assert!(require_service_key(Some(b"user"), Some(b"service")).is_ok());
        for (user, service) in [
            (Some(&b"user"[..]), None),
            (Some(&b"same"[..]), Some(&b"same"[..])),
            (None, None),
        ] {
            let err = require_service_key(user, service).unwrap_err();
            assert_eq!(err.variable, "PORTAL_SERVICE_JWT_SECRET");
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("PORTAL_JWT_MAX_TTL", "0"),
            ("PORTAL_JWT_MAX_TTL", "a day"),
            ("PORTAL_JWT_MAX_TTL", "99999999999"),
            ("PORTAL_JWT_AUDIENCE", " "),
            ("PORTAL_JWT_ISSUER", ""),
        ] {
            assert_eq!(read(&[(name, value)]).unwrap_err().variable, name);
        }
    }
}
