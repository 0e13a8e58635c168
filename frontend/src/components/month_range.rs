//! Two month fields, 起始月份 and 截止月份, bound to signals (the statement, the bills'
//! export).

use leptos::prelude::*;

use crate::i18n::*;

/// The fields' ids are `{id}-from` and `{id}-to`.
#[component]
pub fn MonthRange(id: &'static str, from: RwSignal<String>, to: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |which: &'static str, value: RwSignal<String>| {
        let label = move || {
            if which == "from" {
                t_string!(i18n, statement.from)
            } else {
                t_string!(i18n, statement.to)
            }
        };
        let input_id = format!("{id}-{which}");
        view! {
            <div class="field">
                <label for=input_id.clone()>{label}</label>
                <input
                    id=input_id
                    type="month"
                    prop:value=move || value.get()
                    on:change=move |ev| value.set(event_target_value(&ev))
                />
            </div>
        }
    };
    view! {
        <div class="filters">
            {field("from", from)}
            {field("to", to)}
        </div>
    }
}
