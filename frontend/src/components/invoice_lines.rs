//! The lines of an invoice, of an upgrade's preview or of the bill to come, as one table:
//! each line's description as the API words it (in the app's language), the days a fee
//! covers and how they were counted, and its amount. A reversal (an amount taken back) is
//! marked and drawn as a negative amount; usage beyond the plan (`overage`) and late usage
//! of a month already billed (`adjustment`) are marked too, their seats in seat-days.

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

/// The badge beside a line's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// 冲销: money taken back.
    Reversal,
    /// 超额: a month's usage beyond the plan.
    Overage,
    /// 用量调整: usage that changed a month already billed.
    Adjustment,
}

pub fn mark_of(line: &InvoiceLine) -> Option<Mark> {
    match line.kind.as_str() {
        "overage" => Some(Mark::Overage),
        "adjustment" => Some(Mark::Adjustment),
        _ if is_credit(line) => Some(Mark::Reversal),
        _ => None,
    }
}

/// The small print under a fee's description: the days it covers and how they were
/// counted (`days`: `{days}/{month_days} 天`). Usage lines have none: the API's description
/// already says the month, what was used and what the plan includes.
pub fn line_meta(line: &InvoiceLine, days: &str) -> Option<String> {
    let counted = line.days.zip(line.days_in_month).map(|(n, of)| {
        format::fill(
            days,
            &[("days", &n.to_string()), ("month_days", &of.to_string())],
        )
    });
    match (line_dates(line), counted) {
        (Some(dates), Some(counted)) => Some(format!("{dates} · {counted}")),
        (dates, counted) => dates.or(counted),
    }
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
            // Worded once: an invoice (and the bill to come) is asked for again when the
            // language changes.
            let meta = line_meta(&line, t_string!(i18n, invoices.days))
            .map(|meta| view! { <span class="line-meta">{meta}</span> });
            let mark = mark_of(&line).map(|mark| {
                let (class, text): (&str, Text) = match mark {
                    Mark::Reversal => ("badge credit-mark", |i| t_string!(i, invoices.reversal)),
                    Mark::Overage => ("badge usage-mark", |i| t_string!(i, invoices.overage)),
                    Mark::Adjustment => {
                        ("badge usage-mark", |i| t_string!(i, invoices.adjustment))
                    }
                };
                view! { <span class=class>{tr(i18n, text)}</span> }
            });
            // Each line's VAT: its rate and tax (§14).
            let line_tax = {
                let (net, rate, tax) = (
                    format::money(line.net_amount, &currency),
                    crate::components::tax_summary::rate(line.tax_rate),
                    format::money(line.tax_amount, &currency),
                );
                view! {
                    <span class="line-tax">
                        {format::fill(
                            t_string!(i18n, tax.line),
                            &[("net", &net), ("rate", &rate), ("tax", &tax)],
                        )}
                    </span>
                }
            };
            // Seats beyond the plan are seat-days.
            let product = line.product.clone().unwrap_or_default();
            let quantity =
                format::usage_units(&product, line.quantity, t_string!(i18n, usage.seat_days));
            view! {
                <tr class:credit=credit data-kind=line.kind.clone() data-product=line.product.clone()>
                    <td>
                        {mark} <span class="line-text">{line.description.clone()}</span> {meta}
                        {line_tax}
                    </td>
                    <td class="num" data-label=move || t_string!(i18n, invoices.quantity)>
                        {quantity}
                    </td>
                    <td class="num" data-label=move || t_string!(i18n, invoices.unit_price)>
                        {format::money(line.unit_price, &currency)}
                    </td>
                    <td class="num amount" data-label=move || t_string!(i18n, invoices.line_amount)>
                        {format::money(line.amount, &currency)}
                    </td>
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
            <table class="invoice-lines records">
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
            product: None,
            used: None,
            included: None,
            plan_id: None,
            period: None,
            from: None,
            to: None,
            days: None,
            days_in_month: None,
            tax_rate: Decimal::new(6, 2),
            net_amount: Decimal::ZERO,
            tax_amount: Decimal::ZERO,
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

    #[test]
    fn usage_lines_are_marked_by_their_kind() {
        assert_eq!(mark_of(&line("reversal", -33_333)), Some(Mark::Reversal));
        assert_eq!(mark_of(&line("legacy", -100)), Some(Mark::Reversal));
        assert_eq!(mark_of(&line("overage", 11_725)), Some(Mark::Overage));
        assert_eq!(mark_of(&line("adjustment", 500)), Some(Mark::Adjustment));
        // A negative adjustment is a credit, but still named for what it is.
        let credit = line("adjustment", -500);
        assert!(is_credit(&credit));
        assert_eq!(mark_of(&credit), Some(Mark::Adjustment));
        assert_eq!(mark_of(&line("fee", 99_900)), None);
    }

    const DAYS: &str = "{days}/{month_days} 天";

    #[test]
    fn a_fee_line_tells_its_days() {
        let mut l = line("fee", 16_650);
        assert_eq!(line_meta(&l, DAYS), None);
        l.period = Some("2026-11".into());
        l.from = Some("2026-11-26".into());
        l.to = Some("2026-11-30".into());
        l.days = Some(5);
        l.days_in_month = Some(30);
        assert_eq!(
            line_meta(&l, DAYS).as_deref(),
            Some("2026-11-26 – 2026-11-30 · 5/30 天")
        );
        l.days = None;
        assert_eq!(
            line_meta(&l, DAYS).as_deref(),
            Some("2026-11-26 – 2026-11-30")
        );
    }

    #[test]
    fn a_usage_line_has_no_small_print() {
        // Its description, worded by the API, names the month and what was used.
        let mut l = line("overage", 11_725);
        l.product = Some("ai_chat".into());
        l.period = Some("2026-11".into());
        l.used = Some(12_345);
        l.included = Some(10_000);
        assert_eq!(line_meta(&l, DAYS), None);
    }
}
