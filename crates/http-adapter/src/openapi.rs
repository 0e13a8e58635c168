//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        handlers::internal::put_subscription,
        handlers::internal::post_usage,
        handlers::internal::billing_run,
        handlers::internal::mark_paid,
        handlers::usage::get_usage,
        handlers::usage::get_usage_detail,
        handlers::invoices::list_invoices,
        handlers::invoices::get_invoice,
        handlers::invoices::get_invoice_pdf,
        handlers::app::app_config,
        handlers::app::demo_token,
        handlers::health::healthz,
        handlers::health::readyz,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The document, as served at `/api/openapi.json`.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
