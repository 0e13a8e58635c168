//! A plan as the platform's catalogue writes it (`PUT /api/internal/plans/{plan_id}`):
//! every field checked and each bad one named, so a plan is stored whole or not at all.

use rust_decimal::Decimal;

use crate::error::FieldErrors;
use crate::ids::PlanId;
use crate::money::{Currency, Money};
use crate::plan::{OveragePrices, Plan, Quotas};
use crate::tax::TaxRate;

/// A plan's fields as sent, money and rates as decimal strings.
#[derive(Debug, Clone, Copy)]
pub struct RawPlan<'a> {
    pub name: &'a str,
    /// The English name; absent: the same as `name`.
    pub name_en: Option<&'a str>,
    pub price: &'a str,
    pub currency: &'a str,
    pub quotas: Quotas,
    /// Prices beyond the quotas: one conversation, one e-mail, one seat for a month.
    pub overage: [&'a str; 3],
    pub tax_rate: &'a str,
}

/// The longest plan name.
pub const MAX_PLAN_NAME: usize = 100;
/// The dearest price a plan may carry, per month or per unit beyond it: 100,000,000.00
/// (so every sum of a year of invoices stays far inside what is stored).
pub const MAX_PLAN_PRICE: i64 = 100_000_000;

/// `raw` as the plan `id`, or every field that is wrong.
pub fn validate_plan(id: PlanId, raw: &RawPlan<'_>) -> Result<Plan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = raw.name.trim();
    if name.is_empty() || name.chars().count() > MAX_PLAN_NAME {
        errors.add("name", format!("must be 1 to {MAX_PLAN_NAME} characters"));
    }
    let name_en = raw.name_en.map(str::trim).unwrap_or(name);
    if name_en.is_empty() || name_en.chars().count() > MAX_PLAN_NAME {
        errors.add(
            "name_en",
            format!("must be 1 to {MAX_PLAN_NAME} characters"),
        );
    }
    let currency = Currency::parse(raw.currency)
        .map_err(|_| errors.add("currency", "must be CNY"))
        .ok();
    let mut money = |field: &str, value: &str| -> Option<Money> {
        let parsed = value
            .trim()
            .parse::<Decimal>()
            .ok()
            .filter(|d| {
                (!d.is_sign_negative() || d.is_zero()) && *d <= Decimal::from(MAX_PLAN_PRICE)
            })
            .and_then(|d| Money::new(d, currency.unwrap_or(Currency::Cny)).ok());
        if parsed.is_none() {
            errors.add(
                field,
                format!("must be an amount from 0 to {MAX_PLAN_PRICE} with at most 2 decimals"),
            );
        }
        parsed
    };
    let price = money("price", raw.price);
    let [chat, email, seats] = raw.overage;
    let overage = (
        money("overage.ai_chat", chat),
        money("overage.email", email),
        money("overage.agent_seats", seats),
    );
    for (field, quota) in [
        ("features.ai_chat_quota", raw.quotas.ai_chat),
        ("features.agent_seats", raw.quotas.agent_seats),
        ("features.email_quota", raw.quotas.email),
    ] {
        if quota < 0 {
            errors.add(field, "must be 0 or more");
        }
    }
    let tax_rate = TaxRate::parse(raw.tax_rate)
        .map_err(|e| errors.add("tax_rate", e.to_string()))
        .ok();
    match (price, overage, tax_rate) {
        (Some(price), (Some(ai_chat), Some(email), Some(agent_seats)), Some(tax_rate))
            if errors.is_empty() =>
        {
            Ok(Plan {
                id,
                name: name.to_owned(),
                name_en: name_en.to_owned(),
                price,
                quotas: raw.quotas,
                overage: OveragePrices {
                    ai_chat,
                    email,
                    agent_seats,
                },
                tax_rate,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn raw(tax_rate: &str) -> RawPlan<'_> {
        RawPlan {
            name: "专业版",
            name_en: Some("Pro"),
            price: "999.00",
            currency: "CNY",
            quotas: Quotas {
                ai_chat: 10_000,
                agent_seats: 5,
                email: 1_000,
            },
            overage: ["0.05", "0.03", "99.00"],
            tax_rate,
        }
    }

    fn pro() -> PlanId {
        PlanId::parse("pro").unwrap()
    }

    #[test]
    fn a_whole_plan_is_accepted_with_its_rate() {
        let plan = validate_plan(pro(), &raw("0.13")).unwrap();
        assert_eq!(plan.tax_rate.to_string(), "0.13");
        assert_eq!(plan.price.amount().to_string(), "999.00");
    }

    #[test]
    fn rates_outside_the_range_or_too_fine_are_named() {
        for (bad, why) in [
            ("0.21", "between 0 and 0.2"),
            ("-0.06", "between 0 and 0.2"),
            ("0.06251", "at most 4 decimals"),
            ("six", "decimal number"),
        ] {
            let errors = validate_plan(pro(), &raw(bad)).unwrap_err();
            assert!(errors.0["tax_rate"].contains(why), "{bad}: {errors}");
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut r = raw("0.3");
        r.name = " ";
        r.price = "9.999";
        r.currency = "USD";
        r.overage = ["0.05", "-1", "100000000.01"];
        r.quotas.email = -1;
        let errors = validate_plan(pro(), &r).unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "currency",
                "features.email_quota",
                "name",
                "overage.agent_seats",
                "overage.email",
                "price",
                "tax_rate"
            ]
        );
    }
}
