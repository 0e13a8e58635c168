//! [`ApiError`]: the contract's error body with its status. Use-case errors map to it
//! through `From`; internal causes are logged here and never sent to the caller.

use std::collections::BTreeMap;

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use portal_api_types::{ErrorBody, ErrorDetail};
use portal_billing::BillingError;
use portal_domain::{FieldErrors, ParseError};

/// Seconds after which a 503 may be tried again: a busy renderer frees within its wait.
const RETRY_UNAVAILABLE: &str = "5";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn validation(fields: FieldErrors) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the request has invalid fields",
        );
        err.fields = Some(fields.0);
        err
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service is temporarily unavailable; try again shortly",
        )
    }

    /// A body over the route's limit (§17).
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body exceeds {limit} bytes"),
        )
    }

    /// A body that did not arrive in time (§17).
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the body did not arrive in time",
        )
    }

    /// A refusal actix-web made before any handler (not an [`ApiError`]), as the
    /// contract's body.
    pub fn of_status(status: StatusCode) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                "payload_too_large",
                "the body is larger than this route accepts",
            ),
            StatusCode::REQUEST_TIMEOUT => Self::body_timeout(),
            StatusCode::NOT_FOUND => Self::not_found("no such resource"),
            s if s.is_server_error() => Self::internal(),
            _ => Self::bad_request("the request cannot be read"),
        }
    }

    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests; try again after the number of seconds in Retry-After",
        )
    }

    /// The refusal as a response that keeps the error, so that the answer is worded in
    /// the reader's language on its way out ([`crate::refusals`]).
    pub fn into_response(self) -> HttpResponse {
        HttpResponse::from_error(self)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred",
        )
    }

    /// A malformed query parameter: the query cannot be parsed.
    pub fn bad_query(err: &ParseError) -> Self {
        Self::bad_request(format!("query parameter {err}"))
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The contract's body; a 503 says when to try again (`Retry-After`, §17).
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((actix_web::http::header::RETRY_AFTER, RETRY_UNAVAILABLE));
        }
        response.json(self.body())
    }
}

/// Money that cannot be added up (another currency, or beyond range) on its way out: a
/// fault of stored data, never of the request.
impl From<portal_domain::MoneyError> for ApiError {
    fn from(err: portal_domain::MoneyError) -> Self {
        tracing::error!(error = %err, "money of a document does not add up");
        ApiError::internal()
    }
}

impl From<BillingError> for ApiError {
    fn from(err: BillingError) -> Self {
        match err {
            BillingError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            BillingError::Forbidden(action) => {
                ApiError::forbidden(format!("only an admin may {action}"))
            }
            BillingError::Validation(fields) => ApiError::validation(fields),
            BillingError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            BillingError::PreconditionFailed(message) => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                message,
            ),
            BillingError::Unavailable(cause) => {
                tracing::error!(error = ?cause, "database unavailable");
                ApiError::unavailable()
            }
            BillingError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                ApiError::internal()
            }
        }
    }
}

/// Each capability's error, mapped as its variants are: through [`BillingError`], whose
/// variants they share (the message, e.g. what a conflict found changed, is the
/// capability's own).
macro_rules! from_capability_errors {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<$error> for ApiError {
                fn from(err: $error) -> Self {
                    ApiError::from(BillingError::from(err))
                }
            }
        )*
    };
}

from_capability_errors!(
    portal_billing::accounts::AccountError,
    portal_billing::plan_changes::PlanChangeError,
    portal_billing::usage::UsageError,
    portal_billing::billing::BillingRunError,
    portal_billing::invoices::InvoiceError,
    portal_billing::receivables::ReceivablesError,
    portal_billing::spend_guard::SpendGuardError,
    portal_billing::fapiao::FapiaoError,
    portal_billing::delivery::OutboxError,
);

impl From<FieldErrors> for ApiError {
    fn from(fields: FieldErrors) -> Self {
        ApiError::validation(fields)
    }
}

/// Unparsable JSON is a 400; JSON of the wrong shape (unknown or mistyped fields) is a 422.
pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let fields = match message.strip_prefix("unknown field `") {
                Some(rest) => {
                    let name = rest.split('`').next().unwrap_or_default();
                    FieldErrors::single(name, "unknown field")
                }
                None => FieldErrors::single("body", message),
            };
            ApiError::validation(fields)
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request(format!("the body is not valid JSON: {e}"))
        }
        JsonPayloadError::ContentType => {
            ApiError::bad_request("the body must be JSON (Content-Type: application/json)")
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::too_large(limit),
        JsonPayloadError::Payload(actix_web::error::PayloadError::Io(e))
            if e.kind() == std::io::ErrorKind::TimedOut =>
        {
            ApiError::body_timeout()
        }
        other => ApiError::bad_request(format!("the body cannot be read: {other}")),
    }
}

pub fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::bad_request(format!("the query cannot be parsed: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn internal_errors_hide_their_cause() {
        let err: ApiError =
            BillingError::Internal(anyhow::anyhow!("password=hunter2 at db.internal")).into();
        let resp = err.error_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(resp.into_body()).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("hunter2"));
        assert!(text.contains(r#""code":"internal""#));
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = serde_json::from_str::<portal_api_types::UpdateAccountRequest>(r#"{"plan":"x"}"#)
            .unwrap_err();
        let api = json_error(JsonPayloadError::Deserialize(e));
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(api.fields.unwrap()["plan"], "unknown field");
        let e =
            serde_json::from_str::<portal_api_types::UpdateAccountRequest>("{nope").unwrap_err();
        assert_eq!(
            json_error(JsonPayloadError::Deserialize(e)).status,
            StatusCode::BAD_REQUEST
        );
    }
}
