//! 贷项通知单 Credit notes (§15): listed under the invoices with their own badge, and one
//! with its lines, what it credits, the invoices it credits, and its PDF.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portal_api_types::{CreditNote, CreditNoteList};

use crate::api::{ApiError, use_api};
use crate::components::invoice_lines::InvoiceLines;
use crate::components::tax_summary::TaxSummary;
use crate::components::{StatusBadge, error_text, loaded};
use crate::download;
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;
use crate::pages::invoices::is_pdf;

/// The customer's credit notes, when there are any.
#[component]
pub fn CreditNotesSection() -> impl IntoView {
    let api = use_api();
    let notes = Loader::new(move || api.credit_notes());
    view! { {loaded(notes, |list| view! { <CreditNoteTable list /> })} }
}

#[component]
fn CreditNoteTable(list: CreditNoteList) -> impl IntoView {
    let i18n = use_i18n();
    if list.credit_notes.is_empty() {
        return ().into_any();
    }
    let rows = list
        .credit_notes
        .into_iter()
        .map(|note| {
            let href = format!("/credit-notes/{}", note.credit_note_id);
            let (id, label) = (note.credit_note_id.clone(), note.credit_note_id.clone());
            view! {
                <tr data-credit-note=id>
                    <th scope="row">
                        <A href=href>{label}</A>
                    </th>
                    <td data-label=move || t_string!(i18n, invoices.period)>{note.period.clone()}</td>
                    <td class="num" data-label=move || t_string!(i18n, credit_notes.amount)>
                        {format::money(note.amount, &note.currency)}
                    </td>
                    <td data-label=move || t_string!(i18n, credit_notes.kind)>
                        <span class="badge doc-credit-note">{tx!(i18n, credit_notes.badge)}</span>
                    </td>
                    <td data-label=move || t_string!(i18n, invoices.created)>
                        {format::date_of(&note.created_at)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="credit-notes">
            <h2 id="credit-notes">{tx!(i18n, credit_notes.heading)}</h2>
            <p class="hint">{tx!(i18n, credit_notes.intro)}</p>
            <div class="table-wrap">
                <table class="credit-notes records">
                    <thead>
                        <tr>
                            <th scope="col">{tx!(i18n, credit_notes.number)}</th>
                            <th scope="col">{tx!(i18n, invoices.period)}</th>
                            <th scope="col" class="num">{tx!(i18n, credit_notes.amount)}</th>
                            <th scope="col">{tx!(i18n, credit_notes.kind)}</th>
                            <th scope="col">{tx!(i18n, invoices.created)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
pub fn CreditNoteDetailPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let params = use_params_map();
    let note = Loader::new(move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        api.credit_note(id, i18n.get_locale().as_str())
    });
    view! {
        <p class="back">
            <A href="/invoices">{tx!(i18n, invoices.back)}</A>
        </p>
        {loaded(note, |note| view! { <CreditNoteDetail note /> })}
    }
}

#[component]
fn CreditNoteDetail(note: CreditNote) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let id = note.credit_note_id.clone();
    let title = {
        let id = id.clone();
        move || format::fill(t_string!(i18n, credit_notes.detail_heading), &[("id", &id)])
    };
    let download_pdf = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            let lang = i18n.get_locale_untracked().as_str();
            spawn_local(async move {
                let outcome = match api.credit_note_pdf(id.clone(), lang).await {
                    Ok(file) if is_pdf(&file.content_type, &file.bytes) => {
                        download::save_bytes(&format!("{id}.pdf"), "application/pdf", &file.bytes)
                            .map_err(|_| ApiError::Unexpected)
                    }
                    Ok(_) => Err(ApiError::Unexpected),
                    Err(error) => Err(error),
                };
                failed.set(outcome.err());
            });
        }
    };
    let credited = note
        .credits_invoice_ids
        .clone()
        .into_iter()
        .map(|invoice| {
            let href = format!("/invoices/{invoice}");
            view! { <li><A href=href>{invoice}</A></li> }
        })
        .collect_view();
    view! {
        <h1>{title}</h1>
        <section class="card">
            <dl class="facts wide">
                <dt>{tx!(i18n, invoices.status)}</dt>
                <dd><StatusBadge status=note.status.clone() /></dd>
                <dt>{tx!(i18n, invoices.period)}</dt>
                <dd>{note.period.clone()}</dd>
                <dt>{tx!(i18n, credit_notes.amount)}</dt>
                <dd class="money credit-total">{format::money(note.amount, &note.currency)}</dd>
                <dt>{tx!(i18n, invoices.created)}</dt>
                <dd>{format::date_of(&note.created_at)}</dd>
            </dl>
            <h2 class="credited-heading">{tx!(i18n, credit_notes.credits)}</h2>
            <ul class="credited">{credited}</ul>
            <div class="actions">
                <button type="button" class="pdf" on:click=download_pdf>
                    {tx!(i18n, invoices.download_pdf)}
                </button>
            </div>
            {move || {
                failed
                    .get()
                    .map(|error| {
                        view! {
                            <p class="state error" role="alert">
                                {format!("{} {}", t_string!(i18n, invoices.pdf_failed), error_text(i18n, &error))}
                            </p>
                        }
                    })
            }}
        </section>
        <section class="card" aria-labelledby="credit-lines">
            <h2 id="credit-lines">{tx!(i18n, invoices.lines)}</h2>
            <InvoiceLines
                lines=note.lines.clone()
                currency=note.currency.clone()
                total=-note.amount
            />
            <TaxSummary
                net=note.net_amount
                tax=note.tax_amount
                total=note.amount
                breakdown=note.tax_breakdown.clone()
                currency=note.currency.clone()
                in_words=note.amount_in_words.clone()
            />
        </section>
    }
}
