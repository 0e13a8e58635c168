//! 用量 Usage: a month's used / quota / percent per product; the daily values of one
//! product over a chosen range as a chart and a table; and that table as CSV.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_api_types::{UsageDetail, UsageOverview};

use crate::api::{ApiError, use_api};
use crate::components::export_buttons::ExportButtons;
use crate::components::usage_chart::UsageChart;
use crate::components::{
    Empty, ErrorNotice, Loading, QuotaBar, alert_label, loaded, product_label,
};
use crate::dates::{Day, Month, days_inclusive};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

pub const PRODUCTS: [&str; 3] = ["ai_chat", "email", "agent_seats"];

/// The longest range the API answers.
const MAX_RANGE_DAYS: i64 = 366;

/// One detail query: an inclusive range and a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailQuery {
    pub from: String,
    pub to: String,
    pub product: String,
}

impl DetailQuery {
    /// The range's days when it is one the API accepts.
    pub fn valid_days(&self) -> Option<i64> {
        let (from, to) = (Day::parse(&self.from)?, Day::parse(&self.to)?);
        let days = days_inclusive(from, to);
        (1..=MAX_RANGE_DAYS).contains(&days).then_some(days)
    }
}

/// Every day of the range with its count (0 where the API has none), for the chart.
pub fn daily_series(query: &DetailQuery, detail: &UsageDetail) -> Vec<(String, i64)> {
    let (Some(from), Some(to)) = (Day::parse(&query.from), Day::parse(&query.to)) else {
        return Vec::new();
    };
    let days = days_inclusive(from, to).min(MAX_RANGE_DAYS);
    (0..days)
        .map(|i| {
            let date = from.add_days(i).to_string();
            let count = detail
                .items
                .iter()
                .filter(|item| item.date == date && item.product == query.product)
                .map(|item| item.count)
                .sum();
            (date, count)
        })
        .collect()
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let today = Day::today();
    let month = RwSignal::new(today.month().to_string());
    let usage = Loader::new(move || api.usage(Some(month.get())));

    let (first, last) = today.month().range_until(today);
    let from = RwSignal::new(first.to_string());
    let to = RwSignal::new(last.to_string());
    let product = RwSignal::new(PRODUCTS[0].to_owned());
    let query = RwSignal::new(DetailQuery {
        from: first.to_string(),
        to: last.to_string(),
        product: PRODUCTS[0].to_owned(),
    });
    let range_error = RwSignal::new(false);
    // The answer carries its query, so the table never pairs new dates with old numbers.
    let detail = Loader::new(move || {
        let q = query.get();
        async move {
            api.usage_detail(q.from.clone(), q.to.clone(), Some(q.product.clone()))
                .await
                .map(|detail| (q, detail))
        }
    });

    // Picking a month shows its totals and, below, its days.
    let on_month = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let Some(picked) = Month::parse(&value) else {
            return;
        };
        month.set(picked.to_string());
        let (a, b) = picked.range_until(today);
        from.set(a.to_string());
        to.set(b.to_string());
        range_error.set(false);
        query.set(DetailQuery {
            from: a.to_string(),
            to: b.to_string(),
            product: product.get_untracked(),
        });
    };

    let on_detail = move |ev: SubmitEvent| {
        ev.prevent_default();
        let next = DetailQuery {
            from: from.get_untracked(),
            to: to.get_untracked(),
            product: product.get_untracked(),
        };
        if next.valid_days().is_none() {
            range_error.set(true);
            return;
        }
        range_error.set(false);
        query.set(next);
    };

    let product_options = move || {
        PRODUCTS
            .iter()
            .map(|p| {
                let id = *p;
                view! {
                    <option value=id selected=move || product.get() == id>
                        {move || product_label(i18n, id)}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <h1>{tx!(i18n, nav.usage)}</h1>
        <section class="card" aria-labelledby="usage-summary">
            <div class="section-head">
                <h2 id="usage-summary">{tx!(i18n, usage.summary_heading)}</h2>
                <div class="inline-field">
                    <label for="usage-month">{tx!(i18n, usage.month)}</label>
                    <input
                        id="usage-month"
                        type="month"
                        prop:value=move || month.get()
                        max=today.month().to_string()
                        on:change=on_month
                    />
                </div>
            </div>
            {loaded(usage, |overview| view! { <UsageSummary overview /> })}
            <p class="hint">{tx!(i18n, exports.usage_hint)}</p>
            <ExportButtons
                fetch=move |format, lang| api.usage_export(month.get_untracked(), format, lang)
                name=move |format| format!("usage-{}.{format}", month.get_untracked())
            />
        </section>
        <section class="card" aria-labelledby="usage-daily">
            <h2 id="usage-daily">{tx!(i18n, usage.daily_heading)}</h2>
            <form class="filters" on:submit=on_detail novalidate>
                <div class="field">
                    <label for="detail-from">{tx!(i18n, usage.from)}</label>
                    <input id="detail-from" type="date" bind:value=from max=today.to_string() />
                </div>
                <div class="field">
                    <label for="detail-to">{tx!(i18n, usage.to)}</label>
                    <input id="detail-to" type="date" bind:value=to max=today.to_string() />
                </div>
                <div class="field">
                    <label for="detail-product">{tx!(i18n, usage.product)}</label>
                    <select
                        id="detail-product"
                        on:change=move |ev| product.set(event_target_value(&ev))
                    >
                        {product_options}
                    </select>
                </div>
                <div class="field">
                    <button type="submit">{tx!(i18n, usage.show)}</button>
                </div>
            </form>
            {move || {
                range_error
                    .get()
                    .then(|| {
                        view! {
                            <p class="state error" role="alert">
                                {tx!(i18n, usage.bad_range)}
                            </p>
                        }
                    })
            }}
            {move || match detail.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(ApiError::Unauthorized)) => ().into_any(),
                Some(Err(error)) => {
                    let retry = Callback::new(move |()| detail.refetch());
                    view! { <ErrorNotice error retry /> }.into_any()
                }
                Some(Ok((query, detail))) => view! { <DailyDetail query detail /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn UsageSummary(overview: UsageOverview) -> impl IntoView {
    let i18n = use_i18n();
    let rows = overview
        .products
        .iter()
        .map(|p| {
            let product = p.product.clone();
            let alert = p.alert.clone();
            // Seats beyond the plan are seat-days; the unit follows a language switch.
            let units = {
                let (product, units) = (p.product.clone(), p.overage_units);
                move || format::usage_units(&product, units, t_string!(i18n, usage.seat_days))
            };
            view! {
                <tr data-product=p.product.clone()>
                    <th scope="row">{move || product_label(i18n, &product)}</th>
                    <td class="num" data-label=move || t_string!(i18n, usage.used)>
                        {format::grouped(p.used)}
                    </td>
                    <td class="num" data-label=move || t_string!(i18n, usage.quota)>
                        {format::grouped(p.quota)}
                    </td>
                    <td class="num" data-label=move || t_string!(i18n, usage.percent)>
                        {format::percent(p.percent)}
                    </td>
                    <td class="num" data-label=move || t_string!(i18n, usage.projected)>
                        {format::grouped(p.projected)}
                    </td>
                    <td class="num included" data-label=move || t_string!(i18n, usage.included)>
                        {format::grouped(p.included)}
                    </td>
                    <td
                        class="num overage-units"
                        data-label=move || t_string!(i18n, usage.overage_units)
                    >
                        {units}
                    </td>
                    <td
                        class="num overage-amount"
                        data-label=move || t_string!(i18n, usage.overage_amount)
                    >
                        {format::money(p.overage_amount, "CNY")}
                    </td>
                    <td data-label=move || t_string!(i18n, usage.status)>
                        <span class=format!(
                            "badge alert-{}",
                            p.alert,
                        )>{move || alert_label(i18n, &alert)}</span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let bars = overview
        .products
        .into_iter()
        .map(|p| view! { <QuotaBar usage=p /> })
        .collect_view();
    view! {
        <div class="quota-list">{bars}</div>
        <div class="table-wrap">
            <table class="usage-summary records">
                <caption class="sr-only">{overview.month.clone()}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, usage.product)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.used)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.quota)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.percent)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.projected)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.included)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.overage_units)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.overage_amount)}</th>
                        <th scope="col">{tx!(i18n, usage.status)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="note">{tx!(i18n, usage.seat_days_note)}</p>
    }
}

#[component]
fn DailyDetail(query: DetailQuery, detail: UsageDetail) -> impl IntoView {
    let i18n = use_i18n();
    let items: Vec<_> = detail
        .items
        .iter()
        .filter(|i| i.product == query.product)
        .cloned()
        .collect();
    if items.is_empty() {
        return view! {
            <Empty message=|i| t_string!(i, usage.no_data) />
        }
        .into_any();
    }
    let series = daily_series(&query, &detail);
    let max = series.iter().map(|(_, c)| *c).max().unwrap_or(0);
    let label = {
        let q = query.clone();
        Signal::derive(move || {
            let product = product_label(i18n, &q.product);
            let max = format::grouped(max);
            format::fill(
                t_string!(i18n, usage.chart_label),
                &[
                    ("product", &product),
                    ("from", &q.from),
                    ("to", &q.to),
                    ("max", &max),
                ],
            )
        })
    };
    let total: i64 = items.iter().map(|i| i.count).sum();
    let rows = items
        .iter()
        .map(|item| {
            let product = item.product.clone();
            view! {
                <tr>
                    <td>{item.date.clone()}</td>
                    <td>{move || product_label(i18n, &product)}</td>
                    <td class="num">{format::grouped(item.count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <UsageChart days=series label />
        </figure>
        <div class="table-wrap scroll">
            <table class="usage-detail">
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, usage.date)}</th>
                        <th scope="col">{tx!(i18n, usage.product)}</th>
                        <th scope="col" class="num">{tx!(i18n, usage.count)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="2">{tx!(i18n, usage.total)}</th>
                        <td class="num">{format::grouped(total)}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api_types::UsageItem;

    fn query(from: &str, to: &str) -> DetailQuery {
        DetailQuery {
            from: from.into(),
            to: to.into(),
            product: "email".into(),
        }
    }

    #[test]
    fn ranges_the_api_accepts() {
        assert_eq!(query("2025-12-01", "2025-12-31").valid_days(), Some(31));
        assert_eq!(query("2025-01-01", "2026-01-01").valid_days(), Some(366));
        assert_eq!(query("2025-01-01", "2026-01-02").valid_days(), None);
        assert_eq!(query("2025-12-02", "2025-12-01").valid_days(), None);
        assert_eq!(query("", "2025-12-01").valid_days(), None);
    }

    #[test]
    fn the_series_has_every_day_of_the_range() {
        let detail = UsageDetail {
            from: "2025-12-01".into(),
            to: "2025-12-03".into(),
            items: vec![
                UsageItem {
                    date: "2025-12-01".into(),
                    product: "email".into(),
                    count: 5,
                },
                UsageItem {
                    date: "2025-12-01".into(),
                    product: "ai_chat".into(),
                    count: 50,
                },
                UsageItem {
                    date: "2025-12-03".into(),
                    product: "email".into(),
                    count: 7,
                },
            ],
        };
        assert_eq!(
            daily_series(&query("2025-12-01", "2025-12-03"), &detail),
            vec![
                ("2025-12-01".to_owned(), 5),
                ("2025-12-02".to_owned(), 0),
                ("2025-12-03".to_owned(), 7)
            ]
        );
    }
}
