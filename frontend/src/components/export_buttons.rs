//! 导出 Excel / 导出 CSV: two buttons that ask the server for a file (§16) and save it,
//! with the reason shown when it cannot.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiError, Download, Pending};
use crate::components::error_text;
use crate::download;
use crate::i18n::*;

/// `fetch(format, lang)` asks for the file; `name(format)` names it.
#[component]
pub fn ExportButtons(
    fetch: impl Fn(&'static str, &'static str) -> Pending<Download> + Copy + 'static,
    name: impl Fn(&'static str) -> String + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let save = move |format: &'static str| {
        let lang = i18n.get_locale_untracked().as_str();
        let file = name(format);
        let pending = fetch(format, lang);
        spawn_local(async move {
            let outcome = match pending.await {
                Ok(got) => download::save_bytes(&file, &got.content_type, &got.bytes)
                    .map_err(|_| ApiError::Unexpected),
                Err(error) => Err(error),
            };
            failed.set(outcome.err());
        });
    };
    view! {
        <div class="actions exports">
            <button type="button" class="secondary export-xlsx" on:click=move |_| save("xlsx")>
                {tx!(i18n, exports.xlsx)}
            </button>
            <button type="button" class="secondary export-csv" on:click=move |_| save("csv")>
                {tx!(i18n, exports.csv)}
            </button>
        </div>
        {move || {
            failed
                .get()
                .map(|error| view! { <p class="state error" role="alert">{error_text(i18n, &error)}</p> })
        }}
    }
}
