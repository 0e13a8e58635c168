//! A customer's account (往来账, contract §15): invoices are debits; payments and credit
//! notes are credits. A credit not yet applied is held as an open credit; applying it
//! moves an amount from one open credit to one open invoice, so that at every moment
//!
//! Σ invoices − Σ credit notes − Σ payments = outstanding − credit
//!
//! where `outstanding` is what the open invoices still owe and `credit` what the open
//! credits still hold: an application lowers both sides of the right by the same amount,
//! a document or payment adds its amount to one side and to the same side of the left.

use chrono::{DateTime, NaiveDate, Utc};

use super::application::{OpenInvoice, apply_credit};
use crate::money::{Currency, Money, MoneyError};

/// What an account entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Invoice,
    CreditNote,
    Payment,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Invoice => "invoice",
            EntryKind::CreditNote => "credit_note",
            EntryKind::Payment => "payment",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "invoice" => Some(EntryKind::Invoice),
            "credit_note" => Some(EntryKind::CreditNote),
            "payment" => Some(EntryKind::Payment),
            _ => None,
        }
    }
}

/// Where an applied amount came from, as an invoice's `applications` name it: a payment
/// or a credit note applied when it arrived, or credit the account held before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditSource {
    Payment,
    CreditNote,
    Credit,
}

impl CreditSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditSource::Payment => "payment",
            CreditSource::CreditNote => "credit_note",
            CreditSource::Credit => "credit",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "payment" => Some(CreditSource::Payment),
            "credit_note" => Some(CreditSource::CreditNote),
            "credit" => Some(CreditSource::Credit),
            _ => None,
        }
    }
}

/// A credit entry (a payment or a credit note) with what it still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCredit {
    /// The entry's number on the account: credits are used oldest first.
    pub entry: i64,
    pub kind: EntryKind,
    /// The credit note's or payment's id.
    pub document_id: String,
    pub open: Money,
}

/// One amount of one open credit applied to one open invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub invoice_id: crate::ids::InvoiceId,
    /// The credit entry it comes from.
    pub entry: i64,
    pub source: CreditSource,
    pub source_id: String,
    pub amount: Money,
}

/// An amount applied to an invoice, as the invoice lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedCredit {
    pub source: CreditSource,
    pub id: String,
    pub amount: Money,
    pub at: DateTime<Utc>,
}

/// Applies the open `credits` (oldest first) to the `open` invoices (earliest due first,
/// then the oldest, each taking at most what it owes). The credit whose document is
/// `arrived` (the payment or credit note just recorded) is named by its own kind; credit
/// held before is named `credit`.
pub fn settle(
    credits: &[OpenCredit],
    open: &[OpenInvoice],
    arrived: Option<&str>,
) -> Result<Vec<Settlement>, MoneyError> {
    let mut owing = open.to_vec();
    let mut order: Vec<&OpenCredit> = credits.iter().filter(|c| !c.open.is_zero()).collect();
    order.sort_by_key(|c| c.entry);
    let mut out = Vec::new();
    for credit in order {
        let (applied, _) = apply_credit(&owing, credit.open)?;
        for application in applied {
            if let Some(invoice) = owing.iter_mut().find(|i| i.id == application.invoice_id) {
                invoice.amount_due = invoice.amount_due.checked_sub(&application.amount)?;
            }
            let source = match (arrived == Some(credit.document_id.as_str()), credit.kind) {
                (true, EntryKind::CreditNote) => CreditSource::CreditNote,
                (true, _) => CreditSource::Payment,
                (false, _) => CreditSource::Credit,
            };
            out.push(Settlement {
                invoice_id: application.invoice_id,
                entry: credit.entry,
                source,
                source_id: credit.document_id.clone(),
                amount: application.amount,
            });
        }
    }
    Ok(out)
}

/// What a customer owes and holds (`GET /api/portal/balance`, less where to pay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub currency: Currency,
    /// What the open invoices still owe.
    pub outstanding: Money,
    /// The part of it past its due date.
    pub overdue: Money,
    /// Credit not applied (余额).
    pub credit: Money,
    /// The earliest due date among the open invoices.
    pub next_due_date: Option<NaiveDate>,
}

impl Balance {
    /// The balance of `open` invoices and `credits` on `today` (overdue from the day
    /// after the due date).
    pub fn of(
        currency: Currency,
        open: &[OpenInvoice],
        credits: &[OpenCredit],
        today: NaiveDate,
    ) -> Result<Self, MoneyError> {
        let owing: Vec<&OpenInvoice> = open
            .iter()
            .filter(|i| !i.amount_due.is_zero() && !i.amount_due.is_negative())
            .collect();
        let outstanding = Money::sum(currency, owing.iter().map(|i| &i.amount_due))?;
        let overdue = Money::sum(
            currency,
            owing
                .iter()
                .filter(|i| super::is_overdue(i.due_date, true, today))
                .map(|i| &i.amount_due),
        )?;
        let credit = Money::sum(currency, credits.iter().map(|c| &c.open))?;
        Ok(Self {
            currency,
            outstanding,
            overdue,
            credit,
            next_due_date: owing.iter().map(|i| i.due_date).min(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ids::InvoiceId;

    fn cny(fen: i64) -> Money {
        Money::from_minor(fen, Currency::Cny)
    }

    fn invoice(id: &str, day: u32, fen: i64) -> OpenInvoice {
        OpenInvoice {
            id: InvoiceId::parse(id).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
            amount_due: cny(fen),
        }
    }

    fn credit(entry: i64, kind: EntryKind, id: &str, fen: i64) -> OpenCredit {
        OpenCredit {
            entry,
            kind,
            document_id: id.to_owned(),
            open: cny(fen),
        }
    }

    #[test]
    fn older_credit_is_used_first_and_each_invoice_takes_what_it_owes() {
        let open = [
            invoice("INV202612002", 20, 29_900),
            invoice("INV202612001", 16, 99_900),
        ];
        let credits = [
            credit(9, EntryKind::Payment, "PAY000009", 50_000),
            credit(4, EntryKind::CreditNote, "CN202612001", 60_000),
        ];
        let settled = settle(&credits, &open, Some("PAY000009")).unwrap();
        let seen: Vec<(&str, &str, &str, i64)> = settled
            .iter()
            .map(|s| {
                (
                    s.invoice_id.as_str(),
                    s.source.as_str(),
                    s.source_id.as_str(),
                    s.amount.to_minor().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("INV202612001", "credit", "CN202612001", 60_000),
                ("INV202612001", "payment", "PAY000009", 39_900),
                ("INV202612002", "payment", "PAY000009", 10_100),
            ]
        );
    }

    #[test]
    fn the_balance_splits_what_is_past_due() {
        let open = [
            invoice("INV202612001", 5, 10_000),
            invoice("INV202612002", 20, 2_500),
            invoice("INV202612003", 1, 0),
        ];
        let credits = [credit(1, EntryKind::Payment, "PAY1", 700)];
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let balance = Balance::of(Currency::Cny, &open, &credits, today).unwrap();
        assert_eq!(balance.outstanding, cny(12_500));
        assert_eq!(balance.overdue, cny(10_000));
        assert_eq!(balance.credit, cny(700));
        assert_eq!(balance.next_due_date, NaiveDate::from_ymd_opt(2026, 12, 5));
    }
}
