//! 对账单 Statement (§15): the account over a range of months — brought forward, every
//! bill, credit note and payment with the running balance, carried forward — and the
//! same as an Excel workbook or CSV.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::Statement;

use crate::api::{ApiError, use_api};
use crate::components::month_range::MonthRange;
use crate::components::{error_text, loaded};
use crate::dates::Day;
use crate::download;
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

/// `YYYY-MM` eleven months before `to`'s: a year ending with it.
pub fn year_before(to: Day) -> String {
    let month = to.month();
    let mut first = month.first_day();
    for _ in 0..11 {
        first = first.add_days(-1).month().first_day();
    }
    first.month().to_string()
}

#[component]
pub fn StatementPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let today = Day::today();
    let from = RwSignal::new(year_before(today));
    let to = RwSignal::new(today.month().to_string());
    let statement =
        Loader::new(move || api.statement(from.get(), to.get(), i18n.get_locale().as_str()));
    let failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let download = move |format: &'static str| {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        let lang = i18n.get_locale_untracked().as_str();
        spawn_local(async move {
            let outcome = match api
                .statement_file((f.clone(), t.clone()), format, lang)
                .await
            {
                Ok(file) => {
                    let name = format!("statement-{f}-{t}.{format}");
                    download::save_bytes(&name, &file.content_type, &file.bytes)
                        .map_err(|_| ApiError::Unexpected)
                }
                Err(error) => Err(error),
            };
            failed.set(outcome.err());
        });
    };
    view! {
        <h1>{tx!(i18n, nav.statement)}</h1>
        <section class="card" aria-labelledby="statement-range">
            <h2 id="statement-range">{tx!(i18n, statement.range)}</h2>
            <MonthRange id="statement" from to />
            <p class="hint">{tx!(i18n, statement.hint)}</p>
            <div class="actions">
                <button type="button" class="download-xlsx" on:click=move |_| download("xlsx")>
                    {tx!(i18n, statement.download_xlsx)}
                </button>
                <button type="button" class="download-csv" on:click=move |_| download("csv")>
                    {tx!(i18n, statement.download_csv)}
                </button>
            </div>
            {move || {
                failed
                    .get()
                    .map(|error| {
                        view! { <p class="state error" role="alert">{error_text(i18n, &error)}</p> }
                    })
            }}
        </section>
        <section class="card">{loaded(statement, |s| view! { <StatementTable s /> })}</section>
    }
}

#[component]
fn StatementTable(s: Statement) -> impl IntoView {
    let i18n = use_i18n();
    let currency = s.currency.clone();
    let rows = s
        .entries
        .iter()
        .map(|e| {
            let kind = e.kind.clone();
            let kind = move || match kind.as_str() {
                "invoice" => t_string!(i18n, statement.invoice).to_string(),
                "credit_note" => t_string!(i18n, statement.credit_note).to_string(),
                _ => t_string!(i18n, statement.payment).to_string(),
            };
            let money = |d: rust_decimal::Decimal| {
                if d.is_zero() {
                    String::new()
                } else {
                    format::money(d, &currency)
                }
            };
            view! {
                <tr data-kind=e.kind.clone()>
                    <td>{e.date.clone()}</td>
                    <td>{kind}</td>
                    <td class="reference">{e.id.clone()}</td>
                    <td>{e.description.clone()}</td>
                    <td class="num" data-label=move || t_string!(i18n, statement.debit)>{money(e.debit)}</td>
                    <td class="num" data-label=move || t_string!(i18n, statement.credit)>{money(e.credit)}</td>
                    <td class="num" data-label=move || t_string!(i18n, statement.balance)>
                        {format::money(e.balance, &currency)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="statement-heading">
            <table class="statement">
                <caption id="statement-heading">
                    {format!("{} – {}", s.from, s.to)}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, statement.date)}</th>
                        <th scope="col">{tx!(i18n, statement.kind)}</th>
                        <th scope="col">{tx!(i18n, statement.number)}</th>
                        <th scope="col">{tx!(i18n, statement.description)}</th>
                        <th scope="col" class="num">{tx!(i18n, statement.debit)}</th>
                        <th scope="col" class="num">{tx!(i18n, statement.credit)}</th>
                        <th scope="col" class="num">{tx!(i18n, statement.balance)}</th>
                    </tr>
                </thead>
                <tbody>
                    <tr class="opening">
                        <th scope="row" colspan="6">{tx!(i18n, statement.opening)}</th>
                        <td class="num statement-opening">{format::money(s.opening_balance, &s.currency)}</td>
                    </tr>
                    {rows}
                    <tr class="closing">
                        <th scope="row" colspan="6">{tx!(i18n, statement.closing)}</th>
                        <td class="num statement-closing">{format::money(s.closing_balance, &s.currency)}</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
}
