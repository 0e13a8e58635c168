//! Invoices, their lines, statuses and numbers.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{CustomerId, InvoiceId};
use crate::money::{Currency, Money, MoneyError};
use crate::month::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    Pending,
    Paid,
    Overdue,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Overdue => "overdue",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(InvoiceStatus::Pending),
            "paid" => Some(InvoiceStatus::Paid),
            "overdue" => Some(InvoiceStatus::Overdue),
            _ => None,
        }
    }
}

/// Why an invoice was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    /// The plan's price for a billing period, billed in advance; at most one per
    /// customer and period.
    Subscription,
    /// The prorated difference of a mid-period upgrade.
    Proration,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Subscription => "subscription",
            InvoiceKind::Proration => "proration",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "subscription" => Some(InvoiceKind::Subscription),
            "proration" => Some(InvoiceKind::Proration),
            _ => None,
        }
    }
}

/// One line of an invoice. Its amount is the unit price times the quantity, rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub amount: Money,
}

impl InvoiceLine {
    pub fn new(description: impl Into<String>, quantity: i64, unit_price: Money) -> Self {
        let amount = Money::rounded(
            unit_price.amount() * rust_decimal::Decimal::from(quantity),
            unit_price.currency(),
        );
        Self {
            description: description.into(),
            quantity,
            unit_price,
            amount,
        }
    }
}

/// The total of an invoice: the sum of its rounded lines, so that the lines always add up.
pub fn total_of(currency: Currency, lines: &[InvoiceLine]) -> Result<Money, MoneyError> {
    Money::sum(currency, lines.iter().map(|l| &l.amount))
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
    pub due_date: NaiveDate,
}

impl NewInvoice {
    pub fn total(&self) -> Result<Money, MoneyError> {
        total_of(self.currency, &self.lines)
    }

    /// The month whose sequence numbers this invoice's id: the month it is issued in.
    pub fn numbering_month(&self) -> Month {
        Month::of(self.created_at.date_naive())
    }
}

/// `INV{YYYYMM}{sequence}`, the sequence at least three digits.
pub fn invoice_number(month: Month, sequence: u32) -> InvoiceId {
    // `INV` followed by digits always has the shape of an id.
    InvoiceId::from_trusted(format!("INV{}{:03}", month.compact(), sequence))
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
}

impl Invoice {
    pub fn summary(&self) -> InvoiceSummary {
        InvoiceSummary {
            id: self.id.clone(),
            amount: self.amount,
            period: self.period,
            status: self.status,
            created_at: self.created_at,
        }
    }
}

/// An invoice as listed, without its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub amount: Money,
    pub period: Month,
    pub status: InvoiceStatus,
    pub created_at: DateTime<Utc>,
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
            InvoiceLine::new("a", 1, third),
            InvoiceLine::new("b", 2, third),
            InvoiceLine::new("c", 3, Money::new(dec!(999.00), Currency::Cny).unwrap()),
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
        assert_eq!(
            InvoiceKind::parse("proration"),
            Some(InvoiceKind::Proration)
        );
    }
}
