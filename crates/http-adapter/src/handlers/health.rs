//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};

use crate::AppState;

/// 200 while the process runs.
#[utoipa::path(tag = "health", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// 200 when the database answers, else 503.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "ready"), (status = 503, description = "database down"))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.portal.ready().await {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        crate::error::ApiError::unavailable().into_response()
    }
}

/// Every metric in the Prometheus text format (contract §13): requests by method, route
/// and status, their durations, cache hits and misses, billing runs and usage ingestion.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body((state.metrics)())
}
