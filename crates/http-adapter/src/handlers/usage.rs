//! Usage overview and daily detail.

use actix_web::{get, web};
use chrono::NaiveDate;
use portal_api_types::{ErrorBody, UsageDetail, UsageOverview};
use portal_domain::{DateRange, Month, ParseError, Product};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::{AppState, dto};

#[derive(Debug, Deserialize, IntoParams)]
pub struct OverviewQuery {
    /// `YYYY-MM`; the current month when absent.
    pub month: Option<String>,
}

/// Used, quota and percent per product for a month.
#[utoipa::path(
    context_path = "/api",
    tag = "usage",
    security(("bearer" = [])),
    params(OverviewQuery),
    responses(
        (status = 200, body = UsageOverview),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/portal/usage")]
pub async fn get_usage(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<OverviewQuery>,
) -> Result<web::Json<UsageOverview>, ApiError> {
    let month = query
        .month
        .as_deref()
        .map(Month::parse)
        .transpose()
        .map_err(|e| ApiError::bad_query(&e))?;
    let overview = state.portal.usage.usage_overview(&user, month).await?;
    Ok(web::Json(dto::usage_overview(&overview)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DetailQuery {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`, inclusive; at most 366 days after `from`.
    pub to: String,
    /// `ai_chat`, `email` or `agent_seats`; all when absent.
    pub product: Option<String>,
}

fn parse_date(what: &'static str, raw: &str) -> Result<NaiveDate, ApiError> {
    let shaped = raw.len() == 10;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(|| ApiError::bad_query(&ParseError::new(what, "expected YYYY-MM-DD")))
}

/// Daily values in an inclusive date range, ordered by date, then product.
#[utoipa::path(
    context_path = "/api",
    tag = "usage",
    security(("bearer" = [])),
    params(DetailQuery),
    responses(
        (status = 200, body = UsageDetail),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "range reversed or longer than 366 days, or unknown product", body = ErrorBody),
    )
)]
#[get("/portal/usage/detail")]
pub async fn get_usage_detail(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<DetailQuery>,
) -> Result<web::Json<UsageDetail>, ApiError> {
    let from = parse_date("from", &query.from)?;
    let to = parse_date("to", &query.to)?;
    let range = DateRange::new(from, to)?;
    let product = query
        .product
        .as_deref()
        .map(Product::parse)
        .transpose()
        .map_err(|e| portal_domain::FieldErrors::single(e.what, e.why))?;
    let items = state
        .portal
        .usage
        .usage_detail(&user, range, product)
        .await?;
    Ok(web::Json(UsageDetail {
        from: dto::date(from),
        to: dto::date(to),
        items: items.iter().map(dto::usage_item).collect(),
    }))
}
