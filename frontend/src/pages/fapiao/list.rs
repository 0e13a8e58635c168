//! 开票申请: the requests, newest first, each with its status badge and its facts (kind
//! and amount, date, invoices, title and tax id, and once issued the fapiao's number and
//! date) as lines of one text; a withdrawal while pending (admins) and the issued file's
//! download (fetched with the bearer header and saved from a Blob, as the invoice PDF is,
//! so the token is in no link).

use leptos::prelude::*;
use portal_api_types::{FapiaoRequest, FapiaoRequests};

use super::{Actions, draft, outcome, settle, status_text};
use crate::api::{ApiError, Pending, use_api};
use crate::components::form::Saving;
use crate::components::{Empty, Text};
use crate::download;
use crate::i18n::*;

pub fn section(requests: FapiaoRequests, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let none = requests.requests.is_empty();
    let items = requests
        .requests
        .into_iter()
        .map(|request| item(request, actions))
        .collect_view();
    view! {
        <section class="card fapiao-list" aria-labelledby="fapiao-requests-heading">
            <h2 id="fapiao-requests-heading">{tx!(i18n, fapiao.requests_heading)}</h2>
            {none.then(|| view! { <Empty message=|i| t_string!(i, fapiao.requests_empty) /> })}
            <ul class="fapiao-requests">{items}</ul>
            // Withdrawn or downloaded shows in the list and the browser: only a failure is told.
            {outcome(actions.acting, "action-status", |_| "")}
        </section>
    }
}

/// One request: its status, its facts and its buttons.
fn item(request: FapiaoRequest, actions: Actions) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let status = request.status.clone();
    // Its facts as lines of text (one reactive text, redrawn in the other language).
    let facts = {
        let request = request.clone();
        move || draft::facts(&request, i18n.texts())
    };
    let page = actions.page;
    let withdraw = (actions.admin && status == "pending").then(|| {
        let id = request.request_id.clone();
        let act: Act = Box::new(move || {
            let id = id.clone();
            Box::pin(async move { settle(page, api.withdraw_fapiao(id).await) })
        });
        button(
            actions.acting,
            "withdraw",
            |i| t_string!(i, fapiao.withdraw),
            act,
        )
    });
    let download = (status == "issued").then(|| {
        let (id, name) = (request.request_id.clone(), draft::file_name(&request));
        let act: Act = Box::new(move || {
            let (id, name) = (id.clone(), name.clone());
            Box::pin(async move {
                let file = api.fapiao_file(id).await?;
                let mime = draft::file_mime(&file.content_type).ok_or(ApiError::Unexpected)?;
                download::save_bytes(&name, mime, &file.bytes).map_err(|_| ApiError::Unexpected)
            })
        });
        button(
            actions.acting,
            "download",
            |i| t_string!(i, fapiao.download),
            act,
        )
    });
    view! {
        <li class="fapiao-request" data-request=request.request_id data-status=request.status.clone()>
            <span class=["badge fapiao-", &request.status].concat()>
                {tr(i18n, status_text(&status))}
            </span>
            <p class="request-facts">{facts}</p>
            {withdraw}
            {download}
        </li>
    }
}

/// What a request's button does: the change to send.
type Act = Box<dyn Fn() -> Pending<()>>;

/// A request's button (withdraw or download); one view type for both.
fn button(saving: Saving, class: &'static str, label: Text, act: Act) -> impl IntoView {
    let i18n = use_i18n();
    let click = move |_| {
        if saving.begin() {
            saving.run(act());
        }
    };
    view! {
        <button type="button" class=["secondary ", class].concat() on:click=click disabled=saving.busy>
            {tr(i18n, label)}
        </button>
    }
}
