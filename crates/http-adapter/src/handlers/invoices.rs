//! Invoices: list, detail and PDF.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use portal_api_types::{ErrorBody, Invoice, InvoiceList};
use portal_billing::{DocumentLanguage, PdfBody};
use serde::Deserialize;
use utoipa::IntoParams;

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
        PdfQuery,
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
    query: web::Query<PdfQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let language = document_language(query.lang.as_deref(), &req)?;
    let invoice = state
        .portal
        .invoices
        .invoice(&user, &super::ids::invoice(&id)?)
        .await?;
    Ok(worded(dto::invoice(&invoice, language)))
}

/// A 200 answer worded in the language asked for: it varies with `Accept-Language`.
pub(crate) fn worded(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::VARY, "Accept-Language"))
        .json(body)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PdfQuery {
    /// `zh` (default) or `en`; without it, `Accept-Language` decides.
    pub lang: Option<String>,
}

/// The language asked for: `?lang=` first, else the first language of `Accept-Language`
/// that we write (by quality), else Chinese.
pub(crate) fn document_language(
    query: Option<&str>,
    req: &HttpRequest,
) -> Result<DocumentLanguage, ApiError> {
    match query {
        Some("zh") | Some("zh-CN") => return Ok(DocumentLanguage::Zh),
        Some("en") => return Ok(DocumentLanguage::En),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "query parameter lang: '{other}' is not zh or en"
            )));
        }
        None => {}
    }
    let header = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut ranked: Vec<(f32, DocumentLanguage)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                DocumentLanguage::Zh
            } else if tag.starts_with("en") {
                DocumentLanguage::En
            } else {
                return None;
            };
            (quality > 0.0).then_some((quality, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(ranked
        .first()
        .map(|(_, l)| *l)
        .unwrap_or(DocumentLanguage::Zh))
}

/// The invoice as a PDF document, in Chinese or English. Another customer's invoice is
/// 404; a current `If-None-Match` gets 304.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Invoice number"), PdfQuery),
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
    query: web::Query<PdfQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let language = document_language(query.lang.as_deref(), &req)?;
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let pdf = state
        .portal
        .invoices
        .invoice_pdf(&user, &super::ids::invoice(&id)?, language, if_none_match)
        .await?;
    let mut response = match pdf.body {
        PdfBody::NotModified => HttpResponse::NotModified(),
        PdfBody::Document(_) => HttpResponse::Ok(),
    };
    response
        .insert_header((header::ETAG, pdf.etag.clone()))
        .insert_header((header::VARY, "Accept-Language"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    Ok(match pdf.body {
        PdfBody::NotModified => response.finish(),
        PdfBody::Document(bytes) => response
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", pdf.filename),
            ))
            .body(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang(query: Option<&str>, accept: Option<&str>) -> Result<DocumentLanguage, ApiError> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT_LANGUAGE, a));
        }
        document_language(query, &req.to_http_request())
    }

    #[test]
    fn lang_parameter_wins_then_accept_language_then_chinese() {
        assert_eq!(
            lang(Some("en"), Some("zh-CN")).unwrap(),
            DocumentLanguage::En
        );
        assert_eq!(
            lang(None, Some("en-US,en;q=0.9")).unwrap(),
            DocumentLanguage::En
        );
        assert_eq!(
            lang(None, Some("fr-FR, en;q=0.5, zh;q=0.8")).unwrap(),
            DocumentLanguage::Zh
        );
        assert_eq!(lang(None, Some("de")).unwrap(), DocumentLanguage::Zh);
        assert_eq!(lang(None, None).unwrap(), DocumentLanguage::Zh);
        assert!(lang(Some("fr"), None).is_err());
    }
}
