//! `GET /api/portal/usage` and `GET /api/portal/usage/detail`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProductUsage {
    /// `ai_chat`, `email` or `agent_seats`.
    pub product: String,
    pub used: i64,
    pub quota: i64,
    /// `used / quota * 100`, at most one decimal.
    #[serde(
        serialize_with = "rust_decimal::serde::float::serialize",
        deserialize_with = "percent_number"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 66.7))]
    pub percent: Decimal,
    /// The month-end value at the month's pace so far.
    pub projected: i64,
    /// `none`, `warning` (≥ 80%) or `exceeded` (≥ 100%).
    pub alert: String,
    /// What the month's plan segments include (§10): `Σ quota × days / days in the
    /// month`, whole units; for `agent_seats`, the seats included on the last day counted.
    #[serde(default)]
    pub included: i64,
    /// Units beyond it so far; for `agent_seats`, seat-days beyond each day's seats.
    #[serde(default)]
    pub overage_units: i64,
    /// Their price so far (CNY, two decimals).
    #[serde(default, with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "25.00"))]
    pub overage_amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UsageOverview {
    pub month: String,
    pub products: Vec<ProductUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UsageItem {
    pub date: String,
    pub product: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UsageDetail {
    pub from: String,
    pub to: String,
    /// Ordered by date, then product.
    pub items: Vec<UsageItem>,
}

/// Reads a JSON number with at most one decimal as a plain `f64` (reading it through
/// `rust_decimal`'s float text path would pull float formatting into the wasm app),
/// rounded back to one decimal half away from zero.
fn percent_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let value = <f64 as Deserialize>::deserialize(d)?;
    Decimal::try_from(value)
        .map(|v| v.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
        .map_err(serde::de::Error::custom)
}
