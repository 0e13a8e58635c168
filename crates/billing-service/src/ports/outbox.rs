//! The outbox and what it carries (contract §11): e-mails to the account's contact and
//! signed webhooks to the platform, written in the unit of work of the change that
//! causes them, and the senders that deliver them.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::CustomerId;

use super::RepositoryError;

/// The webhook event types (contract §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    UsageThresholdCrossed,
    InvoiceIssued,
    InvoiceOverdue,
    CreditNoteIssued,
    PaymentReceived,
    SubscriptionChanged,
    /// A fapiao was issued for a request (§12; beyond the four types of §11).
    FapiaoIssued,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::UsageThresholdCrossed,
        EventType::InvoiceIssued,
        EventType::InvoiceOverdue,
        EventType::CreditNoteIssued,
        EventType::PaymentReceived,
        EventType::SubscriptionChanged,
        EventType::FapiaoIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UsageThresholdCrossed => "usage.threshold_crossed",
            EventType::InvoiceIssued => "invoice.issued",
            EventType::InvoiceOverdue => "invoice.overdue",
            EventType::CreditNoteIssued => "credit_note.issued",
            EventType::PaymentReceived => "payment.received",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("invoice.paid"), None);
    }
}
