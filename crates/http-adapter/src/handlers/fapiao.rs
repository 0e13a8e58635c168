//! Fapiao (contract §12): the customer's profile and requests, the download of an issued
//! file, and the platform finance's pending list, issuance and reversal.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};
use base64::Engine;
use portal_api_types::{
    ErrorBody, FapiaoIssued, FapiaoProfile, FapiaoRequest, FapiaoRequests, FapiaoReversed,
    NewFapiaoRequest,
};
use portal_billing::ports::FapiaoRequest as Request;
use portal_domain::fapiao::{MAX_FAPIAO_FILE_BYTES, RawFapiaoProfile};
use portal_domain::{FapiaoProfile as Profile, FieldErrors, InvoiceId};

use crate::auth::{CustomerUser, ServiceCaller};
use crate::error::ApiError;
use crate::{AppState, dto};

fn profile(p: &Profile) -> FapiaoProfile {
    FapiaoProfile {
        title_type: Some(p.title_type.as_str().to_owned()),
        title: Some(p.title.clone()),
        tax_id: p.tax_id.as_ref().map(|t| t.to_string()),
        address: p.address.clone(),
        phone: p.phone.clone(),
        bank_name: p.bank_name.clone(),
        bank_account: p.bank_account.clone(),
        email: Some(p.email.as_str().to_owned()),
    }
}

pub(crate) fn request(r: &Request) -> FapiaoRequest {
    let issuance = r.issuance.as_ref();
    FapiaoRequest {
        request_id: r.id.clone(),
        status: r.status.as_str().to_owned(),
        kind: r.kind.as_str().to_owned(),
        amount: r.amount.amount(),
        currency: r.amount.currency().code().to_owned(),
        net_amount: r.tax.net_amount.amount(),
        tax_amount: r.tax.tax_amount.amount(),
        tax_breakdown: dto::tax_breakdown(&r.tax),
        amount_in_words: portal_domain::amount_in_words(&r.amount),
        invoice_ids: r.invoice_ids.iter().map(InvoiceId::to_string).collect(),
        title: r.title.clone(),
        tax_id: r.tax_id.clone(),
        created_at: dto::timestamp(r.created_at),
        fapiao_number: issuance.map(|i| i.fapiao_number.to_string()),
        issued_on: issuance.map(|i| i.issued_on.to_string()),
        file_type: issuance.map(|i| i.file_type.as_str().to_owned()),
        reversal_reason: r.reversal_reason.clone(),
    }
}

fn requests(list: &[Request]) -> FapiaoRequests {
    FapiaoRequests {
        requests: list.iter().map(request).collect(),
    }
}

/// The customer's fapiao profile (开票信息); 404 until one is saved.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    responses((status = 200, body = FapiaoProfile), (status = 404, body = ErrorBody))
)]
#[get("/portal/fapiao/profile")]
pub async fn get_profile(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<FapiaoProfile>, ApiError> {
    Ok(web::Json(profile(
        &state.portal.fapiao.fapiao_profile(&user).await?,
    )))
}

/// Replaces the profile (admins only). A company needs a valid unified social credit
/// code; every bad field is named (422) and nothing changes.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    request_body = FapiaoProfile,
    responses(
        (status = 200, body = FapiaoProfile),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/portal/fapiao/profile")]
pub async fn put_profile(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<FapiaoProfile>,
) -> Result<web::Json<FapiaoProfile>, ApiError> {
    let body = body.into_inner();
    let raw = RawFapiaoProfile {
        title_type: body.title_type,
        title: body.title,
        tax_id: body.tax_id,
        address: body.address,
        phone: body.phone,
        bank_name: body.bank_name,
        bank_account: body.bank_account,
        email: body.email,
    };
    let saved = state.portal.fapiao.set_fapiao_profile(&user, &raw).await?;
    Ok(web::Json(profile(&saved)))
}

/// Requests a fapiao for paid invoices (admins only). An invoice already in a pending or
/// issued request is 409; an unpaid one 409; another customer's 404; a special fapiao
/// without a complete company profile 422 naming the missing fields.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    request_body = NewFapiaoRequest,
    responses(
        (status = 201, body = FapiaoRequest),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/portal/fapiao/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<NewFapiaoRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = state
        .portal
        .fapiao
        .request_fapiao(&user, &body.invoice_ids, &body.kind)
        .await?;
    Ok(HttpResponse::Created().json(request(&created)))
}

/// The customer's requests, newest first.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    responses((status = 200, body = FapiaoRequests))
)]
#[get("/portal/fapiao/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<FapiaoRequests>, ApiError> {
    Ok(web::Json(requests(
        &state.portal.fapiao.fapiao_requests(&user).await?,
    )))
}

/// One request; another customer's is 404.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, body = FapiaoRequest), (status = 404, body = ErrorBody))
)]
#[get("/portal/fapiao/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
) -> Result<web::Json<FapiaoRequest>, ApiError> {
    Ok(web::Json(request(
        &state
            .portal
            .fapiao
            .fapiao_request(&user, &super::ids::fapiao_request(&id)?)
            .await?,
    )))
}

/// Withdraws a pending request (admins only): its invoices are free again. Not pending:
/// 409.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, body = FapiaoRequest),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    )
)]
#[delete("/portal/fapiao/requests/{id}")]
pub async fn withdraw_request(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
) -> Result<web::Json<FapiaoRequest>, ApiError> {
    Ok(web::Json(request(
        &state
            .portal
            .fapiao
            .withdraw_fapiao(&user, &super::ids::fapiao_request(&id)?)
            .await?,
    )))
}

/// The issued fapiao's file (`application/pdf` or `application/ofd`), as an attachment
/// named `fapiao-<number>.<pdf|ofd>`; 404 until issued.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "the file", content_type = "application/pdf"),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/fapiao/requests/{id}/file")]
pub async fn download_file(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = state
        .portal
        .fapiao
        .fapiao_file(&user, &super::ids::fapiao_request(&id)?)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(file.issuance.file_type.content_type())
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.issuance.filename()),
        ))
        .body(file.bytes))
}

/// Every customer's pending requests, oldest first (services only).
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "only `pending` is listed")),
    responses(
        (status = 200, body = FapiaoRequests),
        (status = 403, body = ErrorBody),
        (status = 422, description = "`status` other than `pending`", body = ErrorBody),
    )
)]
#[get("/internal/fapiao/requests")]
pub async fn pending_requests(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    query: web::Query<StatusQuery>,
) -> Result<web::Json<FapiaoRequests>, ApiError> {
    if query.status.as_deref().is_some_and(|s| s != "pending") {
        return Err(FieldErrors::single("status", "only pending requests are listed").into());
    }
    Ok(web::Json(requests(
        &state.portal.fapiao.pending_fapiao_requests(&caller).await?,
    )))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct StatusQuery {
    pub status: Option<String>,
}

/// Finance issued the fapiao of a pending request (services only): its 20-digit number,
/// date and file (base64, at most 5 MB). Not pending (issued twice, withdrawn): 409.
#[utoipa::path(
    post,
    path = "/internal/fapiao/requests/{id}/issued",
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    request_body = FapiaoIssued,
    responses(
        (status = 200, body = FapiaoRequest),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
// Routed in `configure` with a JSON limit of its own (8 MB).
pub async fn issued(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    id: web::Path<String>,
    body: web::Json<FapiaoIssued>,
) -> Result<web::Json<FapiaoRequest>, ApiError> {
    // Base64 of 5 MB is about 6.7 MB: anything longer cannot decode to 5 MB or less.
    if body.file_base64.len() > MAX_FAPIAO_FILE_BYTES / 3 * 4 + 8 {
        return Err(FieldErrors::single("file_base64", "the file is larger than 5 MB").into());
    }
    let file = base64::engine::general_purpose::STANDARD
        .decode(body.file_base64.trim())
        .map_err(|e| FieldErrors::single("file_base64", format!("is not base64: {e}")))?;
    let issued = state
        .portal
        .fapiao
        .issue_fapiao(
            &caller,
            &super::ids::fapiao_request(&id)?,
            &body.fapiao_number,
            &body.issued_on,
            &body.file_type,
            &file,
        )
        .await?;
    Ok(web::Json(request(&issued)))
}

/// Finance reversed (红冲) an issued fapiao (services only): its invoices are free again.
#[utoipa::path(
    context_path = "/api",
    tag = "fapiao",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    request_body = FapiaoReversed,
    responses(
        (status = 200, body = FapiaoRequest),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/internal/fapiao/requests/{id}/reversed")]
pub async fn reversed(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    id: web::Path<String>,
    body: web::Json<FapiaoReversed>,
) -> Result<web::Json<FapiaoRequest>, ApiError> {
    Ok(web::Json(request(
        &state
            .portal
            .fapiao
            .reverse_fapiao(&caller, &super::ids::fapiao_request(&id)?, &body.reason)
            .await?,
    )))
}
