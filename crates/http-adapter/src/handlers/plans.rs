//! Subscription, plans and upgrades.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::NaiveDate;
use portal_api_types::{
    AuditLog, DowngradeRequest, ErrorBody, PlanList, Subscription, UpgradePreview, UpgradeRequest,
    UpgradeResponse,
};
use portal_billing::Replayable;
use portal_domain::FieldErrors;
use serde::Deserialize;
use utoipa::IntoParams;

use super::paging::{self, PageQuery};
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
    let view = state.portal.plan_changes.subscription(&user).await?;
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
    let plans = state.portal.plan_changes.plans(&user).await?;
    Ok(web::Json(PlanList {
        plans: plans.iter().map(dto::plan).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// The plan to upgrade to.
    pub plan_id: String,
}

/// What upgrading to `plan_id` would charge now: exactly the invoice the upgrade issues
/// (the difference for the months invoiced, or the month's own invoice under the new
/// timeline when it has none yet).
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
    req: HttpRequest,
) -> Result<web::Json<UpgradePreview>, ApiError> {
    let plan = dto::plan_id(&query.plan_id)?;
    let language = super::lang::accept_language(&req)?;
    let quote = state
        .portal
        .plan_changes
        .preview_upgrade(&user, &plan)
        .await?;
    Ok(web::Json(dto::upgrade_preview(&quote, language)?))
}

/// Parses an optional `YYYY-MM-DD` field of a body.
fn body_date(field: &'static str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    raw.map(|r| {
        NaiveDate::parse_from_str(r, "%Y-%m-%d")
            .ok()
            .filter(|_| r.len() == 10)
            .ok_or_else(|| ApiError::from(FieldErrors::single(field, "expected YYYY-MM-DD")))
    })
    .transpose()
}

/// Upgrades to a dearer plan now (admins only) and invoices the prorated difference.
/// With the preview's `proration_date` the charge equals the preview. With an
/// `Idempotency-Key` header a retry answers the first result and changes nothing.
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    request_body = UpgradeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses(
        (status = 200, body = UpgradeResponse),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "same or cheaper plan, or a concurrent change", body = ErrorBody),
        (status = 422, description = "unknown plan, bad proration_date, or a reused key", body = ErrorBody),
    )
)]
#[post("/portal/subscription/upgrade")]
pub async fn upgrade(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<UpgradeRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let proration_date = body_date("proration_date", body.proration_date.as_deref())?;
    let key = match req.headers().get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::from(FieldErrors::single(
                "Idempotency-Key",
                "must be visible ASCII",
            ))
        })?),
        None => None,
    };
    let plan = dto::plan_id(&body.plan_id)?;
    let language = super::lang::accept_language(&req)?;
    let reply = state
        .portal
        .plan_changes
        .upgrade_once(&user, key, &plan, proration_date, |outcome| {
            Ok(serde_json::to_vec(&dto::upgrade_response(
                outcome, language,
            )?)?)
        })
        .await?;
    let (bytes, replayed) = match reply {
        Replayable::Fresh(bytes) => (bytes, false),
        Replayable::Replayed(bytes) => (bytes, true),
    };
    let mut response = HttpResponse::Ok();
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.content_type("application/json").body(bytes))
}

/// Schedules a move to a cheaper plan at the end of the current period (admins only).
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    request_body = DowngradeRequest,
    responses(
        (status = 200, body = Subscription),
        (status = 403, body = ErrorBody),
        (status = 409, description = "not cheaper than the current plan", body = ErrorBody),
        (status = 422, description = "unknown plan", body = ErrorBody),
    )
)]
#[post("/portal/subscription/downgrade")]
pub async fn downgrade(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    body: web::Json<DowngradeRequest>,
) -> Result<web::Json<Subscription>, ApiError> {
    let plan = dto::plan_id(&body.plan_id)?;
    let view = state
        .portal
        .plan_changes
        .schedule_downgrade(&user, &plan)
        .await?;
    Ok(web::Json(dto::subscription(&view)))
}

/// Cancels the scheduled change (admins only).
#[utoipa::path(
    context_path = "/api",
    tag = "subscription",
    security(("bearer" = [])),
    responses((status = 200, body = Subscription), (status = 403, body = ErrorBody))
)]
#[delete("/portal/subscription/scheduled-change")]
pub async fn cancel_scheduled_change(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<Subscription>, ApiError> {
    let view = state
        .portal
        .plan_changes
        .cancel_scheduled_change(&user)
        .await?;
    Ok(web::Json(dto::subscription(&view)))
}

/// A page of the changes made through the portal, newest first; `next_cursor` asks for
/// the next.
#[utoipa::path(
    context_path = "/api",
    tag = "account",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = AuditLog),
        (status = 400, description = "`limit` not from 1 to 200, or `cursor` not a `next_cursor` of this list", body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/portal/audit-log")]
pub async fn audit_log(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<AuditLog>, ApiError> {
    let page = state
        .portal
        .accounts
        .audit_log(&user, query.request()?)
        .await?;
    Ok(web::Json(AuditLog {
        entries: page.items.iter().map(dto::audit_entry).collect(),
        next_cursor: page.next.as_ref().map(paging::encode),
    }))
}
