//! `GET`/`PUT /api/portal/account`.

use actix_web::{get, put, web};
use portal_api_types::{Account, ErrorBody, UpdateAccountRequest};
use portal_billing::AccountEdit;

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

/// The customer's account.
#[utoipa::path(
    context_path = "/api",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Account),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/account")]
pub async fn get_account(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<Account>, ApiError> {
    let account = state.service.account(&user).await?;
    Ok(web::Json(dto::account(&account)))
}

/// Changes any of the account's fields (admins only).
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
        (status = 422, body = ErrorBody),
    )
)]
#[put("/portal/account")]
pub async fn put_account(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<UpdateAccountRequest>,
) -> Result<web::Json<Account>, ApiError> {
    let body = body.into_inner();
    let edit = AccountEdit {
        company_name: body.company_name,
        contact_name: body.contact_name,
        contact_email: body.contact_email,
    };
    let account = state.service.update_account(&user, edit).await?;
    Ok(web::Json(dto::account(&account)))
}
