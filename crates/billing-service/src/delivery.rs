//! What the portal tells the outside world (contract §11): e-mails to the account's
//! contact and signed webhooks to the platform. Each is written to the outbox in the same
//! transaction as the change that causes it, so a crash loses none, and handed to the
//! mailer or the webhook sender by [`Delivery::deliver_due`], which a runner calls
//! (at least once: a failed try is retried after 1 s, then at doubling intervals up to an
//! hour, for 24 hours, as the same message with the same id).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ports::outbox::Delivery as Carrier;
use crate::ports::{
    DeliveryError, DeliveryOutcome, DueMessage, Mailer, Metrics, Outbox, WebhookSender,
};
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What a delivery pass can end in.
    OutboxError,
    conflict: "the outbox message was taken by another instance"
);

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

/// Hands the outbox's messages to the mailer and the webhook sender.
pub struct Delivery {
    pub(crate) outbox: Arc<dyn Outbox>,
    pub(crate) mailer: Option<Arc<dyn Mailer>>,
    pub(crate) webhooks: Option<Arc<dyn WebhookSender>>,
    pub(crate) metrics: Arc<dyn Metrics>,
    pub(crate) time: BusinessTime,
}

impl Delivery {
    /// Tries every message due now once: delivered, due again later, or given up after
    /// its window. Several instances may run this at once; each message is tried by one.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, OutboxError> {
        let outbox = &self.outbox;
        let now = self.time.now();
        let due = outbox.claim_due(now, CLAIM_LEASE, CLAIM_BATCH).await?;
        let mut report = DeliveryReport::default();
        for DueMessage { message, attempts } in due {
            let tried = match &message.delivery {
                Carrier::Email(mail) => match &self.mailer {
                    Some(mailer) => mailer.send(mail).await,
                    None => Err(DeliveryError("e-mail is not configured".into())),
                },
                Carrier::Webhook(event) => match &self.webhooks {
                    Some(sender) => sender.post(&message.webhook_body(event)).await,
                    None => Err(DeliveryError("webhooks are not configured".into())),
                },
            };
            let at = self.time.now();
            match tried {
                Ok(()) => {
                    outbox.delivered(&message.id, at).await?;
                    report.delivered += 1;
                    self.metrics.delivery_tried(DeliveryOutcome::Delivered);
                }
                Err(error) => {
                    let attempts = attempts + 1;
                    let next = next_attempt(message.created_at, at, attempts);
                    outbox.failed(&message.id, attempts, next, &error.0).await?;
                    let outcome = if next.is_some() {
                        report.retried += 1;
                        DeliveryOutcome::Retried
                    } else {
                        report.given_up += 1;
                        tracing::error!(id = %message.id, %error, attempts, "delivery given up");
                        DeliveryOutcome::GivenUp
                    };
                    tracing::warn!(id = %message.id, %error, attempts, "delivery failed");
                    self.metrics.delivery_tried(outcome);
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
}
