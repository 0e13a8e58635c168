//! The API's bodies (the types of `portal-api-types`) read from and written to
//! miniserde's [`Value`], member by member as their derived serde code does: one plain
//! function per type, no per-type serde code in the wasm (see [`crate::json`]). A body
//! that does not read is `None`: the answer was not what the contract promises.

mod billing;
mod costs;
mod fapiao;
mod guard;
mod receivables;

use portal_api_types::{
    Account, AppConfig, AuditDetails, AuditLog, AuditLogEntry, DemoToken, DowngradeRequest,
    ErrorBody, ErrorDetail, ScheduledChange, Segment, SessionInfo, Subscription,
    UpdateAccountRequest, UpgradeRequest, UpgradeResponse,
};

pub use self::billing::{
    invoice, invoice_list, plan_list, upcoming_bill, upgrade_preview, usage_detail, usage_overview,
};
pub use self::costs::costs;
pub use self::fapiao::{
    fapiao_profile, fapiao_profile_body, fapiao_requests, new_fapiao_request_body,
};
pub use self::guard::{
    alert_rules, alert_rules_body, caps, caps_body, notification, notifications,
};
pub use self::receivables::{balance, credit_note, credit_note_list, statement};
use crate::json::{self, Fields, Value, boolean, string_map, text, unsigned};

pub fn error_body(value: &Value) -> Option<ErrorBody> {
    let error = Fields::of(value)?.req("error", |value| {
        let f = Fields::of(value)?;
        Some(ErrorDetail {
            code: f.req("code", text)?,
            message: f.req("message", text)?,
            fields: f.opt("fields", string_map)?,
        })
    })?;
    Some(ErrorBody { error })
}

pub fn account(value: &Value) -> Option<Account> {
    let f = Fields::of(value)?;
    Some(Account {
        customer_id: f.req("customer_id", text)?,
        company_name: f.req("company_name", text)?,
        contact_name: f.req("contact_name", text)?,
        contact_email: f.req("contact_email", text)?,
        created_at: f.req("created_at", text)?,
    })
}

pub fn subscription(value: &Value) -> Option<Subscription> {
    let f = Fields::of(value)?;
    Some(Subscription {
        subscription_id: f.req("subscription_id", text)?,
        plan_id: f.req("plan_id", text)?,
        plan_name: f.req("plan_name", text)?,
        plan_name_en: f.req("plan_name_en", text)?,
        start_date: f.req("start_date", text)?,
        end_date: f.req("end_date", text)?,
        status: f.req("status", text)?,
        scheduled_change: f.opt("scheduled_change", |value| {
            let f = Fields::of(value)?;
            Some(ScheduledChange {
                plan_id: f.req("plan_id", text)?,
                effective_date: f.req("effective_date", text)?,
            })
        })?,
        segments: f.list_or_empty("segments", |value| {
            let f = Fields::of(value)?;
            Some(Segment {
                plan_id: f.req("plan_id", text)?,
                from: f.req("from", text)?,
                to: f.req("to", text)?,
            })
        })?,
    })
}

pub fn upgrade_response(value: &Value) -> Option<UpgradeResponse> {
    let f = Fields::of(value)?;
    Some(UpgradeResponse {
        subscription: f.req("subscription", subscription)?,
        invoice: f.opt("invoice", invoice)?,
    })
}

pub fn audit_log(value: &Value) -> Option<AuditLog> {
    let f = Fields::of(value)?;
    Some(AuditLog {
        entries: f.list("entries", |value| {
            let f = Fields::of(value)?;
            Some(AuditLogEntry {
                at: f.req("at", text)?,
                user_id: f.req("user_id", text)?,
                user_name: f.opt("user_name", text)?,
                action: f.req("action", text)?,
                details: f.req("details", |value| {
                    let f = Fields::of(value)?;
                    Some(AuditDetails {
                        before: f.req("before", string_map)?,
                        after: f.req("after", string_map)?,
                    })
                })?,
            })
        })?,
        next_cursor: f.opt("next_cursor", text)?,
    })
}

pub fn app_config(value: &Value) -> Option<AppConfig> {
    let f = Fields::of(value)?;
    Some(AppConfig {
        allowed_parent_origins: f.list("allowed_parent_origins", text)?,
        demo_sign_in: f.req("demo_sign_in", boolean)?,
        channels: f.list("channels", text)?,
    })
}

pub fn session_info(value: &Value) -> Option<SessionInfo> {
    let f = Fields::of(value)?;
    Some(SessionInfo {
        customer_id: f.req("customer_id", text)?,
        user_id: f.req("user_id", text)?,
        role: f.req("role", text)?,
        expires_at: f.req("expires_at", unsigned)?,
    })
}

pub fn demo_token(value: &Value) -> Option<DemoToken> {
    let f = Fields::of(value)?;
    Some(DemoToken {
        token: f.req("token", text)?,
        expires_at: f.req("expires_at", unsigned)?,
    })
}

/// A string member, or nothing when `None` (`skip_serializing_if = "Option::is_none"`).
fn some_str<'a>(name: &'a str, value: &Option<String>) -> Option<(&'a str, Value)> {
    value.as_deref().map(|value| (name, json::string(value)))
}

pub fn update_account_body(body: &UpdateAccountRequest) -> Value {
    let members = [
        some_str("company_name", &body.company_name),
        some_str("contact_name", &body.contact_name),
        some_str("contact_email", &body.contact_email),
    ];
    json::object(members.into_iter().flatten())
}

pub fn upgrade_body(body: &UpgradeRequest) -> Value {
    let members = [
        Some(("plan_id", json::string(&body.plan_id))),
        some_str("proration_date", &body.proration_date),
    ];
    json::object(members.into_iter().flatten())
}

pub fn downgrade_body(body: &DowngradeRequest) -> Value {
    json::object([("plan_id", json::string(&body.plan_id))])
}

#[cfg(test)]
mod tests;
