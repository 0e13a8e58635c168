//! The HTTP adapter: actix-web handlers over the capability services of [`Portal`], the JWT extractor,
//! the contract's error mapping, the OpenAPI document, and serving the single-page app.
//! Handlers hold the services, never a connection pool.

pub mod access;
pub mod auth;
mod body_deadline;
mod dto;
pub mod error;
mod export_table;
mod exports;
mod handlers;
mod keys;
pub mod limits;
mod messages;
pub mod openapi;
mod precompressed;
mod refusals;
mod spa;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, web};
use portal_billing::Portal;

pub use auth::{Audience, Claims, TokenRole};
pub use error::ApiError;
pub use keys::{DEFAULT_MAX_TTL, KeyRing, TokenBinding, TokenKeys};

/// Shared state of every worker: the capability services, the token keys and the rate limits.
pub struct AppState {
    pub portal: Arc<Portal>,
    pub keys: TokenKeys,
    pub limits: limits::RateLimits,
    /// Renders the Prometheus text of every metric (the exporter is the server's).
    pub metrics: Arc<dyn Fn() -> String + Send + Sync>,
    /// The last readiness check, reused for a second (`/readyz`, §17).
    pub readiness: handlers::health::Readiness,
    /// The HTTP metrics' handles, registered once per label set.
    pub request_metrics: access::RequestMetrics,
    /// The entitlement answers' JSON, written once per answer.
    pub entitlement_json: handlers::entitlements::AnswerJson,
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Origins allowed to embed the app (exact match), from `PORTAL_ALLOWED_PARENT_ORIGINS`.
    pub allowed_parent_origins: Vec<String>,
    /// Where the built app lives (`dist/`).
    pub static_dir: PathBuf,
    /// Whether anyone may get a token for the demo customer (`PORTAL_DEMO_SIGN_IN`); for
    /// demo servers only.
    pub demo_sign_in: bool,
}

/// What every listener shares: the state, the settings and how bodies, queries and
/// paths are refused.
fn common(cfg: &mut web::ServiceConfig, state: web::Data<AppState>, settings: &HttpSettings) {
    cfg.app_data(state)
        .app_data(web::Data::new(settings.clone()))
        .app_data(json_limit(BODY_LIMIT))
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(
            web::QueryConfig::default().error_handler(|err, _| error::query_error(err).into()),
        )
        .app_data(web::PathConfig::default().error_handler(|err, _| {
            ApiError::bad_request(format!("the path cannot be parsed: {err}")).into()
        }))
        .service(handlers::health::healthz)
        .service(handlers::health::readyz);
}

/// The `/api` scope of either listener with its `routes`: limits, refusals in the
/// reader's language, the headers every answer carries, 404 for what is not there.
pub fn api_scope(routes: impl FnOnce(&mut web::ServiceConfig)) -> impl HttpServiceFactory {
    web::scope("/api")
        .wrap(actix_web::middleware::from_fn(limits::limit))
        .wrap(actix_web::middleware::from_fn(refusals::refusals))
        .wrap(
            DefaultHeaders::new()
                .add((header::CACHE_CONTROL, "no-store"))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::REFERRER_POLICY, "no-referrer")),
        )
        .configure(routes)
        .default_service(web::to(not_found))
}

/// Registers the routes of the public listener (`PORTAL_BIND`): the customer's API, the
/// app, the probes. `/api/internal/*` and `/metrics` are 404 here (§17). The caller wraps
/// the app in the logger it wants.
pub fn configure(
    state: web::Data<AppState>,
    settings: HttpSettings,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        common(cfg, state, &settings);
        cfg.route("/metrics", web::route().to(not_found_outside_api))
            .service(api_scope(|api| {
                // The most read first: actix tries a scope's routes in order.
                api.service(handlers::plans::get_subscription)
                    .service(openapi::openapi_json)
                    .service(handlers::app::app_config)
                    .service(handlers::app::demo_token)
                    .service(handlers::session::start)
                    .service(handlers::session::current)
                    .service(handlers::session::end)
                    .service(handlers::account::get_account)
                    .service(handlers::account::put_account)
                    .service(handlers::plans::get_plans)
                    .service(handlers::plans::preview_upgrade)
                    .service(handlers::plans::upgrade)
                    .service(handlers::plans::downgrade)
                    .service(handlers::plans::cancel_scheduled_change)
                    .service(handlers::plans::audit_log)
                    .service(handlers::usage::get_usage)
                    .service(handlers::usage::get_usage_detail)
                    .service(handlers::invoices::list_invoices)
                    .service(handlers::invoices::get_invoice)
                    .service(handlers::invoices::get_invoice_pdf)
                    .service(handlers::receivables::get_balance)
                    .service(handlers::receivables::get_statement)
                    .service(handlers::costs::get_costs)
                    .service(handlers::exports::invoices)
                    .service(handlers::exports::usage)
                    .service(handlers::receivables::list_credit_notes)
                    .service(handlers::receivables::get_credit_note)
                    .service(handlers::receivables::get_credit_note_pdf)
                    .service(handlers::billing::get_upcoming)
                    .service(handlers::guard::get_alerts)
                    .service(handlers::guard::put_alerts)
                    .service(handlers::guard::get_caps)
                    .service(handlers::guard::put_caps)
                    .service(handlers::guard::get_notifications)
                    .service(handlers::guard::read_all_notifications)
                    .service(handlers::guard::read_notification)
                    .service(handlers::fapiao::get_profile)
                    .service(handlers::fapiao::put_profile)
                    .service(handlers::fapiao::create_request)
                    .service(handlers::fapiao::list_requests)
                    .service(handlers::fapiao::get_request)
                    .service(handlers::fapiao::withdraw_request)
                    .service(handlers::fapiao::download_file);
            }))
            .configure(spa::configure(settings));
    }
}

/// Registers the routes of the internal listener (`PORTAL_INTERNAL_BIND`, §17): the
/// platform's calls under `/api/internal`, `/metrics`, the probes and this listener's
/// OpenAPI document. Everything else is 404.
pub fn configure_internal(
    state: web::Data<AppState>,
    settings: HttpSettings,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        common(cfg, state, &settings);
        cfg.service(handlers::health::metrics)
            .service(api_scope(|api| {
                // The hot route first: actix tries a scope's routes in order (issue
                // 28: found last, the entitlement check paid 10,000 instructions for it).
                api.service(handlers::entitlements::get_entitlements)
                    .service(openapi::internal_openapi_json)
                    .service(handlers::internal::put_customer)
                    .service(handlers::internal::put_plan)
                    .service(handlers::internal::put_subscription)
                    .service(
                        web::resource("/internal/usage")
                            .app_data(json_limit(USAGE_BATCH_LIMIT))
                            .route(web::post().to(handlers::internal::post_usage)),
                    )
                    .service(handlers::internal::billing_run)
                    .service(handlers::runs::start_run)
                    .service(handlers::runs::get_run)
                    .service(handlers::internal::mark_paid)
                    .service(handlers::receivables::post_payment)
                    .service(handlers::fapiao::pending_requests)
                    .service(
                        web::resource("/internal/fapiao/requests/{id}/issued")
                            .app_data(json_limit(FAPIAO_ISSUANCE_LIMIT))
                            .route(web::post().to(handlers::fapiao::issued)),
                    )
                    .service(handlers::fapiao::reversed);
            }))
            .default_service(web::to(not_found_outside_api));
    }
}

/// Request bodies (§17): 64 kB on every route but these two.
const BODY_LIMIT: usize = 64 * 1024;
/// A usage batch: 1000 events are about 150 kB.
const USAGE_BATCH_LIMIT: usize = 1024 * 1024;
/// An issued fapiao's file is up to 5 MB, about 6.7 MB in base64.
const FAPIAO_ISSUANCE_LIMIT: usize = 8 * 1024 * 1024;

/// JSON bodies up to `limit` bytes; beyond, `413 payload_too_large`.
fn json_limit(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _| error::json_error(err).into())
}

/// [`not_found`] where the refusals middleware of `/api` is not: worded here in the
/// reader's language.
async fn not_found_outside_api(req: HttpRequest) -> HttpResponse {
    let error = ApiError::not_found(format!("no endpoint {} {}", req.method(), req.path()));
    let language = handlers::lang::reader_language(&req);
    let mut res = messages::localized(&error, language).into_response();
    res.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language"),
    );
    res
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no endpoint {} {}", req.method(), req.path())).into_response()
}
