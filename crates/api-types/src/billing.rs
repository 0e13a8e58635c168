//! `GET /api/portal/billing/upcoming` (contract §10).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{InvoiceLine, TaxBreakdownEntry};

/// The next period's invoice as the billing run would issue it now, and the same with
/// this month's usage projected to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpcomingBill {
    /// The period (`YYYY-MM`) whose invoice this is: next month.
    pub period: String,
    pub currency: String,
    /// What a billing run of `period` would issue now (0.00 when nothing is owed).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1024.00"))]
    pub amount: Decimal,
    /// Its lines: next month's fees, this month's usage beyond the plan so far
    /// (`overage`) and late usage of months already billed (`adjustment`).
    pub lines: Vec<InvoiceLine>,
    /// The same with this month's usage at its pace so far, to the month's end.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1130.00"))]
    pub projected_amount: Decimal,
    pub projected_lines: Vec<InvoiceLine>,
    /// The sum of the lines' net amounts (金额（不含税）).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "942.45"))]
    pub net_amount: Decimal,
    /// The sum of the lines' tax amounts (税额).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "56.55"))]
    pub tax_amount: Decimal,
    /// One entry per VAT rate of its lines, lowest rate first.
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    /// `amount` in Chinese capital numerals (人民币大写), e.g. `玖佰玖拾玖元整`.
    pub amount_in_words: String,
    /// The projected lines' net amounts.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1066.04"))]
    pub projected_net_amount: Decimal,
    /// The projected lines' tax amounts.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "63.96"))]
    pub projected_tax_amount: Decimal,
    pub projected_tax_breakdown: Vec<TaxBreakdownEntry>,
}
