//! The lines of an invoice or of an upgrade's preview, as one table: each line's
//! description as the API words it (in the app's language), the days it covers and how
//! they were counted, and its amount; a reversal (an amount taken back) is marked and
//! drawn as a negative amount.

use leptos::prelude::*;
use portal_api_types::InvoiceLine;
use rust_decimal::Decimal;

use crate::components::Text;
use crate::format;
use crate::i18n::*;

/// The days a line covers, `2026-11-26 – 2026-11-30`, when the API sent them.
pub fn line_dates(line: &InvoiceLine) -> Option<String> {
    match (&line.from, &line.to) {
        (Some(from), Some(to)) if from == to => Some(from.clone()),
        (Some(from), Some(to)) => Some(format!("{from} – {to}")),
        (Some(day), None) | (None, Some(day)) => Some(day.clone()),
        (None, None) => None,
    }
}

/// Whether a line takes money back: a `reversal`, or any negative amount.
pub fn is_credit(line: &InvoiceLine) -> bool {
    line.kind == "reversal" || (line.amount.is_sign_negative() && !line.amount.is_zero())
}

#[component]
pub fn InvoiceLines(
    lines: Vec<InvoiceLine>,
    currency: String,
    /// The total, as the table's last row (an invoice's amount).
    #[prop(optional)]
    total: Option<Decimal>,
    /// A caption naming the table.
    #[prop(optional)]
    caption: Option<Text>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows = lines
        .into_iter()
        .map(|line| {
            let credit = is_credit(&line);
            // The days served of the month's days, `5/30 天`. Worded once: an invoice is
            // asked for again when the language changes.
            let days = line.days.zip(line.days_in_month).map(|(days, of)| {
                format::fill(
                    t_string!(i18n, invoices.days),
                    &[("days", &days.to_string()), ("month_days", &of.to_string())],
                )
            });
            let meta = match (line_dates(&line), days) {
                (Some(dates), Some(days)) => Some(format!("{dates} · {days}")),
                (dates, days) => dates.or(days),
            }
            .map(|meta| view! { <span class="line-meta">{meta}</span> });
            view! {
                <tr class:credit=credit data-kind=line.kind.clone()>
                    <td>
                        {credit
                            .then(|| {
                                view! {
                                    <span class="badge credit-mark">
                                        {tx!(i18n, invoices.reversal)}
                                    </span>
                                }
                            })} <span class="line-text">{line.description.clone()}</span> {meta}
                    </td>
                    <td class="num">{format::grouped(line.quantity)}</td>
                    <td class="num">{format::money(line.unit_price, &currency)}</td>
                    <td class="num amount">{format::money(line.amount, &currency)}</td>
                </tr>
            }
        })
        .collect_view();
    let foot = total.map(|total| {
        view! {
            <tfoot>
                <tr>
                    <th scope="row" colspan="3">
                        {tx!(i18n, invoices.total)}
                    </th>
                    <td class="num">{format::money(total, &currency)}</td>
                </tr>
            </tfoot>
        }
    });
    view! {
        <div class="table-wrap">
            <table class="invoice-lines">
                {caption.map(|text| view! { <caption>{tr(i18n, text)}</caption> })}
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, invoices.description)}</th>
                        <th scope="col" class="num">{tx!(i18n, invoices.quantity)}</th>
                        <th scope="col" class="num">{tx!(i18n, invoices.unit_price)}</th>
                        <th scope="col" class="num">{tx!(i18n, invoices.line_amount)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                {foot}
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &str, amount: i64) -> InvoiceLine {
        InvoiceLine {
            description: "x".into(),
            quantity: 1,
            unit_price: Decimal::new(amount, 2),
            amount: Decimal::new(amount, 2),
            kind: kind.into(),
            plan_id: None,
            period: None,
            from: None,
            to: None,
            days: None,
            days_in_month: None,
        }
    }

    #[test]
    fn a_line_shows_the_days_it_was_sent_with() {
        let mut l = line("fee", 100);
        assert_eq!(line_dates(&l), None);
        l.from = Some("2026-11-26".into());
        l.to = Some("2026-11-30".into());
        assert_eq!(line_dates(&l).as_deref(), Some("2026-11-26 – 2026-11-30"));
        l.to = Some("2026-11-26".into());
        assert_eq!(line_dates(&l).as_deref(), Some("2026-11-26"));
    }

    #[test]
    fn reversals_and_negative_amounts_are_credits() {
        assert!(is_credit(&line("reversal", -33_333)));
        assert!(is_credit(&line("reversal", 0)));
        assert!(is_credit(&line("legacy", -100)));
        assert!(!is_credit(&line("fee", 100)));
        assert!(!is_credit(&line("fee", 0)));
    }
}
