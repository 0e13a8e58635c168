//! The delivery adapters of the outbox (contract §11): [`SmtpMailer`] sends e-mail with
//! lettre to `PORTAL_SMTP_URL`; [`HttpWebhookSender`] POSTs webhook bodies to
//! `PORTAL_WEBHOOK_URL`, signed with `PORTAL_WEBHOOK_SECRET`. Each try has a deadline;
//! the outbox decides about retries.

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portal_billing::ports::{DeliveryError, Mail, Mailer, WebhookSender};
use sha2::Sha256;

#[cfg(feature = "test-support")]
pub mod test_support;

/// How long one try may take (connect, send, answer).
pub const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// E-mail over SMTP. `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or
/// `smtps://host:port` (TLS), with optional `user:password@`.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Inside a Tokio runtime (the connection pool runs a task).
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("PORTAL_SMTP_URL: {e}"))?
            .timeout(Some(TRY_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("PORTAL_MAIL_FROM: {e}"))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| DeliveryError(format!("recipient {}: {e}", mail.to)))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject);
        let message = match &mail.attachment {
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone()),
            Some(file) => {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|e| DeliveryError(format!("attachment type: {e}")))?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(mail.body.clone()))
                        .singlepart(
                            Attachment::new(file.filename.clone())
                                .body(file.bytes.clone(), content_type),
                        ),
                )
            }
        }
        .map_err(|e| DeliveryError(format!("message: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError(format!("SMTP: {e}")))
    }
}

/// The `Portal-Signature` header of `body` sent at `t` (unix seconds):
/// `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &[u8], t: i64, body: &str) -> Result<String, DeliveryError> {
    Ok(format!("t={t},v1={}", mac(secret, t, body)?))
}

/// The header signed with `secrets` in turn: `t=<t>,v1=<new>,v1=<previous>` while a
/// secret rotates (a receiver accepts the body when any `v1` matches).
pub fn signatures(secrets: &[&[u8]], t: i64, body: &str) -> Result<String, DeliveryError> {
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&mac(secret, t, body)?);
    }
    Ok(header)
}

/// Hex HMAC-SHA256 of `"<t>.<body>"`.
fn mac(secret: &[u8], t: i64, body: &str) -> Result<String, DeliveryError> {
    // HMAC takes a key of any length: this fails only for fixed-length MACs.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|e| DeliveryError(format!("signing key: {e}")))?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Webhooks over HTTP(S): a POST of the event's JSON with its signature; any 2xx
/// answer is a delivery. Redirects are never followed (§17): a 3xx is a failed try, so
/// the signed body goes nowhere but the configured URL.
pub struct HttpWebhookSender {
    client: reqwest::Client,
    url: String,
    /// The secret, then the previous one while it rotates.
    secrets: Vec<Vec<u8>>,
}

impl HttpWebhookSender {
    pub fn new(url: &str, secret: &str, previous: Option<&str>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TRY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("portal-webhooks/1")
            .build()?;
        Ok(Self {
            client,
            url: url.to_owned(),
            secrets: std::iter::once(secret)
                .chain(previous)
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        })
    }
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn post(&self, body: &str) -> Result<(), DeliveryError> {
        let t = chrono::Utc::now().timestamp();
        let answer = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Portal-Signature", {
                let secrets: Vec<&[u8]> = self.secrets.iter().map(Vec::as_slice).collect();
                signatures(&secrets, t, body)?
            })
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| DeliveryError(format!("POST: {e}")))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DeliveryError(format!("HTTP {}", status.as_u16())))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // Python: hmac.new(b'whsec-test-0123456789', b'1767225600.{"id":"evt_1"}',
        // hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"whsec-test-0123456789", 1_767_225_600, r#"{"id":"evt_1"}"#).unwrap(),
            "t=1767225600,v1=05e8ef0af268a5e4e4fd05a7033a7cc8426168f2e518a07ad0f27ff67b1e7e7f"
        );
    }

    // The SMTP pool starts a task: built inside the runtime, as the server does.
    #[tokio::test]
    async fn bad_settings_are_named() {
        assert!(
            SmtpMailer::new("http://mail.example.com", "a@example.com")
                .err()
                .is_some_and(|e| e.to_string().contains("PORTAL_SMTP_URL"))
        );
        assert!(
            SmtpMailer::new("smtp://127.0.0.1:2525", "not an address")
                .err()
                .is_some_and(|e| e.to_string().contains("PORTAL_MAIL_FROM"))
        );
    }
}
