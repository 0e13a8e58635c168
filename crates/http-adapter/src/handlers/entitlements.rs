//! The entitlement check (contract §11): what the platform asks before every AI reply
//! and every e-mail. Its answer is kept for a short bound by the spend guard; its JSON is
//! written once per kept answer here (issue 28), not once per request.

use std::sync::Arc;

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use portal_api_types::{Entitlement, Entitlements, ErrorBody};
use portal_billing::ProductEntitlement;

use crate::AppState;
use crate::auth::ServiceCaller;
use crate::error::ApiError;

type Answer = Arc<Vec<ProductEntitlement>>;

/// Customers whose answer's JSON is kept (about 400 bytes each).
const KEPT: u64 = 100_000;

/// The JSON of each customer's last answer, with the answer it was made of: used while
/// the spend guard gives that same answer (the same `Arc`), made again when it gives a
/// new one. Holding the answer keeps its address from being reused by another.
pub struct AnswerJson(moka::sync::Cache<String, Arc<(Answer, Bytes)>>);

impl Default for AnswerJson {
    fn default() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(KEPT)
                .time_to_idle(std::time::Duration::from_secs(60))
                .build(),
        )
    }
}

impl AnswerJson {
    fn of(&self, customer_id: &str, answer: &Answer) -> Result<Bytes, ApiError> {
        if let Some(kept) = self.0.get(customer_id)
            && Arc::ptr_eq(&kept.0, answer)
        {
            return Ok(kept.1.clone());
        }
        let json = serde_json::to_vec(&entitlements(customer_id, answer))
            .map_err(|_| ApiError::internal())?;
        let json = Bytes::from(json);
        self.0.insert(
            customer_id.to_owned(),
            Arc::new((answer.clone(), json.clone())),
        );
        Ok(json)
    }
}

fn entitlements(customer_id: &str, products: &[ProductEntitlement]) -> Entitlements {
    Entitlements {
        customer_id: customer_id.to_owned(),
        products: products
            .iter()
            .map(|p| Entitlement {
                product: p.product.as_str().to_owned(),
                allowed: p.allowed,
                used: p.used,
                limit: p.limit,
                remaining: p.remaining(),
                reason: p.reason.map(str::to_owned),
            })
            .collect(),
    }
}

/// Whether the platform may serve more of each product now (service tokens only).
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    params(("customer_id" = String, Path)),
    responses(
        (status = 200, body = Entitlements),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/internal/entitlements/{customer_id}")]
pub async fn get_entitlements(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    customer_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let answer = state
        .portal
        .spend_guard
        .entitlements(&caller, &super::ids::customer(&customer_id)?)
        .await?;
    let json = state.entitlement_json.of(&customer_id, &answer)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json))
}
