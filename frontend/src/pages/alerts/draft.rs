//! The alert rules and caps as the forms hold them (text as typed), and the API's bodies
//! made of them on save. Only what cannot be put in a body at all (a percentage that is
//! not a whole number, an amount that is not a number) is refused here; every other rule
//! (ranges, channels, how many rules) is the API's, and its reasons are shown.

use std::str::FromStr;

use portal_api_types::{AlertRule, AlertRules, Cap, Caps, Threshold};
use rust_decimal::Decimal;

pub const QUOTA_PERCENT: &str = "quota_percent";
pub const PROJECTED_AMOUNT: &str = "projected_amount";
/// The products a quota rule can watch.
pub const RULE_PRODUCTS: [&str; 3] = ["ai_chat", "email", "agent_seats"];
/// The counted products a cap can stop.
pub const CAP_PRODUCTS: [&str; 2] = ["ai_chat", "email"];
pub const CHANNELS: [&str; 3] = ["in_app", "email", "webhook"];

/// Reasons found here rather than by the API, put among the API's 422 `fields` under the
/// same keys; the page words them in the reader's language (see `reason_text`).
pub const NOT_WHOLE_PERCENT: &str = "\u{0}whole_percent";
pub const NOT_AMOUNT: &str = "\u{0}amount";

pub use crate::components::form::Refused;

/// A rule as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    pub kind: String,
    /// The product picked (kept while the kind is `projected_amount`, not sent then).
    pub product: String,
    pub threshold: String,
    pub channels: Vec<String>,
}

impl RuleText {
    /// What "add a rule" starts with: AI chat at 80 %, in the portal.
    pub fn new_rule() -> RuleText {
        RuleText {
            kind: QUOTA_PERCENT.into(),
            product: RULE_PRODUCTS[0].into(),
            threshold: "80".into(),
            channels: vec![CHANNELS[0].into()],
        }
    }

    pub fn of(rule: &AlertRule) -> RuleText {
        RuleText {
            kind: rule.kind.clone(),
            product: rule
                .product
                .clone()
                .unwrap_or_else(|| RULE_PRODUCTS[0].into()),
            threshold: threshold_text(&rule.threshold),
            channels: rule.channels.clone(),
        }
    }

    pub fn is_quota(&self) -> bool {
        self.kind != PROJECTED_AMOUNT
    }

    /// The rule to send, or why its threshold cannot be sent.
    pub fn to_rule(&self) -> Result<AlertRule, &'static str> {
        let (product, threshold) = if self.is_quota() {
            let percent = parse_percent(&self.threshold).ok_or(NOT_WHOLE_PERCENT)?;
            (Some(self.product.clone()), Threshold::Percent(percent))
        } else {
            let amount = parse_amount(&self.threshold).ok_or(NOT_AMOUNT)?;
            (None, Threshold::Amount(amount))
        };
        // The channels in the contract's order, whatever order they were ticked in.
        let channels = CHANNELS
            .iter()
            .filter(|c| self.channels.iter().any(|t| t == *c))
            .map(|c| (*c).to_owned())
            .collect();
        Ok(AlertRule {
            kind: self.kind.clone(),
            product,
            threshold,
            channels,
        })
    }
}

/// `80` for a percentage, `5000.00` for an amount, as the API sent it.
pub fn threshold_text(threshold: &Threshold) -> String {
    match threshold {
        Threshold::Percent(n) => n.to_string(),
        Threshold::Amount(amount) => amount.to_string(),
    }
}

/// A whole percentage as typed: `80`, ` 80 `, `80%`, `80 %`.
pub fn parse_percent(text: &str) -> Option<i64> {
    let text = text.trim();
    text.strip_suffix('%').unwrap_or(text).trim().parse().ok()
}

/// An amount as typed: `5000`, `5,000.50`, `¥5000`.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let digits: String = text
        .strip_prefix('¥')
        .unwrap_or(text)
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    Decimal::from_str(&digits).ok()
}

/// The body of `PUT /api/portal/alerts`, or the fields that cannot be sent.
pub fn rules_body(rules: &[RuleText]) -> Result<AlertRules, Refused> {
    let mut body = Vec::with_capacity(rules.len());
    let mut refused = Refused::new();
    for (i, rule) in rules.iter().enumerate() {
        match rule.to_rule() {
            Ok(rule) => body.push(rule),
            Err(reason) => {
                refused.insert(format!("rules[{i}].threshold"), reason.to_owned());
            }
        }
    }
    if refused.is_empty() {
        Ok(AlertRules { rules: body })
    } else {
        Err(refused)
    }
}

/// One counted product's cap as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapText {
    pub product: &'static str,
    pub on: bool,
    pub percent: String,
}

/// One entry per counted product, on where the API has a cap for it (100 % where not).
pub fn cap_texts(caps: &Caps) -> [CapText; 2] {
    CAP_PRODUCTS.map(|product| {
        let cap = caps.caps.iter().find(|c| c.product == product);
        CapText {
            product,
            on: cap.is_some(),
            percent: cap.map_or_else(|| "100".into(), |c| c.stop_at_percent.to_string()),
        }
    })
}

/// The body of `PUT /api/portal/caps` (the products switched on, in order), or the fields
/// that cannot be sent. Field keys are those of the body: `caps[0].stop_at_percent` is the
/// first product switched on.
pub fn caps_body(texts: &[CapText]) -> Result<Caps, Refused> {
    let mut caps = Vec::new();
    let mut refused = Refused::new();
    for text in texts.iter().filter(|t| t.on) {
        match parse_percent(&text.percent) {
            Some(stop_at_percent) => caps.push(Cap {
                product: text.product.to_owned(),
                stop_at_percent,
            }),
            None => {
                refused.insert(
                    cap_key(caps.len() + refused.len()),
                    NOT_WHOLE_PERCENT.to_owned(),
                );
            }
        }
    }
    if refused.is_empty() {
        Ok(Caps { caps })
    } else {
        Err(refused)
    }
}

/// The field key of a product's cap in a body of `products`; `None` when it was not sent.
pub fn cap_field(sent: &[String], product: &str) -> Option<String> {
    sent.iter().position(|p| *p == product).map(cap_key)
}

fn cap_key(index: usize) -> String {
    format!("caps[{index}].stop_at_percent")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(products: &[&str]) -> Vec<String> {
        products.iter().map(|p| (*p).to_owned()).collect()
    }

    fn rule(kind: &str, product: &str, threshold: &str, channels: &[&str]) -> RuleText {
        RuleText {
            kind: kind.into(),
            product: product.into(),
            threshold: threshold.into(),
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn percentages_and_amounts_as_typed() {
        assert_eq!(parse_percent("80"), Some(80));
        assert_eq!(parse_percent(" 80 % "), Some(80));
        assert_eq!(parse_percent("80.5"), None);
        assert_eq!(parse_percent(""), None);
        assert_eq!(parse_percent("八十"), None);
        assert_eq!(parse_amount("5,000.50"), Some(Decimal::new(500_050, 2)));
        assert_eq!(parse_amount("¥ 1000"), Some(Decimal::new(1000, 0)));
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn a_quota_rule_is_sent_with_its_product_and_a_whole_percentage() {
        let body =
            rules_body(&[rule(QUOTA_PERCENT, "email", "90%", &["webhook", "in_app"])]).unwrap();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"rules": [{"kind": "quota_percent", "product": "email",
                "threshold": 90, "channels": ["in_app", "webhook"]}]})
        );
    }

    #[test]
    fn a_projected_bill_rule_is_sent_with_an_amount_string_and_no_product() {
        let body =
            rules_body(&[rule(PROJECTED_AMOUNT, "ai_chat", "5000.00", &["in_app"])]).unwrap();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"rules": [{"kind": "projected_amount", "product": null,
                "threshold": "5000.00", "channels": ["in_app"]}]})
        );
    }

    #[test]
    fn what_cannot_be_sent_is_named_by_its_field() {
        let refused = rules_body(&[
            rule(QUOTA_PERCENT, "ai_chat", "80", &["in_app"]),
            rule(QUOTA_PERCENT, "ai_chat", "80.5", &["in_app"]),
            rule(PROJECTED_AMOUNT, "ai_chat", "lots", &[]),
        ])
        .unwrap_err();
        assert_eq!(refused.len(), 2);
        assert_eq!(refused["rules[1].threshold"], NOT_WHOLE_PERCENT);
        assert_eq!(refused["rules[2].threshold"], NOT_AMOUNT);
        assert_eq!(refused.get("rules[0].threshold"), None);
        // Out of range or without channels: the API's to judge, so it is sent.
        assert!(rules_body(&[rule(QUOTA_PERCENT, "ai_chat", "5000", &[])]).is_ok());
        assert_eq!(rules_body(&[]), Ok(AlertRules { rules: vec![] }));
    }

    #[test]
    fn rules_read_back_as_they_were_sent() {
        let rules: AlertRules = serde_json::from_str(
            r#"{"rules":[{"kind":"quota_percent","product":"agent_seats","threshold":80,"channels":["in_app"]},
                {"kind":"projected_amount","product":null,"threshold":"5000.50","channels":["in_app","email"]}]}"#,
        )
        .unwrap();
        let texts: Vec<RuleText> = rules.rules.iter().map(RuleText::of).collect();
        assert_eq!(
            texts[0],
            rule(QUOTA_PERCENT, "agent_seats", "80", &["in_app"])
        );
        assert_eq!(
            texts[1],
            rule(PROJECTED_AMOUNT, "ai_chat", "5000.50", &["in_app", "email"])
        );
        assert!(!texts[1].is_quota());
        assert_eq!(rules_body(&texts), Ok(rules));
        assert_eq!(
            RuleText::new_rule().to_rule().unwrap().threshold,
            Threshold::Percent(80)
        );
    }

    #[test]
    fn caps_one_per_counted_product() {
        let caps = Caps {
            caps: vec![Cap {
                product: "email".into(),
                stop_at_percent: 120,
            }],
        };
        let texts = cap_texts(&caps);
        assert_eq!(
            texts,
            [
                CapText {
                    product: "ai_chat",
                    on: false,
                    percent: "100".into()
                },
                CapText {
                    product: "email",
                    on: true,
                    percent: "120".into()
                },
            ]
        );
        assert_eq!(caps_body(&texts), Ok(caps));
        assert_eq!(
            cap_field(&sent(&["email"]), "email").as_deref(),
            Some("caps[0].stop_at_percent")
        );
        assert_eq!(cap_field(&sent(&["email"]), "ai_chat"), None);
    }

    #[test]
    fn caps_switched_on_are_sent_in_order_and_bad_ones_named() {
        let mut texts = cap_texts(&Caps { caps: vec![] });
        assert_eq!(caps_body(&texts), Ok(Caps { caps: vec![] }));
        texts[0].on = true;
        texts[1].on = true;
        texts[1].percent = "90".into();
        let body = caps_body(&texts).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"caps": [{"product": "ai_chat", "stop_at_percent": 100},
                {"product": "email", "stop_at_percent": 90}]})
        );
        texts[1].percent = "ninety".into();
        let refused = caps_body(&texts).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused["caps[1].stop_at_percent"], NOT_WHOLE_PERCENT);
        assert_eq!(
            cap_field(&sent(&["ai_chat", "email"]), "email").as_deref(),
            Some("caps[1].stop_at_percent")
        );
    }
}
