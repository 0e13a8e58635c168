//! Invoices (the portal's bills, 账单): their lines, payments and lists.

use rust_decimal::Decimal;

use crate::TaxBreakdownEntry;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub unit_price: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    /// `fee` (a plan segment's days in a period), `reversal` (takes back an earlier fee
    /// line of the same segment), `overage` (a month's usage beyond the plan, billed on
    /// the next month's invoice), `adjustment` (usage that changed a month already
    /// billed: the difference) or `legacy` (a line issued before segments existed).
    #[serde(default)]
    pub kind: String,
    /// Usage lines: `ai_chat`, `email` or `agent_seats`. Their `quantity` is the units
    /// beyond the plan (for `agent_seats`, seat-days; for `adjustment`, the change) and
    /// `unit_price` the plan's overage price (for `agent_seats`, per seat and month:
    /// the amount is seat-days × price / days in the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Usage lines: the month's usage when the line was issued (for `agent_seats`, the
    /// highest day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<i64>,
    /// Usage lines: what the month's plan segments include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The period (`YYYY-MM`) the line's days belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// First day served, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day served, inclusive, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Days served, and the days of the period's month they are divided by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_in_month: Option<u32>,
    /// The line's VAT rate (§14), a decimal string: its plan's (`"0.06"` is 6 %).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.06"))]
    pub tax_rate: Decimal,
    /// 金额（不含税）: `amount − tax_amount`.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "942.45"))]
    pub net_amount: Decimal,
    /// 税额: `amount × tax_rate / (1 + tax_rate)`, rounded once to the fen, half away from
    /// zero. `amount` is the line's 价税合计 (prices include tax).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "56.55"))]
    pub tax_amount: Decimal,
}

/// A payment recorded against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Payment {
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    pub reference: String,
    /// RFC 3339, UTC.
    pub paid_at: String,
}

/// `POST /api/internal/invoices/{id}/paid`: all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// Must equal the invoice's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// RFC 3339; default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvoiceSummary {
    pub invoice_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    pub currency: String,
    /// `YYYY-MM`.
    pub period: String,
    /// `pending`, `paid` or `overdue`.
    pub status: String,
    pub created_at: String,
    /// `none`, `pending` (a fapiao is requested) or `issued` (contract §12).
    #[serde(default = "no_fapiao")]
    pub fapiao_status: String,
    /// What credit and payments paid of it (§15).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub amount_paid: Decimal,
    /// What it still owes: `amount − amount_paid`, never negative; `paid` when `0.00`.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount_due: Decimal,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

fn no_fapiao() -> String {
    "none".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvoiceList {
    /// Newest first.
    pub invoices: Vec<InvoiceSummary>,
    /// The `cursor` of the next page; `null` on the last page.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Invoice {
    pub invoice_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    pub currency: String,
    pub period: String,
    pub status: String,
    pub created_at: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub lines: Vec<InvoiceLine>,
    /// `subscription` (a billing run's first invoice of the period), `adjustment` (what a
    /// plan change or a later run adds to or takes back from invoiced periods).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub payments: Vec<Payment>,
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
    /// What credit and payments paid of it (§15).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub amount_paid: Decimal,
    /// What it still owes: `amount − amount_paid`, never negative.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount_due: Decimal,
    /// The amounts applied to it, in the order applied.
    pub applications: Vec<crate::Application>,
    /// The credit notes that credit lines of it.
    pub credit_note_ids: Vec<String>,
}
