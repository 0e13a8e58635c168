//! Cost analysis (§16).

use portal_api_types::{CostMonth, Costs, ProductCost};
use rust_decimal::Decimal;

use crate::json::{Fields, Value, money, text};

/// `rust_decimal::serde::str_option`: a string, or `null` or `""` for none (the member
/// must be there).
fn money_or_null(value: &Value) -> Option<Option<Decimal>> {
    match value {
        Value::Null => Some(None),
        Value::String(text) if text.is_empty() => Some(None),
        other => money(other).map(Some),
    }
}

pub fn costs(value: &Value) -> Option<Costs> {
    let f = Fields::of(value)?;
    Some(Costs {
        currency: f.req("currency", text)?,
        months: f.list("months", |value| {
            let f = Fields::of(value)?;
            Some(CostMonth {
                month: f.req("month", text)?,
                fees: f.req("fees", money)?,
                overage: f.list("overage", |value| {
                    let f = Fields::of(value)?;
                    Some(ProductCost {
                        product: f.req("product", text)?,
                        amount: f.req("amount", money)?,
                    })
                })?,
                adjustments: f.req("adjustments", money)?,
                credits: f.req("credits", money)?,
                tax: f.req("tax", money)?,
                total: f.req("total", money)?,
                change: f.req("change", money_or_null)?,
                change_percent: f.req("change_percent", money_or_null)?,
            })
        })?,
    })
}
