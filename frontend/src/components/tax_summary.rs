//! A money document's VAT (contract §14): its net amount (金额（不含税）), its tax (税额) and
//! its total (价税合计), each rate's part when its lines have more than one rate, and in the
//! Chinese app the total in capital numerals (大写金额) when the API sent them. Prices
//! include tax, so the total is the document's amount.

use leptos::prelude::*;
use portal_api_types::TaxBreakdownEntry;
use rust_decimal::Decimal;

use crate::format;
use crate::i18n::*;

/// A rate as a percentage: `0.06` → `6%`, `0.065` → `6.5%`.
pub fn rate(value: Decimal) -> String {
    format!("{}%", (value * Decimal::ONE_HUNDRED).normalize())
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
    let per_rate = (breakdown.len() > 1).then(|| {
        breakdown
            .iter()
            .map(|part| {
                let label = rate(part.tax_rate);
                let (net, tax, total) = (
                    format::money(part.net_amount, &currency),
                    format::money(part.tax_amount, &currency),
                    format::money(part.amount, &currency),
                );
                view! {
                    <dt>{move || format::fill(t_string!(i18n, tax.rate_part), &[("rate", &label)])}</dt>
                    <dd class="tax-rate-part">
                        {move || {
                            format::fill(
                                t_string!(i18n, tax.rate_detail),
                                &[("net", &net), ("tax", &tax), ("total", &total)],
                            )
                        }}
                    </dd>
                }
            })
            .collect_view()
    });
    let tax_dt = {
        let breakdown = breakdown.clone();
        move || {
            tax_label(
                t_string!(i18n, tax.tax_at),
                t_string!(i18n, tax.tax),
                &breakdown,
            )
        }
    };
    let words = in_words.map(|words| {
        let shown = move || i18n.get_locale() == Locale::zh;
        view! {
            <Show when=shown>
                <dt>{tx!(i18n, tax.in_words)}</dt>
                <dd class="amount-in-words">{words.clone()}</dd>
            </Show>
        }
    });
    view! {
        <dl class="facts tax-summary">
            {per_rate}
            <dt>{tx!(i18n, tax.net)}</dt>
            <dd class="money net-amount" data-amount=net.to_string()>{format::money(net, &currency)}</dd>
            <dt>{tax_dt}</dt>
            <dd class="money tax-amount" data-amount=tax.to_string()>{format::money(tax, &currency)}</dd>
            <dt>{tx!(i18n, tax.total)}</dt>
            <dd class="money gross-amount" data-amount=total.to_string()>{format::money(total, &currency)}</dd>
            {words}
        </dl>
    }
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
