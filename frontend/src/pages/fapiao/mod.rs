//! 发票 Fapiao (contract §12): the profile a fapiao is made out to (开票信息), the paid
//! invoices still without a fapiao with the request for one, and the requests with their
//! status, a withdrawal while pending and the issued file's download. Admins change
//! things; members see the same page with every control disabled and no buttons that
//! change anything (the API refuses them anyway).
//!
//! Written for the wasm's size budget, as the alerts page is: fields start from their
//! values and write back through [`keep`](crate::components::form::keep), a change's
//! state is a [`Saving`], the page loads in one [`Loader`] (again after each request or
//! withdrawal), and repeated parts (checkboxes, a request's facts, its buttons) are one
//! view type each, drawn in a loop. The changes' states live here, above what a new load
//! redraws, so what became of a change stays shown.

mod draft;
mod list;
mod profile;
mod request;

use leptos::prelude::*;
use portal_api_types::{FapiaoProfile, FapiaoRequests, InvoiceList};

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::form::Saving;
use crate::components::{Text, error_text, loaded, redrawn_text};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

/// The profile (none before one is saved), the requests and the invoices they may cover.
type Fapiao = (Option<FapiaoProfile>, FapiaoRequests, InvoiceList);

/// The page's changes and what they reload.
#[derive(Clone, Copy)]
struct Actions {
    admin: bool,
    /// The request form's.
    requesting: Saving,
    /// A withdrawal's or a download's.
    acting: Saving,
    page: Loader<Fapiao>,
}

#[component]
pub fn FapiaoPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let admin = use_session().is_admin();
    let page = Loader::new(move || {
        let (profile, requests, invoices) =
            (api.fapiao_profile(), api.fapiao_requests(), api.invoices());
        async move { Ok((profile.await?, requests.await?, invoices.await?)) }
    });
    let actions = Actions {
        admin,
        requesting: Saving::new(reason_text),
        acting: Saving::new(reason_text),
        page,
    };
    view! {
        <h1>{tx!(i18n, nav.fapiao)}</h1>
        <p class="lead">{tx!(i18n, fapiao.intro)}</p>
        {(!admin).then(|| view! { <p class="note">{tx!(i18n, fapiao.read_only)}</p> })}
        {loaded(
            page,
            move |(profile, requests, invoices)| {
                view! {
                    {profile::form(profile, admin)}
                    {request::form(invoices, actions)}
                    {list::section(requests, actions)}
                }
            },
        )}
    }
}

/// After a request or a withdrawal: the page loads again when it went through, or when
/// it was refused because something changed meanwhile (409), so what is shown is current.
fn settle(page: Loader<Fapiao>, result: Result<(), ApiError>) -> Result<(), ApiError> {
    if result
        .as_ref()
        .map_or_else(|e| e.status() == Some(409), |_| true)
    {
        page.refetch();
    }
    result
}

/// A reason in words: the app's own, one of the API's known rules in the reader's
/// language (as the account page words them), or the API's as it wrote it.
fn reason_text(i18n: I18nContext, reason: &str) -> String {
    if reason == draft::NONE_CHOSEN {
        t_string!(i18n, fapiao.none_chosen).to_owned()
    } else {
        crate::components::form::reason_text(i18n, reason)
    }
}

/// The name of a field as the API names it in a 422 (`tax_id`, `profile`, ...).
fn field_label(key: &str) -> Option<Text> {
    Some(match key {
        "title_type" => |i| t_string!(i, fapiao.title_type),
        "title" => |i| t_string!(i, fapiao.title),
        "tax_id" => |i| t_string!(i, fapiao.tax_id),
        "address" => |i| t_string!(i, fapiao.address),
        "phone" => |i| t_string!(i, fapiao.phone),
        "bank_name" => |i| t_string!(i, fapiao.bank_name),
        "bank_account" => |i| t_string!(i, fapiao.bank_account),
        "email" => |i| t_string!(i, fapiao.email),
        "profile" => |i| t_string!(i, fapiao.profile_heading),
        "invoice_ids" => |i| t_string!(i, fapiao.invoices),
        "kind" => |i| t_string!(i, fapiao.kind),
        _ => return None,
    })
}

/// What became of a change, in words: `done` when it went through, else why not, with
/// the API's words for a conflict (409) and each refused field (422) by its name.
fn outcome_text(i18n: I18nContext, saving: Saving, done: Text) -> Option<String> {
    saving.outcome.with(|outcome| {
        let error = match outcome {
            Some(Ok(())) => return Some(done(i18n).to_owned()),
            Some(Err(ApiError::Unauthorized)) | None => return None,
            Some(Err(error)) => error,
        };
        let mut text = error_text(i18n, error);
        if let Some(message) = error.message().filter(|_| error.status() == Some(409)) {
            text.push(' ');
            text.push_str(message);
        }
        for (key, reason) in error.fields().into_iter().flatten() {
            let name = field_label(key).map_or(key.as_str(), |label| label(i18n));
            let reason = reason_text(i18n, reason);
            text.push(' ');
            text.push_str(&format::fill(
                t_string!(i18n, fapiao.pair),
                &[("name", name), ("value", &reason)],
            ));
        }
        Some(text)
    })
}

/// [`outcome_text`] as a status line.
fn outcome(saving: Saving, class: &'static str, done: Text) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class=class role="status" aria-live="polite">
            {redrawn_text(move || outcome_text(i18n, saving, done))}
        </p>
    }
}

/// The translated name of a request's status (none for a status the app does not know:
/// the item's `data-status` still names it).
fn status_text(status: &str) -> Text {
    match status {
        "pending" => |i| t_string!(i, fapiao.status_pending),
        "issued" => |i| t_string!(i, fapiao.status_issued),
        "withdrawn" => |i| t_string!(i, fapiao.status_withdrawn),
        "reversed" => |i| t_string!(i, fapiao.status_reversed),
        _ => |_| "",
    }
}

/// A small badge beside an invoice that is in a fapiao request: 已申请 (pending) or
/// 已开票 (issued); nothing otherwise.
pub fn invoice_badge(fapiao_status: &str) -> Option<impl IntoView + use<>> {
    let i18n = use_i18n();
    let text: Text = match fapiao_status {
        "pending" => |i| t_string!(i, invoices.fapiao_pending),
        "issued" => |i| t_string!(i, invoices.fapiao_issued),
        _ => return None,
    };
    let class = ["badge fapiao-", fapiao_status].concat();
    Some(view! {
        " "
        <span class=class>{tr(i18n, text)}</span>
    })
}
