//! `GET`/`PUT /api/portal/account`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use portal_api_types::{Account, ErrorBody, UpdateAccountRequest};
use portal_billing::{AccountEdit, account_etag};

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

/// The customer's account, with its version as `ETag` (send it back as `If-Match`).
#[utoipa::path(
    context_path = "/api",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Account, headers(("ETag" = String))),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/account")]
pub async fn get_account(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<HttpResponse, ApiError> {
    let account = state.portal.accounts.account(&user).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, account_etag(account.version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(dto::account(&account)))
}

/// Changes any of the account's fields (admins only). With `If-Match` (the `ETag` of
/// `GET`), an account changed since gets 412 and nothing changes.
#[utoipa::path(
    context_path = "/api",
    tag = "account",
    security(("bearer" = [])),
    request_body = UpdateAccountRequest,
    responses(
        (status = 200, body = Account),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 412, description = "If-Match names an older version", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/portal/account")]
pub async fn put_account(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<UpdateAccountRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let edit = AccountEdit {
        company_name: body.company_name,
        contact_name: body.contact_name,
        contact_email: body.contact_email,
    };
    let if_match = match req.headers().get(header::IF_MATCH) {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::bad_request("If-Match must be ASCII"))?,
        ),
        None => None,
    };
    let account = state
        .portal
        .accounts
        .update_account(&user, edit, if_match)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, account_etag(account.version)))
        .json(dto::account(&account)))
}
