//! Liveness and readiness.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, web};

use crate::AppState;

/// How long a readiness answer stands: a flood of `/readyz` costs the database one
/// check a second (§17).
const READY_FOR: Duration = Duration::from_secs(1);

/// The last readiness check and when it was made.
#[derive(Default)]
pub struct Readiness(Mutex<Option<(Instant, bool)>>);

impl Readiness {
    /// The last answer when it is under a second old, else `check`'s (then kept). Checks
    /// made at once by several requests may overlap; each is the database's answer.
    async fn get<F: std::future::Future<Output = bool>>(&self, check: impl FnOnce() -> F) -> bool {
        let recent = self
            .0
            .lock()
            .ok()
            .and_then(|last| *last)
            .filter(|(at, _)| at.elapsed() < READY_FOR);
        if let Some((_, ready)) = recent {
            return ready;
        }
        let ready = check().await;
        if let Ok(mut last) = self.0.lock() {
            *last = Some((Instant::now(), ready));
        }
        ready
    }
}

/// 200 while the process runs.
#[utoipa::path(tag = "health", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// 200 when the database answers, else 503; from a check at most a second old.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "ready"), (status = 503, description = "database down"))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.readiness.get(|| state.portal.ready()).await {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_flood_of_readiness_probes_checks_the_database_once_a_second() {
        let readiness = Readiness::default();
        let checks = AtomicU32::new(0);
        let check = || async {
            checks.fetch_add(1, Ordering::SeqCst);
            true
        };
        for _ in 0..100 {
            assert!(readiness.get(check).await);
        }
        assert_eq!(checks.load(Ordering::SeqCst), 1);
        // A second later the next probe checks again.
        if let Ok(mut last) = readiness.0.lock() {
            *last = last.map(|(at, ready)| (at - READY_FOR, ready));
        }
        assert!(readiness.get(check).await);
        assert_eq!(checks.load(Ordering::SeqCst), 2);
    }
}
