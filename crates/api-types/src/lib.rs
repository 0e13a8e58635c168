//! The portal API's request and response bodies and its error body, shared by the
//! server and the WASM app. Money is a string with two decimals beside a currency;
//! dates are `YYYY-MM-DD`, months `YYYY-MM`, timestamps RFC 3339 UTC.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

mod billing;
mod costs;
mod fapiao;
mod guard;
mod invoices;
mod receivables;
mod session;
mod tax;
mod usage;
pub use billing::UpcomingBill;
pub use costs::{CostMonth, Costs, ProductCost};
pub use fapiao::{
    FapiaoIssued, FapiaoProfile, FapiaoRequest, FapiaoRequests, FapiaoReversed, NewFapiaoRequest,
};
pub use guard::{
    AlertRule, AlertRules, Cap, Caps, Entitlement, Entitlements, Notification, Notifications,
    NotificationsRead, Threshold,
};
pub use invoices::{Invoice, InvoiceLine, InvoiceList, InvoiceSummary, Payment, PaymentRequest};
pub use receivables::{
    Application, Balance, CreditNote, CreditNoteList, CreditNoteSummary, PayTo, PaymentApplication,
    PaymentIntake, PaymentReceipt, Statement, StatementEntry,
};
pub use session::SessionInfo;
pub use tax::TaxBreakdownEntry;

pub use usage::{ProductUsage, UsageDetail, UsageItem, UsageOverview};

/// `{"error": {"code", "message", "fields"?}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `validation_failed`, `rate_limited`, `unavailable` or `internal`.
    pub code: String,
    pub message: String,
    /// Per-field reasons, on `validation_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Account {
    pub customer_id: String,
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Any of the fields; unknown fields are refused with 422.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    /// 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// 1–100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// A valid address of at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Subscription {
    pub subscription_id: String,
    pub plan_id: String,
    pub plan_name: String,
    /// The plan's English name (§16).
    pub plan_name_en: String,
    pub start_date: String,
    /// The last day of service, inclusive.
    pub end_date: String,
    /// `active`, `expired` or `cancelled`.
    pub status: String,
    /// A plan change waiting for its date (a downgrade at the period's end), or `null`.
    #[serde(default)]
    pub scheduled_change: Option<ScheduledChange>,
    /// The plan segments serving the current and the next period, oldest first (§9).
    #[serde(default)]
    pub segments: Vec<Segment>,
}

/// A plan over a range of days, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Segment {
    pub plan_id: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, inclusive, `YYYY-MM-DD`.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ScheduledChange {
    pub plan_id: String,
    /// The first day on the new plan, `YYYY-MM-DD`.
    pub effective_date: String,
}

/// `POST /api/portal/subscription/downgrade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DowngradeRequest {
    pub plan_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditDetails {
    pub before: BTreeMap<String, String>,
    pub after: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLogEntry {
    pub at: String,
    pub user_id: String,
    /// The user's name when their token carried one (`name`, §16): the history names
    /// them by it; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `account.updated`, `subscription.upgraded`, `subscription.downgrade_scheduled`,
    /// `subscription.downgrade_cancelled`.
    pub action: String,
    pub details: AuditDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLog {
    /// Newest first.
    pub entries: Vec<AuditLogEntry>,
    /// The `cursor` of the next page; `null` on the last page.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// `PUT /api/internal/customers/{customer_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProvisionCustomerRequest {
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: String,
}

/// `PUT /api/internal/plans/{plan_id}`: a plan of the catalogue, written whole. Money and
/// the rate are decimal strings, so a bad one is named (422) rather than unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The name in Chinese, 1 to 100 characters.
    pub name: String,
    /// The name in English, 1 to 100 characters; absent: the same as `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Per month, tax-inclusive, at most two decimals: `"999.00"`.
    #[cfg_attr(feature = "openapi", schema(example = "999.00"))]
    pub price: String,
    /// `CNY` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub features: PlanFeatures,
    pub overage: PlanOverageRequest,
    /// The VAT rate the prices include, between `"0"` and `"0.2"` with at most four
    /// decimals (`"0.06"` for 信息技术服务).
    #[cfg_attr(feature = "openapi", schema(example = "0.06"))]
    pub tax_rate: String,
}

/// A plan's prices beyond its quotas, as decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanOverageRequest {
    #[cfg_attr(feature = "openapi", schema(example = "0.05"))]
    pub ai_chat: String,
    #[cfg_attr(feature = "openapi", schema(example = "0.03"))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(example = "99.00"))]
    pub agent_seats: String,
}

/// `PUT /api/internal/customers/{customer_id}/subscription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProvisionSubscriptionRequest {
    pub plan_id: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UsageEventIn {
    /// Unique per event, forever; a repeated id is counted once.
    pub event_id: String,
    pub customer_id: String,
    /// `ai_chat`, `email` or `agent_seats` (seats in use: the day keeps the highest).
    pub product: String,
    pub count: i64,
    /// RFC 3339; the UTC day it falls on is the day counted.
    pub occurred_at: String,
}

/// `POST /api/internal/usage`: at most 1000 events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UsageBatch {
    pub events: Vec<UsageEventIn>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UsageBatchResult {
    pub accepted: u64,
    pub duplicates: u64,
}

/// `POST /api/internal/billing/run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingRunRequest {
    /// `YYYY-MM`.
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BillingRunResult {
    pub created: u64,
    pub skipped: u64,
    pub invoices_overdue: u64,
    pub subscriptions_expired: u64,
    /// Idempotency keys older than 24 hours deleted by this run.
    pub idempotency_keys_purged: u64,
}

/// `POST /api/internal/billing/runs`: the run started, or the period's running one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BillingRunStarted {
    pub run_id: String,
}

/// A billing run as a job (contract §13), with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BillingRunJob {
    pub run_id: String,
    /// `YYYY-MM`.
    pub period: String,
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// Customers to bill, counted when the run started.
    pub total: u64,
    /// Customers billed so far (`created + skipped`).
    pub done: u64,
    pub created: u64,
    pub skipped: u64,
    /// Set when the run has finished.
    pub invoices_overdue: u64,
    pub subscriptions_expired: u64,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Why a failed run failed.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanFeatures {
    pub ai_chat_quota: i64,
    pub agent_seats: i64,
    pub email_quota: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Plan {
    pub plan_id: String,
    /// Its name in Chinese.
    pub name: String,
    /// Its name in English (§16; its `name` when the catalogue gives none).
    pub name_en: String,
    /// Two decimals, e.g. `"999.00"`.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub price: Decimal,
    pub currency: String,
    /// `month`.
    pub period: String,
    pub features: PlanFeatures,
    /// The price of one unit beyond the quotas (§10).
    pub overage: PlanOverage,
    /// The VAT rate its prices (and overage prices) include (§14), a decimal string:
    /// `"0.06"` is 6 %.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.06"))]
    pub tax_rate: Decimal,
}

/// Prices beyond a plan's quotas, CNY strings with two decimals: one conversation, one
/// e-mail, one seat for one month (charged per seat-day).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanOverage {
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.05"))]
    pub ai_chat: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.03"))]
    pub email: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "99.00"))]
    pub agent_seats: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanList {
    /// Cheapest first.
    pub plans: Vec<Plan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpgradeRequest {
    pub plan_id: String,
    /// The preview's `proration_date`: the charge then equals the preview's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proration_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpgradeResponse {
    pub subscription: Subscription,
    /// The proration invoice, or `null` when nothing is owed.
    pub invoice: Option<Invoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpgradePreview {
    pub plan_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "838.71"))]
    pub amount: Decimal,
    pub currency: String,
    /// The day the charge is computed for, `YYYY-MM-DD`.
    pub proration_date: String,
    pub lines: Vec<InvoiceLine>,
    /// The sum of the lines' net amounts (金额（不含税）).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "791.24"))]
    pub net_amount: Decimal,
    /// The sum of the lines' tax amounts (税额).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "47.47"))]
    pub tax_amount: Decimal,
    /// One entry per VAT rate of its lines.
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    /// `amount` in Chinese capital numerals (人民币大写).
    pub amount_in_words: String,
}

/// What the single-page app needs to know before it has a token (`GET /api/app-config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppConfig {
    /// Origins whose `auth` messages the embedded app accepts (exact match).
    pub allowed_parent_origins: Vec<String>,
    /// Whether `POST /api/demo/token` signs in as the demo customer (demo servers only).
    pub demo_sign_in: bool,
    /// The alert channels this server delivers (§16): `in_app` always, `email` and
    /// `webhook` when configured. The app offers only these.
    pub channels: Vec<String>,
}

/// A token for the demo customer's admin (`POST /api/demo/token`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DemoToken {
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expires_at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_a_string_and_percent_a_number() {
        let plan = Plan {
            plan_id: "pro".into(),
            name: "专业版".into(),
            name_en: "Pro".into(),
            price: Decimal::new(99_900, 2),
            currency: "CNY".into(),
            period: "month".into(),
            features: PlanFeatures {
                ai_chat_quota: 10000,
                agent_seats: 5,
                email_quota: 1000,
            },
            overage: PlanOverage {
                ai_chat: Decimal::new(5, 2),
                email: Decimal::new(3, 2),
                agent_seats: Decimal::new(9_900, 2),
            },
            tax_rate: Decimal::new(6, 2),
        };
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["price"], "999.00");
        assert_eq!(json["tax_rate"], "0.06");
        assert_eq!(json["overage"]["agent_seats"], "99.00");
        let usage = ProductUsage {
            product: "ai_chat".into(),
            used: 2,
            quota: 3,
            percent: Decimal::new(667, 1),
            projected: 3,
            alert: "none".into(),
            included: 3,
            overage_units: 0,
            overage_amount: Decimal::new(0, 2),
        };
        let json = serde_json::to_value(&usage).unwrap();
        assert_eq!(json["percent"], 66.7);
        let back: ProductUsage = serde_json::from_value(json).unwrap();
        assert_eq!(back.percent, Decimal::new(667, 1), "read back exactly");
    }

    #[test]
    fn the_last_page_has_a_null_next_cursor() {
        let list = InvoiceList {
            invoices: Vec::new(),
            next_cursor: None,
        };
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"{"invoices":[],"next_cursor":null}"#
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err =
            serde_json::from_str::<UpdateAccountRequest>(r#"{"company_name":"x","admin":true}"#);
        assert!(err.is_err());
    }
}
