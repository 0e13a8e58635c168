//! Cost analysis (费用分析, contract §16): what each month cost.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One product's overage of a month, net of tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProductCost {
    /// `ai_chat`, `email` or `agent_seats`.
    pub product: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10.00"))]
    pub amount: Decimal,
}

/// What one month cost. Each invoice or credit-note line counts toward the month it
/// concerns (a fee toward its days, an overage toward the month of the usage). The parts
/// are net of tax: `fees` + every `overage` + `adjustments` + `credits` + `tax` = `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CostMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Plan fees (with fee reversals on invoices).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "942.45"))]
    pub fees: Decimal,
    /// Every product, in the order `ai_chat`, `email`, `agent_seats`... (by code).
    pub overage: Vec<ProductCost>,
    /// Later corrections of usage already billed.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub adjustments: Decimal,
    /// What credit notes took back (zero or negative).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "-100.00"))]
    pub credits: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "56.55"))]
    pub tax: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub total: Decimal,
    /// `total` less the month before's; `null` for the first month.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "120.00", required = true))]
    pub change: Option<Decimal>,
    /// `change` in percent of the month before's total, one decimal (half away from
    /// zero); `null` when there is no month before or it cost nothing.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "13.7", required = true))]
    pub change_percent: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Costs {
    pub currency: String,
    /// Oldest first, ending with this month.
    pub months: Vec<CostMonth>,
}
