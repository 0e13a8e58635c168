//! Applying credit (a payment's rest, a credit note, a prepayment) to a customer's open
//! invoices (contract §15): earliest due date first, then the oldest id; each invoice takes
//! at most what it still owes, so no `amount_due` ever goes below zero, and what no
//! invoice takes stays credit.

use chrono::NaiveDate;

use crate::ids::InvoiceId;
use crate::money::{Money, MoneyError};

/// An invoice that still owes something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    pub id: InvoiceId,
    pub due_date: NaiveDate,
    pub amount_due: Money,
}

/// An amount of credit applied to one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub invoice_id: InvoiceId,
    pub amount: Money,
}

/// Applies `credit` (≥ 0) to `open` invoices; returns the applications in the order made
/// and the credit left. Invoices owing nothing (or less than nothing) are passed over.
pub fn apply_credit(
    open: &[OpenInvoice],
    credit: Money,
) -> Result<(Vec<Application>, Money), MoneyError> {
    let mut order: Vec<&OpenInvoice> = open
        .iter()
        .filter(|i| !i.amount_due.is_negative() && !i.amount_due.is_zero())
        .collect();
    order.sort_by(|a, b| {
        a.due_date
            .cmp(&b.due_date)
            .then_with(|| issue_order(&a.id).cmp(&issue_order(&b.id)))
    });
    let mut left = if credit.is_negative() {
        Money::zero(credit.currency())
    } else {
        credit
    };
    let mut applications = Vec::new();
    for invoice in order {
        if left.is_zero() {
            break;
        }
        let amount = if invoice.amount_due.amount() < left.amount() {
            invoice.amount_due
        } else {
            left
        };
        left = left.checked_sub(&amount)?;
        applications.push(Application {
            invoice_id: invoice.id.clone(),
            amount,
        });
    }
    Ok((applications, left))
}

/// An invoice id's place in the order of issue: `INV{YYYYMM}{sequence}` by month, then
/// by sequence as a number (it grows past three digits).
pub(crate) fn issue_order(id: &InvoiceId) -> (&str, u64, &str) {
    let raw = id.as_str();
    let month = raw.get(3..9).unwrap_or(raw);
    let sequence = raw.get(9..).and_then(|s| s.parse().ok()).unwrap_or(0);
    (month, sequence, raw)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn invoice(id: &str, due: u32, fen: i64) -> OpenInvoice {
        OpenInvoice {
            id: InvoiceId::parse(id).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 12, due).unwrap(),
            amount_due: Money::from_minor(fen, Currency::Cny),
        }
    }

    fn cny(fen: i64) -> Money {
        Money::from_minor(fen, Currency::Cny)
    }

    #[test]
    fn the_earliest_due_is_paid_first_then_the_oldest() {
        let open = [
            invoice("INV202612002", 16, 29_900),
            invoice("INV202611001", 1, 99_900),
            invoice("INV202612001", 16, 10_000),
        ];
        let (applied, left) = apply_credit(&open, cny(120_000)).unwrap();
        let order: Vec<(&str, i64)> = applied
            .iter()
            .map(|a| (a.invoice_id.as_str(), a.amount.to_minor().unwrap()))
            .collect();
        assert_eq!(
            order,
            [
                ("INV202611001", 99_900),
                ("INV202612001", 10_000),
                ("INV202612002", 10_100)
            ]
        );
        assert!(left.is_zero());
    }

    #[test]
    fn ids_are_ordered_by_month_then_sequence_as_a_number() {
        let open = [
            invoice("INV2026121000", 16, 100),
            invoice("INV202612999", 16, 100),
            invoice("INV202611001", 16, 100),
        ];
        let (applied, _) = apply_credit(&open, cny(300)).unwrap();
        let order: Vec<&str> = applied.iter().map(|a| a.invoice_id.as_str()).collect();
        assert_eq!(order, ["INV202611001", "INV202612999", "INV2026121000"]);
    }

    #[test]
    fn what_no_invoice_takes_stays_credit() {
        let open = [invoice("INV202612001", 16, 99_900)];
        let (applied, left) = apply_credit(&open, cny(150_000)).unwrap();
        assert_eq!(applied[0].amount, cny(99_900));
        assert_eq!(left, cny(50_100));
        let (none, all) = apply_credit(&[], cny(500)).unwrap();
        assert!(none.is_empty());
        assert_eq!(all, cny(500));
    }

    proptest! {
        #[test]
        fn credit_is_conserved_and_no_invoice_is_overpaid(
            dues in proptest::collection::vec((1_u32..28, 1_i64..200_000), 0..12),
            credit in 0_i64..1_000_000,
        ) {
            let open: Vec<OpenInvoice> = dues
                .iter()
                .enumerate()
                .map(|(i, (day, fen))| invoice(&format!("INV202612{:03}", i + 1), *day, *fen))
                .collect();
            let (applied, left) = apply_credit(&open, cny(credit)).unwrap();
            let used: i64 = applied.iter().map(|a| a.amount.to_minor().unwrap()).sum();
            prop_assert_eq!(used + left.to_minor().unwrap(), credit);
            prop_assert!(!left.is_negative());
            for a in &applied {
                let owed = open.iter().find(|o| o.invoice_id_is(&a.invoice_id)).unwrap();
                prop_assert!(a.amount.amount() > rust_decimal::Decimal::ZERO);
                prop_assert!(a.amount.amount() <= owed.amount_due.amount());
            }
            // Credit is left only when every invoice is paid in full.
            if !left.is_zero() {
                let owed: i64 = dues.iter().map(|(_, fen)| fen).sum();
                prop_assert_eq!(used, owed);
            }
            // Only the last invoice paid may be paid in part, and none due later is paid.
            for pair in applied.windows(2) {
                let first = open.iter().find(|o| o.invoice_id_is(&pair[0].invoice_id)).unwrap();
                prop_assert_eq!(pair[0].amount, first.amount_due);
                let second = open.iter().find(|o| o.invoice_id_is(&pair[1].invoice_id)).unwrap();
                prop_assert!(first.due_date <= second.due_date);
            }
        }
    }

    impl OpenInvoice {
        fn invoice_id_is(&self, id: &InvoiceId) -> bool {
            &self.id == id
        }
    }
}
