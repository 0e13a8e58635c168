//! Usage on invoices (contract §10): month M's usage beyond the plan is billed in arrears
//! on the period invoice of month M+1, one `overage` line per product; usage that changes
//! a month already billed (late events, a corrected timeline) is billed on a later
//! invoice as `adjustment` lines: the difference between what the month owes now and
//! what its usage lines add up to. So a month's usage lines always add up to its overage
//! as last settled, to the fen, and a change is billed once whichever run sees it first.
//!
//! Each usage line takes the rate of the plan that prices it (§14). When the month's
//! pricing rate is not the one its earlier lines were billed at (a change to a plan of
//! another rate, or the plan's rate changed), those lines are taken back whole at their
//! own rate and the month is billed at the new one: per rate, the usage lines add up to
//! what that rate owes, so no tax is left over at a rate that owes nothing.

use std::collections::BTreeMap;

use crate::ids::PlanId;
use crate::invoice::{InvoiceLine, LineDetail, LineKind, UsageFacts};
use crate::money::{Money, MoneyError};
use crate::month::Month;
use crate::overage::ProductOverage;
use crate::product::Product;
use crate::tax::{LineTax, TaxRate};
use crate::wording::Language;

/// The lines that bring the usage lines `billed` for `month` to what `owed` (the
/// month's [`crate::overage::month_overage`]) says, per product. `first` is true when
/// they go on the month's own billing, the next period's first invoice: products
/// then get `overage` lines, otherwise (and whenever the month already has usage lines)
/// `adjustment` lines. Empty when nothing changed.
pub fn settle_usage(
    month: Month,
    owed: &[ProductOverage],
    billed: &[InvoiceLine],
    first: bool,
) -> Vec<InvoiceLine> {
    let usage_lines: Vec<(&InvoiceLine, &LineDetail, Product)> = billed
        .iter()
        .filter_map(|l| {
            let d = l.detail.as_ref()?;
            let facts = d.usage.as_ref()?;
            (d.kind.is_usage() && d.period == month).then_some((l, d, facts.product))
        })
        .collect();
    let kind = if first && usage_lines.is_empty() {
        LineKind::Overage
    } else {
        LineKind::Adjustment
    };
    let mut out = Vec::new();
    for o in owed {
        let mine: Vec<(&InvoiceLine, &LineDetail)> = usage_lines
            .iter()
            .filter(|(_, _, p)| *p == o.product)
            .map(|(line, detail, _)| (*line, *detail))
            .collect();
        let currency = o.overage_amount.currency();
        // Lines of another currency cannot be settled against: left as they are.
        if mine
            .iter()
            .any(|(line, _)| line.amount.currency() != currency)
        {
            continue;
        }
        // A month no plan serves any more is taken back under the plan that billed it.
        let Some((plan_id, plan_name, rate)) = o
            .priced_by
            .clone()
            .map(|id| (id, o.plan_name.clone(), o.tax_rate))
            .or_else(|| {
                mine.last()
                    .map(|(line, d)| (d.plan_id.clone(), d.plan_name.clone(), line.tax.rate))
            })
        else {
            continue;
        };
        // What was billed at another rate (under a plan of another rate, or before the
        // plan's rate changed) is taken back whole at its own rate, so each rate's usage
        // lines add up to what it owes: nothing for the old rate, the month for the new.
        let mut at_other_rates: BTreeMap<TaxRate, Billed<'_>> = BTreeMap::new();
        let mut at_rate = Billed::new(currency);
        let grouped = mine.iter().try_for_each(|(line, detail)| {
            let group = if line.tax.rate == rate {
                &mut at_rate
            } else {
                at_other_rates
                    .entry(line.tax.rate)
                    .or_insert_with(|| Billed::new(currency))
            };
            group.add(line, detail)
        });
        // Sums beyond range cannot be settled against: left as they are, as another
        // currency's.
        if grouped.is_err() {
            continue;
        }
        for (old_rate, group) in at_other_rates {
            let Some(last) = group.last else { continue };
            if group.units == 0 && group.amount.is_zero() {
                continue;
            }
            let back = (
                last.plan_id.clone(),
                last.plan_name.clone(),
                -group.units,
                group.amount.negated(),
            );
            out.push(usage_line(month, kind, o, back, old_rate));
        }
        let delta_units = o.overage_units - at_rate.units;
        let Ok(delta) = o.overage_amount.checked_sub(&at_rate.amount) else {
            continue;
        };
        if delta_units == 0 && delta.is_zero() {
            continue;
        }
        out.push(usage_line(
            month,
            kind,
            o,
            (plan_id, plan_name, delta_units, delta),
            rate,
        ));
    }
    out
}

/// Usage lines of one rate: their units, their amount and the last of them.
struct Billed<'a> {
    units: i64,
    amount: Money,
    last: Option<&'a LineDetail>,
}

impl<'a> Billed<'a> {
    fn new(currency: crate::money::Currency) -> Self {
        Self {
            units: 0,
            amount: Money::zero(currency),
            last: None,
        }
    }

    fn add(&mut self, line: &InvoiceLine, detail: &'a LineDetail) -> Result<(), MoneyError> {
        self.units += line.quantity;
        self.amount = self.amount.checked_add(&line.amount)?;
        self.last = Some(detail);
        Ok(())
    }
}

/// A usage line of `month` for `o`'s product: `(plan, its name, units, amount)` at `rate`.
fn usage_line(
    month: Month,
    kind: LineKind,
    o: &ProductOverage,
    (plan_id, plan_name, quantity, amount): (PlanId, String, i64, Money),
    rate: TaxRate,
) -> InvoiceLine {
    let mut line = InvoiceLine {
        description: String::new(),
        quantity,
        unit_price: o.unit_price,
        amount,
        tax: LineTax::of(amount, rate),
        detail: Some(LineDetail {
            kind,
            plan_id,
            plan_name,
            period: month,
            from: month.first_day(),
            to: month.last_day(),
            days: month.days(),
            days_in_month: month.days(),
            usage: Some(UsageFacts {
                product: o.product,
                used: o.used,
                included: o.included,
            }),
        }),
    };
    line.description = line.describe(Language::En);
    line
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::invoice::total_of;
    use crate::money::Currency;
    use rust_decimal::Decimal;

    fn nov() -> Month {
        Month::parse("2026-11").unwrap()
    }

    fn owed(product: Product, used: i64, units: i64, fen: i64) -> ProductOverage {
        ProductOverage {
            product,
            used,
            included: used - units,
            overage_units: units,
            overage_amount: Money::from_minor(fen, Currency::Cny),
            priced_by: Some(PlanId::parse("pro").unwrap()),
            plan_name: "专业版".into(),
            unit_price: Money::from_minor(5, Currency::Cny),
            tax_rate: crate::tax::TaxRate::information_services(),
        }
    }

    #[test]
    fn a_month_is_billed_once_and_late_usage_adds_only_the_difference() {
        let first = settle_usage(
            nov(),
            &[
                owed(Product::AiChat, 10_500, 500, 2_500),
                owed(Product::Email, 100, 0, 0),
            ],
            &[],
            true,
        );
        assert_eq!(
            first.len(),
            1,
            "nothing beyond the plan, no line: {first:?}"
        );
        let d = first[0].detail.as_ref().unwrap();
        assert_eq!((d.kind, first[0].quantity), (LineKind::Overage, 500));
        assert_eq!(first[0].amount.amount(), Decimal::new(2500, 2));
        // Settled again with nothing new: nothing.
        let again = [owed(Product::AiChat, 10_500, 500, 2_500)];
        assert!(settle_usage(nov(), &again, &first, true).is_empty());
        // 300 late conversations: one adjustment of 300 units, 15.00.
        let late = [owed(Product::AiChat, 10_800, 800, 4_000)];
        let adj = settle_usage(nov(), &late, &first, false);
        assert_eq!(adj.len(), 1);
        assert_eq!(adj[0].detail.as_ref().unwrap().kind, LineKind::Adjustment);
        assert_eq!(
            (adj[0].quantity, adj[0].amount.to_minor().unwrap()),
            (300, 1_500)
        );
        let all: Vec<_> = first.iter().chain(&adj).cloned().collect();
        assert_eq!(
            total_of(Currency::Cny, &all).unwrap().to_minor().unwrap(),
            4_000
        );
        assert!(settle_usage(nov(), &late, &all, false).is_empty());
    }

    #[test]
    fn a_month_billed_without_overage_gets_adjustments_when_late_usage_passes_the_quota() {
        let late = [owed(Product::Email, 2_100, 100, 300)];
        let lines = settle_usage(nov(), &late, &[], false);
        assert_eq!(lines[0].detail.as_ref().unwrap().kind, LineKind::Adjustment);
    }

    #[test]
    fn usage_lines_are_worded_in_both_languages() {
        let line = &settle_usage(
            nov(),
            &[owed(Product::AiChat, 10_500, 500, 2_500)],
            &[],
            true,
        )[0];
        assert_eq!(
            line.describe(Language::Zh),
            "AI 对话超额（2026-11）：已用 10500，含 10000，超出 500 × ¥0.05"
        );
        assert_eq!(
            line.describe(Language::En),
            "AI chat overage, 2026-11: 10500 used, 10000 included, 500 beyond × 0.05"
        );
        let mut seats = owed(Product::AgentSeats, 12, 5, 1_650);
        seats.included = 10;
        seats.unit_price = Money::from_minor(9_900, Currency::Cny);
        let line = &settle_usage(nov(), &[seats], &[], false)[0];
        assert_eq!(
            line.describe(Language::Zh),
            "用量调整：坐席超额（2026-11）：补计 5 席·天，¥99.00/席·月，按 30 天折算；最高 12 席，含 10 席"
        );
    }

    #[test]
    fn usage_billed_at_another_rate_is_taken_back_at_its_own() {
        // November's 100.00 of chat overage went out under a 13 % plan; the timeline now
        // prices November with pro at 6 % and owes 50.00.
        let mut billed = owed(Product::AiChat, 3000, 2000, 10_000);
        billed.priced_by = Some(PlanId::parse("team").unwrap());
        billed.tax_rate = TaxRate::parse("0.13").unwrap();
        let first = settle_usage(nov(), &[billed], &[], true);
        assert_eq!(first[0].tax.rate.to_string(), "0.13");
        let now = owed(Product::AiChat, 2000, 1000, 5_000);
        let lines = settle_usage(nov(), &[now], &first, false);
        let per_rate: Vec<(String, Decimal, Decimal, &str)> = lines
            .iter()
            .map(|l| {
                let d = l.detail.as_ref().unwrap();
                (
                    l.tax.rate.to_string(),
                    l.amount.amount(),
                    l.tax.tax_amount.amount(),
                    d.plan_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            per_rate,
            [
                (
                    "0.13".to_owned(),
                    Decimal::new(-10_000, 2),
                    Decimal::new(-1_150, 2),
                    "team"
                ),
                (
                    "0.06".to_owned(),
                    Decimal::new(5_000, 2),
                    Decimal::new(283, 2),
                    "pro"
                ),
            ]
        );
        // Owing nothing now leaves nothing at either rate.
        let all: Vec<InvoiceLine> = first.iter().chain(&lines).cloned().collect();
        let zero = owed(Product::AiChat, 1000, 0, 0);
        let back = settle_usage(nov(), &[zero], &all, false);
        let total: Vec<InvoiceLine> = all.iter().chain(&back).cloned().collect();
        for rate in ["0.13", "0.06"] {
            let sum: Decimal = total
                .iter()
                .filter(|l| l.tax.rate.to_string() == rate)
                .map(|l| l.tax.tax_amount.amount())
                .sum();
            assert_eq!(sum, Decimal::ZERO, "tax left at {rate}");
        }
    }
}
