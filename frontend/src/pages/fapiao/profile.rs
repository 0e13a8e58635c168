//! 开票信息: the profile form (`PUT /api/portal/fapiao/profile`), each field the app's
//! [`TextField`] with the API's reason beside it; under a refused tax id, the app's own
//! explanation of the unified social credit code and its check character. Members see
//! the fields disabled and no save button.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_api_types::FapiaoProfile;

use super::draft::{self, COMPANY, FIELDS, INDIVIDUAL};
use super::{field_label, reason_text};
use crate::api::use_api;
use crate::components::form::{Saving, TextField, field_error, keep, save_bar};
use crate::components::{Text, redrawn_text};
use crate::i18n::*;

pub fn form(profile: Option<FapiaoProfile>, admin: bool) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let saving = Saving::new(reason_text);
    // Members have nothing to read before an admin saves the profile.
    let none_yet = (profile.is_none() && !admin)
        .then(|| view! { <p class="note">{tx!(i18n, fapiao.no_profile)}</p> });
    let (kind, texts) = draft::texts_of(profile.as_ref());
    let title_type = RwSignal::new(kind);
    let values = texts.map(RwSignal::new);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !admin || !saving.begin() {
            return;
        }
        let texts = values.map(|value| value.get_untracked());
        let body = draft::profile_of(title_type.get_untracked(), texts);
        saving.run(api.save_fapiao_profile(body));
    };
    let option = move |value: &'static str, text: Text| {
        view! {
            <option value=value selected=title_type.get_untracked() == value>
                {tr(i18n, text)}
            </option>
        }
    };
    // Beside a refused tax id, what the code is and how its check character works.
    let explain = move || {
        saving
            .refusal("tax_id")
            .map(|_| t_string!(i18n, fapiao.tax_id_explain).to_owned())
    };
    let fields = FIELDS
        .into_iter()
        .zip(values)
        .map(|((key, kind, autocomplete), value)| {
            let hint: Text = match key {
                "tax_id" => |i| t_string!(i, fapiao.hint_tax_id),
                "email" => |i| t_string!(i, fapiao.hint_email),
                _ => |_| "",
            };
            let explain = (key == "tax_id").then(|| {
                view! {
                    <p class="field-explain" id="tax_id-explain" aria-live="polite">
                        {redrawn_text(explain)}
                    </p>
                }
            });
            view! {
                <TextField
                    id=key
                    kind
                    autocomplete
                    value
                    label=field_label(key).unwrap_or(|_| "")
                    hint
                    error=Signal::derive(move || saving.refusal(key))
                    disabled=!admin
                />
                {explain}
            }
        })
        .collect_view();
    view! {
        <form class="card fapiao-profile" on:submit=on_submit novalidate aria-labelledby="fapiao-profile-heading">
            <h2 id="fapiao-profile-heading">{tx!(i18n, fapiao.profile_heading)}</h2>
            {none_yet}
            <p class="note">{tx!(i18n, fapiao.special_note)}</p>
            <div class="fapiao-fields">
                <div class="field">
                    <label for="title_type">{tx!(i18n, fapiao.title_type)}</label>
                    <select
                        id="title_type"
                        disabled=!admin
                        on:input=keep(title_type)
                        aria-describedby="title_type-error"
                    >
                        {option(COMPANY, |i| t_string!(i, fapiao.company))}
                        {option(INDIVIDUAL, |i| t_string!(i, fapiao.individual))}
                    </select>
                    {field_error("title_type-error".into(), saving, "title_type".into())}
                </div>
                {fields}
            </div>
            {admin
                .then(|| {
                    save_bar(
                        saving,
                        |i| t_string!(i, fapiao.save),
                        |i| t_string!(i, account.saved),
                    )
                })}
        </form>
    }
}
