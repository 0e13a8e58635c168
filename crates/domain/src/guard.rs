//! The spend guard (contract §11): alert rules customers set on their quota and their
//! projected bill, the notifications they fire, and caps that stop a counted product at a
//! share of its included quota.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::error::FieldErrors;
use crate::money::{Currency, Money};
use crate::product::{Metering, Product};

/// The most rules a customer keeps.
pub const MAX_RULES: usize = 20;
/// Percent thresholds and caps are whole numbers in this range.
pub const PERCENT_RANGE: std::ops::RangeInclusive<i64> = 1..=1000;

/// Where a fired rule is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    InApp,
    Email,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::InApp, Channel::Email, Channel::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// What a rule watches, and its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertCondition {
    /// `product`'s use this month reaches `percent` % of its included quota.
    QuotaPercent { product: Product, percent: i64 },
    /// The projected upcoming bill reaches `amount`.
    ProjectedAmount { amount: Money },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    pub condition: AlertCondition,
    pub channels: BTreeSet<Channel>,
}

impl AlertRule {
    /// Names the rule for "fired once per month": the same condition is the same rule,
    /// whatever its channels.
    pub fn key(&self) -> String {
        match &self.condition {
            AlertCondition::QuotaPercent { product, percent } => {
                format!("quota_percent:{product}:{percent}")
            }
            AlertCondition::ProjectedAmount { amount } => {
                format!("projected_amount:{}", amount.amount())
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.condition {
            AlertCondition::QuotaPercent { .. } => "quota_percent",
            AlertCondition::ProjectedAmount { .. } => "projected_amount",
        }
    }
}

/// A rule as submitted, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAlertRule {
    pub kind: String,
    pub product: Option<String>,
    /// A whole number for `quota_percent`, a decimal string for `projected_amount`.
    pub threshold: RawThreshold,
    pub channels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawThreshold {
    Percent(i64),
    Amount(Decimal),
}

/// Validates a whole rule set; every problem is named as `rules[i].field`. `available`
/// are the channels this server can deliver.
pub fn validate_rules(
    raw: &[RawAlertRule],
    available: &BTreeSet<Channel>,
) -> Result<Vec<AlertRule>, FieldErrors> {
    let mut errors = FieldErrors::default();
    if raw.len() > MAX_RULES {
        errors.add("rules", format!("at most {MAX_RULES} rules"));
        return Err(errors);
    }
    let mut rules = Vec::new();
    let mut keys = BTreeSet::new();
    for (i, r) in raw.iter().enumerate() {
        let at = |field: &str| format!("rules[{i}].{field}");
        let condition = match (r.kind.as_str(), &r.threshold) {
            ("quota_percent", threshold) => {
                let product = match r.product.as_deref().map(Product::parse) {
                    Some(Ok(p)) => Some(p),
                    Some(Err(e)) => {
                        errors.add(at("product"), e.why);
                        None
                    }
                    None => {
                        errors.add(at("product"), "required for quota_percent");
                        None
                    }
                };
                let percent = match threshold {
                    RawThreshold::Percent(p) if PERCENT_RANGE.contains(p) => Some(*p),
                    _ => {
                        errors.add(at("threshold"), "a whole number of percent, 1 to 1000");
                        None
                    }
                };
                product
                    .zip(percent)
                    .map(|(product, percent)| AlertCondition::QuotaPercent { product, percent })
            }
            ("projected_amount", threshold) => {
                if r.product.is_some() {
                    errors.add(at("product"), "must be null for projected_amount");
                }
                let amount = match threshold {
                    RawThreshold::Amount(a) if *a > Decimal::ZERO => {
                        Money::new(*a, Currency::Cny).ok()
                    }
                    _ => None,
                };
                if amount.is_none() {
                    errors.add(
                        at("threshold"),
                        "an amount of CNY above 0 with at most two decimals, such as \"1000.00\"",
                    );
                }
                amount.map(|amount| AlertCondition::ProjectedAmount { amount })
            }
            _ => {
                errors.add(at("kind"), "must be quota_percent or projected_amount");
                None
            }
        };
        let mut channels = BTreeSet::new();
        if r.channels.is_empty() {
            errors.add(at("channels"), "at least one of in_app, email, webhook");
        }
        for name in &r.channels {
            match Channel::parse(name) {
                Some(c) if available.contains(&c) => {
                    channels.insert(c);
                }
                Some(c) => errors.add(
                    at("channels"),
                    format!("{} is not configured on this server", c.as_str()),
                ),
                None => errors.add(at("channels"), "each one of in_app, email, webhook"),
            }
        }
        if let Some(condition) = condition {
            let rule = AlertRule {
                condition,
                channels,
            };
            if !keys.insert(rule.key()) {
                errors.add(at("threshold"), "the same rule is listed twice");
            }
            rules.push(rule);
        }
    }
    errors.into_result()?;
    Ok(rules)
}

/// A counted product stopped at a share of its included quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub product: Product,
    pub stop_at_percent: i64,
}

impl Cap {
    /// The units allowed this month: `included × percent / 100`, rounded down.
    pub fn limit(&self, included: i64) -> i64 {
        included.saturating_mul(self.stop_at_percent) / 100
    }
}

/// Validates a cap set: counted products only, once each, 1–1000 %.
pub fn validate_caps(raw: &[(String, i64)]) -> Result<Vec<Cap>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut caps: BTreeMap<Product, Cap> = BTreeMap::new();
    for (i, (product, percent)) in raw.iter().enumerate() {
        let at = |field: &str| format!("caps[{i}].{field}");
        let product = match Product::parse(product) {
            Ok(p) if p.metering() == Metering::Counted => Some(p),
            Ok(_) => {
                errors.add(at("product"), "only ai_chat and email can be capped");
                None
            }
            Err(e) => {
                errors.add(at("product"), e.why);
                None
            }
        };
        if !PERCENT_RANGE.contains(percent) {
            errors.add(
                at("stop_at_percent"),
                "a whole number of percent, 1 to 1000",
            );
        }
        if let Some(product) = product {
            let cap = Cap {
                product,
                stop_at_percent: *percent,
            };
            if caps.insert(product, cap).is_some() {
                errors.add(at("product"), "listed twice");
            }
        }
    }
    errors.into_result()?;
    Ok(caps.into_values().collect())
}

/// What a notification tells, kept as data and worded when read: what a fired rule saw,
/// or a fapiao issued (§12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Quota {
        product: Product,
        percent: i64,
        used: i64,
        included: i64,
    },
    ProjectedBill {
        threshold: Money,
        projected: Money,
    },
    FapiaoIssued {
        fapiao_number: String,
        amount: Money,
    },
    /// A payment reminder (催缴, §15): due in three days, or overdue.
    PaymentReminder {
        invoice_id: String,
        amount_due: Money,
        due_date: chrono::NaiveDate,
        overdue: bool,
    },
    /// An invoice or a credit note issued (§16): `amount` what it charges or credits
    /// (positive); `due_date` an invoice's.
    DocumentIssued {
        document: crate::invoice::DocumentKind,
        id: String,
        amount: Money,
        due_date: chrono::NaiveDate,
    },
    /// A payment received (§16).
    PaymentReceived {
        payment_id: String,
        amount: Money,
        reference: String,
    },
}

impl Notice {
    /// `usage.threshold_crossed` for quota rules, `bill.threshold_crossed` for the bill,
    /// `fapiao.issued` for an issued fapiao, `invoice.due_soon` and `invoice.overdue` for
    /// payment reminders, `invoice.issued`, `credit_note.issued`, `payment.received`.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::Quota { .. } => "usage.threshold_crossed",
            Notice::ProjectedBill { .. } => "bill.threshold_crossed",
            Notice::FapiaoIssued { .. } => "fapiao.issued",
            Notice::PaymentReminder { overdue: false, .. } => "invoice.due_soon",
            Notice::PaymentReminder { overdue: true, .. } => "invoice.overdue",
            Notice::DocumentIssued {
                document: crate::invoice::DocumentKind::Invoice,
                ..
            } => "invoice.issued",
            Notice::DocumentIssued {
                document: crate::invoice::DocumentKind::CreditNote,
                ..
            } => "credit_note.issued",
            Notice::PaymentReceived { .. } => "payment.received",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::wording::Language;

    fn raw(
        kind: &str,
        product: Option<&str>,
        threshold: RawThreshold,
        channels: &[&str],
    ) -> RawAlertRule {
        RawAlertRule {
            kind: kind.into(),
            product: product.map(Into::into),
            threshold,
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn in_app() -> BTreeSet<Channel> {
        [Channel::InApp].into_iter().collect()
    }

    #[test]
    fn rules_are_validated_field_by_field() {
        let ok = validate_rules(
            &[
                raw(
                    "quota_percent",
                    Some("ai_chat"),
                    RawThreshold::Percent(80),
                    &["in_app"],
                ),
                raw(
                    "projected_amount",
                    None,
                    RawThreshold::Amount(Decimal::new(100_000, 2)),
                    &["in_app"],
                ),
            ],
            &in_app(),
        )
        .unwrap();
        assert_eq!(ok[0].key(), "quota_percent:ai_chat:80");
        assert_eq!(ok[1].key(), "projected_amount:1000.00");
        let bad = validate_rules(
            &[
                raw("quota_percent", None, RawThreshold::Percent(0), &[]),
                raw(
                    "projected_amount",
                    Some("email"),
                    RawThreshold::Amount(Decimal::new(1, 3)),
                    &["email"],
                ),
                raw("spend", None, RawThreshold::Percent(5), &["sms"]),
                raw(
                    "quota_percent",
                    Some("ai_chat"),
                    RawThreshold::Amount(Decimal::ONE),
                    &["in_app"],
                ),
            ],
            &in_app(),
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "rules[0].channels",
                "rules[0].product",
                "rules[0].threshold",
                "rules[1].channels",
                "rules[1].product",
                "rules[1].threshold",
                "rules[2].channels",
                "rules[2].kind",
                "rules[3].threshold",
            ]
        );
        assert_eq!(
            bad.0["rules[1].channels"],
            "email is not configured on this server"
        );
        let dup = validate_rules(
            &[
                raw(
                    "quota_percent",
                    Some("email"),
                    RawThreshold::Percent(90),
                    &["in_app"],
                ),
                raw(
                    "quota_percent",
                    Some("email"),
                    RawThreshold::Percent(90),
                    &["in_app"],
                ),
            ],
            &in_app(),
        );
        assert!(dup.is_err());
        let many: Vec<_> = (1..=21)
            .map(|p| {
                raw(
                    "quota_percent",
                    Some("email"),
                    RawThreshold::Percent(p),
                    &["in_app"],
                )
            })
            .collect();
        assert!(validate_rules(&many, &in_app()).is_err());
    }

    #[test]
    fn caps_take_counted_products_once_and_round_the_limit_down() {
        let caps = validate_caps(&[("email".into(), 150), ("ai_chat".into(), 100)]).unwrap();
        assert_eq!(caps[0].product, Product::AiChat);
        assert_eq!(caps[1].limit(1_001), 1_501);
        assert!(validate_caps(&[("agent_seats".into(), 100)]).is_err());
        assert!(validate_caps(&[("email".into(), 0)]).is_err());
        assert!(validate_caps(&[("email".into(), 90), ("email".into(), 95)]).is_err());
    }

    #[test]
    fn crossings_are_worded_in_both_languages() {
        let c = Notice::Quota {
            product: Product::AiChat,
            percent: 80,
            used: 8_100,
            included: 10_000,
        };
        assert_eq!(c.words(Language::Zh).0, "AI 对话用量已达 80%");
        assert_eq!(
            c.words(Language::En).1,
            "8100 used this month of 10000 included."
        );
    }
}
