//! Invoices, their lines (kept as data, worded in the reader's language), statuses,
//! payments and numbers.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{CustomerId, InvoiceId};
use crate::money::{Currency, Money, MoneyError};
use crate::month::Month;
use crate::tax::{DocumentTax, LineTax, TaxRate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    Pending,
    Paid,
    Overdue,
    /// A credit note's only status: it owes nothing and is owed nothing.
    Issued,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Overdue => "overdue",
            InvoiceStatus::Issued => "issued",
        }
    }

    /// The status as of `today` (contract §15): an invoice still owing is overdue from the
    /// day after its due date in the business calendar, whether or not a job has marked
    /// it so yet.
    pub fn as_of(self, due_date: NaiveDate, today: NaiveDate) -> Self {
        let owes = matches!(self, InvoiceStatus::Pending | InvoiceStatus::Overdue);
        if crate::receivables::is_overdue(due_date, owes, today) {
            InvoiceStatus::Overdue
        } else {
            self
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(InvoiceStatus::Pending),
            "paid" => Some(InvoiceStatus::Paid),
            "overdue" => Some(InvoiceStatus::Overdue),
            "issued" => Some(InvoiceStatus::Issued),
            _ => None,
        }
    }
}

/// Which document a charge is (§15): an invoice (a debit on the customer's account) or,
/// when its lines add up to less than nothing, a credit note (贷项通知单, a credit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "invoice" => Some(DocumentKind::Invoice),
            "credit_note" => Some(DocumentKind::CreditNote),
            _ => None,
        }
    }

    /// The prefix of its numbers: `INV`, `CN`.
    pub fn prefix(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "INV",
            DocumentKind::CreditNote => "CN",
        }
    }
}

/// Why an invoice was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    /// A billing run's first invoice of a period: its charges, billed in advance; at most
    /// one per customer and period.
    Subscription,
    /// What a plan change, or a later run, adds to or takes back from invoiced periods.
    /// (Upgrades of the previous version were stored as `proration`; read as this.)
    Adjustment,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Subscription => "subscription",
            InvoiceKind::Adjustment => "adjustment",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "subscription" => Some(InvoiceKind::Subscription),
            "adjustment" | "proration" => Some(InvoiceKind::Adjustment),
            _ => None,
        }
    }
}

/// What a line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A plan segment's days in a period.
    Fee,
    /// Takes back an earlier fee line of the same segment, whole.
    Reversal,
    /// A month's usage beyond the plan, billed in arrears on the next period's invoice.
    Overage,
    /// Usage that changed a month already billed: the difference from what was billed.
    Adjustment,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Fee => "fee",
            LineKind::Reversal => "reversal",
            LineKind::Overage => "overage",
            LineKind::Adjustment => "adjustment",
        }
    }

    /// Whether the line bills usage (`overage`, `adjustment`) rather than a plan's fee.
    pub fn is_usage(self) -> bool {
        matches!(self, LineKind::Overage | LineKind::Adjustment)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "fee" => Some(LineKind::Fee),
            "reversal" => Some(LineKind::Reversal),
            "overage" => Some(LineKind::Overage),
            "adjustment" => Some(LineKind::Adjustment),
            _ => None,
        }
    }
}

/// What a line is, kept as data and worded when shown. A fee or reversal names its plan
/// segment's days in `period`; a usage line (`overage`, `adjustment`) names the usage
/// month as `period`, its days as the whole month, the plan that priced it, and `usage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDetail {
    pub kind: LineKind,
    pub plan_id: crate::ids::PlanId,
    /// The plan's name when the line was issued.
    pub plan_name: String,
    pub period: Month,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: u32,
    pub days_in_month: u32,
    /// Usage lines only: the product and the month's figures when issued.
    pub usage: Option<UsageFacts>,
}

/// A usage line's product and the month's figures when the line was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageFacts {
    pub product: crate::product::Product,
    /// Used in the month (for `agent_seats`, the highest day).
    pub used: i64,
    /// What the month's plan segments include.
    pub included: i64,
}

/// One line of an invoice. Its amount is the unit price times the quantity, rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// The stored text: the line's only wording when it has no detail (issued before
    /// lines kept their data), a record otherwise.
    pub description: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub amount: Money,
    /// Its VAT: the rate and the amount split into net and tax (§14).
    pub tax: LineTax,
    pub detail: Option<LineDetail>,
}

impl InvoiceLine {
    /// A line of `quantity` × `unit_price` (tax-inclusive), taxed at `rate`.
    pub fn new(
        description: impl Into<String>,
        quantity: i64,
        unit_price: Money,
        rate: TaxRate,
    ) -> Self {
        let amount = Money::rounded(
            unit_price.amount() * rust_decimal::Decimal::from(quantity),
            unit_price.currency(),
        );
        Self {
            description: description.into(),
            quantity,
            unit_price,
            amount,
            tax: LineTax::of(amount, rate),
            detail: None,
        }
    }

    /// The period whose charges this line counts toward, when known.
    pub fn period(&self) -> Option<Month> {
        self.detail.as_ref().map(|d| d.period)
    }
}

/// A payment recorded against an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub amount: Money,
    pub reference: String,
    pub paid_at: DateTime<Utc>,
}

/// The total of an invoice: the sum of its rounded lines, so that the lines always add up.
pub fn total_of(currency: Currency, lines: &[InvoiceLine]) -> Result<Money, MoneyError> {
    Money::sum(currency, lines.iter().map(|l| &l.amount))
}

/// The tax of a document of `lines` (§14): its net and tax amounts are the sums of its
/// lines', its breakdown one entry per rate.
pub fn document_tax(currency: Currency, lines: &[InvoiceLine]) -> Result<DocumentTax, MoneyError> {
    DocumentTax::of(currency, lines.iter().map(|l| (&l.tax, &l.amount)))
}

/// Days between issue and due date.
pub const PAYMENT_TERM_DAYS: u64 = 15;

/// An invoice about to be issued; the number is allocated when it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub customer_id: CustomerId,
    pub period: Month,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub created_at: DateTime<Utc>,
    /// The business date of `created_at`: its month numbers the invoice.
    pub issued_on: NaiveDate,
    pub due_date: NaiveDate,
}

impl NewInvoice {
    pub fn total(&self) -> Result<Money, MoneyError> {
        total_of(self.currency, &self.lines)
    }

    /// The month whose sequence numbers this invoice's id: the business month it is
    /// issued in.
    pub fn numbering_month(&self) -> Month {
        Month::of(self.issued_on)
    }

    /// Which document it is: a credit note when its lines add up to less than nothing.
    pub fn document(&self) -> Result<DocumentKind, MoneyError> {
        Ok(if self.total()?.is_negative() {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Invoice
        })
    }

    /// The counter its number is taken from: one per document kind and month, gap-free
    /// (`202612` for invoices, `CN202612` for credit notes).
    pub fn numbering_key(&self) -> Result<String, MoneyError> {
        let month = self.numbering_month().compact();
        Ok(match self.document()? {
            DocumentKind::Invoice => month,
            DocumentKind::CreditNote => format!("CN{month}"),
        })
    }

    /// Its number `sequence` of its counter.
    pub fn number(&self, sequence: u32) -> Result<InvoiceId, MoneyError> {
        Ok(document_number(
            self.document()?,
            self.numbering_month(),
            sequence,
        ))
    }
}

/// `INV{YYYYMM}{sequence}`, the sequence at least three digits.
pub fn invoice_number(month: Month, sequence: u32) -> InvoiceId {
    document_number(DocumentKind::Invoice, month, sequence)
}

/// `INV{YYYYMM}{sequence}` or `CN{YYYYMM}{sequence}`, the sequence at least three digits.
pub fn document_number(kind: DocumentKind, month: Month, sequence: u32) -> InvoiceId {
    // A prefix followed by digits always has the shape of an id.
    InvoiceId::from_trusted(format!(
        "{}{}{:03}",
        kind.prefix(),
        month.compact(),
        sequence
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer_id: CustomerId,
    pub period: Month,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub amount: Money,
    pub lines: Vec<InvoiceLine>,
    pub created_at: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub payments: Vec<Payment>,
    pub document: DocumentKind,
    /// What credit and payments have paid of it (an invoice's; zero for a credit note).
    pub amount_paid: Money,
    /// The amounts applied to it, in the order applied.
    pub applications: Vec<crate::receivables::AppliedCredit>,
}

impl Invoice {
    /// The invoice with its status as of `today` (see [`InvoiceStatus::as_of`]).
    pub fn as_of(self, today: NaiveDate) -> Self {
        Self {
            status: self.status.as_of(self.due_date, today),
            ..self
        }
    }

    /// What it still owes: its amount less what was applied (never below zero; a
    /// credit note owes nothing).
    pub fn amount_due(&self) -> Result<Money, MoneyError> {
        amount_due(self.document, self.amount, self.amount_paid)
    }

    /// Its net and tax amounts and their breakdown per rate: the sums of its lines'.
    pub fn tax(&self) -> Result<DocumentTax, MoneyError> {
        document_tax(self.amount.currency(), &self.lines)
    }

    pub fn summary(&self) -> InvoiceSummary {
        InvoiceSummary {
            id: self.id.clone(),
            amount: self.amount,
            period: self.period,
            status: self.status,
            created_at: self.created_at,
            due_date: self.due_date,
            document: self.document,
            amount_paid: self.amount_paid,
        }
    }
}

/// What a document still owes: an invoice its amount less what was paid, never below
/// zero; a credit note nothing.
pub fn amount_due(
    document: DocumentKind,
    amount: Money,
    amount_paid: Money,
) -> Result<Money, MoneyError> {
    let due = amount.checked_sub(&amount_paid)?;
    Ok(
        if document == DocumentKind::CreditNote || due.is_negative() {
            Money::zero(amount.currency())
        } else {
            due
        },
    )
}

/// An invoice as listed, without its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub amount: Money,
    pub period: Month,
    pub status: InvoiceStatus,
    pub created_at: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub document: DocumentKind,
    pub amount_paid: Money,
}

impl InvoiceSummary {
    /// What it still owes (see [`Invoice::amount_due`]).
    pub fn amount_due(&self) -> Result<Money, MoneyError> {
        amount_due(self.document, self.amount, self.amount_paid)
    }

    /// The summary with its status as of `today` (see [`InvoiceStatus::as_of`]).
    pub fn as_of(self, today: NaiveDate) -> Self {
        Self {
            status: self.status.as_of(self.due_date, today),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_follow_the_contract() {
        let m = Month::parse("2025-12").unwrap();
        assert_eq!(invoice_number(m, 1).as_str(), "INV202512001");
        assert_eq!(invoice_number(m, 42).as_str(), "INV202512042");
        assert_eq!(invoice_number(m, 1234).as_str(), "INV2025121234");
    }

    #[test]
    fn total_is_the_sum_of_rounded_lines() {
        let third = Money::new(dec!(0.33), Currency::Cny).unwrap();
        let lines = vec![
            InvoiceLine::new("a", 1, third, TaxRate::information_services()),
            InvoiceLine::new("b", 2, third, TaxRate::information_services()),
            InvoiceLine::new(
                "c",
                3,
                Money::new(dec!(999.00), Currency::Cny).unwrap(),
                TaxRate::information_services(),
            ),
        ];
        assert_eq!(lines[1].amount.amount(), dec!(0.66));
        assert_eq!(
            total_of(Currency::Cny, &lines).unwrap().amount(),
            dec!(2997.99)
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            InvoiceStatus::Pending,
            InvoiceStatus::Paid,
            InvoiceStatus::Overdue,
        ] {
            assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(InvoiceStatus::parse("void"), None);
    }

    #[test]
    fn an_unpaid_invoice_is_overdue_from_the_day_after_its_due_date() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        let on = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(
            InvoiceStatus::Pending.as_of(due, on(16)),
            InvoiceStatus::Pending
        );
        assert_eq!(
            InvoiceStatus::Pending.as_of(due, on(17)),
            InvoiceStatus::Overdue
        );
        assert_eq!(InvoiceStatus::Paid.as_of(due, on(30)), InvoiceStatus::Paid);
        assert_eq!(
            InvoiceStatus::Overdue.as_of(due, on(30)),
            InvoiceStatus::Overdue
        );
        assert_eq!(
            InvoiceKind::parse("proration"),
            Some(InvoiceKind::Adjustment)
        );
    }
}
