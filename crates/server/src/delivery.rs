//! E-mail and webhooks (contract §11): their settings, the adapters they select, and the
//! runner that hands the outbox's due messages to them.

use std::sync::Arc;
use std::time::Duration;

use portal_billing::Portal;
use portal_billing::ports::{Mailer, WebhookSender};
use portal_notify::{HttpWebhookSender, SmtpMailer};
use secrecy::{ExposeSecret, SecretString};

use crate::config_error::ConfigError;

/// The shortest webhook secret accepted.
const MIN_WEBHOOK_SECRET_BYTES: usize = 16;
/// How often the runner looks for due messages when the last pass found few.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long the runner waits after the outbox could not be read.
const AFTER_FAILURE: Duration = Duration::from_secs(2);

/// `PORTAL_SMTP_URL`, `PORTAL_MAIL_FROM`, `PORTAL_WEBHOOK_URL`, `PORTAL_WEBHOOK_SECRET`,
/// `PORTAL_WEBHOOK_PREVIOUS_SECRET`. Its `Debug` prints neither the SMTP URL (it holds the
/// password) nor the secrets.
#[derive(Clone, Default, Debug)]
pub struct DeliverySettings {
    pub smtp_url: Option<SecretString>,
    pub mail_from: Option<String>,
    pub webhook_url: Option<String>,
    webhook_secret: Option<SecretString>,
    /// While set, each webhook carries a second signature with it (§17: receivers rotate
    /// the secret without a gap).
    webhook_previous_secret: Option<SecretString>,
}

/// Whether `url` (`http://…`) names a loopback host: `localhost`, `127.0.0.0/8`, `[::1]`.
fn on_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl DeliverySettings {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let smtp_url = get("PORTAL_SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError::new(
                "PORTAL_SMTP_URL",
                "must start with smtp:// or smtps://",
            ));
        }
        let mail_from = get("PORTAL_MAIL_FROM");
        if smtp_url.is_some() && mail_from.is_none() {
            return Err(ConfigError::new(
                "PORTAL_MAIL_FROM",
                "must be set with PORTAL_SMTP_URL (the sender, e.g. 客户控制台 <billing@example.com>)",
            ));
        }
        let webhook_url = get("PORTAL_WEBHOOK_URL");
        if let Some(url) = &webhook_url
            && !(url.starts_with("https://") || on_loopback(url))
        {
            return Err(ConfigError::new(
                "PORTAL_WEBHOOK_URL",
                "must start with https:// (http:// only on loopback: localhost, 127.0.0.1, [::1])",
            ));
        }
        let webhook_secret = get("PORTAL_WEBHOOK_SECRET");
        if webhook_url.is_some()
            && webhook_secret
                .as_ref()
                .is_none_or(|s| s.len() < MIN_WEBHOOK_SECRET_BYTES)
        {
            return Err(ConfigError::new(
                "PORTAL_WEBHOOK_SECRET",
                format!(
                    "must be set with PORTAL_WEBHOOK_URL, at least {MIN_WEBHOOK_SECRET_BYTES} bytes"
                ),
            ));
        }
        let webhook_previous_secret = get("PORTAL_WEBHOOK_PREVIOUS_SECRET");
        if webhook_previous_secret
            .as_ref()
            .is_some_and(|s| s.len() < MIN_WEBHOOK_SECRET_BYTES)
        {
            return Err(ConfigError::new(
                "PORTAL_WEBHOOK_PREVIOUS_SECRET",
                format!("must be at least {MIN_WEBHOOK_SECRET_BYTES} bytes"),
            ));
        }
        Ok(Self {
            smtp_url: smtp_url.map(SecretString::from),
            mail_from,
            webhook_url,
            webhook_secret: webhook_secret.map(SecretString::from),
            webhook_previous_secret: webhook_previous_secret.map(SecretString::from),
        })
    }

    /// The mailer, when e-mail is configured. Inside the runtime.
    pub fn mailer(&self) -> anyhow::Result<Option<Arc<dyn Mailer>>> {
        match (&self.smtp_url, &self.mail_from) {
            (Some(url), Some(from)) => {
                Ok(Some(Arc::new(SmtpMailer::new(url.expose_secret(), from)?)))
            }
            _ => Ok(None),
        }
    }

    /// The webhook sender, when webhooks are configured.
    pub fn webhooks(&self) -> anyhow::Result<Option<Arc<dyn WebhookSender>>> {
        match (&self.webhook_url, &self.webhook_secret) {
            (Some(url), Some(secret)) => Ok(Some(Arc::new(HttpWebhookSender::new(
                url,
                secret.expose_secret(),
                self.webhook_previous_secret
                    .as_ref()
                    .map(|s| s.expose_secret()),
            )?))),
            _ => Ok(None),
        }
    }

    pub fn any(&self) -> bool {
        self.smtp_url.is_some() || self.webhook_url.is_some()
    }
}

/// Delivers the outbox's due messages until the task is dropped: at once again after a
/// full pass, after [`POLL_INTERVAL`] otherwise. Every instance runs one; a message is
/// tried by one of them at a time (the outbox leases it).
pub async fn run(portal: Arc<Portal>) {
    loop {
        let pause = match portal.delivery.deliver_due().await {
            Ok(report) if report.tried() > 0 && report.delivered == report.tried() => {
                Duration::ZERO
            }
            Ok(_) => POLL_INTERVAL,
            Err(error) => {
                tracing::warn!(%error, "outbox not read");
                AFTER_FAILURE
            }
        };
        if pause.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<DeliverySettings, ConfigError> {
        DeliverySettings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn each_bad_setting_is_named() {
        for (pairs, variable) in [
            (
                vec![("PORTAL_SMTP_URL", "mail.example.com")],
                "PORTAL_SMTP_URL",
            ),
            (
                vec![("PORTAL_SMTP_URL", "smtp://127.0.0.1:25")],
                "PORTAL_MAIL_FROM",
            ),
            (
                vec![("PORTAL_WEBHOOK_URL", "ftp://x")],
                "PORTAL_WEBHOOK_URL",
            ),
            (
                vec![("PORTAL_WEBHOOK_URL", "https://hooks.example.com/portal")],
                "PORTAL_WEBHOOK_SECRET",
            ),
            (
                vec![
                    ("PORTAL_WEBHOOK_URL", "https://hooks.example.com/portal"),
                    ("PORTAL_WEBHOOK_SECRET", "short"),
                ],
                "PORTAL_WEBHOOK_SECRET",
            ),
            // Plain HTTP only on loopback (§17).
            (
                vec![
                    ("PORTAL_WEBHOOK_URL", "http://hooks.example.com/portal"),
                    ("PORTAL_WEBHOOK_SECRET", "0123456789abcdef"),
                ],
                "PORTAL_WEBHOOK_URL",
            ),
            (
                vec![
                    ("PORTAL_WEBHOOK_URL", "http://127.0.0.1.example.com/portal"),
                    ("PORTAL_WEBHOOK_SECRET", "0123456789abcdef"),
                ],
                "PORTAL_WEBHOOK_URL",
            ),
            (
                vec![
                    ("PORTAL_WEBHOOK_URL", "https://hooks.example.com/portal"),
                    ("PORTAL_WEBHOOK_SECRET", "0123456789abcdef"),
                    ("PORTAL_WEBHOOK_PREVIOUS_SECRET", "short"),
                ],
                "PORTAL_WEBHOOK_PREVIOUS_SECRET",
            ),
        ] {
            let error = settings(&pairs).unwrap_err();
            assert_eq!(error.variable, variable, "{pairs:?}");
        }
        let none = settings(&[]).unwrap();
        assert!(!none.any());
        let both = settings(&[
            ("PORTAL_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("PORTAL_MAIL_FROM", "客户控制台 <billing@example.com>"),
            ("PORTAL_WEBHOOK_URL", "http://127.0.0.1:9/hooks"),
            ("PORTAL_WEBHOOK_SECRET", "0123456789abcdef"),
        ])
        .unwrap();
        assert!(both.any());
        assert!(!format!("{both:?}").contains("0123456789abcdef"));
        for loopback in [
            "http://localhost:8080/hooks",
            "http://127.0.0.2/hooks",
            "http://[::1]:9000/hooks",
        ] {
            let pairs = [
                ("PORTAL_WEBHOOK_URL", loopback),
                ("PORTAL_WEBHOOK_SECRET", "0123456789abcdef"),
            ];
            assert!(settings(&pairs).is_ok(), "{loopback}");
        }
    }
}
