//! The spend guard's bodies (contract §11): alert rules, caps and notifications.

use portal_api_types::{AlertRule, AlertRules, Cap, Caps, Notification, Notifications, Threshold};

use crate::json::{Fields, Json, boolean, int, money, text, unsigned};

/// `#[serde(untagged)]`: a whole number is a percentage, a string an amount.
fn threshold(value: &Json) -> Option<Threshold> {
    match value {
        Json::Num(_) => int(value).map(Threshold::Percent),
        _ => money(value).map(Threshold::Amount),
    }
}

pub fn alert_rules(value: &Json) -> Option<AlertRules> {
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

pub fn caps(value: &Json) -> Option<Caps> {
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

pub fn notification(value: &Json) -> Option<Notification> {
    let f = Fields::of(value)?;
    Some(Notification {
        id: f.req("id", text)?,
        at: f.req("at", text)?,
        kind: f.req("kind", text)?,
        title: f.req("title", text)?,
        body: f.req("body", text)?,
        read: f.req("read", boolean)?,
    })
}

pub fn notifications(value: &Json) -> Option<Notifications> {
    let f = Fields::of(value)?;
    Some(Notifications {
        unread: f.req("unread", unsigned)?,
        notifications: f.list("notifications", notification)?,
    })
}

pub fn alert_rules_body(body: &AlertRules) -> Json {
    let rules = body.rules.iter().map(|rule| {
        let threshold = match &rule.threshold {
            Threshold::Percent(percent) => Json::int(*percent),
            Threshold::Amount(amount) => Json::Str(amount.to_string()),
        };
        Json::object(vec![
            ("kind", Json::str(&rule.kind)),
            (
                "product",
                rule.product.as_deref().map_or(Json::Null, Json::str),
            ),
            ("threshold", threshold),
            (
                "channels",
                Json::Arr(rule.channels.iter().map(|c| Json::str(c)).collect()),
            ),
        ])
    });
    Json::object(vec![("rules", Json::Arr(rules.collect()))])
}

pub fn caps_body(body: &Caps) -> Json {
    let caps = body.caps.iter().map(|cap| {
        Json::object(vec![
            ("product", Json::str(&cap.product)),
            ("stop_at_percent", Json::int(cap.stop_at_percent)),
        ])
    });
    Json::object(vec![("caps", Json::Arr(caps.collect()))])
}
