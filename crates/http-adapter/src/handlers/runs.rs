//! Billing runs as jobs (contract §13): started with 202 and watched by id. The
//! instance that starts a run drives it in the background; any instance resumes a run
//! whose driver died.

use actix_web::{HttpResponse, get, post, web};
use portal_api_types::{BillingRunJob, BillingRunRequest, BillingRunStarted, ErrorBody};
use portal_domain::{BillingRun, FieldErrors, Month};

use crate::AppState;
use crate::auth::ServiceCaller;
use crate::dto::timestamp as rfc3339;
use crate::error::ApiError;

fn job(run: &BillingRun) -> BillingRunJob {
    BillingRunJob {
        run_id: run.id.clone(),
        period: run.period.to_string(),
        status: run.status.as_str().to_owned(),
        total: run.total,
        done: run.done,
        created: run.created,
        skipped: run.skipped,
        invoices_overdue: run.invoices_overdue,
        subscriptions_expired: run.subscriptions_expired,
        started_at: rfc3339(run.started_at),
        finished_at: run.finished_at.map(rfc3339),
        error: run.error.clone(),
    }
}

/// Starts the period's billing run and answers at once (202) with its id; while a run
/// of the period is running, answers that run's id instead of starting another.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = BillingRunRequest,
    responses(
        (status = 202, body = BillingRunStarted),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/internal/billing/runs")]
pub async fn start_run(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    body: web::Json<BillingRunRequest>,
) -> Result<HttpResponse, ApiError> {
    let period = Month::parse(&body.period).map_err(|e| FieldErrors::single("period", e.why))?;
    let (run, _started) = state
        .portal
        .billing
        .start_billing_run(&caller, period)
        .await?;
    let portal = state.portal.clone();
    let id = super::ids::run(&run.id)?;
    // Driven here while this instance lives; a claim held elsewhere makes this a no-op.
    actix_web::rt::spawn(async move {
        let owner = portal.billing.instance().to_owned();
        if let Err(e) = portal
            .billing
            .drive_billing_run(&caller, &id, &owner, &|_| {})
            .await
        {
            tracing::warn!(run_id = %id, error = %e, "billing run stopped");
        }
    });
    Ok(HttpResponse::Accepted().json(BillingRunStarted { run_id: run.id }))
}

/// A billing run's progress.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    params(("run_id" = String, Path)),
    responses(
        (status = 200, body = BillingRunJob),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/internal/billing/runs/{run_id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    run_id: web::Path<String>,
) -> Result<web::Json<BillingRunJob>, ApiError> {
    let run = state
        .portal
        .billing
        .billing_run_status(&caller, &super::ids::run(&run_id)?)
        .await?;
    Ok(web::Json(job(&run)))
}
