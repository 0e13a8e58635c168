//! Invoices: list, detail and PDF.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use portal_api_types::{ErrorBody, Invoice, InvoiceList};
use portal_billing::{InvoicePdf, PdfBody};
use portal_domain::DocumentKind;

use super::lang::{Lang, LangQuery, worded};
use super::paging::{self, PageQuery};
use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

/// A page of the customer's invoices, newest first; `next_cursor` asks for the next.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = InvoiceList),
        (status = 400, description = "`limit` not from 1 to 200, or `cursor` not a `next_cursor` of this list", body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/portal/invoices")]
pub async fn list_invoices(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<InvoiceList>, ApiError> {
    let (page, fapiao) = state
        .portal
        .invoices
        .invoices_with_fapiao(&user, query.request()?)
        .await?;
    Ok(web::Json(InvoiceList {
        invoices: page
            .items
            .iter()
            .map(|i| portal_api_types::InvoiceSummary {
                fapiao_status: fapiao.get(&i.id).map_or("none", |s| s.as_str()).to_owned(),
                ..dto::invoice_summary(i)
            })
            .collect(),
        next_cursor: page.next.as_ref().map(paging::encode),
    }))
}

/// One invoice with its lines. Another customer's invoice is 404 like a missing one.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Invoice number, e.g. INV202512001"),
        LangQuery,
    ),
    responses(
        (status = 200, description = "lines worded in `?lang=` or Accept-Language (zh by default)", body = Invoice),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/invoices/{id}")]
pub async fn get_invoice(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let invoice = state
        .portal
        .invoices
        .invoice(&user, &super::ids::invoice(&id)?)
        .await?;
    let credit_notes = state
        .portal
        .receivables
        .credit_notes_of(&user, &invoice)
        .await?;
    Ok(worded(dto::invoice(&invoice, &credit_notes, language)?))
}

/// The invoice as a PDF document, in Chinese or English. Another customer's invoice is
/// 404; a current `If-None-Match` gets 304.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Invoice number"), LangQuery),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 304, description = "the copy named by If-None-Match is current"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/invoices/{id}/pdf")]
pub async fn get_invoice_pdf(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
    Lang(language): Lang,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let pdf = state
        .portal
        .invoices
        .invoice_pdf(
            &user,
            &super::ids::invoice(&id)?,
            language,
            if_none_match,
            DocumentKind::Invoice,
        )
        .await?;
    Ok(pdf_response(pdf))
}

/// A document's PDF, or 304 when the caller's copy is current.
pub(super) fn pdf_response(pdf: InvoicePdf) -> HttpResponse {
    let mut response = match pdf.body {
        PdfBody::NotModified => HttpResponse::NotModified(),
        PdfBody::Document(_) => HttpResponse::Ok(),
    };
    response
        .insert_header((header::ETAG, pdf.etag.clone()))
        .insert_header((header::VARY, "Accept-Language"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    match pdf.body {
        PdfBody::NotModified => response.finish(),
        PdfBody::Document(bytes) => response
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", pdf.filename),
            ))
            .body(bytes),
    }
}
