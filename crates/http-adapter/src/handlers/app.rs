//! What the single-page app needs before it has a token: the allowed parent origins
//! and, on demo servers only, a demo sign-in.

use actix_web::{get, post, web};
use portal_api_types::{AppConfig, DemoToken, ErrorBody};

use crate::auth::{Claims, TokenRole};
use crate::error::ApiError;
use crate::{AppState, HttpSettings};

/// Lifetime of a demo sign-in.
const DEMO_TOKEN_SECONDS: u64 = 8 * 3600;

/// The app's start-up configuration.
#[utoipa::path(context_path = "/api", tag = "app", responses((status = 200, body = AppConfig)))]
#[get("/app-config")]
pub async fn app_config(
    state: web::Data<AppState>,
    settings: web::Data<HttpSettings>,
) -> web::Json<AppConfig> {
    let channels = state.portal.spend_guard.available_channels();
    web::Json(AppConfig {
        allowed_parent_origins: settings.allowed_parent_origins.clone(),
        demo_sign_in: settings.demo_sign_in,
        channels: channels.iter().map(|c| c.as_str().to_owned()).collect(),
    })
}

/// A token for the demo customer's admin; 404 unless the server runs with
/// `PORTAL_DEMO_SIGN_IN=true`.
#[utoipa::path(
    context_path = "/api",
    tag = "app",
    responses((status = 200, body = DemoToken), (status = 404, body = ErrorBody))
)]
#[post("/demo/token")]
pub async fn demo_token(
    state: web::Data<AppState>,
    settings: web::Data<HttpSettings>,
) -> Result<web::Json<DemoToken>, ApiError> {
    if !settings.demo_sign_in {
        return Err(ApiError::not_found(
            "demo sign-in is not enabled on this server",
        ));
    }
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let expires_at = now + DEMO_TOKEN_SECONDS;
    let token = state
        .keys
        .sign(&Claims {
            customer_id: Some("cust_demo".into()),
            user_id: Some("user_demo_admin".into()),
            role: TokenRole::Admin,
            exp: expires_at,
            name: None,
            iat: Some(now),
            aud: None,
            iss: None,
        })
        .map_err(|e| {
            tracing::error!(error = %e, "cannot sign a demo token");
            ApiError::internal()
        })?;
    Ok(web::Json(DemoToken { token, expires_at }))
}
