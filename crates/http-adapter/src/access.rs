//! One access line per request, and the HTTP metrics. The request's span (under
//! tracing-actix-web) carries its id, method and route — never the query string, which
//! may hold `?token=` — so every log line of a request can be found by its id. When it
//! ends, one `portal::access` event gives the id, method, route, status and latency
//! (`PORTAL_LOG_FORMAT=json` writes it as one JSON line), and the request is counted in
//! `http_requests_total{method,route,status}` and `http_request_duration_seconds`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// When the request started.
#[derive(Clone, Copy)]
struct Started(Instant);

/// The route pattern (`/api/portal/invoices/{id}`), so that ids do not make a label
/// each; requests no route matches share one.
/// The method as a metric label: one of the methods the API answers, `OTHER` for any
/// other (§17: a client cannot add series).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

fn route_of(req: &actix_web::HttpRequest) -> String {
    req.match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned())
}

/// The root span of each request, for `TracingLogger::<PortalRootSpan>`.
pub struct PortalRootSpan;

impl RootSpanBuilder for PortalRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        // The fields are computed only when the span is on (not at `RUST_LOG=warn`).
        tracing::info_span!(
            "request",
            request_id = %request
                .extensions()
                .get::<RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default(),
            method = %request.method(),
            route = %route_of(request.request()),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (req, status) = match outcome {
            Ok(res) => (res.request(), res.status()),
            Err(e) => {
                // An error outcome carries no request: log what the span knows.
                let status = e.as_response_error().status_code().as_u16();
                let _in = span.enter();
                tracing::info!(target: "portal::access", status, "request");
                return;
            }
        };
        let latency = req
            .extensions()
            .get::<Started>()
            .map(|s| s.0.elapsed())
            .unwrap_or_default();
        let route = route_of(req);
        let method = method_label(req.method());
        let status = status.as_u16();
        if tracing::enabled!(target: "portal::access", tracing::Level::INFO) {
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default();
            let _in = span.enter();
            tracing::info!(
                target: "portal::access",
                request_id = %request_id,
                method = %method,
                route = %route,
                status,
                latency_ms = latency.as_secs_f64() * 1000.0,
                "request"
            );
        }
        match req.app_data::<actix_web::web::Data<crate::AppState>>() {
            Some(state) => {
                state
                    .request_metrics
                    .record(method, &route, status, latency.as_secs_f64())
            }
            // An app without the portal's state (none of ours): registered per request.
            None => RequestMetrics::register(method, &route, status).record(latency.as_secs_f64()),
        }
    }
}

/// The handles of one (method, route, status): registered once, then each request
/// costs a lookup and two atomic updates rather than building and registering its
/// labels (issue 28: the labels cost about 5,000 instructions a request).
#[derive(Clone)]
struct Handles {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl Handles {
    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }
}

/// The handles of one (method, status), by route pattern.
type ByRoute = HashMap<String, Handles>;

/// `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,
/// route}` by their labels, bounded as they are: a fixed set of methods, the app's route
/// patterns, the statuses it answers.
#[derive(Default)]
pub struct RequestMetrics {
    by_status: RwLock<HashMap<(&'static str, u16), ByRoute>>,
}

impl RequestMetrics {
    fn register(method: &'static str, route: &str, status: u16) -> Handles {
        let labels = [
            ("method", method.to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        Handles {
            requests: metrics::counter!("http_requests_total", &labels),
            duration: metrics::histogram!("http_request_duration_seconds", &labels[..2]),
        }
    }

    fn record(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let known = self.by_status.read().ok().and_then(|known| {
            known
                .get(&(method, status))
                .and_then(|routes| routes.get(route))
                .cloned()
        });
        let handles = match known {
            Some(handles) => handles,
            None => {
                let handles = Self::register(method, route, status);
                if let Ok(mut known) = self.by_status.write() {
                    known
                        .entry((method, status))
                        .or_default()
                        .insert(route.to_owned(), handles.clone());
                }
                handles
            }
        };
        handles.record(seconds);
    }
}
