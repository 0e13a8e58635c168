//! Proration of a mid-period upgrade.
//!
//! Plans are billed monthly in advance for the calendar month. An upgrade on day `d` of a
//! month with `N` days charges the price difference for the days left in the month,
//! counting the day of the change: `remaining = N - d + 1` (fewer when the subscription
//! ends earlier in the month). The charge is
//!
//! ```text
//! round_half_away_from_zero((new_price - old_price) * remaining / N, 2 decimals)
//! ```
//!
//! computed exactly in decimal (multiplication before division) and rounded once. It is
//! one invoice line, so the invoice total equals the sum of its rounded lines. No credit
//! is given for a downgrade; downgrades take effect at the end of the period.

use chrono::NaiveDate;

use crate::invoice::InvoiceLine;
use crate::money::{Money, MoneyError};
use crate::month::Month;
use crate::plan::{Plan, PlanChange};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProrationError {
    #[error("moving from {from} to {to} is not an upgrade")]
    NotAnUpgrade { from: String, to: String },
    #[error("plans are priced in different currencies")]
    Money(#[from] MoneyError),
}

/// What an upgrade on a given day charges, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProrationQuote {
    pub proration_date: NaiveDate,
    pub period: Month,
    pub days_remaining: u32,
    pub days_in_period: u32,
    pub amount: Money,
    pub lines: Vec<InvoiceLine>,
}

impl ProrationQuote {
    /// Quotes moving from `current` to `target` on `on`, for a subscription whose last
    /// day of service is `service_end`.
    pub fn for_upgrade(
        current: &Plan,
        target: &Plan,
        on: NaiveDate,
        service_end: NaiveDate,
    ) -> Result<Self, ProrationError> {
        if PlanChange::between(current, target) != PlanChange::Upgrade {
            return Err(ProrationError::NotAnUpgrade {
                from: current.id.to_string(),
                to: target.id.to_string(),
            });
        }
        let difference = target.price.checked_sub(&current.price)?;
        let period = Month::of(on);
        let days_in_period = period.days();
        let last_billed_day = period.last_day().min(service_end);
        let days_remaining = if last_billed_day < on {
            0
        } else {
            u32::try_from((last_billed_day - on).num_days() + 1).unwrap_or(0)
        };
        let exact = difference.amount() * rust_decimal::Decimal::from(days_remaining)
            / rust_decimal::Decimal::from(days_in_period);
        let amount = Money::rounded(exact, difference.currency());
        let description = format!(
            "升级 {} → {}，{} 至 {}（{}/{} 天） / Upgrade {} → {}, {} to {} ({}/{} days)",
            current.name,
            target.name,
            on,
            last_billed_day,
            days_remaining,
            days_in_period,
            current.id,
            target.id,
            on,
            last_billed_day,
            days_remaining,
            days_in_period,
        );
        let lines = if amount.is_zero() {
            Vec::new()
        } else {
            vec![InvoiceLine::new(description, 1, amount)]
        };
        Ok(Self {
            proration_date: on,
            period,
            days_remaining,
            days_in_period,
            amount,
            lines,
        })
    }

    /// Whether anything is owed; an upgrade that owes nothing issues no invoice.
    pub fn is_chargeable(&self) -> bool {
        !self.amount.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn far() -> NaiveDate {
        d(2099, 12, 31)
    }

    #[test]
    fn upgrade_on_the_first_day_charges_the_full_difference() {
        let q = ProrationQuote::for_upgrade(
            &plan("pro", "999"),
            &plan("enterprise", "2999"),
            d(2025, 12, 1),
            far(),
        )
        .unwrap();
        assert_eq!(q.amount.amount(), dec!(2000.00));
        assert_eq!((q.days_remaining, q.days_in_period), (31, 31));
    }

    #[test]
    fn upgrade_mid_month_counts_the_day_of_the_change() {
        // 19 Dec: 13 of 31 days remain. 2000 * 13 / 31 = 838.709677... -> 838.71
        let q = ProrationQuote::for_upgrade(
            &plan("pro", "999"),
            &plan("enterprise", "2999"),
            d(2025, 12, 19),
            far(),
        )
        .unwrap();
        assert_eq!(q.days_remaining, 13);
        assert_eq!(q.amount.amount(), dec!(838.71));
        assert_eq!(q.lines.len(), 1);
        assert_eq!(q.lines[0].amount, q.amount);
    }

    #[test]
    fn last_day_of_month_charges_one_day() {
        // 700 / 30 = 23.333... -> 23.33
        let q = ProrationQuote::for_upgrade(
            &plan("basic", "299"),
            &plan("pro", "999"),
            d(2025, 11, 30),
            far(),
        )
        .unwrap();
        assert_eq!(q.days_remaining, 1);
        assert_eq!(q.amount.amount(), dec!(23.33));
    }

    #[test]
    fn half_cent_midpoints_round_away_from_zero() {
        // difference 0.01 * 15 / 30 = 0.005 exactly -> 0.01 (banker's rounding would give 0.00)
        let q = ProrationQuote::for_upgrade(
            &plan("a", "1.00"),
            &plan("b", "1.01"),
            d(2025, 11, 16),
            far(),
        )
        .unwrap();
        assert_eq!(q.days_remaining, 15);
        assert_eq!(q.amount.amount(), dec!(0.01));
        // difference 0.05 * 15 / 30 = 0.025 exactly -> 0.03 (banker's would give 0.02)
        let q = ProrationQuote::for_upgrade(
            &plan("a", "1.00"),
            &plan("b", "1.05"),
            d(2025, 11, 16),
            far(),
        )
        .unwrap();
        assert_eq!(q.amount.amount(), dec!(0.03));
        // just below the midpoint rounds down: 0.01 * 14 / 30 = 0.004666.. -> 0.00, no invoice
        let q = ProrationQuote::for_upgrade(
            &plan("a", "1.00"),
            &plan("b", "1.01"),
            d(2025, 11, 17),
            far(),
        )
        .unwrap();
        assert_eq!(q.amount.amount(), dec!(0.00));
        assert!(!q.is_chargeable());
        assert!(q.lines.is_empty());
    }

    #[test]
    fn a_subscription_ending_mid_month_is_charged_to_its_end_only() {
        let q = ProrationQuote::for_upgrade(
            &plan("pro", "999"),
            &plan("enterprise", "2999"),
            d(2025, 12, 1),
            d(2025, 12, 10),
        )
        .unwrap();
        assert_eq!(q.days_remaining, 10);
        // 2000 * 10 / 31 = 645.161.. -> 645.16
        assert_eq!(q.amount.amount(), dec!(645.16));
    }

    #[test]
    fn same_or_cheaper_plans_are_not_prorated() {
        let pro = plan("pro", "999");
        assert!(ProrationQuote::for_upgrade(&pro, &pro, d(2025, 12, 1), far()).is_err());
        assert!(
            ProrationQuote::for_upgrade(&pro, &plan("basic", "299"), d(2025, 12, 1), far())
                .is_err()
        );
    }

    /// Independent oracle in integer fen: half-up division of a non-negative numerator.
    fn oracle_fen(diff_fen: i64, remaining: i64, days: i64) -> i64 {
        (2 * diff_fen * remaining + days) / (2 * days)
    }

    proptest! {
        #[test]
        fn proration_is_bounded_and_rounded_as_stated(
            old_fen in 0_i64..10_000_000,
            extra_fen in 1_i64..10_000_000,
            day_offset in 0_i64..3650,
        ) {
            let on = d(2024, 1, 1) + chrono::Days::new(day_offset as u64);
            let old = plan("old", &Decimal::new(old_fen, 2).to_string());
            let new = plan("new", &Decimal::new(old_fen + extra_fen, 2).to_string());
            let q = ProrationQuote::for_upgrade(&old, &new, on, far()).unwrap();
            let charged = q.amount.to_minor().unwrap();
            prop_assert!(charged >= 0, "never negative");
            prop_assert!(charged <= extra_fen, "never more than the full difference");
            prop_assert_eq!(charged, oracle_fen(extra_fen, i64::from(q.days_remaining), i64::from(q.days_in_period)));
            let line_sum: i64 = q.lines.iter().map(|l| l.amount.to_minor().unwrap()).sum();
            prop_assert_eq!(line_sum, charged, "total equals the sum of the lines");
        }
    }
}
