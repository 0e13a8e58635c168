//! Cost analysis (费用分析, contract §16): what each month cost, split into fees, overage
//! per product, usage adjustments, credits and tax.
//!
//! A line counts toward the month it concerns ([`InvoiceLine::period`]): a fee toward
//! the days it bills, an overage toward the month of the usage (billed the month after).
//! Lines kept without their data count toward their document's period. The parts are net
//! of tax; `tax` is the lines' tax; `total` is the sum of the lines' amounts, so that
//! fees + overage + adjustments + credits + tax = total to the fen (no rounding here:
//! every figure is a sum of amounts already rounded on their documents).
//!
//! Month-over-month change: `change` is this month's total less the month before's;
//! `change_percent` is that change as a percentage of the month before's total, rounded to
//! one decimal half away from zero, and absent when the month before cost nothing.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::invoice::{DocumentKind, Invoice, LineKind};
use crate::money::{Currency, Money, MoneyError};
use crate::month::Month;
use crate::product::Product;

/// The most months one analysis covers.
pub const MAX_COST_MONTHS: u32 = 24;

/// What one month cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCosts {
    pub month: Month,
    /// Plan fees (and fee reversals on invoices), net.
    pub fees: Money,
    /// Overage per product, net, every product listed.
    pub overage: BTreeMap<Product, Money>,
    /// Later corrections of usage already billed, net.
    pub adjustments: Money,
    /// What credit notes took back, net (zero or negative).
    pub credits: Money,
    pub tax: Money,
    pub total: Money,
    /// `total` less the month before's; `None` for the first month shown.
    pub change: Option<Money>,
    /// `change` in percent of the month before's total (one decimal); `None` when there
    /// is no month before or it cost nothing.
    pub change_percent: Option<Decimal>,
}

impl MonthCosts {
    fn zero(month: Month, currency: Currency) -> Self {
        let zero = Money::zero(currency);
        Self {
            month,
            fees: zero,
            overage: Product::ALL.into_iter().map(|p| (p, zero)).collect(),
            adjustments: zero,
            credits: zero,
            tax: zero,
            total: zero,
            change: None,
            change_percent: None,
        }
    }
}

/// The `months` months ending with `last`, oldest first.
pub fn cost_months(last: Month, months: u32) -> Vec<Month> {
    let mut out = vec![last];
    for _ in 1..months {
        let earlier = out.last().copied().unwrap_or(last).prev();
        out.push(earlier);
    }
    out.reverse();
    out
}

/// The costs of each of `months` (oldest first) from `documents`: lines concerning other
/// months are left out.
pub fn monthly_costs(
    months: &[Month],
    currency: Currency,
    documents: &[Invoice],
) -> Result<Vec<MonthCosts>, MoneyError> {
    let mut by_month: BTreeMap<Month, MonthCosts> = months
        .iter()
        .map(|m| (*m, MonthCosts::zero(*m, currency)))
        .collect();
    for document in documents {
        for line in &document.lines {
            let month = line.period().unwrap_or(document.period);
            let Some(costs) = by_month.get_mut(&month) else {
                continue;
            };
            let net = &line.tax.net_amount;
            let part = if document.document == DocumentKind::CreditNote {
                &mut costs.credits
            } else {
                match line.detail.as_ref() {
                    None => &mut costs.fees,
                    Some(detail) => match (detail.kind, detail.usage) {
                        (LineKind::Overage, Some(usage)) => costs
                            .overage
                            .entry(usage.product)
                            .or_insert(Money::zero(currency)),
                        (LineKind::Adjustment, _) => &mut costs.adjustments,
                        _ => &mut costs.fees,
                    },
                }
            };
            *part = part.checked_add(net)?;
            costs.tax = costs.tax.checked_add(&line.tax.tax_amount)?;
            costs.total = costs.total.checked_add(&line.amount)?;
        }
    }
    let mut out: Vec<MonthCosts> = by_month.into_values().collect();
    for i in 1..out.len() {
        let before = out[i - 1].total;
        let change = out[i].total.checked_sub(&before)?;
        out[i].change_percent = (!before.is_zero()).then(|| {
            (change.amount() * Decimal::ONE_HUNDRED / before.amount())
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        });
        out[i].change = Some(change);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
