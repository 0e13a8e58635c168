//! 应付金额 and 如何付款 (§15): what the customer owes, the part overdue, its credit (余额),
//! and the account to pay to with the customer's 汇款识别码, each with a copy button; and
//! the banner every page shows while service is suspended.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portal_api_types::Balance;

use crate::api::use_api;
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

/// Above every page while service is suspended (§15): why, the overdue amount to pay,
/// and a link to the overview's 如何付款. Nothing otherwise, nor when the balance cannot
/// be read (each page reports its own errors).
#[component]
pub fn SuspensionBanner() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let balance = Loader::new(move || api.balance());
    move || match balance.get() {
        Some(Ok(balance)) if balance.suspended => {
            let amount = format::money(balance.overdue, &balance.currency);
            Some(view! {
                <p class="state error suspended" role="alert">
                    {move || format::fill(t_string!(i18n, balance.suspended), &[("amount", &amount)])}
                    " "
                    <A href="/">{tx!(i18n, balance.how_to_pay)}</A>
                </p>
            })
        }
        _ => None,
    }
}

/// The balance and how to pay.
#[component]
pub fn BalanceCard(balance: Balance) -> impl IntoView {
    let i18n = use_i18n();
    let currency = balance.currency.clone();
    let overdue = !balance.overdue.is_zero();
    let due = balance.next_due_date.clone().map(|date| {
        view! {
            <dt>{tx!(i18n, balance.next_due)}</dt>
            <dd class="next-due">{date}</dd>
        }
    });
    let pay_to = balance.pay_to.clone();
    view! {
        <dl class="facts balance">
            <dt>{tx!(i18n, balance.outstanding)}</dt>
            <dd class="money balance-outstanding" data-amount=balance.outstanding.to_string()>
                {format::money(balance.outstanding, &currency)}
            </dd>
            <dt>{tx!(i18n, balance.overdue)}</dt>
            <dd
                class=if overdue { "money balance-overdue attention" } else { "money balance-overdue" }
                data-amount=balance.overdue.to_string()
            >
                {format::money(balance.overdue, &currency)}
            </dd>
            <dt>{tx!(i18n, balance.credit)}</dt>
            <dd class="money balance-credit" data-amount=balance.credit.to_string()>
                {format::money(balance.credit, &currency)}
            </dd>
            {due}
        </dl>
        <h3 class="how-to-pay">{tx!(i18n, balance.how_to_pay)}</h3>
        <dl class="facts pay-to">
            <CopyFact label=|i| t_string!(i, balance.account_name).to_string() value=pay_to.account_name />
            <CopyFact label=|i| t_string!(i, balance.bank_name).to_string() value=pay_to.bank_name />
            <CopyFact label=|i| t_string!(i, balance.account_number).to_string() value=pay_to.account_number />
            <CopyFact
                label=|i| t_string!(i, balance.remittance_code).to_string()
                value=balance.remittance_code.clone()
            />
        </dl>
        <p class="hint">{tx!(i18n, balance.pay_hint)}</p>
    }
}

/// A fact with a button that copies its value to the clipboard.
#[component]
fn CopyFact(label: fn(I18nContext) -> String, value: String) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            if let Some(window) = web_sys::window() {
                let promise = window.navigator().clipboard().write_text(&text);
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                }
            }
        });
    };
    view! {
        <dt>{move || label(i18n)}</dt>
        <dd class="copyable">
            <span class="value">{value}</span>
            <button
                type="button"
                class="copy"
                on:click=copy
                aria-label=move || format!("{} {}", t_string!(i18n, balance.copy), label(i18n))
            >
                {move || {
                    if copied.get() {
                        t_string!(i18n, balance.copied).to_string()
                    } else {
                        t_string!(i18n, balance.copy).to_string()
                    }
                }}
            </button>
        </dd>
    }
}
