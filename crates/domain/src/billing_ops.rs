//! Rules of the billing operations: usage events from the platform's products, which
//! and the audit trail of changes made through the portal.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::BusinessCalendar;
use crate::error::FieldErrors;
use crate::ids::{CustomerId, UserId};
use crate::product::Product;

/// The most events one ingestion batch may carry.
pub const MAX_BATCH: usize = 1000;
/// The longest event id accepted.
pub const MAX_EVENT_ID: usize = 128;
/// The largest count one event may report.
pub const MAX_EVENT_COUNT: i64 = 1_000_000_000;

/// One usage report of a product. `agent_seats` events report seats in use (a gauge);
/// the others report how many were used (counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    pub event_id: String,
    pub customer_id: CustomerId,
    pub product: Product,
    pub count: i64,
    pub occurred_at: DateTime<Utc>,
    /// The business day the event counts for: `occurred_at`'s date on the business
    /// calendar.
    pub date: NaiveDate,
}

/// An event as submitted, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUsageEvent {
    pub event_id: String,
    pub customer_id: String,
    pub product: String,
    pub count: i64,
    pub occurred_at: String,
}

/// Validates a whole batch: any invalid event rejects the batch, with every problem
/// named as `events[i].field`.
pub fn validate_batch(
    raw: &[RawUsageEvent],
    calendar: &BusinessCalendar,
) -> Result<Vec<UsageEvent>, FieldErrors> {
    let mut errors = FieldErrors::default();
    if raw.is_empty() {
        errors.add("events", "must contain at least one event");
    }
    if raw.len() > MAX_BATCH {
        errors.add("events", format!("at most {MAX_BATCH} events per batch"));
        return Err(errors);
    }
    let mut events = Vec::with_capacity(raw.len());
    for (i, e) in raw.iter().enumerate() {
        let at = |field: &str| format!("events[{i}].{field}");
        let id_ok = !e.event_id.is_empty()
            && e.event_id.len() <= MAX_EVENT_ID
            && !e.event_id.chars().any(char::is_control);
        if !id_ok {
            errors.add(
                at("event_id"),
                format!("1 to {MAX_EVENT_ID} printable characters"),
            );
        }
        let customer = CustomerId::parse(&e.customer_id)
            .map_err(|err| errors.add(at("customer_id"), err.why))
            .ok();
        let product = Product::parse(&e.product)
            .map_err(|err| errors.add(at("product"), err.why))
            .ok();
        if !(0..=MAX_EVENT_COUNT).contains(&e.count) {
            errors.add(at("count"), format!("must be 0 to {MAX_EVENT_COUNT}"));
        }
        let occurred_at = DateTime::parse_from_rfc3339(&e.occurred_at)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| errors.add(at("occurred_at"), "must be an RFC 3339 timestamp"))
            .ok();
        if let (true, Some(customer_id), Some(product), Some(occurred_at)) =
            (id_ok, customer, product, occurred_at)
        {
            events.push(UsageEvent {
                event_id: e.event_id.clone(),
                customer_id,
                product,
                count: e.count,
                occurred_at,
                date: calendar.date_of(occurred_at),
            });
        }
    }
    errors.into_result()?;
    Ok(events)
}

/// The daily values a set of new events adds: counted products sum, the seat gauge keeps
/// the highest report. Keyed by customer, day and product.
pub fn daily_deltas(events: &[UsageEvent]) -> BTreeMap<(CustomerId, NaiveDate, Product), i64> {
    let mut out = BTreeMap::new();
    for e in events {
        let slot = out
            .entry((e.customer_id.clone(), e.date, e.product))
            .or_insert(0_i64);
        *slot = match e.product.metering() {
            crate::product::Metering::Counted => slot.saturating_add(e.count),
            crate::product::Metering::Gauge => (*slot).max(e.count),
        };
    }
    out
}

/// Drops repeats of an event id within one batch, keeping the first.
pub fn first_of_each_id(events: Vec<UsageEvent>) -> (Vec<UsageEvent>, u64) {
    let mut seen = HashSet::new();
    let mut repeats = 0;
    let unique = events
        .into_iter()
        .filter(|e| {
            let fresh = seen.insert(e.event_id.clone());
            if !fresh {
                repeats += 1;
            }
            fresh
        })
        .collect();
    (unique, repeats)
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    AccountUpdated,
    PlanUpgraded,
    DowngradeScheduled,
    DowngradeCancelled,
    /// A paid upgrade removed a scheduled downgrade.
    DowngradeRemoved,
    InvoicePaid,
    /// The alert rules were replaced (§11).
    AlertsUpdated,
    /// The caps were replaced (§11).
    CapsUpdated,
    /// The fapiao profile was replaced (§12).
    FapiaoProfileUpdated,
    /// A fapiao was requested, withdrawn, issued or reversed (§12).
    FapiaoRequested,
    FapiaoWithdrawn,
    FapiaoIssued,
    FapiaoReversed,
    /// A payment was received on the account (§15).
    PaymentReceived,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AccountUpdated => "account.updated",
            AuditAction::PlanUpgraded => "subscription.upgraded",
            AuditAction::DowngradeScheduled => "subscription.downgrade_scheduled",
            AuditAction::DowngradeCancelled => "subscription.downgrade_cancelled",
            AuditAction::DowngradeRemoved => "subscription.downgrade_removed",
            AuditAction::InvoicePaid => "invoice.paid",
            AuditAction::AlertsUpdated => "alerts.updated",
            AuditAction::CapsUpdated => "caps.updated",
            AuditAction::FapiaoProfileUpdated => "fapiao.profile_updated",
            AuditAction::FapiaoRequested => "fapiao.requested",
            AuditAction::FapiaoWithdrawn => "fapiao.withdrawn",
            AuditAction::FapiaoIssued => "fapiao.issued",
            AuditAction::FapiaoReversed => "fapiao.reversed",
            AuditAction::PaymentReceived => "payment.received",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            AuditAction::AccountUpdated,
            AuditAction::PlanUpgraded,
            AuditAction::DowngradeScheduled,
            AuditAction::DowngradeCancelled,
            AuditAction::DowngradeRemoved,
            AuditAction::InvoicePaid,
            AuditAction::AlertsUpdated,
            AuditAction::CapsUpdated,
            AuditAction::FapiaoProfileUpdated,
            AuditAction::FapiaoRequested,
            AuditAction::FapiaoWithdrawn,
            AuditAction::FapiaoIssued,
            AuditAction::FapiaoReversed,
            AuditAction::PaymentReceived,
        ]
        .into_iter()
        .find(|a| a.as_str() == raw)
    }
}

/// One change made through the portal: who, when, and the values before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub customer_id: CustomerId,
    pub user_id: UserId,
    /// The user's name when the token carried one (`name`), shown in the history.
    pub user_name: Option<String>,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub before: BTreeMap<String, String>,
    pub after: BTreeMap<String, String>,
}

/// The audit entry of an account edit: the fields that changed, before and after.
pub fn account_audit(
    before: &crate::customer::Customer,
    after: &crate::customer::Customer,
    (user_id, user_name): (&UserId, Option<&str>),
    at: DateTime<Utc>,
) -> AuditEntry {
    let mut entry = AuditEntry {
        customer_id: before.id.clone(),
        user_id: user_id.clone(),
        user_name: user_name.map(str::to_owned),
        at,
        action: AuditAction::AccountUpdated,
        before: BTreeMap::new(),
        after: BTreeMap::new(),
    };
    let fields = [
        ("company_name", &before.company_name, &after.company_name),
        ("contact_name", &before.contact_name, &after.contact_name),
        (
            "contact_email",
            &before.contact_email.as_str().to_owned(),
            &after.contact_email.as_str().to_owned(),
        ),
    ];
    for (name, old, new) in fields {
        if old != new {
            entry.before.insert(name.to_owned(), old.clone());
            entry.after.insert(name.to_owned(), new.clone());
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: &str, product: &str, count: i64) -> RawUsageEvent {
        RawUsageEvent {
            event_id: id.into(),
            customer_id: "cust_a".into(),
            product: product.into(),
            count,
            occurred_at: "2025-12-19T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_bad_event_rejects_the_batch_and_names_itself() {
        let batch = [
            raw("e1", "ai_chat", 1),
            raw("e2", "sms", 1),
            raw("", "email", -1),
        ];
        let err = validate_batch(&batch, &BusinessCalendar::default()).unwrap_err();
        let fields: Vec<_> = err.0.keys().cloned().collect();
        assert_eq!(
            fields,
            ["events[1].product", "events[2].count", "events[2].event_id"]
        );
        assert!(validate_batch(&[], &BusinessCalendar::default()).is_err());
        let too_many: Vec<_> = (0..1001)
            .map(|i| raw(&format!("e{i}"), "email", 1))
            .collect();
        assert!(validate_batch(&too_many, &BusinessCalendar::default()).is_err());
        let mut bad_time = raw("e1", "email", 1);
        bad_time.occurred_at = "yesterday".into();
        assert!(validate_batch(&[bad_time], &BusinessCalendar::default()).is_err());
    }

    #[test]
    fn counted_products_add_and_seats_keep_the_highest() {
        let events = validate_batch(
            &[
                raw("a", "ai_chat", 5),
                raw("b", "ai_chat", 7),
                raw("c", "agent_seats", 3),
                raw("d", "agent_seats", 5),
                raw("e", "agent_seats", 4),
            ],
            &BusinessCalendar::default(),
        )
        .unwrap();
        let deltas = daily_deltas(&events);
        let day = NaiveDate::from_ymd_opt(2025, 12, 19).unwrap();
        let cust = CustomerId::parse("cust_a").unwrap();
        assert_eq!(deltas[&(cust.clone(), day, Product::AiChat)], 12);
        assert_eq!(deltas[&(cust, day, Product::AgentSeats)], 5);
    }

    #[test]
    fn repeated_ids_within_a_batch_count_once() {
        let events = validate_batch(
            &[
                raw("a", "email", 1),
                raw("a", "email", 1),
                raw("b", "email", 1),
            ],
            &BusinessCalendar::default(),
        )
        .unwrap();
        let (unique, repeats) = first_of_each_id(events);
        assert_eq!(unique.len(), 2);
        assert_eq!(repeats, 1);
    }

    #[test]
    fn audit_actions_round_trip() {
        for a in [
            AuditAction::AccountUpdated,
            AuditAction::PlanUpgraded,
            AuditAction::DowngradeScheduled,
            AuditAction::DowngradeCancelled,
        ] {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
    }
}
