//! Usage on invoices (contract §10): month M's usage beyond the plan is billed in arrears
//! on the period invoice of month M+1, one `overage` line per product; usage that changes
//! a month already billed (late events, a corrected timeline) is billed on a later
//! invoice as `adjustment` lines: the difference between what the month owes now and
//! what its usage lines add up to. So a month's usage lines always add up to its overage
//! as last settled, to the fen, and a change is billed once whichever run sees it first.

use crate::invoice::{InvoiceLine, LineDetail, LineKind, UsageFacts};
use crate::money::Money;
use crate::month::Month;
use crate::overage::ProductOverage;
use crate::product::Product;
use crate::tax::LineTax;
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
        let mine: Vec<&(&InvoiceLine, &LineDetail, Product)> = usage_lines
            .iter()
            .filter(|(_, _, p)| *p == o.product)
            .collect();
        let units: i64 = mine.iter().map(|(line, _, _)| line.quantity).sum();
        let billed = Money::sum(
            o.overage_amount.currency(),
            mine.iter().map(|(line, _, _)| &line.amount),
        );
        let last_plan = mine.last().map(|(line, detail, _)| {
            (
                detail.plan_id.clone(),
                detail.plan_name.clone(),
                line.tax.rate,
            )
        });
        let delta_units = o.overage_units - units;
        // Lines of another currency cannot be settled against: left as they are.
        let Ok(delta) = billed.and_then(|billed| o.overage_amount.checked_sub(&billed)) else {
            continue;
        };
        if delta_units == 0 && delta.is_zero() {
            continue;
        }
        // A month no plan serves any more is taken back under the plan that billed it.
        let Some((plan_id, plan_name, rate)) = o
            .priced_by
            .clone()
            .map(|id| (id, o.plan_name.clone(), o.tax_rate))
            .or(last_plan)
        else {
            continue;
        };
        let mut line = InvoiceLine {
            description: String::new(),
            quantity: delta_units,
            unit_price: o.unit_price,
            amount: delta,
            tax: LineTax::of(delta, rate),
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
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ids::PlanId;
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
}
