//! Pieces every page uses: the loading, empty and error states, status badges, product
//! names and quota bars (with the usage beyond the plan, when there is some).

pub mod balance;
pub mod bell;
pub mod cost_chart;
pub mod export_buttons;
pub mod form;
pub mod invoice_lines;
pub mod month_range;
pub mod tax_summary;
pub mod usage_chart;

use leptos::prelude::*;
use portal_api_types::ProductUsage;

use crate::api::ApiError;
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

/// The translated name of a product id (`ai_chat`, `email`, `agent_seats`).
/// Of a name given in both languages (a plan's `name` and `name_en`), the page's: read
/// in a closure, it follows the language switch.
pub fn named<'a>(i18n: I18nContext, zh: &'a str, en: &'a str) -> &'a str {
    match i18n.get_locale() {
        Locale::en => en,
        Locale::zh => zh,
    }
}

pub fn product_label(i18n: I18nContext, product: &str) -> String {
    match product {
        "ai_chat" => t_string!(i18n, products.ai_chat).to_string(),
        "email" => t_string!(i18n, products.email).to_string(),
        "agent_seats" => t_string!(i18n, products.agent_seats).to_string(),
        other => other.to_owned(),
    }
}

/// The translated name of a subscription or invoice status.
pub fn status_label(i18n: I18nContext, status: &str) -> String {
    match status {
        "active" => t_string!(i18n, status.active).to_string(),
        "expired" => t_string!(i18n, status.expired).to_string(),
        "cancelled" => t_string!(i18n, status.cancelled).to_string(),
        "pending" => t_string!(i18n, status.pending).to_string(),
        "paid" => t_string!(i18n, status.paid).to_string(),
        "overdue" => t_string!(i18n, status.overdue).to_string(),
        "issued" => t_string!(i18n, status.issued).to_string(),
        other => other.to_owned(),
    }
}

/// The translated quota alert (`none`, `warning`, `exceeded`).
pub fn alert_label(i18n: I18nContext, alert: &str) -> String {
    match alert {
        "warning" => t_string!(i18n, alert.warning).to_string(),
        "exceeded" => t_string!(i18n, alert.exceeded).to_string(),
        _ => t_string!(i18n, alert.none).to_string(),
    }
}

/// What went wrong, in words for the person using the app.
pub fn error_text(i18n: I18nContext, error: &ApiError) -> String {
    match error {
        ApiError::Network => t_string!(i18n, errors.network).to_string(),
        ApiError::Unauthorized => t_string!(i18n, errors.session).to_string(),
        ApiError::Unexpected => t_string!(i18n, errors.unexpected).to_string(),
        ApiError::Status { status, .. } => match status {
            403 => t_string!(i18n, errors.forbidden).to_string(),
            404 => t_string!(i18n, errors.not_found).to_string(),
            409 => t_string!(i18n, errors.conflict).to_string(),
            400 | 422 => t_string!(i18n, errors.validation).to_string(),
            429 => t_string!(i18n, errors.rate_limited).to_string(),
            503 => t_string!(i18n, errors.unavailable).to_string(),
            _ => t_string!(i18n, errors.server).to_string(),
        },
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="state loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {tx!(i18n, common.loading)}
        </p>
    }
}

/// A translated text, as [`tx!`] draws it: `|i| t_string!(i, invoices.empty)`.
pub type Text = fn(I18nContext) -> &'static str;

#[component]
pub fn Empty(message: Text) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="state empty">{tr(i18n, message)}</p> }
}

/// An error with its explanation and, when the action can be repeated, a retry button.
#[component]
pub fn ErrorNotice(
    error: ApiError,
    #[prop(optional, into)] retry: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || error_text(i18n, &error);
    view! {
        <div class="state error" role="alert">
            <p>{text}</p>
            {retry
                .map(|retry| {
                    view! {
                        <button type="button" class="secondary" on:click=move |_| retry.run(())>
                            {tx!(i18n, common.retry)}
                        </button>
                    }
                })}
        </div>
    }
}

/// Shows a resource's loading state, its error with a retry, or `ok` with the value.
pub fn loaded<T, V>(
    resource: Loader<T>,
    ok: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    // The states are drawn once per loaded type, not once per place that shows one.
    loaded_any(resource, Box::new(move |value| ok(value).into_any()))
}

fn loaded_any<T>(resource: Loader<T>, ok: Box<dyn Fn(T) -> AnyView + Send + Sync>) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    move || match resource.get() {
        None => view! { <Loading /> }.into_any(),
        // A 401 ends the session and the gate replaces the page: nothing to show here.
        Some(Err(ApiError::Unauthorized)) => ().into_any(),
        Some(Err(error)) => {
            let retry = Callback::new(move |()| resource.refetch());
            view! { <ErrorNotice error retry /> }.into_any()
        }
        Some(Ok(value)) => ok(value),
    }
}

/// A part of a view drawn again whenever a signal `draw` reads changes. The alerts page and
/// the bell draw every such part through here: the wasm then holds one copy of the
/// redrawing code, not one per closure (which kept the first load within its budget).
pub fn redrawn(draw: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    redrawn_boxed(Box::new(draw))
}

fn redrawn_boxed(draw: Box<dyn Fn() -> AnyView + Send + Sync>) -> impl IntoView {
    move || draw()
}

/// A text drawn again whenever a signal `text` reads changes (as [`redrawn`]).
pub fn redrawn_text(text: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    redrawn_text_boxed(Box::new(text))
}

fn redrawn_text_boxed(text: Box<dyn Fn() -> Option<String> + Send + Sync>) -> impl IntoView {
    move || text()
}

/// A coloured badge for a subscription or invoice status.
#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let i18n = use_i18n();
    let class = format!("badge status-{status}");
    view! { <span class=class>{move || status_label(i18n, &status)}</span> }
}

/// One product's use of its monthly quota, as a labelled meter.
#[component]
pub fn QuotaBar(usage: ProductUsage) -> impl IntoView {
    let i18n = use_i18n();
    let product = usage.product.clone();
    let name = move || product_label(i18n, &product);
    let alert = usage.alert.clone();
    let alert_text = {
        let alert = alert.clone();
        move || alert_label(i18n, &alert)
    };
    // Set through the CSSOM (`style:`), which the app's CSP allows; a style attribute it refuses.
    let width = format::bar_width(usage.percent);
    let percent = format::percent(usage.percent);
    let figures = format!(
        "{} / {}",
        format::grouped(usage.used),
        format::grouped(usage.quota)
    );
    // Usage beyond what the month includes, and its charge so far.
    let beyond = (usage.overage_units > 0).then(|| {
        let product = usage.product.clone();
        let (units, amount) = (
            usage.overage_units,
            format::money(usage.overage_amount, "CNY"),
        );
        let text = move || {
            let units = format::usage_units(&product, units, t_string!(i18n, usage.seat_days));
            format::fill(
                t_string!(i18n, usage.beyond),
                &[("units", &units), ("amount", &amount)],
            )
        };
        view! { <span class="quota-beyond">{text}</span> }
    });
    let label = {
        let (percent, figures) = (percent.clone(), figures.clone());
        let name = name.clone();
        move || format!("{}: {figures} ({percent})", name())
    };
    view! {
        <div class=format!("quota alert-{alert}") data-product=usage.product.clone()>
            <div class="quota-head">
                <span class="quota-name">{name}</span>
                <span class="quota-figures">{figures}" · "{percent}</span>
            </div>
            <div
                class="meter"
                role="meter"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=usage.percent.to_string()
                aria-label=label
            >
                <div class="meter-fill" style:width=width></div>
            </div>
            {(alert != "none")
                .then(|| view! { <span class=format!("badge alert-{alert}")>{alert_text}</span> })}
            {beyond}
        </div>
    }
}
