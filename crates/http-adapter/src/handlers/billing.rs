//! The bill to come (contract §10).

use actix_web::{HttpResponse, get, web};
use portal_api_types::{ErrorBody, UpcomingBill};

use crate::auth::CustomerUser;
use crate::error::ApiError;
use crate::handlers::lang::{Lang, LangQuery, worded};
use crate::{AppState, dto};

/// The invoice next month's billing run would issue now (next month's fees, this
/// month's usage beyond the plan so far, late usage of months already billed), and the
/// same with this month's usage at its pace to the month's end. Computed by the billing
/// run's own code from the database: a run with nothing changed issues exactly `lines`.
#[utoipa::path(
    context_path = "/api",
    tag = "invoices",
    security(("bearer" = [])),
    params(LangQuery),
    responses(
        (status = 200, description = "lines worded in `?lang=` or Accept-Language (zh by default)", body = UpcomingBill),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
    )
)]
#[get("/portal/billing/upcoming")]
pub async fn get_upcoming(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let bill = state.portal.billing.upcoming_bill(&user).await?;
    Ok(worded(dto::upcoming(&bill, language)?))
}
