//! The simulation's tax invariant (contract §14), checked on every invoice it reads.

use std::collections::BTreeMap;

use portal_domain::{InvoiceLine, Money, Month};
use rust_decimal::Decimal;

use super::oracle;

/// The tax invariant (§14): each line's tax is the oracle's at its plan's rate and adds up
/// with its net amount to the line; the invoice's net and tax are the sums of its lines',
/// and per rate its breakdown adds up to those lines. Zero fen apart.
pub(super) fn check_tax(invoice: &portal_domain::Invoice) -> Result<(), String> {
    let fen = |m: &Money| m.to_minor().map_err(|e| e.to_string());
    let id = &invoice.id;
    let mut per_rate: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for line in &invoice.lines {
        let plan = line
            .detail
            .as_ref()
            .ok_or("a line without its plan")?
            .plan_id
            .as_str();
        let rate = oracle::rate_of(plan);
        if line.tax.rate.value() != Decimal::new(rate, 4) {
            return Err(format!("invoice {id}: a {plan} line at {}", line.tax.rate));
        }
        let (amount, net, tax) = (
            fen(&line.amount)?,
            fen(&line.tax.net_amount)?,
            fen(&line.tax.tax_amount)?,
        );
        if tax != oracle::tax_of(amount, rate) || net + tax != amount {
            return Err(format!(
                "invoice {id}: line of {amount} fen has net {net}, tax {tax}"
            ));
        }
        let entry = per_rate.entry(line.tax.rate.to_string()).or_default();
        *entry = (entry.0 + net, entry.1 + tax, entry.2 + amount);
    }
    let doc = invoice.tax().map_err(|e| e.to_string())?;
    let (net, tax) = per_rate
        .values()
        .fold((0, 0), |(n, t), r| (n + r.0, t + r.1));
    if (fen(&doc.net_amount)?, fen(&doc.tax_amount)?) != (net, tax)
        || fen(&doc.amount)? != fen(&invoice.amount)?
    {
        return Err(format!(
            "invoice {id}: its net and tax are not its lines' sums"
        ));
    }
    let breakdown = doc
        .breakdown
        .iter()
        .map(|r| {
            Ok((
                r.rate.to_string(),
                (fen(&r.net_amount)?, fen(&r.tax_amount)?, fen(&r.amount)?),
            ))
        })
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    if breakdown != per_rate {
        return Err(format!(
            "invoice {id}: breakdown {breakdown:?}, its lines {per_rate:?}"
        ));
    }
    Ok(())
}

/// A month's usage lines owe nothing at a rate other than the one of the plan pricing the
/// month now (its last day served): what was billed at another rate was taken back at it.
/// With no day served, nothing is owed at any rate.
pub(super) fn check_usage_rates(
    i: usize,
    book: &oracle::Book,
    usage_lines: &[InvoiceLine],
) -> Result<(), String> {
    let mut per_rate: BTreeMap<(Month, String), i64> = BTreeMap::new();
    for line in usage_lines {
        let month = line.period().ok_or("a usage line without its month")?;
        let fen = line.amount.to_minor().map_err(|e| e.to_string())?;
        *per_rate
            .entry((month, line.tax.rate.to_string()))
            .or_default() += fen;
    }
    for ((month, rate), fen) in per_rate {
        let days: Vec<_> = month
            .first_day()
            .iter_days()
            .take(month.days() as usize)
            .collect();
        let last_served = days.iter().rev().find_map(|d| book.plan_on(*d));
        let pricing =
            last_served.map(|p| Decimal::new(oracle::rate_of(oracle::PLANS[p].0), 4).to_string());
        let pricing = pricing.map(|r| portal_domain::TaxRate::parse(&r).map(|r| r.to_string()));
        let expected_here = matches!(pricing, Some(Ok(ref p)) if *p == rate);
        if fen != 0 && !expected_here {
            return Err(format!(
                "customer {i} usage of {month}: {} left at {rate}, priced at {pricing:?}",
                Decimal::new(fen, 2)
            ));
        }
    }
    Ok(())
}
