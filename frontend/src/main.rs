//! 客户控制台 — the customer portal's single-page app (Leptos, client-side rendered).
//! Built to wasm by Trunk into `dist/`, which `portal serve` serves at `/`.

#[macro_use]
mod i18n;
mod api;
mod app;
mod auth;
mod bodies;
mod components;
mod dates;
mod download;
mod format;
mod json;
mod loader;
mod notices;
mod pages;
#[cfg(test)]
mod test_support;

fn main() {
    // Before anything reads the address: take the token out of it (contract §6).
    let token = auth::take_token_from_url();
    let locale = i18n::initial_locale();
    leptos::mount::mount_to_body(move || {
        leptos::prelude::view! { <app::App initial_token=token.clone() initial_locale=locale /> }
    });
}
