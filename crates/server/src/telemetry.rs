//! Structured logs with `tracing`: human-readable by default, JSON with
//! `PORTAL_LOG_FORMAT=json`; the level from `RUST_LOG` (default `info`). Each request's
//! span carries a request id (tracing-actix-web), and its end is one access line
//! (`portal_http::access`). Metrics go to a Prometheus recorder, rendered at `/metrics`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use portal_billing::ports::{DeliveryOutcome, Metrics};

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("PORTAL_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A subscriber may already be set (tests); that is fine.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

/// Seconds: the buckets of `http_request_duration_seconds`.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process's Prometheus recorder (installed on first use), as a renderer of its text.
pub fn metrics() -> Arc<dyn Fn() -> String + Send + Sync> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    let handle = HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    DURATION_BUCKETS,
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            // Histograms keep their samples until upkeep folds them in.
            let upkeep = handle.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
            Some(handle)
        })
        .clone();
    Arc::new(move || {
        handle
            .as_ref()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    })
}

/// The business counters of the capability services ([`Metrics`]), recorded in the
/// process's Prometheus recorder under the names `/metrics` has always shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrometheusMetrics;

impl Metrics for PrometheusMetrics {
    fn billing_run_finished(&self, invoices: u64) {
        metrics::counter!("portal_billing_runs_total").increment(1);
        metrics::counter!("portal_billing_invoices_created_total").increment(invoices);
    }

    fn run_customers_billed(&self, created: u64, skipped: u64) {
        metrics::counter!("portal_billing_run_customers_total", "outcome" => "created")
            .increment(created);
        metrics::counter!("portal_billing_run_customers_total", "outcome" => "skipped")
            .increment(skipped);
    }

    fn usage_events_ingested(&self, accepted: u64, duplicates: u64) {
        metrics::counter!("portal_usage_events_accepted_total").increment(accepted);
        metrics::counter!("portal_usage_events_duplicate_total").increment(duplicates);
    }

    fn alert_fired(&self) {
        metrics::counter!("portal_alerts_fired_total").increment(1);
    }

    fn delivery_tried(&self, outcome: DeliveryOutcome) {
        metrics::counter!("portal_deliveries_total", "outcome" => outcome.as_str()).increment(1);
    }
}
