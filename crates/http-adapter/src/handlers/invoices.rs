//! Invoices: list, detail and PDF.

use actix_web::{HttpResponse, get, web};
use portal_api_types::{ErrorBody, Invoice, InvoiceList};

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

/// The customer's invoices, newest first.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    responses((status = 200, body = InvoiceList), (status = 401, body = ErrorBody))
)]
#[get("/portal/invoices")]
pub async fn list_invoices(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<InvoiceList>, ApiError> {
    let invoices = state.service.invoices(&user).await?;
    Ok(web::Json(InvoiceList {
        invoices: invoices.iter().map(dto::invoice_summary).collect(),
    }))
}

/// One invoice with its lines. Another customer's invoice is 404 like a missing one.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Invoice number, e.g. INV202512001")),
    responses(
        (status = 200, body = Invoice),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/invoices/{id}")]
pub async fn get_invoice(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
) -> Result<web::Json<Invoice>, ApiError> {
    let invoice = state.service.invoice(&user, &id).await?;
    Ok(web::Json(dto::invoice(&invoice)))
}

/// The invoice as a PDF document.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Invoice number")),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 503, description = "PDF rendering is not available yet", body = ErrorBody),
    )
)]
#[get("/portal/invoices/{id}/pdf")]
pub async fn get_invoice_pdf(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // Tenant scoping and 404 first, so the endpoint never reveals another's invoice.
    let _invoice = state.service.invoice(&user, &id).await?;
    Err(ApiError::unavailable_with(
        "invoice PDFs are not rendered yet; use GET /api/portal/invoices/{id}",
    ))
}
