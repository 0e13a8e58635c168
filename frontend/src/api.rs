//! The portal API as the app uses it: typed calls with `portal-api-types` bodies, the
//! bearer token from the in-memory session, and the contract's error body. A 401 ends
//! the session (see [`crate::auth::Session::expire`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use gloo_net::http::{Request, RequestBuilder, Response};
use portal_api_types::{
    Account, AlertRules, AppConfig, AuditLog, Caps, DemoToken, DowngradeRequest, ErrorBody,
    FapiaoProfile, FapiaoRequests, Invoice, InvoiceList, NewFapiaoRequest, Notification,
    Notifications, PlanList, Subscription, UpcomingBill, UpdateAccountRequest, UpgradePreview,
    UpgradeRequest, UpgradeResponse, UsageDetail, UsageOverview,
};

mod exports;
mod receivables;
pub mod session;

use crate::auth::{Session, use_session};
use crate::bodies;
use crate::i18n::{I18nContext, html_lang, use_i18n};
use crate::json::{self, Value};

/// The `limit` of the lists the app reads: the largest page the API gives (contract §13).
const LARGEST_PAGE: &str = "200";
const FAPIAO_PROFILE: &str = "/api/portal/fapiao/profile";
const FAPIAO_REQUESTS: &str = "/api/portal/fapiao/requests";

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

    /// The error body's `message`: why the API refused (a 409's conflict, in its words).
    pub fn message(&self) -> Option<&str> {
        match self {
            ApiError::Status {
                body: Some(body), ..
            } => Some(body.error.message.as_str()),
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
    i18n: I18nContext,
}

pub fn use_api() -> Api {
    Api {
        session: use_session(),
        i18n: use_i18n(),
    }
}

async fn error_of(response: &Response) -> ApiError {
    let status = response.status();
    let body = match response.text().await {
        Ok(text) => read(&text, bodies::error_body).ok(),
        Err(_) => None,
    };
    ApiError::Status { status, body }
}

/// Reads a body with `read` (see [`crate::bodies`]).
fn read<T>(text: &str, read: fn(&Value) -> Option<T>) -> Result<T, ApiError> {
    json::parse(text)
        .as_ref()
        .and_then(read)
        .ok_or(ApiError::Unexpected)
}

/// A call under way. Every endpoint awaits one of these rather than its own copy of the
/// sending and checking, which keeps each endpoint's code (and the wasm) small.
pub type Pending<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl Api {
    /// Sends `request` with the bearer token (or, signed in by the session cookie,
    /// `X-Portal-Request: 1`) and the app's language; a 401 ends the session, any other
    /// refusal becomes [`ApiError::Status`] with the error body.
    fn dispatch(self, request: RequestBuilder, json_body: Option<String>) -> Pending<Response> {
        Box::pin(async move {
            let token = self.session.token();
            if token.is_none() && !self.session.by_cookie() {
                return Err(ApiError::Unauthorized);
            }
            // The app's language, for whatever the API words for people (invoice lines).
            let lang = html_lang(self.i18n.get_locale_untracked());
            let request = request
                .header(session::APP_REQUEST.0, session::APP_REQUEST.1)
                .header("Accept-Language", lang);
            let request = match &token {
                Some(token) => request.header("Authorization", &format!("Bearer {token}")),
                None => request,
            };
            let request = match json_body {
                Some(json) => request
                    .header("Content-Type", "application/json")
                    .body(json)
                    .map_err(|_| ApiError::Unexpected)?,
                None => request.build().map_err(|_| ApiError::Unexpected)?,
            };
            let response = request.send().await.map_err(|_| ApiError::Network)?;
            if response.status() == 401 {
                self.session.expire(token.as_deref());
                return Err(ApiError::Unauthorized);
            }
            if !response.ok() {
                return Err(error_of(&response).await);
            }
            Ok(response)
        })
    }

    /// The answer's body as text.
    fn text(self, request: RequestBuilder, json_body: Option<String>) -> Pending<String> {
        Box::pin(async move {
            let response = self.dispatch(request, json_body).await?;
            response.text().await.map_err(|_| ApiError::Unexpected)
        })
    }

    /// Sends `request` (with `body`) and reads the answer with `read`.
    ///
    /// The endpoints below are plain functions returning this one boxed call rather than
    /// `async fn`s awaiting it: each `async fn` layer put its own state machine in the
    /// wasm, per endpoint and per answer type.
    fn call<T: 'static>(
        self,
        request: RequestBuilder,
        body: Option<Value>,
        read: fn(&Value) -> Option<T>,
    ) -> Pending<T> {
        let text = self.text(request, body.as_ref().map(json::to_text));
        Box::pin(async move { self::read(&text.await?, read) })
    }

    fn get<T: 'static>(self, request: RequestBuilder, read: fn(&Value) -> Option<T>) -> Pending<T> {
        self.call(request, None, read)
    }

    /// Sends `request` (with `json_body`); the answer's body is not read.
    fn send(self, request: RequestBuilder, json_body: Option<String>) -> Pending<()> {
        let text = self.text(request, json_body);
        Box::pin(async move { text.await.map(drop) })
    }

    pub fn account(self) -> Pending<Account> {
        self.get(Request::get("/api/portal/account"), bodies::account)
    }

    pub fn update_account(self, body: UpdateAccountRequest) -> Pending<Account> {
        let body = bodies::update_account_body(&body);
        self.call(
            Request::put("/api/portal/account"),
            Some(body),
            bodies::account,
        )
    }

    pub fn subscription(self) -> Pending<Subscription> {
        self.get(
            Request::get("/api/portal/subscription"),
            bodies::subscription,
        )
    }

    pub fn plans(self) -> Pending<PlanList> {
        self.get(Request::get("/api/portal/plans"), bodies::plan_list)
    }

    pub fn upgrade_preview(self, plan_id: String) -> Pending<UpgradePreview> {
        let request = Request::get("/api/portal/subscription/upgrade/preview")
            .query([("plan_id", plan_id.as_str())]);
        self.get(request, bodies::upgrade_preview)
    }

    /// Upgrades at the preview's proration date, so the charge is the amount the person
    /// confirmed. `idempotency_key` makes a repeated confirmation change nothing twice.
    pub fn upgrade(
        self,
        plan_id: String,
        proration_date: String,
        idempotency_key: String,
    ) -> Pending<UpgradeResponse> {
        let request = Request::post("/api/portal/subscription/upgrade")
            .header("Idempotency-Key", &idempotency_key);
        let body = UpgradeRequest {
            plan_id,
            proration_date: Some(proration_date),
        };
        let body = bodies::upgrade_body(&body);
        self.call(request, Some(body), bodies::upgrade_response)
    }

    /// Schedules a move to a cheaper plan at the end of the current period.
    pub fn downgrade(self, plan_id: String) -> Pending<Subscription> {
        let body = bodies::downgrade_body(&DowngradeRequest { plan_id });
        let request = Request::post("/api/portal/subscription/downgrade");
        self.call(request, Some(body), bodies::subscription)
    }

    /// Drops a scheduled plan change.
    pub fn cancel_scheduled_change(self) -> Pending<Subscription> {
        let request = Request::delete("/api/portal/subscription/scheduled-change");
        self.get(request, bodies::subscription)
    }

    /// The month's usage; `None` asks for the current month.
    pub fn usage(self, month: Option<String>) -> Pending<UsageOverview> {
        let mut request = Request::get("/api/portal/usage");
        if let Some(month) = month {
            request = request.query([("month", month.as_str())]);
        }
        self.get(request, bodies::usage_overview)
    }

    pub fn usage_detail(
        self,
        from: String,
        to: String,
        product: Option<String>,
    ) -> Pending<UsageDetail> {
        let mut request = Request::get("/api/portal/usage/detail")
            .query([("from", from.as_str()), ("to", to.as_str())]);
        if let Some(product) = product {
            request = request.query([("product", product.as_str())]);
        }
        self.get(request, bodies::usage_detail)
    }

    /// The newest invoices: the largest page (the app shows no further pages).
    pub fn invoices(self) -> Pending<InvoiceList> {
        let request = Request::get("/api/portal/invoices").query([("limit", LARGEST_PAGE)]);
        self.get(request, bodies::invoice_list)
    }

    /// One invoice, its lines worded in `lang` (`zh` or `en`).
    pub fn invoice(self, id: String, lang: &'static str) -> Pending<Invoice> {
        let url = format!("/api/portal/invoices/{}", path_segment(&id));
        let request = Request::get(&url).query([("lang", lang)]);
        self.get(request, bodies::invoice)
    }

    /// The invoice the next billing run would issue now, and the same at this month's
    /// pace to its end; its lines worded in `lang` (`zh` or `en`).
    pub fn upcoming_bill(self, lang: &'static str) -> Pending<UpcomingBill> {
        let request = Request::get("/api/portal/billing/upcoming").query([("lang", lang)]);
        self.get(request, bodies::upcoming_bill)
    }

    /// The invoice's PDF, in `lang` (`zh` or `en`).
    pub fn invoice_pdf(self, id: String, lang: &'static str) -> Pending<Download> {
        let url = format!("/api/portal/invoices/{}/pdf", path_segment(&id));
        self.file(Request::get(&url).query([("lang", lang)]))
    }

    /// A file the API serves (with the bearer header, so the token is in no link).
    fn file(self, request: RequestBuilder) -> Pending<Download> {
        Box::pin(async move {
            let response = self.dispatch(request, None).await?;
            let content_type = response.headers().get("content-type").unwrap_or_default();
            let bytes = response.binary().await.map_err(|_| ApiError::Network)?;
            Ok(Download {
                content_type,
                bytes,
            })
        })
    }

    /// The alert rules (contract §11).
    pub fn alerts(self) -> Pending<AlertRules> {
        self.get(Request::get("/api/portal/alerts"), bodies::alert_rules)
    }

    /// Replaces the alert rules (admins). The form keeps what it sent: the answer's body
    /// is not read.
    pub fn save_alerts(self, body: AlertRules) -> Pending<()> {
        let text = json::to_text(&bodies::alert_rules_body(&body));
        self.send(Request::put("/api/portal/alerts"), Some(text))
    }

    /// The caps: where counted products stop (contract §11).
    pub fn caps(self) -> Pending<Caps> {
        self.get(Request::get("/api/portal/caps"), bodies::caps)
    }

    /// Replaces the caps (admins); as [`Api::save_alerts`], the answer's body is not read.
    pub fn save_caps(self, body: Caps) -> Pending<()> {
        let text = json::to_text(&bodies::caps_body(&body));
        self.send(Request::put("/api/portal/caps"), Some(text))
    }

    /// The notifications, newest first, worded in `lang` (`zh` or `en`).
    pub fn notifications(self, lang: &'static str) -> Pending<Notifications> {
        let request = Request::get("/api/portal/notifications").query([("lang", lang)]);
        self.get(request, bodies::notifications)
    }

    /// Marks one notification read; the answer is the notification (worded in the
    /// app's language, which `Accept-Language` says).
    pub fn mark_read(self, id: String) -> Pending<Notification> {
        let url = format!("/api/portal/notifications/{}/read", path_segment(&id));
        self.get(Request::post(&url), bodies::notification)
    }

    /// 全部已读: every notification read.
    pub fn mark_all_read(self) -> Pending<()> {
        self.send(Request::post("/api/portal/notifications/read-all"), None)
    }

    /// The fapiao profile (开票信息); `None` until one is saved (the API's 404).
    pub fn fapiao_profile(self) -> Pending<Option<FapiaoProfile>> {
        let answer = self.get(Request::get(FAPIAO_PROFILE), bodies::fapiao_profile);
        Box::pin(async move {
            match answer.await {
                Err(error) if error.status() == Some(404) => Ok(None),
                other => other.map(Some),
            }
        })
    }

    /// Replaces the fapiao profile (admins). As [`Api::save_alerts`], the form keeps what
    /// it sent: the answer's body is not read.
    pub fn save_fapiao_profile(self, body: FapiaoProfile) -> Pending<()> {
        let text = json::to_text(&bodies::fapiao_profile_body(&body));
        self.send(Request::put(FAPIAO_PROFILE), Some(text))
    }

    /// The fapiao requests, newest first.
    pub fn fapiao_requests(self) -> Pending<FapiaoRequests> {
        self.get(Request::get(FAPIAO_REQUESTS), bodies::fapiao_requests)
    }

    /// Requests a fapiao (admins). The page reads the list again: the answer's body is
    /// not read.
    pub fn request_fapiao(self, body: NewFapiaoRequest) -> Pending<()> {
        let text = json::to_text(&bodies::new_fapiao_request_body(&body));
        self.send(Request::post(FAPIAO_REQUESTS), Some(text))
    }

    /// Withdraws a pending request (admins); as [`Api::request_fapiao`], the answer's
    /// body is not read.
    pub fn withdraw_fapiao(self, id: String) -> Pending<()> {
        let url = format!("{FAPIAO_REQUESTS}/{}", path_segment(&id));
        self.send(Request::delete(&url), None)
    }

    /// An issued fapiao's file (PDF or OFD).
    pub fn fapiao_file(self, id: String) -> Pending<Download> {
        let url = format!("{FAPIAO_REQUESTS}/{}/file", path_segment(&id));
        self.file(Request::get(&url))
    }

    /// The changes made through the portal (and payments recorded), newest first.
    /// The newest entries: the largest page (the app shows no further pages).
    pub fn audit_log(self) -> Pending<AuditLog> {
        let request = Request::get("/api/portal/audit-log").query([("limit", LARGEST_PAGE)]);
        self.get(request, bodies::audit_log)
    }
}

/// Calls that need no token: sends `request` and reads the answer's body as text.
fn untokened(request: RequestBuilder) -> Pending<String> {
    Box::pin(async move {
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if !response.ok() {
            return Err(error_of(&response).await);
        }
        response.text().await.map_err(|_| ApiError::Unexpected)
    })
}

pub async fn app_config() -> Result<AppConfig, ApiError> {
    let text = untokened(Request::get("/api/app-config")).await?;
    read(&text, bodies::app_config)
}

pub async fn demo_token() -> Result<DemoToken, ApiError> {
    let text = untokened(Request::post("/api/demo/token")).await?;
    read(&text, bodies::demo_token)
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
        let body = read(
            r#"{"error":{"code":"validation_failed","message":"m","fields":{"contact_email":"not an address"}}}"#,
            bodies::error_body,
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
