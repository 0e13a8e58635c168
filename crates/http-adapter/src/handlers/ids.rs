//! Ids from the path and the body, parsed at the edge: a malformed id names nothing, so
//! it is answered as a missing one (404), except where the id is a field to validate.

use portal_billing::BillingError;
use portal_domain::{
    CustomerId, FapiaoRequestId, FieldErrors, InvoiceId, NotificationId, ParseError, PlanId, RunId,
};

use crate::error::ApiError;

/// `raw` parsed, or 404 `what` not found.
fn found<T>(
    raw: &str,
    parse: fn(&str) -> Result<T, ParseError>,
    what: &'static str,
) -> Result<T, ApiError> {
    parse(raw).map_err(|_| BillingError::NotFound(what).into())
}

pub fn invoice(raw: &str) -> Result<InvoiceId, ApiError> {
    found(raw, InvoiceId::parse, "invoice")
}

pub fn credit_note(raw: &str) -> Result<InvoiceId, ApiError> {
    found(raw, InvoiceId::parse, "credit note")
}

/// A customer named in the path of an operation on an existing customer.
pub fn customer(raw: &str) -> Result<CustomerId, ApiError> {
    found(raw, CustomerId::parse, "customer")
}

/// A customer id to create an account under: a malformed one is a field error.
pub fn new_customer(raw: &str) -> Result<CustomerId, ApiError> {
    CustomerId::parse(raw).map_err(|e| FieldErrors::single("customer_id", e.why).into())
}

/// A plan named in a body: a malformed one is no plan of the catalogue.
pub fn plan(raw: &str) -> Result<PlanId, ApiError> {
    PlanId::parse(raw).map_err(|_| FieldErrors::single("plan_id", "no such plan").into())
}

pub fn fapiao_request(raw: &str) -> Result<FapiaoRequestId, ApiError> {
    found(raw, FapiaoRequestId::parse, "fapiao request")
}

pub fn run(raw: &str) -> Result<RunId, ApiError> {
    found(raw, RunId::parse, "billing run")
}

pub fn notification(raw: &str) -> Result<NotificationId, ApiError> {
    found(raw, NotificationId::parse, "notification")
}
