//! 账单 Invoices: the list with status badges, one invoice with its lines (worded by the
//! API in the app's language) and its payments, and its PDF, fetched with the bearer
//! header and saved from a Blob.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portal_api_types::{Application, Invoice, InvoiceList, Payment};

use crate::api::{ApiError, use_api};
use crate::components::export_buttons::ExportButtons;
use crate::components::invoice_lines::InvoiceLines;
use crate::components::month_range::MonthRange;
use crate::components::tax_summary::TaxSummary;
use crate::components::{Empty, StatusBadge, error_text, loaded};
use crate::download;
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;
use crate::pages::credit_notes::CreditNotesSection;
use crate::pages::fapiao::invoice_badge;

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let invoices = Loader::new(move || api.invoices());
    view! {
        <h1>{tx!(i18n, nav.invoices)}</h1>
        <section class="card">{loaded(invoices, |list| view! { <InvoiceTable list /> })}</section>
        <CreditNotesSection />
        <BillsExport />
    }
}

/// 导出账单: the bills and credit notes of a range of months (default the last twelve)
/// as Excel or CSV, made by the server (§16).
#[component]
fn BillsExport() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let today = crate::dates::Day::today();
    let from = RwSignal::new(crate::pages::statement::year_before(today));
    let to = RwSignal::new(today.month().to_string());
    let fetch = move |format: &'static str, lang: &'static str| {
        api.invoices_export((from.get_untracked(), to.get_untracked()), format, lang)
    };
    let name = move |format: &'static str| {
        format!(
            "invoices-{}-{}.{format}",
            from.get_untracked(),
            to.get_untracked()
        )
    };
    view! {
        <section class="card" aria-labelledby="bills-export">
            <h2 id="bills-export">{tx!(i18n, exports.bills_heading)}</h2>
            <MonthRange id="export" from to />
            <p class="hint">{tx!(i18n, exports.bills_hint)}</p>
            <ExportButtons fetch name />
        </section>
    }
}

#[component]
fn InvoiceTable(list: InvoiceList) -> impl IntoView {
    let i18n = use_i18n();
    if list.invoices.is_empty() {
        return view! {
            <Empty message=|i| t_string!(i, invoices.empty) />
        }
        .into_any();
    }
    let rows = list
        .invoices
        .into_iter()
        .map(|inv| {
            let href = format!("/invoices/{}", inv.invoice_id);
            let id = inv.invoice_id.clone();
            view! {
                <tr data-invoice=inv.invoice_id.clone()>
                    <th scope="row">
                        <A href=href>{id.clone()}</A>
                    </th>
                    <td data-label=move || t_string!(i18n, invoices.period)>{inv.period.clone()}</td>
                    <td class="num" data-label=move || t_string!(i18n, invoices.amount)>
                        {format::money(inv.amount, &inv.currency)}
                    </td>
                    <td data-label=move || t_string!(i18n, invoices.status)>
                        <span>
                            <StatusBadge status=inv.status.clone() />
                            {invoice_badge(&inv.fapiao_status)}
                        </span>
                    </td>
                    <td data-label=move || t_string!(i18n, invoices.created)>
                        {format::date_of(&inv.created_at)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="invoices records">
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, invoices.number)}</th>
                        <th scope="col">{tx!(i18n, invoices.period)}</th>
                        <th scope="col" class="num">{tx!(i18n, invoices.amount)}</th>
                        <th scope="col">{tx!(i18n, invoices.status)}</th>
                        <th scope="col">{tx!(i18n, invoices.created)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn InvoiceDetailPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let params = use_params_map();
    // Asked again in the other language when the switch changes it: the API words the
    // lines' descriptions.
    let invoice = Loader::new(move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        api.invoice(id, i18n.get_locale().as_str())
    });
    view! {
        <p class="back">
            <A href="/invoices">{tx!(i18n, invoices.back)}</A>
        </p>
        {loaded(invoice, |invoice| view! { <InvoiceDetail invoice /> })}
    }
}

/// Where a PDF download stands.
#[derive(Debug, Clone, PartialEq)]
enum Pdf {
    Idle,
    Downloading,
    Saved(String),
    Failed(ApiError),
}

/// Whether a download is the PDF the contract promises (and not, say, an error page).
pub fn is_pdf(content_type: &str, bytes: &[u8]) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/pdf"))
        && bytes.starts_with(b"%PDF")
}

#[component]
fn InvoiceDetail(invoice: Invoice) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let pdf = RwSignal::new(Pdf::Idle);
    let id = invoice.invoice_id.clone();
    let title = {
        let id = id.clone();
        move || format::fill(t_string!(i18n, invoices.detail_heading), &[("id", &id)])
    };

    let download_pdf = {
        let id = id.clone();
        move |_| {
            if pdf.get_untracked() == Pdf::Downloading {
                return;
            }
            pdf.set(Pdf::Downloading);
            let id = id.clone();
            let lang = i18n.get_locale_untracked().as_str();
            spawn_local(async move {
                let next = match api.invoice_pdf(id.clone(), lang).await {
                    Ok(file) if is_pdf(&file.content_type, &file.bytes) => {
                        let name = format!("{id}.pdf");
                        match download::save_bytes(&name, "application/pdf", &file.bytes) {
                            Ok(()) => Pdf::Saved(name),
                            Err(_) => Pdf::Failed(ApiError::Unexpected),
                        }
                    }
                    Ok(_) => Pdf::Failed(ApiError::Unexpected),
                    Err(error) => Pdf::Failed(error),
                };
                pdf.set(next);
            });
        }
    };

    let pdf_state = move || match pdf.get() {
        Pdf::Idle | Pdf::Downloading => ().into_any(),
        Pdf::Saved(file) => view! {
            <p class="success" role="status">
                {move || {
                    format::fill(t_string!(i18n, invoices.downloaded), &[("file", &file)])
                }}
            </p>
        }
        .into_any(),
        Pdf::Failed(ApiError::Unauthorized) => ().into_any(),
        Pdf::Failed(error) => {
            let unavailable = error.status() == Some(503);
            view! {
                <div class="state error pdf-error" role="alert">
                    <p>
                        {move || {
                            if unavailable {
                                t_string!(i18n, invoices.pdf_unavailable).to_string()
                            } else {
                                format!(
                                    "{} {}",
                                    t_string!(i18n, invoices.pdf_failed),
                                    error_text(i18n, &error),
                                )
                            }
                        }}
                    </p>
                </div>
            }
            .into_any()
        }
    };

    let has_lines = !invoice.lines.is_empty();
    let payments = (!invoice.payments.is_empty())
        .then(|| view! { <Payments payments=invoice.payments.clone() currency=invoice.currency.clone() /> });
    let applied =
        (!invoice.applications.is_empty() || !invoice.credit_note_ids.is_empty()).then(|| {
            view! {
                <Applications
                    applications=invoice.applications.clone()
                    credit_notes=invoice.credit_note_ids.clone()
                    currency=invoice.currency.clone()
                />
            }
        });

    view! {
        <h1>{title}</h1>
        <section class="card">
            <dl class="facts wide">
                <dt>{tx!(i18n, invoices.status)}</dt>
                <dd>
                    <StatusBadge status=invoice.status.clone() />
                </dd>
                <dt>{tx!(i18n, invoices.period)}</dt>
                <dd>{invoice.period.clone()}</dd>
                <dt>{tx!(i18n, invoices.amount)}</dt>
                <dd class="money invoice-total">{format::money(invoice.amount, &invoice.currency)}</dd>
                <dt>{tx!(i18n, invoices.amount_paid)}</dt>
                <dd class="money invoice-paid">{format::money(invoice.amount_paid, &invoice.currency)}</dd>
                <dt>{tx!(i18n, invoices.amount_due)}</dt>
                <dd class="money invoice-due">{format::money(invoice.amount_due, &invoice.currency)}</dd>
                <dt>{tx!(i18n, invoices.created)}</dt>
                <dd>{format::date_of(&invoice.created_at)}</dd>
                <dt>{tx!(i18n, invoices.due)}</dt>
                <dd>{invoice.due_date.clone()}</dd>
            </dl>
            <div class="actions">
                <button
                    type="button"
                    class="pdf"
                    on:click=download_pdf
                    disabled=move || pdf.get() == Pdf::Downloading
                >
                    {move || {
                        if pdf.get() == Pdf::Downloading {
                            t_string!(i18n, invoices.downloading).to_string()
                        } else {
                            t_string!(i18n, invoices.download_pdf).to_string()
                        }
                    }}
                </button>
            </div>
            {pdf_state}
        </section>
        <section class="card" aria-labelledby="invoice-lines">
            <h2 id="invoice-lines">{tx!(i18n, invoices.lines)}</h2>
            {if has_lines {
                view! {
                    <InvoiceLines
                        lines=invoice.lines.clone()
                        currency=invoice.currency.clone()
                        total=invoice.amount
                    />
                    <TaxSummary
                        net=invoice.net_amount
                        tax=invoice.tax_amount
                        total=invoice.amount
                        breakdown=invoice.tax_breakdown.clone()
                        currency=invoice.currency.clone()
                        in_words=invoice.amount_in_words.clone()
                    />
                }
                    .into_any()
            } else {
                view! {
                    <Empty message=|i| t_string!(i, invoices.no_lines) />
                }
                    .into_any()
            }}
        </section>
        {applied}
        {payments}
    }
}

/// What paid the invoice (payments, credit notes, credit held), and the credit notes
/// that credit it.
#[component]
fn Applications(
    applications: Vec<Application>,
    credit_notes: Vec<String>,
    currency: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows = applications
        .into_iter()
        .map(|a| {
            let source = a.source.clone();
            let what = move || match source.as_str() {
                "payment" => t_string!(i18n, invoices.by_payment).to_string(),
                "credit_note" => t_string!(i18n, invoices.by_credit_note).to_string(),
                _ => t_string!(i18n, invoices.by_credit).to_string(),
            };
            let id = if a.id.starts_with("PAY") {
                view! { <span>{a.id.clone()}</span> }.into_any()
            } else {
                let href = format!("/credit-notes/{}", a.id);
                view! { <A href=href>{a.id.clone()}</A> }.into_any()
            };
            view! {
                <tr data-source=a.source.clone()>
                    <td><time datetime=a.at.clone()>{format::date_of(&a.at)}</time></td>
                    <td>{what}</td>
                    <td>{id}</td>
                    <td class="num">{format::money(a.amount, &currency)}</td>
                </tr>
            }
        })
        .collect_view();
    let notes = credit_notes
        .into_iter()
        .map(|id| {
            let href = format!("/credit-notes/{id}");
            view! { <li><A href=href>{id}</A></li> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="invoice-applications">
            <h2 id="invoice-applications">{tx!(i18n, invoices.applications)}</h2>
            <div class="table-wrap">
                <table class="applications">
                    <thead>
                        <tr>
                            <th scope="col">{tx!(i18n, invoices.applied_at)}</th>
                            <th scope="col">{tx!(i18n, invoices.applied_by)}</th>
                            <th scope="col">{tx!(i18n, invoices.reference)}</th>
                            <th scope="col" class="num">{tx!(i18n, invoices.amount)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h3>{tx!(i18n, invoices.credit_notes)}</h3>
            <ul class="credit-note-links">{notes}</ul>
        </section>
    }
}

/// The payments recorded against an invoice.
#[component]
fn Payments(payments: Vec<Payment>, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    let rows = payments
        .into_iter()
        .map(|payment| {
            view! {
                <tr>
                    <td>
                        <time datetime=payment.paid_at.clone()>{format::date_time_of(&payment.paid_at)}</time>
                    </td>
                    <td class="reference">
                        {if payment.reference.is_empty() { "—".to_owned() } else { payment.reference }}
                    </td>
                    <td class="num">{format::money(payment.amount, &currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="invoice-payments">
            <h2 id="invoice-payments">{tx!(i18n, invoices.payments)}</h2>
            <div class="table-wrap">
                <table class="payments">
                    <thead>
                        <tr>
                            <th scope="col">{tx!(i18n, invoices.paid_at)}</th>
                            <th scope="col">{tx!(i18n, invoices.reference)}</th>
                            <th scope="col" class="num">{tx!(i18n, invoices.amount)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_real_pdf_is_saved() {
        assert!(is_pdf("application/pdf", b"%PDF-1.7\n..."));
        assert!(is_pdf("application/pdf; charset=binary", b"%PDF-1.4"));
        assert!(!is_pdf("application/json", b"{\"error\":{}}"));
        assert!(!is_pdf("application/pdf", b"<html>"));
    }
}
