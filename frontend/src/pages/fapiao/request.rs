//! 申请开票: the paid invoices still without a fapiao, each a checkbox, the kind
//! (增值税普通发票 or 增值税专用发票) and the request (`POST /api/portal/fapiao/requests`,
//! admins), with the API's reasons when it refuses (409: an invoice taken or unpaid;
//! 422: no profile, or what a special fapiao still needs).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_api_types::{InvoiceList, NewFapiaoRequest};

use super::draft::{self, NONE_CHOSEN, NORMAL, SPECIAL};
use super::{Actions, outcome, settle};
use crate::api::use_api;
use crate::components::form::{Refused, keep};
use crate::components::{Empty, Text};
use crate::format;
use crate::i18n::*;

pub fn form(invoices: InvoiceList, actions: Actions) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let Actions {
        admin,
        requesting: saving,
        page,
        ..
    } = actions;
    let choosable = draft::choosable(invoices.invoices);
    // The invoices ticked, in the order they were ticked.
    let chosen: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let kind = RwSignal::new(NORMAL.to_owned());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !admin || !saving.begin() {
            return;
        }
        let invoice_ids = chosen.get_untracked();
        if invoice_ids.is_empty() {
            let mut refused = Refused::new();
            refused.insert("invoice_ids".to_owned(), NONE_CHOSEN.to_owned());
            saving.refuse(refused);
            return;
        }
        let body = NewFapiaoRequest {
            invoice_ids,
            kind: kind.get_untracked(),
        };
        saving.run(Box::pin(async move {
            settle(page, api.request_fapiao(body).await)
        }));
    };
    let none = choosable.is_empty();
    let list = choosable
        .into_iter()
        .map(|invoice| {
            // One line per invoice: its number, period and amount.
            let text = [
                invoice.invoice_id.as_str(),
                invoice.period.as_str(),
                &format::money(invoice.amount, &invoice.currency),
            ]
            .join(" · ");
            let id = invoice.invoice_id;
            let toggle = {
                let id = id.clone();
                move |ev| {
                    let on = event_target_checked(&ev);
                    chosen.update(|chosen| {
                        chosen.retain(|c| *c != id);
                        if on {
                            chosen.push(id.clone());
                        }
                    });
                }
            };
            view! {
                <label class="check">
                    <input type="checkbox" value=id disabled=!admin on:input=toggle />
                    {text}
                </label>
            }
        })
        .collect_view();
    let option = move |value: &'static str, text: Text| {
        view! { <option value=value>{tr(i18n, text)}</option> }
    };
    view! {
        <form class="card fapiao-new" on:submit=on_submit novalidate aria-labelledby="fapiao-new-heading">
            <h2 id="fapiao-new-heading">{tx!(i18n, fapiao.new_heading)}</h2>
            <fieldset class="field fapiao-invoices">
                <legend>{tx!(i18n, fapiao.choose)}</legend>
                {none.then(|| view! { <Empty message=|i| t_string!(i, fapiao.choosable_empty) /> })}
                {list}
            </fieldset>
            <div class="field">
                <label for="fapiao-kind">{tx!(i18n, fapiao.kind)}</label>
                <select id="fapiao-kind" disabled=!admin on:input=keep(kind)>
                    {option(NORMAL, |i| t_string!(i, fapiao.kind_normal))}
                    {option(SPECIAL, |i| t_string!(i, fapiao.kind_special))}
                </select>
            </div>
            {admin
                .then(|| {
                    view! {
                        <button type="submit" class="request" disabled=saving.busy>
                            {tx!(i18n, fapiao.request)}
                        </button>
                    }
                })}
            {outcome(saving, "request-status", |i| t_string!(i, fapiao.requested))}
        </form>
    }
}
