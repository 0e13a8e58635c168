//! The portal API as the app uses it: typed calls with `portal-api-types` bodies, the
//! bearer token from the in-memory session, and the contract's error body. A 401 ends
//! the session (see [`crate::auth::Session::expire`]).

use std::collections::BTreeMap;

use gloo_net::http::{Request, RequestBuilder, Response};
use portal_api_types::{
    Account, AppConfig, DemoToken, DowngradeRequest, ErrorBody, Invoice, InvoiceList, PlanList,
    Subscription, UpdateAccountRequest, UpgradePreview, UpgradeRequest, UpgradeResponse,
    UsageDetail, UsageOverview,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Session, use_session};

/// Why a call failed, in the terms the screens explain to people.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: the session ended; the gate takes over.
    Unauthorized,
    /// Any other refusal, with the contract's error body when there was one.
    Status {
        status: u16,
        body: Option<ErrorBody>,
    },
    /// The request never got an answer (offline, server down).
    Network,
    /// The answer was not what the contract promises.
    Unexpected,
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized => Some(401),
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Per-field reasons of a 422 `validation_failed`.
    pub fn fields(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            ApiError::Status {
                body: Some(body), ..
            } => body.error.fields.as_ref(),
            _ => None,
        }
    }
}

/// A downloaded file.
pub struct Download {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The API client; `Copy`, so closures and tasks can hold it freely.
#[derive(Clone, Copy)]
pub struct Api {
    session: Session,
}

pub fn use_api() -> Api {
    Api {
        session: use_session(),
    }
}

async fn error_of(response: &Response) -> ApiError {
    let status = response.status();
    let body = response.json::<ErrorBody>().await.ok();
    ApiError::Status { status, body }
}

impl Api {
    async fn send(&self, request: RequestBuilder) -> Result<Response, ApiError> {
        self.send_with(request, None::<&()>).await
    }

    async fn send_with<B: Serialize>(
        &self,
        request: RequestBuilder,
        body: Option<&B>,
    ) -> Result<Response, ApiError> {
        let Some(token) = self.session.token() else {
            return Err(ApiError::Unauthorized);
        };
        let request = request.header("Authorization", &format!("Bearer {token}"));
        let request = match body {
            Some(body) => request.json(body).map_err(|_| ApiError::Unexpected)?,
            None => request.build().map_err(|_| ApiError::Unexpected)?,
        };
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if response.status() == 401 {
            self.session.expire(&token);
            return Err(ApiError::Unauthorized);
        }
        if !response.ok() {
            return Err(error_of(&response).await);
        }
        Ok(response)
    }

    async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
        response.json::<T>().await.map_err(|_| ApiError::Unexpected)
    }

    pub async fn account(self) -> Result<Account, ApiError> {
        Self::json(self.send(Request::get("/api/portal/account")).await?).await
    }

    pub async fn update_account(self, body: UpdateAccountRequest) -> Result<Account, ApiError> {
        let response = self
            .send_with(Request::put("/api/portal/account"), Some(&body))
            .await?;
        Self::json(response).await
    }

    pub async fn subscription(self) -> Result<Subscription, ApiError> {
        Self::json(self.send(Request::get("/api/portal/subscription")).await?).await
    }

    pub async fn plans(self) -> Result<PlanList, ApiError> {
        Self::json(self.send(Request::get("/api/portal/plans")).await?).await
    }

    pub async fn upgrade_preview(self, plan_id: String) -> Result<UpgradePreview, ApiError> {
        let request = Request::get("/api/portal/subscription/upgrade/preview")
            .query([("plan_id", plan_id.as_str())]);
        Self::json(self.send(request).await?).await
    }

    /// Upgrades at the preview's proration date, so the charge is the amount the person
    /// confirmed. `idempotency_key` makes a repeated confirmation change nothing twice.
    pub async fn upgrade(
        self,
        plan_id: String,
        proration_date: String,
        idempotency_key: String,
    ) -> Result<UpgradeResponse, ApiError> {
        let request = Request::post("/api/portal/subscription/upgrade")
            .header("Idempotency-Key", &idempotency_key);
        let body = UpgradeRequest {
            plan_id,
            proration_date: Some(proration_date),
        };
        let response = self.send_with(request, Some(&body)).await?;
        Self::json(response).await
    }

    /// Schedules a move to a cheaper plan at the end of the current period.
    pub async fn downgrade(self, plan_id: String) -> Result<Subscription, ApiError> {
        let body = DowngradeRequest { plan_id };
        let response = self
            .send_with(
                Request::post("/api/portal/subscription/downgrade"),
                Some(&body),
            )
            .await?;
        Self::json(response).await
    }

    /// Drops a scheduled plan change.
    pub async fn cancel_scheduled_change(self) -> Result<Subscription, ApiError> {
        let request = Request::delete("/api/portal/subscription/scheduled-change");
        Self::json(self.send(request).await?).await
    }

    /// The month's usage; `None` asks for the current month.
    pub async fn usage(self, month: Option<String>) -> Result<UsageOverview, ApiError> {
        let mut request = Request::get("/api/portal/usage");
        if let Some(month) = month {
            request = request.query([("month", month.as_str())]);
        }
        Self::json(self.send(request).await?).await
    }

    pub async fn usage_detail(
        self,
        from: String,
        to: String,
        product: Option<String>,
    ) -> Result<UsageDetail, ApiError> {
        let mut request = Request::get("/api/portal/usage/detail")
            .query([("from", from.as_str()), ("to", to.as_str())]);
        if let Some(product) = product {
            request = request.query([("product", product.as_str())]);
        }
        Self::json(self.send(request).await?).await
    }

    pub async fn invoices(self) -> Result<InvoiceList, ApiError> {
        Self::json(self.send(Request::get("/api/portal/invoices")).await?).await
    }

    pub async fn invoice(self, id: String) -> Result<Invoice, ApiError> {
        let url = format!("/api/portal/invoices/{}", path_segment(&id));
        Self::json(self.send(Request::get(&url)).await?).await
    }

    pub async fn invoice_pdf(self, id: String) -> Result<Download, ApiError> {
        let url = format!("/api/portal/invoices/{}/pdf", path_segment(&id));
        let response = self.send(Request::get(&url)).await?;
        let content_type = response.headers().get("content-type").unwrap_or_default();
        let bytes = response.binary().await.map_err(|_| ApiError::Network)?;
        Ok(Download {
            content_type,
            bytes,
        })
    }
}

/// Calls that need no token.
pub async fn app_config() -> Result<AppConfig, ApiError> {
    let response = Request::get("/api/app-config")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_of(&response).await);
    }
    Api::json(response).await
}

pub async fn demo_token() -> Result<DemoToken, ApiError> {
    let response = Request::post("/api/demo/token")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_of(&response).await);
    }
    Api::json(response).await
}

/// Percent-encodes one path segment (invoice numbers are plain, but a link may be edited).
fn path_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("INV202512001"), "INV202512001");
        assert_eq!(path_segment("../x y"), "..%2Fx%20y");
        assert_eq!(path_segment("发票"), "%E5%8F%91%E7%A5%A8");
    }

    #[test]
    fn field_errors_come_from_the_error_body() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"code":"validation_failed","message":"m","fields":{"contact_email":"not an address"}}}"#,
        )
        .unwrap();
        let err = ApiError::Status {
            status: 422,
            body: Some(body),
        };
        assert_eq!(err.status(), Some(422));
        assert_eq!(
            err.fields()
                .unwrap()
                .get("contact_email")
                .map(String::as_str),
            Some("not an address")
        );
        assert_eq!(ApiError::Network.fields(), None);
    }
}
