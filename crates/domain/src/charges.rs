//! A period's charges from a timeline, and what settles the difference with what was
//! already invoiced.
//!
//! **Proration.** A segment serving `days` of a month with `N` days is charged
//! `price × days / N`, computed exactly in decimal and rounded once, to the cent, half away
//! from zero. Each segment's part of each month is one invoice line.
//!
//! **Settling.** What a period has been invoiced is a set of fee lines, each naming its
//! segment (plan, first and last day) and amount, less the reversal lines that took one
//! back. To bring a period to its charges, fee lines whose segment is no longer charged
//! are reversed (the same amount, negative) and charges whose segment has no fee line yet
//! are added. So a period's invoices always add up to the sum of its charge lines, to the
//! cent, whatever the order of runs and changes: every line is rounded once, and a line
//! once invoiced is either kept as it is or taken back whole.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::ids::PlanId;
use crate::invoice::{InvoiceLine, LineDetail, LineKind};
use crate::money::Money;
use crate::month::Month;
use crate::plan::Plan;
use crate::tax::TaxRate;
use crate::timeline::{Segment, in_period};

/// A segment's part of one period, priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentCharge {
    pub segment: Segment,
    pub plan_name: String,
    pub period: Month,
    pub amount: Money,
    /// The plan's VAT rate.
    pub tax_rate: TaxRate,
}

impl SegmentCharge {
    /// `plan.price × days / days in the month`, rounded half away from zero.
    pub fn of(plan: &Plan, segment: Segment, period: Month) -> Self {
        let exact = plan.price.amount() * rust_decimal::Decimal::from(segment.days())
            / rust_decimal::Decimal::from(period.days());
        Self {
            amount: Money::rounded(exact, plan.price.currency()),
            plan_name: plan.name.clone(),
            tax_rate: plan.tax_rate,
            segment,
            period,
        }
    }

    fn line(&self) -> InvoiceLine {
        InvoiceLine::from_detail(
            LineDetail {
                kind: LineKind::Fee,
                plan_id: self.segment.plan_id.clone(),
                plan_name: self.plan_name.clone(),
                period: self.period,
                from: self.segment.from,
                to: self.segment.to,
                days: self.segment.days(),
                days_in_month: self.period.days(),
                usage: None,
            },
            self.amount,
            self.tax_rate,
        )
    }
}

/// Why a period's charges cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    #[error("the timeline names plan {0}, which is not in the catalogue")]
    UnknownPlan(PlanId),
}

/// The charges of `period`: one per segment serving days of it, oldest first.
pub fn period_charges(
    segments: &[Segment],
    period: Month,
    plans: &[Plan],
) -> Result<Vec<SegmentCharge>, ChargeError> {
    in_period(segments, period)
        .into_iter()
        .map(|segment| {
            let plan = plans
                .iter()
                .find(|p| p.id == segment.plan_id)
                .ok_or_else(|| ChargeError::UnknownPlan(segment.plan_id.clone()))?;
            Ok(SegmentCharge::of(plan, segment, period))
        })
        .collect()
}

type SegmentKey = (PlanId, NaiveDate, NaiveDate);

/// The lines that bring what `invoiced` holds for a period to `owed`: reversals of fee
/// lines no longer owed, then fees not yet invoiced. Empty when nothing changes. Lines
/// without a segment (issued before segments existed) and usage lines are left alone.
pub fn settle(owed: &[SegmentCharge], invoiced: &[InvoiceLine]) -> Vec<InvoiceLine> {
    // Fee lines in force, per segment: fees add one, reversals take one back.
    let mut in_force: BTreeMap<SegmentKey, Vec<InvoiceLine>> = BTreeMap::new();
    for line in invoiced {
        let Some(detail) = &line.detail else { continue };
        let key = (detail.plan_id.clone(), detail.from, detail.to);
        match detail.kind {
            LineKind::Fee => in_force.entry(key).or_default().push(line.clone()),
            LineKind::Reversal => {
                if let Some(fees) = in_force.get_mut(&key) {
                    if let Some(i) = fees.iter().position(|f| f.amount == line.amount.negated()) {
                        fees.remove(i);
                    } else {
                        fees.pop();
                    }
                }
            }
            // Usage lines are settled by `usage_lines`, never here.
            LineKind::Overage | LineKind::Adjustment => {}
        }
    }
    let mut added = Vec::new();
    for charge in owed {
        let key = (
            charge.segment.plan_id.clone(),
            charge.segment.from,
            charge.segment.to,
        );
        match in_force.get_mut(&key) {
            Some(fees) if !fees.is_empty() => {
                fees.pop();
            }
            _ => added.push(charge.line()),
        }
    }
    let mut lines: Vec<InvoiceLine> = in_force
        .into_values()
        .flatten()
        .map(|fee| fee.reversed())
        .collect();
    lines.extend(added);
    lines
}

/// Whether `invoiced` holds a line issued before segments existed: such a period is
/// closed, never settled again (its upgrade was charged as one difference line).
pub fn has_legacy_lines(invoiced: &[InvoiceLine]) -> bool {
    invoiced.iter().any(|l| l.detail.is_none())
}

/// The invoiced lines of a customer, by the period their days belong to.
pub type InvoicedLines = BTreeMap<Month, Vec<InvoiceLine>>;

/// The lines that bring each of `periods` to its charges under `segments`, settled
/// against what `invoiced` holds of it. Periods that hold lines of the previous version
/// (an upgrade charged as one difference line) are closed and left alone.
pub fn settlement(
    segments: &[Segment],
    plans: &[Plan],
    invoiced: &InvoicedLines,
    periods: impl IntoIterator<Item = Month>,
) -> Result<Vec<InvoiceLine>, ChargeError> {
    let mut lines = Vec::new();
    for period in periods {
        let already = invoiced.get(&period).map(Vec::as_slice).unwrap_or(&[]);
        if has_legacy_lines(already) {
            continue;
        }
        let owed = period_charges(segments, period, plans)?;
        lines.extend(settle(&owed, already));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::total_of;
    use crate::money::Currency;
    use crate::plan::tests::plan;
    use rust_decimal_macros::dec;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }
    fn nov() -> Month {
        Month::parse("2026-11").unwrap()
    }
    fn catalogue() -> Vec<Plan> {
        vec![
            plan("basic", "299"),
            plan("pro", "999"),
            plan("enterprise", "2999"),
        ]
    }
    fn seg(id: &str, from: NaiveDate, to: NaiveDate) -> Segment {
        Segment::new(PlanId::parse(id).unwrap(), from, to)
    }
    fn total(lines: &[InvoiceLine]) -> rust_decimal::Decimal {
        total_of(Currency::Cny, lines).unwrap().amount()
    }

    #[test]
    fn a_mid_month_upgrade_costs_the_same_whichever_comes_first() {
        let before = [seg("pro", d(1, 1), d(12, 31))];
        let after = [
            seg("pro", d(1, 1), d(11, 25)),
            seg("enterprise", d(11, 26), d(12, 31)),
        ];
        let owed_after = period_charges(&after, nov(), &catalogue()).unwrap();
        // Billed first, upgraded afterwards: a fee, then the upgrade's settlement.
        let first = settle(&period_charges(&before, nov(), &catalogue()).unwrap(), &[]);
        assert_eq!(total(&first), dec!(999.00));
        let upgrade = settle(&owed_after, &first);
        assert_eq!(upgrade.len(), 3, "reverse the month, charge both segments");
        assert_eq!(total(&upgrade), dec!(333.33));
        // Upgraded first, billed afterwards: one invoice of both segments.
        let run = settle(&owed_after, &[]);
        assert_eq!(total(&run), dec!(832.50) + dec!(499.83));
        assert_eq!(total(&first) + total(&upgrade), total(&run));
        // Settling again changes nothing.
        let all: Vec<_> = first.iter().chain(&upgrade).cloned().collect();
        assert!(settle(&owed_after, &all).is_empty());
    }

    #[test]
    fn partial_months_pay_for_the_days_served() {
        let starts_20th = [seg("pro", d(11, 20), d(12, 31))];
        let c = period_charges(&starts_20th, nov(), &catalogue()).unwrap();
        // 999 × 11 / 30 = 366.30
        assert_eq!(c[0].amount.amount(), dec!(366.30));
        let ends_10th = [seg("pro", d(1, 1), d(11, 10))];
        let c = period_charges(&ends_10th, nov(), &catalogue()).unwrap();
        assert_eq!(c[0].amount.amount(), dec!(333.00));
        assert!(
            period_charges(&ends_10th, Month::parse("2026-12").unwrap(), &catalogue())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn half_cents_round_away_from_zero_per_line() {
        // 1.01 × 15 / 30 = 0.505 -> 0.51 (banker's rounding would give 0.50)
        let c = SegmentCharge::of(&plan("a", "1.01"), seg("a", d(11, 16), d(11, 30)), nov());
        assert_eq!(c.amount.amount(), dec!(0.51));
        let reversed = c.line().reversed();
        assert_eq!(reversed.amount.amount(), dec!(-0.51));
    }

    #[test]
    fn a_dropped_downgrade_is_reversed_and_the_kept_plan_charged() {
        let dec_ = Month::parse("2026-12").unwrap();
        let scheduled = [
            seg("pro", d(1, 1), d(11, 30)),
            seg("basic", d(12, 1), d(12, 31)),
        ];
        let billed = settle(
            &period_charges(&scheduled, dec_, &catalogue()).unwrap(),
            &[],
        );
        assert_eq!(total(&billed), dec!(299.00));
        let upgraded = [
            seg("pro", d(1, 1), d(11, 25)),
            seg("enterprise", d(11, 26), d(12, 31)),
        ];
        let fix = settle(
            &period_charges(&upgraded, dec_, &catalogue()).unwrap(),
            &billed,
        );
        assert_eq!(total(&fix), dec!(2700.00));
    }
}
