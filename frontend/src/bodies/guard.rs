//! The spend guard's bodies (contract §11): alert rules, caps and notifications.

use portal_api_types::{AlertRule, AlertRules, Cap, Caps, Notification, Notifications, Threshold};

use crate::json::{self, Fields, Value, boolean, int, money, text, unsigned};

/// `#[serde(untagged)]`: a whole number is a percentage, a string an amount.
fn threshold(value: &Value) -> Option<Threshold> {
    match value {
        Value::Number(_) => int(value).map(Threshold::Percent),
        _ => money(value).map(Threshold::Amount),
    }
}

pub fn alert_rules(value: &Value) -> Option<AlertRules> {
    Some(AlertRules {
        rules: Fields::of(value)?.list("rules", |value| {
            let f = Fields::of(value)?;
            Some(AlertRule {
                kind: f.req("kind", text)?,
                product: f.opt("product", text)?,
                threshold: f.req("threshold", threshold)?,
                channels: f.list("channels", text)?,
            })
        })?,
    })
}

pub fn caps(value: &Value) -> Option<Caps> {
    Some(Caps {
        caps: Fields::of(value)?.list("caps", |value| {
            let f = Fields::of(value)?;
            Some(Cap {
                product: f.req("product", text)?,
                stop_at_percent: f.req("stop_at_percent", int)?,
            })
        })?,
    })
}

pub fn notification(value: &Value) -> Option<Notification> {
    let f = Fields::of(value)?;
    Some(Notification {
        id: f.req("id", text)?,
        at: f.req("at", text)?,
        kind: f.req("kind", text)?,
        title: f.req("title", text)?,
        body: f.req("body", text)?,
        read: f.req("read", boolean)?,
        link: f.req("link", text)?,
    })
}

pub fn notifications(value: &Value) -> Option<Notifications> {
    let f = Fields::of(value)?;
    Some(Notifications {
        unread: f.req("unread", unsigned)?,
        notifications: f.list("notifications", notification)?,
    })
}

pub fn alert_rules_body(body: &AlertRules) -> Value {
    let rules = body.rules.iter().map(|rule| {
        let threshold = match &rule.threshold {
            Threshold::Percent(percent) => json::int_value(*percent),
            Threshold::Amount(amount) => Value::String(amount.to_string()),
        };
        json::object([
            ("kind", json::string(&rule.kind)),
            (
                "product",
                rule.product.as_deref().map_or(Value::Null, json::string),
            ),
            ("threshold", threshold),
            (
                "channels",
                json::array(rule.channels.iter().map(|c| json::string(c))),
            ),
        ])
    });
    json::object([("rules", json::array(rules))])
}

pub fn caps_body(body: &Caps) -> Value {
    let caps = body.caps.iter().map(|cap| {
        json::object([
            ("product", json::string(&cap.product)),
            ("stop_at_percent", json::int_value(cap.stop_at_percent)),
        ])
    });
    json::object([("caps", json::array(caps))])
}
