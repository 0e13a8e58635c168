//! 费用分析 Cost analysis (§16): what each of the last twelve months cost — a stacked bar
//! per month (a tap, a click or the arrow keys show its values), the change from the
//! month before, and the same figures as a table (cards on a narrow screen).

use leptos::prelude::*;
use portal_api_types::{CostMonth, Costs};
use rust_decimal::Decimal;

use crate::api::use_api;
use crate::components::cost_chart::{CostChart, PARTS, parts};
use crate::components::{loaded, product_label};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

#[component]
pub fn CostsPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let costs = Loader::new(move || api.costs());
    view! {
        <h1>{tx!(i18n, nav.costs)}</h1>
        <p class="hint">{tx!(i18n, costs.hint)}</p>
        {loaded(costs, |c| view! { <CostsView c /> })}
    }
}

/// A part's name in the page's language.
fn part_label(i18n: I18nContext, part: &str) -> String {
    match part {
        "fees" => t_string!(i18n, costs.fees).to_string(),
        "adjustments" => t_string!(i18n, costs.adjustments).to_string(),
        "tax" => t_string!(i18n, costs.tax).to_string(),
        "credits" => t_string!(i18n, costs.credits).to_string(),
        product => format!(
            "{} · {}",
            t_string!(i18n, costs.overage),
            product_label(i18n, product)
        ),
    }
}

/// `+¥96.00（+10.6%）`, or the change alone when the month before cost nothing.
fn change_text(m: &CostMonth, currency: &str) -> String {
    let Some(change) = m.change else {
        return "—".into();
    };
    let sign = if change.is_sign_positive() && !change.is_zero() {
        "+"
    } else {
        ""
    };
    let amount = format!("{sign}{}", format::money(change, currency));
    match m.change_percent {
        Some(p) => {
            let sign = if p.is_sign_positive() && !p.is_zero() {
                "+"
            } else {
                ""
            };
            format!("{amount} ({sign}{})", format::percent(p))
        }
        None => amount,
    }
}

#[component]
fn CostsView(c: Costs) -> impl IntoView {
    let i18n = use_i18n();
    let last = c.months.len().saturating_sub(1);
    let selected = RwSignal::new(last);
    let currency = c.currency.clone();
    let months = c.months.clone();
    let chart = move || {
        let names = months
            .iter()
            .map(|m| {
                format!(
                    "{} {} {}",
                    m.month,
                    t_string!(i18n, costs.total),
                    format::money(m.total, &currency)
                )
            })
            .collect();
        let label = t_string!(i18n, costs.chart_label).to_string();
        view! { <CostChart months=months.clone() selected label names /> }
    };
    let legend = PARTS
        .iter()
        .map(|part| {
            view! {
                <li>
                    <span class=format!("swatch seg-{part}") aria-hidden="true"></span>
                    {move || part_label(i18n, part)}
                </li>
            }
        })
        .collect_view();
    let (months, currency) = (c.months.clone(), c.currency.clone());
    let detail = move || {
        let m = months.get(selected.get())?.clone();
        let money = |d: Decimal| format::money(d, &currency);
        let rows = PARTS
            .iter()
            .zip(parts(&m))
            .filter(|(_, amount)| !amount.is_zero())
            .map(|(part, amount)| {
                view! {
                    <div>
                        <dt>{part_label(i18n, part)}</dt>
                        <dd class="num">{money(amount)}</dd>
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <h2 id="cost-month-heading">{m.month.clone()}</h2>
            <dl class="cost-parts">
                {rows}
                <div class="total">
                    <dt>{tx!(i18n, costs.total)}</dt>
                    <dd class="num cost-total">{money(m.total)}</dd>
                </div>
                <div>
                    <dt>{tx!(i18n, costs.change)}</dt>
                    <dd class="num cost-change">{change_text(&m, &currency)}</dd>
                </div>
            </dl>
        })
    };
    view! {
        <section class="card">
            {chart}
            <ul class="cost-legend">{legend}</ul>
            <p class="hint">{tx!(i18n, costs.select_hint)}</p>
            <div class="cost-detail" aria-live="polite" aria-labelledby="cost-month-heading">
                {detail}
            </div>
        </section>
        <section class="card">
            <CostTable c />
        </section>
    }
}

#[component]
fn CostTable(c: Costs) -> impl IntoView {
    let i18n = use_i18n();
    let currency = c.currency.clone();
    let rows = c
        .months
        .iter()
        .rev()
        .map(|m| {
            let money = |d: Decimal| format::money(d, &currency);
            let overage: Decimal = m.overage.iter().map(|p| p.amount).sum();
            view! {
                <tr>
                    <th scope="row">{m.month.clone()}</th>
                    <td class="num" data-label=move || t_string!(i18n, costs.fees)>{money(m.fees)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.overage)>{money(overage)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.adjustments)>{money(m.adjustments)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.credits)>{money(m.credits)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.tax)>{money(m.tax)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.total)>{money(m.total)}</td>
                    <td class="num" data-label=move || t_string!(i18n, costs.change)>{change_text(m, &currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="costs-table-heading">
            <table class="costs records">
                <caption id="costs-table-heading">{tx!(i18n, costs.table)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, costs.month)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.fees)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.overage)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.adjustments)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.credits)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.tax)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.total)}</th>
                        <th scope="col" class="num">{tx!(i18n, costs.change)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
