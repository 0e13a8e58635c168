//! The spend guard (contract §11): alert rules, notifications, caps and entitlements.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A rule's threshold: a whole percentage of a product's included quota (1–1000) for
/// `quota_percent`, an amount of CNY (a decimal string) for `projected_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum Threshold {
    Percent(i64),
    Amount(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlertRule {
    /// `quota_percent` or `projected_amount`.
    pub kind: String,
    /// `ai_chat`, `email` or `agent_seats` for `quota_percent`; null for
    /// `projected_amount`.
    #[serde(default)]
    pub product: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = 80))]
    pub threshold: Threshold,
    /// A non-empty subset of `in_app`, `email`, `webhook`.
    pub channels: Vec<String>,
}

/// `GET` and `PUT /api/portal/alerts`: at most 20 rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlertRules {
    pub rules: Vec<AlertRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Notification {
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// `usage.threshold_crossed` (a quota rule) or `bill.threshold_crossed` (a projected
    /// bill rule).
    pub kind: String,
    /// In the customer's language (`?lang=` or Accept-Language; zh by default).
    pub title: String,
    pub body: String,
    pub read: bool,
    /// The app's page about it (§16): `/usage`, `/`, `/fapiao`, `/invoices/{id}`,
    /// `/credit-notes/{id}`, `/statement`.
    pub link: String,
}

/// `POST /api/portal/notifications/read-all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NotificationsRead {
    /// How many were unread.
    pub marked: u64,
}

/// `GET /api/portal/notifications`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Notifications {
    pub unread: u64,
    pub notifications: Vec<Notification>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Cap {
    /// `ai_chat` or `email` (counted products).
    pub product: String,
    /// Stop at this whole percentage (1–1000) of the month's included quota.
    pub stop_at_percent: i64,
}

/// `GET` and `PUT /api/portal/caps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Caps {
    pub caps: Vec<Cap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Entitlement {
    pub product: String,
    /// Whether the platform may serve more of it now.
    pub allowed: bool,
    /// Used this month (seats: the highest day).
    pub used: i64,
    /// The cap in units; null when uncapped.
    pub limit: Option<i64>,
    /// `limit − used`, at least 0; null when uncapped.
    pub remaining: Option<i64>,
    /// Why it is not allowed: `cap` (the customer's cap is reached) or `overdue` (service
    /// is suspended until an invoice long past due is paid, §15); null when allowed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
}

/// `GET /api/internal/entitlements/{customer_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Entitlements {
    pub customer_id: String,
    pub products: Vec<Entitlement>,
}
