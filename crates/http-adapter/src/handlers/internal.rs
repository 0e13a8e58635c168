//! The internal API of the platform's services (contract §8): provisioning, usage
//! ingestion, billing runs and payments. Only `service` tokens get in.

use actix_web::{HttpResponse, post, put, web};
use chrono::NaiveDate;
use portal_api_types::{
    Account, BillingRunRequest, BillingRunResult, ErrorBody, Invoice, PaymentRequest, Plan,
    PlanRequest, ProvisionCustomerRequest, ProvisionSubscriptionRequest, Subscription, UsageBatch,
    UsageBatchResult,
};
use portal_billing::PaymentReport;
use portal_domain::{FieldErrors, Language, Month, PlanId, Quotas, RawPlan, RawUsageEvent};

use crate::auth::ServiceCaller;
use crate::error::ApiError;
use crate::{AppState, dto};

fn field_date(field: &'static str, raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 10)
        .ok_or_else(|| FieldErrors::single(field, "expected YYYY-MM-DD").into())
}

/// Creates (201) or updates (200) a customer's account.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = ProvisionCustomerRequest,
    params(("customer_id" = String, Path)),
    responses(
        (status = 200, body = Account),
        (status = 201, body = Account),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/internal/customers/{customer_id}")]
pub async fn put_customer(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    customer_id: web::Path<String>,
    body: web::Json<ProvisionCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let (customer, created) = state
        .portal
        .accounts
        .provision_customer(
            &caller,
            &super::ids::new_customer(&customer_id)?,
            &body.company_name,
            &body.contact_name,
            &body.contact_email,
        )
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(dto::account(&customer)))
}

/// Creates (201) or replaces (200) a plan of the catalogue (§14: its `tax_rate` is
/// checked). Lines already invoiced keep the rate they were issued with.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = PlanRequest,
    params(("plan_id" = String, Path)),
    responses(
        (status = 200, body = Plan),
        (status = 201, body = Plan),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "a bad field, named", body = ErrorBody),
    )
)]
#[put("/internal/plans/{plan_id}")]
pub async fn put_plan(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    plan_id: web::Path<String>,
    body: web::Json<PlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = PlanId::parse(&plan_id)
        .map_err(|_| FieldErrors::single("plan_id", "must be a plan id such as pro"))?;
    let raw = RawPlan {
        name: &body.name,
        name_en: body.name_en.as_deref(),
        price: &body.price,
        currency: body.currency.as_deref().unwrap_or("CNY"),
        quotas: Quotas {
            ai_chat: body.features.ai_chat_quota,
            agent_seats: body.features.agent_seats,
            email: body.features.email_quota,
        },
        overage: [
            &body.overage.ai_chat,
            &body.overage.email,
            &body.overage.agent_seats,
        ],
        tax_rate: &body.tax_rate,
    };
    let (plan, created) = state
        .portal
        .plan_changes
        .put_plan(&caller, &id, &raw)
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(dto::plan(&plan)))
}

/// Puts the customer on a plan, replacing the current subscription. A subscription
/// serving the current month has that month invoiced at once (fees in advance).
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = ProvisionSubscriptionRequest,
    params(("customer_id" = String, Path)),
    responses(
        (status = 200, body = Subscription),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/internal/customers/{customer_id}/subscription")]
pub async fn put_subscription(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    customer_id: web::Path<String>,
    body: web::Json<ProvisionSubscriptionRequest>,
) -> Result<web::Json<Subscription>, ApiError> {
    let start = field_date("start_date", &body.start_date)?;
    let end = field_date("end_date", &body.end_date)?;
    let view = state
        .portal
        .plan_changes
        .provision_subscription(
            &caller,
            &super::ids::customer(&customer_id)?,
            &super::ids::plan(&body.plan_id)?,
            start,
            end,
        )
        .await?;
    Ok(web::Json(dto::subscription(&view)))
}

/// Counts a batch of at most 1000 usage events; each `event_id` once, ever.
#[utoipa::path(
    post,
    path = "/internal/usage",
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = UsageBatch,
    responses(
        (status = 200, body = UsageBatchResult),
        (status = 403, body = ErrorBody),
        (status = 422, description = "an invalid event rejects the whole batch", body = ErrorBody),
    )
)]
pub async fn post_usage(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    body: web::Json<UsageBatch>,
) -> Result<web::Json<UsageBatchResult>, ApiError> {
    let raw: Vec<RawUsageEvent> = body
        .into_inner()
        .events
        .into_iter()
        .map(|e| RawUsageEvent {
            event_id: e.event_id,
            customer_id: e.customer_id,
            product: e.product,
            count: e.count,
            occurred_at: e.occurred_at,
        })
        .collect();
    let report = state.portal.usage.ingest_usage(&caller, &raw).await?;
    Ok(web::Json(UsageBatchResult {
        accepted: report.accepted,
        duplicates: report.duplicates,
    }))
}

/// Issues, per subscription serving the period, what its charges owe beyond what was
/// invoiced; running it again creates nothing. Also marks overdue invoices.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = BillingRunRequest,
    responses(
        (status = 200, body = BillingRunResult),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/internal/billing/run")]
pub async fn billing_run(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    body: web::Json<BillingRunRequest>,
) -> Result<web::Json<BillingRunResult>, ApiError> {
    let period = Month::parse(&body.period).map_err(|e| FieldErrors::single("period", e.why))?;
    let report = state.portal.billing.billing_run(&caller, period).await?;
    Ok(web::Json(BillingRunResult {
        created: report.created,
        skipped: report.skipped,
        invoices_overdue: report.invoices_overdue,
        subscriptions_expired: report.subscriptions_expired,
        idempotency_keys_purged: report.idempotency_keys_purged,
    }))
}

/// Records an invoice's payment: the body (optional) gives its amount (must be the
/// invoice's), reference and time. Reporting a paid invoice again with the same
/// reference answers it unchanged.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    params(("invoice_id" = String, Path)),
    request_body(content = Option<PaymentRequest>),
    responses(
        (status = 200, body = Invoice),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "already paid under another reference", body = ErrorBody),
        (status = 422, description = "an amount other than the invoice's", body = ErrorBody),
    )
)]
#[post("/internal/invoices/{invoice_id}/paid")]
pub async fn mark_paid(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    invoice_id: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<Invoice>, ApiError> {
    let request: PaymentRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PaymentRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            crate::error::json_error(actix_web::error::JsonPayloadError::Deserialize(e))
        })?
    };
    let report = PaymentReport {
        amount: request.amount,
        reference: request.reference,
        paid_at: request.paid_at,
    };
    let invoice = state
        .portal
        .invoices
        .mark_invoice_paid(&caller, &super::ids::invoice(&invoice_id)?, report)
        .await?;
    Ok(web::Json(dto::invoice(&invoice, &[], Language::Zh)?))
}
