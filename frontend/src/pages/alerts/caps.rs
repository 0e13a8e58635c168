//! The caps: per counted product (AI chat, e-mail), whether to stop it at a share of its
//! included quota rather than pay overage, and at which (`PUT /api/portal/caps`).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_api_types::Caps;

use super::draft::{self, CapText};
use super::{product_text, reason_text};
use crate::api::use_api;
use crate::components::form::{Saving, keep, keep_flag, save_bar};
use crate::components::redrawn_text;
use crate::i18n::*;

/// One product's cap in the form.
#[derive(Clone, Copy)]
struct CapRow {
    product: &'static str,
    on: RwSignal<bool>,
    percent: RwSignal<String>,
}

#[component]
pub fn CapsForm(caps: Caps, editable: bool) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let saving = Saving::new(reason_text);
    let rows = draft::cap_texts(&caps).map(|t| CapRow {
        product: t.product,
        on: RwSignal::new(t.on),
        percent: RwSignal::new(t.percent),
    });
    // The products of the last body sent: the API names their fields by position in it.
    let sent: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !editable || !saving.begin() {
            return;
        }
        let texts = rows.map(|r| CapText {
            product: r.product,
            on: r.on.get_untracked(),
            percent: r.percent.get_untracked(),
        });
        sent.set(
            texts
                .iter()
                .filter(|t| t.on)
                .map(|t| t.product.to_owned())
                .collect(),
        );
        match draft::caps_body(&texts) {
            Err(refused) => saving.refuse(refused),
            Ok(body) => saving.run(api.save_caps(body)),
        }
    };
    let fields = rows.map(|row| cap_field(row, editable, saving, sent));
    view! {
        <section class="card" aria-labelledby="caps-heading">
            <h2 id="caps-heading">{tx!(i18n, alerts.caps_heading)}</h2>
            <p class="note">{tx!(i18n, alerts.caps_intro)}</p>
            <form class="caps" on:submit=on_submit novalidate>
                {fields.collect_view()}
                {editable
                    .then(|| {
                        save_bar(
                            saving,
                            |i| t_string!(i, alerts.caps_save),
                            |i| t_string!(i, account.saved),
                        )
                    })}
            </form>
        </section>
    }
}

/// One product: whether it stops, and at which share of its quota.
fn cap_field(
    row: CapRow,
    editable: bool,
    saving: Saving,
    sent: RwSignal<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let product = row.product;
    let (percent_id, error_id) = (
        format!("cap-{product}-percent"),
        format!("cap-{product}-error"),
    );
    // The API's reason for this product's entry of the body sent, if any.
    let reason = move || {
        let key = sent.with(|sent| draft::cap_field(sent, product))?;
        saving.reason(i18n, &key)
    };
    view! {
        <fieldset class="cap" data-product=product>
            <legend>{tr(i18n, product_text(product))}</legend>
            <label class="check">
                <input
                    type="checkbox"
                    disabled=!editable
                    checked=row.on.get_untracked()
                    on:input=keep_flag(row.on)
                />
                {tx!(i18n, alerts.cap_on)}
            </label>
            <div class="field">
                <label for=percent_id.clone()>{tx!(i18n, alerts.cap_percent)}</label>
                <input
                    id=percent_id
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    disabled=!editable
                    value=row.percent.get_untracked()
                    on:input=keep(row.percent)
                    aria-describedby=error_id.clone()
                />
                <p class="field-error" id=error_id aria-live="polite">
                    {redrawn_text(reason)}
                </p>
            </div>
        </fieldset>
    }
}
