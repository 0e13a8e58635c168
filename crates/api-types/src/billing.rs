//! `GET /api/portal/billing/upcoming` (contract §10).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::InvoiceLine;

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
}
