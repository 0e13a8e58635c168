//! What a customer owes (contract §15): the balance, credit notes, payments received.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{InvoiceLine, TaxBreakdownEntry};

/// An amount applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Application {
    /// `payment` (a payment applied when received), `credit_note` (a credit note applied
    /// when issued) or `credit` (credit the account held before, from `id`).
    pub source: String,
    /// The payment's (`PAY…`) or credit note's id.
    pub id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreditNoteSummary {
    /// `CN{YYYYMM}{sequence}` (a negative invoice of an earlier version keeps its `INV` id).
    pub credit_note_id: String,
    /// What it credits, positive.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "515.61"))]
    pub amount: Decimal,
    pub currency: String,
    /// `YYYY-MM`.
    pub period: String,
    /// `issued`.
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreditNoteList {
    /// Newest first.
    pub credit_notes: Vec<CreditNoteSummary>,
    /// The `cursor` of the next page; `null` on the last page.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// A credit note (贷项通知单): its lines as issued (a reversal is negative), its amount
/// and tax what it credits (positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreditNote {
    pub credit_note_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "515.61"))]
    pub amount: Decimal,
    pub currency: String,
    pub period: String,
    pub status: String,
    pub created_at: String,
    pub lines: Vec<InvoiceLine>,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "486.42"))]
    pub net_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "29.19"))]
    pub tax_amount: Decimal,
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    pub amount_in_words: String,
    /// The invoices whose lines it reverses.
    pub credits_invoice_ids: Vec<String>,
}

/// The operator's bank account to pay to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PayTo {
    pub account_name: String,
    pub bank_name: String,
    pub account_number: String,
}

/// `GET /api/portal/balance`. At every moment
/// Σ invoices − Σ credit notes − Σ payments = `outstanding` − `credit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Balance {
    pub currency: String,
    /// The sum of `amount_due` over open invoices (应付金额).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub outstanding: Decimal,
    /// The part of it past its due date (已逾期).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub overdue: Decimal,
    /// Credit not applied (余额).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub credit: Decimal,
    /// `YYYY-MM-DD`, the earliest due date of an open invoice; `null` when none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_due_date: Option<String>,
    /// 汇款识别码: 8 characters of `0-9A-Z` without `I` and `O`, stable per customer.
    pub remittance_code: String,
    pub pay_to: PayTo,
    /// Whether service is suspended: an invoice is `PORTAL_SUSPEND_AFTER_DAYS` overdue or
    /// more; paying `overdue` lifts it.
    pub suspended: bool,
}

/// `POST /api/internal/payments`: a bank receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentIntake {
    /// A decimal string, > 0, at most 2 decimals.
    #[cfg_attr(feature = "openapi", schema(example = "999.00"))]
    pub amount: Option<String>,
    /// The bank's reference: one payment per reference.
    pub reference: Option<String>,
    /// RFC 3339, not in the future; default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The customer's 汇款识别码, when the bank memo names it instead of the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remittance_code: Option<String>,
    /// `bank_transfer` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// An amount of a payment applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentApplication {
    pub invoice_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
}

/// A payment recorded: 201 when new, 200 with the first answer for a reference seen
/// before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentReceipt {
    /// `PAY{sequence}`.
    pub payment_id: String,
    pub customer_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub amount: Decimal,
    pub currency: String,
    pub reference: String,
    pub paid_at: String,
    pub method: String,
    /// What it paid when received, earliest due first.
    pub applications: Vec<PaymentApplication>,
    /// What it left as credit (余额) when received.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub credit: Decimal,
}

/// One entry of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StatementEntry {
    /// `YYYY-MM-DD`, in the business time zone.
    pub date: String,
    /// `invoice`, `credit_note` or `payment`.
    pub kind: String,
    /// The invoice's, credit note's or payment's id.
    pub id: String,
    /// 摘要, in the reader's language.
    pub description: String,
    /// 借方: what it added to what is owed.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub debit: Decimal,
    /// 贷方: what it took off.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub credit: Decimal,
    /// 余额 after it: positive is owed by the customer, negative is its credit.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub balance: Decimal,
}

/// `GET /api/portal/statement` (对账单): the account over a range of months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Statement {
    /// `YYYY-MM`, the first month.
    pub from: String,
    /// `YYYY-MM`, the last month (included).
    pub to: String,
    pub currency: String,
    /// 期初余额: owed before `from` (negative: credit).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub opening_balance: Decimal,
    /// In the order entered.
    pub entries: Vec<StatementEntry>,
    /// 期末余额.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "999.00"))]
    pub closing_balance: Decimal,
}
