//! Cost analysis (费用分析, contract §16).

use actix_web::{get, web};
use portal_api_types::{CostMonth, Costs, ErrorBody, ProductCost};
use portal_domain::costs::MonthCosts;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::CustomerUser;
use crate::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CostsQuery {
    /// How many months, ending with this one: 1 to 24 (default 12).
    pub months: Option<String>,
}

/// What each of the last months cost: fees, overage per product, usage adjustments,
/// credits and tax (net), the total, and the change from the month before. Each line
/// of the customer's invoices and credit notes counts toward the month it concerns.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(CostsQuery),
    responses(
        (status = 200, body = Costs),
        (status = 401, body = ErrorBody),
        (status = 422, description = "`months` is not a whole number from 1 to 24", body = ErrorBody),
    )
)]
#[get("/portal/costs")]
pub async fn get_costs(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<CostsQuery>,
) -> Result<web::Json<Costs>, ApiError> {
    let months = state
        .portal
        .invoices
        .costs(&user, query.months.as_deref())
        .await?;
    Ok(web::Json(Costs {
        currency: portal_domain::Currency::Cny.code().to_owned(),
        months: months.iter().map(month).collect(),
    }))
}

fn month(m: &MonthCosts) -> CostMonth {
    CostMonth {
        month: m.month.to_string(),
        fees: m.fees.amount(),
        overage: m
            .overage
            .iter()
            .map(|(product, amount)| ProductCost {
                product: product.as_str().to_owned(),
                amount: amount.amount(),
            })
            .collect(),
        adjustments: m.adjustments.amount(),
        credits: m.credits.amount(),
        tax: m.tax.amount(),
        total: m.total.amount(),
        change: m.change.map(|c| c.amount()),
        change_percent: m.change_percent,
    }
}
