//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::sync::OnceLock;

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::handlers;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // §16: the session cookie, accepted with `X-Portal-Request: 1` only, in place of
        // the bearer header on every call under /api/portal and on GET /api/session. Not
        // listed per operation: a program (or a fuzzer) uses the bearer header.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "portal_session",
                "Set by POST /api/session; used in place of the bearer header only on \
                 requests that carry X-Portal-Request: 1.",
            ))),
        );
    }
}

/// The answers every call under `/api/portal` and `/api/internal` can give whatever it
/// does: 401 (no valid token), 403 (a token of the other kind), 429 (past the rate
/// limit, contract §13) and 503 (the database unreachable).
struct CommonResponses;

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let common = [
            (
                "401",
                "`unauthorized`: no token (bearer header, or the session cookie with X-Portal-Request: 1), or it is invalid or expired",
            ),
            (
                "403",
                "`forbidden`: the token's role may not make this call",
            ),
            (
                "429",
                "`rate_limited`: past the rate limit; see Retry-After",
            ),
            (
                "503",
                "`unavailable`: the database cannot be reached; try again",
            ),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/portal/") && !path.starts_with("/api/internal/") {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                // A body too large or too slow (§17).
                if operation.request_body.is_some() {
                    for (status, description) in [
                        (
                            "413",
                            "`payload_too_large`: the body is over this route's limit (64 kB; usage batches 1 MB; fapiao issuance 8 MB)",
                        ),
                        (
                            "408",
                            "`request_timeout`: the body did not arrive within 10 s",
                        ),
                    ] {
                        operation
                            .responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| error_response(description));
                    }
                }
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "客户控制台 Customer Portal API",
        description = "Account, plan, usage and invoices of a customer of the platform."
    ),
    paths(
        handlers::account::get_account,
        handlers::account::put_account,
        handlers::plans::get_subscription,
        handlers::plans::get_plans,
        handlers::plans::preview_upgrade,
        handlers::plans::upgrade,
        handlers::plans::downgrade,
        handlers::plans::cancel_scheduled_change,
        handlers::plans::audit_log,
        handlers::internal::put_customer,
        handlers::internal::put_plan,
        handlers::internal::put_subscription,
        handlers::internal::post_usage,
        handlers::internal::billing_run,
        handlers::runs::start_run,
        handlers::runs::get_run,
        handlers::internal::mark_paid,
        handlers::receivables::post_payment,
        handlers::usage::get_usage,
        handlers::usage::get_usage_detail,
        handlers::invoices::list_invoices,
        handlers::invoices::get_invoice,
        handlers::invoices::get_invoice_pdf,
        handlers::receivables::get_balance,
        handlers::receivables::get_statement,
        handlers::costs::get_costs,
        handlers::receivables::list_credit_notes,
        handlers::receivables::get_credit_note,
        handlers::receivables::get_credit_note_pdf,
        handlers::billing::get_upcoming,
        handlers::guard::get_alerts,
        handlers::guard::put_alerts,
        handlers::guard::get_caps,
        handlers::guard::put_caps,
        handlers::guard::get_notifications,
        handlers::guard::read_all_notifications,
        handlers::guard::read_notification,
        handlers::entitlements::get_entitlements,
        handlers::fapiao::get_profile,
        handlers::fapiao::put_profile,
        handlers::fapiao::create_request,
        handlers::fapiao::list_requests,
        handlers::fapiao::get_request,
        handlers::fapiao::withdraw_request,
        handlers::fapiao::download_file,
        handlers::fapiao::pending_requests,
        handlers::fapiao::issued,
        handlers::fapiao::reversed,
        handlers::app::app_config,
        handlers::app::demo_token,
        handlers::exports::invoices,
        handlers::exports::usage,
        handlers::session::start,
        handlers::session::current,
        handlers::session::end,
        handlers::health::healthz,
        handlers::health::readyz,
        handlers::health::metrics,
    ),
    modifiers(&BearerAuth, &CommonResponses)
)]
pub struct ApiDoc;

/// Whether `path` is served by the internal listener (§17): the platform's calls and
/// `/metrics`. The probes are served by both.
pub fn is_internal(path: &str) -> bool {
    path.starts_with("/api/internal/") || path == "/metrics"
}

fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// The document of one listener: what it serves, and no more.
pub fn document(internal: bool) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths
        .paths
        .retain(|path, _| is_probe(path) || is_internal(path) == internal);
    if internal {
        doc.info.description =
            Some("The platform's calls: customers, plans, usage, billing runs, payments, entitlements, fapiao issuance; metrics and probes. Served on PORTAL_INTERNAL_BIND only.".to_owned());
    }
    doc
}

/// Each listener's document, serialised once.
fn served(internal: bool) -> &'static [u8] {
    static PUBLIC: OnceLock<Vec<u8>> = OnceLock::new();
    static INTERNAL: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = if internal { &INTERNAL } else { &PUBLIC };
    cell.get_or_init(|| serde_json::to_vec(&document(internal)).unwrap_or_default())
}

/// The public listener's document, as served at its `/api/openapi.json`.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(served(false))
}

/// The internal listener's document, as served at its `/api/openapi.json`.
#[get("/openapi.json")]
pub async fn internal_openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(served(true))
}
