//! The statement (对账单, contract §15): a customer's account over a range of months — the
//! balance brought forward, each invoice (a debit), credit note and payment (credits) in
//! the order they were entered with the running balance, and the balance carried
//! forward. A positive balance is owed by the customer; a negative one is its credit.

use chrono::NaiveDate;

use super::EntryKind;
use crate::error::FieldErrors;
use crate::money::{Currency, Money, MoneyError};
use crate::month::Month;

/// The longest statement, in months.
pub const MAX_STATEMENT_MONTHS: u32 = 24;

/// An entry as the account holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The business date it was entered.
    pub date: NaiveDate,
    pub kind: EntryKind,
    /// The invoice's, credit note's or payment's id.
    pub id: String,
    pub debit: Money,
    pub credit: Money,
    /// What names it besides its id: a document's period, a payment's reference.
    pub detail: Option<String>,
}

/// An entry of the statement, with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementEntry {
    pub entry: LedgerEntry,
    pub balance: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub from: Month,
    pub to: Month,
    pub currency: Currency,
    pub opening_balance: Money,
    pub entries: Vec<StatementEntry>,
    pub closing_balance: Money,
}

impl Statement {
    /// The statement of `entries` (those of the range, in the order entered) after
    /// `opening_balance` (debits less credits before the range).
    pub fn build(
        from: Month,
        to: Month,
        currency: Currency,
        opening_balance: Money,
        entries: Vec<LedgerEntry>,
    ) -> Result<Self, MoneyError> {
        let mut balance = opening_balance;
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            balance = balance
                .checked_add(&entry.debit)?
                .checked_sub(&entry.credit)?;
            out.push(StatementEntry { entry, balance });
        }
        Ok(Self {
            from,
            to,
            currency,
            opening_balance,
            entries: out,
            closing_balance: balance,
        })
    }
}

/// The range a statement is asked for: `YYYY-MM` months, `from` not after `to`, at most
/// [`MAX_STATEMENT_MONTHS`]. Absent, `to` is `this_month` and `from` eleven months
/// before it (a year).
pub fn statement_range(
    from: Option<&str>,
    to: Option<&str>,
    this_month: Month,
) -> Result<(Month, Month), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut month = |field: &'static str, raw: Option<&str>| match raw.map(str::trim) {
        None | Some("") => None,
        Some(raw) => match Month::parse(raw) {
            Ok(m) => Some(Some(m)),
            Err(_) => {
                errors.add(field, "must be a month, YYYY-MM");
                Some(None)
            }
        },
    };
    let to = month("to", to);
    let from = month("from", from);
    errors.clone().into_result()?;
    let to = to.flatten().unwrap_or(this_month);
    let from = from.flatten().unwrap_or_else(|| back(to, 11));
    if from > to {
        errors.add("from", "must not be after to");
    } else if months_between(from, to) > MAX_STATEMENT_MONTHS {
        errors.add("from", "the range must be at most 24 months");
    }
    errors.into_result()?;
    Ok((from, to))
}

fn back(mut m: Month, n: u32) -> Month {
    for _ in 0..n {
        m = m.prev();
    }
    m
}

/// How many months `from` to `to` hold, both included.
fn months_between(from: Month, to: Month) -> u32 {
    let mut n = 1;
    let mut m = from;
    while m < to && n <= MAX_STATEMENT_MONTHS {
        m = m.next();
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn m(raw: &str) -> Month {
        Month::parse(raw).unwrap()
    }

    fn cny(fen: i64) -> Money {
        Money::from_minor(fen, Currency::Cny)
    }

    fn entry(kind: EntryKind, debit: i64, credit: i64) -> LedgerEntry {
        LedgerEntry {
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            kind,
            id: "X".into(),
            debit: cny(debit),
            credit: cny(credit),
            detail: None,
        }
    }

    #[test]
    fn the_running_balance_carries_from_the_opening_to_the_closing() {
        let s = Statement::build(
            m("2026-11"),
            m("2026-12"),
            Currency::Cny,
            cny(10_000),
            vec![
                entry(EntryKind::Invoice, 99_900, 0),
                entry(EntryKind::CreditNote, 0, 51_561),
                entry(EntryKind::Payment, 0, 60_000),
            ],
        )
        .unwrap();
        let balances: Vec<i64> = s
            .entries
            .iter()
            .map(|e| e.balance.to_minor().unwrap())
            .collect();
        assert_eq!(balances, [109_900, 58_339, -1_661]);
        assert_eq!(s.closing_balance, cny(-1_661));
    }

    #[test]
    fn ranges_are_checked() {
        let now = m("2026-12");
        assert_eq!(
            statement_range(None, None, now).unwrap(),
            (m("2026-01"), m("2026-12"))
        );
        assert_eq!(
            statement_range(Some("2025-01"), Some("2026-12"), now).unwrap(),
            (m("2025-01"), m("2026-12"))
        );
        for (from, to, field) in [
            ("2024-12", "2026-12", "from"),
            ("2026-12", "2026-11", "from"),
            ("2026-13", "2026-12", "from"),
            ("2026-01", "soon", "to"),
        ] {
            let errors = statement_range(Some(from), Some(to), now).unwrap_err();
            assert!(errors.0.contains_key(field), "{from}..{to}: {errors:?}");
        }
    }
}
