//! Subscription, plans and upgrades.

use actix_web::{get, post, web};
use portal_api_types::{
    ErrorBody, PlanList, Subscription, UpgradePreview, UpgradeRequest, UpgradeResponse,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

/// The current subscription.
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Subscription),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/subscription")]
pub async fn get_subscription(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<Subscription>, ApiError> {
    let view = state.service.subscription(&user).await?;
    Ok(web::Json(dto::subscription(&view)))
}

/// The plans, cheapest first.
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    responses((status = 200, body = PlanList), (status = 401, body = ErrorBody))
)]
#[get("/portal/plans")]
pub async fn get_plans(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<PlanList>, ApiError> {
    let plans = state.service.plans(&user).await?;
    Ok(web::Json(PlanList {
        plans: plans.iter().map(dto::plan).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// The plan to upgrade to.
    pub plan_id: String,
}

/// What upgrading to `plan_id` would charge now.
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    params(PreviewQuery),
    responses(
        (status = 200, body = UpgradePreview),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/portal/subscription/upgrade/preview")]
pub async fn preview_upgrade(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<PreviewQuery>,
) -> Result<web::Json<UpgradePreview>, ApiError> {
    let quote = state.service.preview_upgrade(&user, &query.plan_id).await?;
    Ok(web::Json(dto::upgrade_preview(&quote)))
}

/// Upgrades to a dearer plan now (admins only) and invoices the prorated difference.
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    request_body = UpgradeRequest,
    responses(
        (status = 200, body = UpgradeResponse),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "same or cheaper plan, or a concurrent change", body = ErrorBody),
        (status = 422, description = "unknown plan", body = ErrorBody),
    )
)]
#[post("/portal/subscription/upgrade")]
pub async fn upgrade(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<UpgradeRequest>,
) -> Result<web::Json<UpgradeResponse>, ApiError> {
    let outcome = state.service.upgrade(&user, &body.plan_id).await?;
    Ok(web::Json(UpgradeResponse {
        subscription: dto::subscription(&outcome.subscription),
        invoice: outcome.invoice.as_ref().map(dto::invoice),
    }))
}
