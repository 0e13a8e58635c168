//! A money document's VAT (contract §14): its net amount (金额（不含税）), its tax (税额) and
//! its total (价税合计), each rate's part when its lines have more than one rate, and in the
//! Chinese app the total in capital numerals (大写金额) when the API sent them. Prices
//! include tax, so the total is the document's amount.

use leptos::prelude::*;
use portal_api_types::TaxBreakdownEntry;
use rust_decimal::Decimal;

use crate::format;
use crate::i18n::*;

/// A rate as a percentage: `0.06` → `6%`, `0.065` → `6.5%`: the rate's digits with the
/// point moved two places (no decimal arithmetic in the app's wasm). Rates are never
/// negative (the catalogue refuses them).
pub fn rate(value: Decimal) -> String {
    let text = value.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_owned();
    while frac.len() < 2 {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(2);
    let whole = format!("{int}{moved}");
    let whole = whole.trim_start_matches('0');
    let rest = rest.trim_end_matches('0');
    let mut out = String::from(if whole.is_empty() { "0" } else { whole });
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push('%');
    out
}

/// The tax label of a document of one rate (`税额（6%）`), or plain when it has several
/// or none.
pub fn tax_label(template: &str, plain: &str, breakdown: &[TaxBreakdownEntry]) -> String {
    match breakdown {
        [only] => format::fill(template, &[("rate", &rate(only.tax_rate))]),
        _ => plain.to_owned(),
    }
}

#[component]
pub fn TaxSummary(
    net: Decimal,
    tax: Decimal,
    total: Decimal,
    breakdown: Vec<TaxBreakdownEntry>,
    currency: String,
    /// The total in capital numerals, shown on the Chinese page only.
    #[prop(optional)]
    in_words: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let money = |amount: Decimal| format::money(amount, &currency);
    let (net, tax, total) = (money(net), money(tax), money(total));
    let parts: Vec<(String, [String; 3])> = if breakdown.len() > 1 {
        breakdown
            .iter()
            .map(|p| {
                (
                    rate(p.tax_rate),
                    [p.net_amount, p.tax_amount, p.amount].map(&money),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    // One row template (a lighter app than a template per row); worded again when the
    // language changes.
    let rows = move || {
        let t = i18n.texts();
        let mut rows: Vec<(String, &'static str, String)> = parts
            .iter()
            .map(|(rate, [net, tax, total])| {
                (
                    format::fill(t.tax.rate_part, &[("rate", rate)]),
                    "tax-rate-part",
                    format::fill(
                        t.tax.rate_detail,
                        &[("net", net), ("tax", tax), ("total", total)],
                    ),
                )
            })
            .collect();
        rows.push((t.tax.net.to_owned(), "money net-amount", net.clone()));
        let tax_dt = tax_label(t.tax.tax_at, t.tax.tax, &breakdown);
        rows.push((tax_dt, "money tax-amount", tax.clone()));
        rows.push((t.tax.total.to_owned(), "money gross-amount", total.clone()));
        // Capital numerals are Chinese: shown on the Chinese page only.
        if let Some(words) = in_words.clone().filter(|_| i18n.get_locale() == Locale::zh) {
            rows.push((t.tax.in_words.to_owned(), "amount-in-words", words));
        }
        rows.into_iter()
            .map(|(label, class, value)| view! { <dt>{label}</dt><dd class=class>{value}</dd> })
            .collect_view()
    };
    view! { <dl class="facts tax-summary">{rows}</dl> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(rate: i64) -> TaxBreakdownEntry {
        TaxBreakdownEntry {
            tax_rate: Decimal::new(rate, 4),
            net_amount: Decimal::ZERO,
            tax_amount: Decimal::ZERO,
            amount: Decimal::ZERO,
        }
    }

    #[test]
    fn rates_read_as_percentages() {
        assert_eq!(rate(Decimal::new(6, 2)), "6%");
        assert_eq!(rate(Decimal::new(650, 4)), "6.5%");
        assert_eq!(rate(Decimal::new(0, 2)), "0%");
        assert_eq!(rate(Decimal::new(2, 1)), "20%");
        assert_eq!(rate(Decimal::new(625, 4)), "6.25%");
        assert_eq!(rate(Decimal::new(5, 4)), "0.05%");
        assert_eq!(rate(Decimal::new(1300, 4)), "13%");
    }

    #[test]
    fn one_rate_is_named_beside_the_tax_several_are_not() {
        assert_eq!(
            tax_label("税额（{rate}）", "税额", &[part(600)]),
            "税额（6%）"
        );
        assert_eq!(
            tax_label("税额（{rate}）", "税额", &[part(600), part(1300)]),
            "税额"
        );
        assert_eq!(tax_label("税额（{rate}）", "税额", &[]), "税额");
    }
}
