//! What the portal tells the outside world (contract §11): e-mails to the account's
//! contact and signed webhooks to the platform. Each is written to the outbox in the same
//! transaction as the change that causes it, so a crash loses none, and handed to the
//! mailer or the webhook sender by [`BillingService::deliver_due`], which a runner calls
//! (at least once: a failed try is retried after 1 s, then at doubling intervals up to an
//! hour, for 24 hours, as the same message with the same id).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{Customer, CustomerId};

use crate::error::BillingError;
use crate::ports::RepositoryError;
use crate::service::BillingService;

/// The wait after the first failed try; each later one doubles it.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two tries.
pub const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// How long after it was recorded a message is still tried.
pub const DELIVERY_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// How long a claimed message belongs to its claimer (one try, with its timeout, takes
/// far less): if that instance dies, another tries again after this.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);
/// Messages claimed at a time.
const CLAIM_BATCH: u32 = 32;

/// The webhook event types (contract §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    UsageThresholdCrossed,
    InvoiceIssued,
    InvoiceOverdue,
    SubscriptionChanged,
    /// A fapiao was issued for a request (§12; beyond the four types of §11).
    FapiaoIssued,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::UsageThresholdCrossed,
        EventType::InvoiceIssued,
        EventType::InvoiceOverdue,
        EventType::SubscriptionChanged,
        EventType::FapiaoIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UsageThresholdCrossed => "usage.threshold_crossed",
            EventType::InvoiceIssued => "invoice.issued",
            EventType::InvoiceOverdue => "invoice.overdue",
            EventType::SubscriptionChanged => "subscription.changed",
            EventType::FapiaoIssued => "fapiao.issued",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An e-mail as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text: Chinese first, English second.
    pub body: String,
    /// A file sent with it (an issued e-fapiao).
    pub attachment: Option<MailAttachment>,
}

/// A file attached to an e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A webhook event's type and data; its id, customer and time are the message's.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub event_type: EventType,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Email(Mail),
    Webhook(WebhookEvent),
}

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// The same on every try (a webhook's `id`).
    pub id: String,
    pub customer_id: CustomerId,
    pub created_at: DateTime<Utc>,
    pub delivery: Delivery,
}

impl OutboxMessage {
    /// The webhook's body, `{id, type, customer_id, created_at, data}`: the same bytes
    /// on every try.
    pub fn webhook_body(&self, event: &WebhookEvent) -> String {
        serde_json::json!({
            "id": self.id,
            "type": event.event_type.as_str(),
            "customer_id": self.customer_id.as_str(),
            "created_at": self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "data": event.data,
        })
        .to_string()
    }
}

/// A message due for a try, with the tries it has had.
#[derive(Debug, Clone, PartialEq)]
pub struct DueMessage {
    pub message: OutboxMessage,
    pub attempts: u32,
}

/// When a message that has failed `attempts` tries (the last at `failed_at`) is tried
/// next: 1 s after the first, doubling up to an hour; `None` once the next try would be
/// past the delivery window.
pub fn next_attempt(
    created_at: DateTime<Utc>,
    failed_at: DateTime<Utc>,
    attempts: u32,
) -> Option<DateTime<Utc>> {
    let doubling = 2u32.saturating_pow(attempts.saturating_sub(1));
    let wait = FIRST_RETRY.saturating_mul(doubling).min(LONGEST_RETRY);
    let next = failed_at + chrono::Duration::from_std(wait).ok()?;
    let window_end = created_at + chrono::Duration::from_std(DELIVERY_WINDOW).ok()?;
    (next <= window_end).then_some(next)
}

/// The outbox: written in the units of work that cause its messages (see
/// `LedgerTxn::enqueue`, `GuardRepository::fire`, `InvoiceRepository::mark_overdue`),
/// read by the delivery runner.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// At most `limit` messages due at `now` (oldest due first), neither delivered nor
    /// given up. MUST lease each returned message to this caller until `now + lease`:
    /// no concurrent or later claim returns it before then (several instances run the
    /// runner).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<DueMessage>, RepositoryError>;

    /// Records a successful try: the message is never due again.
    async fn delivered(&self, id: &str, at: DateTime<Utc>) -> Result<(), RepositoryError>;

    /// Records a failed try (the message's `attempts`th) and when it is due again;
    /// `None`: given up, never due again.
    async fn failed(
        &self,
        id: &str,
        attempts: u32,
        next: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), RepositoryError>;
}

/// Why a try failed (the receiver's answer, a timeout, a refused connection).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// Sends e-mail (an SMTP adapter).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError>;
}

/// POSTs a webhook body, signed, to the platform (an HTTP adapter).
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn post(&self, body: &str) -> Result<(), DeliveryError>;
}

/// What one pass of the runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: u32,
    pub retried: u32,
    pub given_up: u32,
}

impl DeliveryReport {
    pub fn tried(&self) -> u32 {
        self.delivered + self.retried + self.given_up
    }
}

impl BillingService {
    /// A webhook message, when this server sends webhooks.
    pub(crate) fn webhook(
        &self,
        customer: &CustomerId,
        event_type: EventType,
        data: serde_json::Value,
    ) -> Option<OutboxMessage> {
        self.ports().webhooks.as_ref()?;
        Some(OutboxMessage {
            id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            created_at: self.ports().clock.now(),
            delivery: Delivery::Webhook(WebhookEvent { event_type, data }),
        })
    }

    /// An e-mail to the account's contact, when this server sends e-mail.
    pub(crate) fn mail_to(
        &self,
        customer: &Customer,
        subject: String,
        body: String,
    ) -> Option<OutboxMessage> {
        self.mail(
            &customer.id,
            Mail {
                to: customer.contact_email.as_str().to_owned(),
                subject,
                body,
                attachment: None,
            },
        )
    }

    /// `mail` as an outbox message of the customer, when this server sends e-mail.
    pub(crate) fn mail(&self, customer: &CustomerId, mail: Mail) -> Option<OutboxMessage> {
        self.ports().mailer.as_ref()?;
        Some(OutboxMessage {
            id: format!("mail_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            created_at: self.ports().clock.now(),
            delivery: Delivery::Email(mail),
        })
    }

    /// Tries every message due now once: delivered, due again later, or given up after
    /// its window. Several instances may run this at once; each message is tried by one.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, BillingError> {
        let outbox = &self.ports().outbox;
        let now = self.ports().clock.now();
        let due = outbox.claim_due(now, CLAIM_LEASE, CLAIM_BATCH).await?;
        let mut report = DeliveryReport::default();
        for DueMessage { message, attempts } in due {
            let tried = match &message.delivery {
                Delivery::Email(mail) => match &self.ports().mailer {
                    Some(mailer) => mailer.send(mail).await,
                    None => Err(DeliveryError("e-mail is not configured".into())),
                },
                Delivery::Webhook(event) => match &self.ports().webhooks {
                    Some(sender) => sender.post(&message.webhook_body(event)).await,
                    None => Err(DeliveryError("webhooks are not configured".into())),
                },
            };
            let at = self.ports().clock.now();
            match tried {
                Ok(()) => {
                    outbox.delivered(&message.id, at).await?;
                    report.delivered += 1;
                    metrics::counter!("portal_deliveries_total", "outcome" => "delivered")
                        .increment(1);
                }
                Err(error) => {
                    let attempts = attempts + 1;
                    let next = next_attempt(message.created_at, at, attempts);
                    outbox.failed(&message.id, attempts, next, &error.0).await?;
                    let outcome = if next.is_some() {
                        report.retried += 1;
                        "retried"
                    } else {
                        report.given_up += 1;
                        tracing::error!(id = %message.id, %error, attempts, "delivery given up");
                        "given_up"
                    };
                    tracing::warn!(id = %message.id, %error, attempts, "delivery failed");
                    metrics::counter!("portal_deliveries_total", "outcome" => outcome).increment(1);
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn retries_wait_one_second_then_double_up_to_an_hour_for_a_day() {
        let created = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let mut at = created;
        let mut waits = Vec::new();
        let mut attempts = 1;
        while let Some(next) = next_attempt(created, at, attempts) {
            waits.push((next - at).num_seconds());
            at = next;
            attempts += 1;
        }
        assert_eq!(
            &waits[..13],
            &[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600]
        );
        assert!(waits[12..].iter().all(|w| *w == 3600));
        // The last try is within the day; the one after it would not be.
        assert!(at <= created + chrono::Duration::hours(24));
        assert!(at + chrono::Duration::hours(1) > created + chrono::Duration::hours(24));
        // 4,095 s of doubling, then hourly: 22 more hours fit in the day; 35 tries in all.
        assert_eq!(waits.len(), 12 + 22, "{waits:?}");
    }

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("invoice.paid"), None);
    }
}
