//! VAT (增值税) on money documents (contract §14): one rate's part of a document.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One VAT rate's lines of a document, summed: `net_amount + tax_amount = amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TaxBreakdownEntry {
    /// The rate, a decimal string (`"0.06"` is 6 %).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.06"))]
    pub tax_rate: Decimal,
    /// 金额（不含税）: the sum of the rate's lines' net amounts.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "942.45"))]
    pub net_amount: Decimal,
    /// 税额: the sum of the rate's lines' tax amounts.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "56.55"))]
    pub tax_amount: Decimal,
    /// 价税合计: the sum of the rate's lines' amounts.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
}
