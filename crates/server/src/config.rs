//! Configuration from the environment (and an optional `.env`). Every setting is checked
//! before anything starts; a bad one is reported in one line that names the variable.

use portal_domain::BusinessCalendar;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://portal.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The internal listener (§17): `/api/internal/*`, `/metrics`, the probes.
pub const DEFAULT_INTERNAL_BIND: &str = "127.0.0.1:9090";
/// HS256 keys shorter than this are refused: they can be brute-forced.
pub const MIN_SECRET_BYTES: usize = 32;
/// Requests per second per customer token (and per client address without one).
pub const DEFAULT_RATE_LIMIT: u32 = 50;

pub use crate::config_error::ConfigError;
pub use crate::config_seller::SellerSettings;

/// The HS256 key; its `Debug` prints no secret.
#[derive(Clone, Debug)]
pub struct JwtSecret(SecretString);

impl JwtSecret {
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Holds the database's password when it has one: printed as a secret.
    pub database_url: SecretString,
    pub redis_url: Option<SecretString>,
    pub jwt_secret: Option<JwtSecret>,
    /// The only key for service tokens, when set.
    pub service_jwt_secret: Option<JwtSecret>,
    /// Keys still accepted while keys rotate.
    pub previous_jwt_secrets: Vec<JwtSecret>,
    /// Requests per second per token or client address (`PORTAL_RATE_LIMIT`).
    pub rate_limit: u32,
    pub bind: SocketAddr,
    /// `PORTAL_INTERNAL_BIND`: the platform's calls, metrics and probes (§17).
    pub internal_bind: SocketAddr,
    pub allowed_parent_origins: Vec<String>,
    pub static_dir: PathBuf,
    /// `PORTAL_DEMO_SIGN_IN=true`: the app offers a sign-in as the demo customer.
    pub demo_sign_in: bool,
    /// The issuer printed on invoices (`PORTAL_SELLER_*`); unset fields use demo values.
    pub seller: SellerSettings,
    /// `PORTAL_TIME_ZONE`: the business calendar (contract §9).
    pub calendar: BusinessCalendar,
    /// E-mail and webhooks (contract §11).
    pub delivery: crate::delivery::DeliverySettings,
    /// `PORTAL_ENTITLEMENT_TTL_MS` (0–1000, default 250): how long an entitlement answer
    /// is kept in the process; another instance's changes show within it.
    pub entitlement_ttl: std::time::Duration,
    /// `PORTAL_PAY_TO_ACCOUNT_NAME`, `_BANK_NAME`, `_ACCOUNT_NUMBER`: where customers pay
    /// (§15); unset fields use the demo operator's.
    pub pay_to: portal_billing::PayTo,
    /// `PORTAL_SUSPEND_AFTER_DAYS` (0–365, default 15; 0 never): days an invoice may be
    /// overdue before the entitlement check suspends every product (§15).
    pub suspend_after_days: u32,
    /// `PORTAL_BILLING_RUN_AT` (`HH:MM` business time on the 1st, default `00:05`; `off`):
    /// when `portal serve` starts each month's billing run, once across instances.
    pub billing_run_at: Option<chrono::NaiveTime>,
    /// `PORTAL_JWT_AUDIENCE`, `PORTAL_JWT_ISSUER`, `PORTAL_JWT_MAX_TTL` (§17).
    pub token_binding: portal_http::TokenBinding,
    /// `PORTAL_TRUSTED_PROXIES` (§17).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Settings {
    /// Reads the process environment (after loading `.env` if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is not silently half-read.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError::new(".env", e.to_string())),
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let is_sqlite = database_url.starts_with("sqlite:");
        let is_postgres =
            database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        if !is_sqlite && !is_postgres {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }

        let redis_url = get("REDIS_URL")
            .map(|raw| crate::config_urls::redis_urls(&raw))
            .transpose()?;

        let jwt_secret = lookup("PORTAL_JWT_SECRET")
            .map(|s| secret("PORTAL_JWT_SECRET", s))
            .transpose()?;
        let service_jwt_secret = get("PORTAL_SERVICE_JWT_SECRET")
            .map(|s| secret("PORTAL_SERVICE_JWT_SECRET", s))
            .transpose()?;
        let previous_jwt_secrets = get("PORTAL_JWT_PREVIOUS_SECRETS")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| secret("PORTAL_JWT_PREVIOUS_SECRETS", s.to_owned()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let rate_limit = match get("PORTAL_RATE_LIMIT") {
            None => DEFAULT_RATE_LIMIT,
            Some(raw) => raw.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::new(
                    "PORTAL_RATE_LIMIT",
                    format!("'{raw}' is not a positive number of requests per second"),
                )
            })?,
        };

        let bind = crate::config_urls::listen_address(get, "PORTAL_BIND", DEFAULT_BIND)?;
        let internal_bind =
            crate::config_urls::listen_address(get, "PORTAL_INTERNAL_BIND", DEFAULT_INTERNAL_BIND)?;
        if bind == internal_bind && bind.port() != 0 {
            return Err(ConfigError::new(
                "PORTAL_INTERNAL_BIND",
                format!(
                    "'{internal_bind}' is PORTAL_BIND's address; the internal listener needs its own"
                ),
            ));
        }

        let allowed_parent_origins = get("PORTAL_ALLOWED_PARENT_ORIGINS")
            .map(|raw| crate::config_urls::parse_origins(&raw))
            .transpose()?
            .unwrap_or_default();

        let static_dir = PathBuf::from(get("PORTAL_STATIC_DIR").unwrap_or_else(|| "dist".into()));

        let demo_sign_in = match get("PORTAL_DEMO_SIGN_IN").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "PORTAL_DEMO_SIGN_IN",
                    format!("'{other}' is not true or false"),
                ));
            }
        };
        if is_postgres {
            crate::config_tokens::require_service_key(
                jwt_secret.as_ref().map(JwtSecret::expose),
                service_jwt_secret.as_ref().map(JwtSecret::expose),
            )?;
        }
        if demo_sign_in && is_postgres {
            return Err(ConfigError::new(
                "PORTAL_DEMO_SIGN_IN",
                "is for demo servers on SQLite only: anyone could sign in as the demo customer of a real PostgreSQL database",
            ));
        }

        let zone = get("PORTAL_TIME_ZONE");
        let calendar = match zone.as_deref() {
            None => BusinessCalendar::default(),
            Some(name) => BusinessCalendar::parse(name).ok_or_else(|| {
                ConfigError::new(
                    "PORTAL_TIME_ZONE",
                    format!("'{name}' is not an IANA time zone like Asia/Shanghai"),
                )
            })?,
        };

        let seller = SellerSettings::from_lookup(get);

        let delivery = crate::delivery::DeliverySettings::from_lookup(get)?;
        let entitlement_ttl = match get("PORTAL_ENTITLEMENT_TTL_MS") {
            None => portal_billing::ENTITLEMENT_MEMO_TTL,
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(ms) if ms <= 1000 => std::time::Duration::from_millis(ms),
                _ => {
                    return Err(ConfigError::new(
                        "PORTAL_ENTITLEMENT_TTL_MS",
                        "must be a whole number of milliseconds from 0 to 1000",
                    ));
                }
            },
        };

        let (suspend_after_days, pay_to) = crate::config_receivables::from_lookup(get)?;
        Ok(Self {
            billing_run_at: crate::config_schedule::billing_run_at(get)?,
            token_binding: crate::config_tokens::token_binding(get)?,
            trusted_proxies: crate::config_limits::trusted_proxies(get)?,
            suspend_after_days,
            pay_to,
            delivery,
            entitlement_ttl,
            calendar,
            seller,
            demo_sign_in,
            database_url: SecretString::from(database_url),
            redis_url: redis_url.map(SecretString::from),
            jwt_secret,
            service_jwt_secret,
            previous_jwt_secrets,
            rate_limit,
            bind,
            internal_bind,
            allowed_parent_origins,
            static_dir,
        })
    }

    /// The key, required by `serve` and `token`.
    /// Every key, for verifying and signing tokens.
    pub fn key_ring(&self) -> Result<portal_http::KeyRing, ConfigError> {
        Ok(portal_http::KeyRing {
            current: self.require_secret()?.expose().to_vec(),
            previous: self
                .previous_jwt_secrets
                .iter()
                .map(|s| s.expose().to_vec())
                .collect(),
            service: self
                .service_jwt_secret
                .as_ref()
                .map(|s| s.expose().to_vec()),
            binding: self.token_binding.clone(),
        })
    }

    pub fn require_secret(&self) -> Result<&JwtSecret, ConfigError> {
        self.jwt_secret.as_ref().ok_or_else(|| {
            ConfigError::new(
                "PORTAL_JWT_SECRET",
                "is not set; it is the HS256 key shared with the platform's security module (for development, `just dev-env` writes one to .env)",
            )
        })
    }
}

/// `scheme://host[:port]`, exactly as a browser reports an origin.
/// A key of at least [`MIN_SECRET_BYTES`] bytes.
fn secret(variable: &'static str, value: String) -> Result<JwtSecret, ConfigError> {
    if value.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::new(
            variable,
            format!("must be at least {MIN_SECRET_BYTES} bytes"),
        ));
    }
    Ok(JwtSecret(SecretString::from(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn debug_prints_no_secret() {
        let s = settings(&[
            (
                "DATABASE_URL",
                "postgres://portal:db-password-1@localhost/portal",
            ),
            ("REDIS_URL", "redis://:redis-password-2@localhost:6379"),
            (
                "PORTAL_JWT_SECRET",
                "jwt-secret-3-jwt-secret-3-jwt-secret-3",
            ),
            (
                "PORTAL_SERVICE_JWT_SECRET",
                "service-secret-4-service-secret-4-xx",
            ),
            (
                "PORTAL_JWT_PREVIOUS_SECRETS",
                "previous-secret-5-previous-secret-5",
            ),
            (
                "PORTAL_SMTP_URL",
                "smtps://mail:smtp-password-6@smtp.example.com:465",
            ),
            ("PORTAL_MAIL_FROM", "billing@example.com"),
            ("PORTAL_WEBHOOK_URL", "https://hooks.example.com/portal"),
            ("PORTAL_WEBHOOK_SECRET", "webhook-secret-7-webhook"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        // Each secret of the configuration, none of which may be printed.
        let secrets = "db-password-1 redis-password-2 jwt-secret-3 service-secret-4 previous-secret-5 smtp-password-6 webhook-secret-7";
        for secret in secrets.split(' ') {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("hooks.example.com"), "the rest is printed");
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(s.internal_bind.to_string(), DEFAULT_INTERNAL_BIND);
        assert!(s.redis_url.is_none());
        assert!(s.allowed_parent_origins.is_empty());
        assert_eq!(
            s.require_secret().unwrap_err().variable,
            "PORTAL_JWT_SECRET"
        );
    }

    #[test]
    fn each_bad_setting_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "http://x"),
            ("PORTAL_JWT_SECRET", "short"),
            // 31 bytes: one short of the minimum.
            ("PORTAL_JWT_SECRET", "0123456789012345678901234567890"),
            ("PORTAL_SERVICE_JWT_SECRET", "short"),
            (
                "PORTAL_JWT_PREVIOUS_SECRETS",
                "0123456789012345678901234567890123,short",
            ),
            ("PORTAL_RATE_LIMIT", "0"),
            ("PORTAL_RATE_LIMIT", "many"),
            ("PORTAL_DEMO_SIGN_IN", "yes"),
            ("PORTAL_BIND", "localhost"),
            ("PORTAL_INTERNAL_BIND", "9090"),
            // The public listener's own address.
            ("PORTAL_INTERNAL_BIND", DEFAULT_BIND),
            ("PORTAL_TIME_ZONE", "+08:00"),
            ("PORTAL_TIME_ZONE", "China Standard Time"),
            ("PORTAL_ALLOWED_PARENT_ORIGINS", "https://ok.example.com,*"),
            (
                "PORTAL_ALLOWED_PARENT_ORIGINS",
                "https://a.example.com/path",
            ),
        ];
        for (var, value) in cases {
            let err = settings(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().starts_with(var));
        }
    }

    #[test]
    fn redis_url_is_one_server_or_the_nodes_of_a_cluster() {
        let url = |v: &str| {
            settings(&[("REDIS_URL", v)]).map(|s| s.redis_url.map(|u| u.expose_secret().to_owned()))
        };
        assert_eq!(
            url("redis://127.0.0.1:6379").unwrap().as_deref(),
            Some("redis://127.0.0.1:6379")
        );
        assert_eq!(
            url("redis://10.0.0.1:7000, redis://10.0.0.2:7001 ,rediss://:pw@10.0.0.3:7002")
                .unwrap()
                .as_deref(),
            Some("redis://10.0.0.1:7000,redis://10.0.0.2:7001,rediss://:pw@10.0.0.3:7002")
        );
        for bad in [
            "redis://a:1,http://b:2",
            "redis://a:1,",
            "redis://a:1,,redis://b:2",
            "redis://a:1,redis://",
            "redis://:6379",
            "a:1,b:2",
        ] {
            let err = url(bad).unwrap_err();
            assert_eq!(err.variable, "REDIS_URL", "{bad}");
            assert!(err.to_string().starts_with("REDIS_URL: "), "{err}");
        }
    }

    #[test]
    fn origins_are_split_and_trimmed() {
        let s = settings(&[(
            "PORTAL_ALLOWED_PARENT_ORIGINS",
            "https://wb.example.com, http://localhost:9000",
        )])
        .unwrap();
        assert_eq!(
            s.allowed_parent_origins,
            ["https://wb.example.com", "http://localhost:9000"]
        );
    }

    #[test]
    fn the_secret_is_never_printed() {
        let s = settings(&[
            ("PORTAL_JWT_SECRET", "super-secret-value-123-super-secret"),
            (
                "PORTAL_SERVICE_JWT_SECRET",
                "service-secret-value-service-secret",
            ),
            (
                "PORTAL_JWT_PREVIOUS_SECRETS",
                "old-secret-value-old-secret-value-old",
            ),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("super-secret"), "{printed}");
        assert!(!printed.contains("service-secret"), "{printed}");
        assert!(!printed.contains("old-secret"), "{printed}");
    }

    #[test]
    fn the_key_ring_holds_every_key_and_a_32_byte_key_is_enough() {
        let s = settings(&[
            ("PORTAL_JWT_SECRET", "01234567890123456789012345678901"),
            (
                "PORTAL_SERVICE_JWT_SECRET",
                "s1234567890123456789012345678901",
            ),
            (
                "PORTAL_JWT_PREVIOUS_SECRETS",
                " a1234567890123456789012345678901 , b1234567890123456789012345678901",
            ),
        ])
        .unwrap();
        let ring = s.key_ring().unwrap();
        assert_eq!(ring.current, b"01234567890123456789012345678901");
        assert_eq!(ring.previous.len(), 2);
        assert_eq!(ring.previous[1], b"b1234567890123456789012345678901");
        assert_eq!(
            ring.service.as_deref(),
            Some(&b"s1234567890123456789012345678901"[..])
        );
        assert_eq!(s.rate_limit, DEFAULT_RATE_LIMIT);
    }

    #[test]
    fn the_demo_sign_in_is_refused_with_postgresql() {
        let pg = [
            ("DATABASE_URL", "postgres://localhost/portal"),
            (
                "PORTAL_JWT_SECRET",
                "user-key-0123456789-user-key-0123456789",
            ),
            (
                "PORTAL_SERVICE_JWT_SECRET",
                "service-key-0123456789-service-key-0123",
            ),
        ];
        let err = settings(&[pg[0], pg[1], pg[2], ("PORTAL_DEMO_SIGN_IN", "true")]).unwrap_err();
        assert_eq!(err.variable, "PORTAL_DEMO_SIGN_IN");
        assert!(
            settings(&[("PORTAL_DEMO_SIGN_IN", "true")])
                .unwrap()
                .demo_sign_in
        );
        assert!(settings(&pg).unwrap().redis_url.is_none());
    }
}
