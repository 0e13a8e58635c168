//! Fapiao bodies (contract §12): the profile (开票信息), a new request and the requests.

use portal_api_types::{FapiaoProfile, FapiaoRequest, FapiaoRequests, NewFapiaoRequest};

use crate::json::{self, Fields, Value, money, text};

pub fn fapiao_profile(value: &Value) -> Option<FapiaoProfile> {
    let f = Fields::of(value)?;
    Some(FapiaoProfile {
        title_type: f.opt("title_type", text)?,
        title: f.opt("title", text)?,
        tax_id: f.opt("tax_id", text)?,
        address: f.opt("address", text)?,
        phone: f.opt("phone", text)?,
        bank_name: f.opt("bank_name", text)?,
        bank_account: f.opt("bank_account", text)?,
        email: f.opt("email", text)?,
    })
}

fn fapiao_request(value: &Value) -> Option<FapiaoRequest> {
    let f = Fields::of(value)?;
    let (net_amount, tax_amount, tax_breakdown) = super::billing::tax_totals(&f)?;
    Some(FapiaoRequest {
        request_id: f.req("request_id", text)?,
        status: f.req("status", text)?,
        kind: f.req("kind", text)?,
        amount: f.req("amount", money)?,
        currency: f.req("currency", text)?,
        net_amount,
        tax_amount,
        tax_breakdown,
        amount_in_words: f.req("amount_in_words", text)?,
        invoice_ids: f.list("invoice_ids", text)?,
        title: f.req("title", text)?,
        tax_id: f.opt("tax_id", text)?,
        created_at: f.req("created_at", text)?,
        fapiao_number: f.opt("fapiao_number", text)?,
        issued_on: f.opt("issued_on", text)?,
        file_type: f.opt("file_type", text)?,
        reversal_reason: f.opt("reversal_reason", text)?,
    })
}

pub fn fapiao_requests(value: &Value) -> Option<FapiaoRequests> {
    Some(FapiaoRequests {
        requests: Fields::of(value)?.list("requests", fapiao_request)?,
    })
}

/// A string member, `null` when `None` (serde writes every member of the profile).
fn or_null(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::Null, json::string)
}

pub fn fapiao_profile_body(body: &FapiaoProfile) -> Value {
    json::object([
        ("title_type", or_null(&body.title_type)),
        ("title", or_null(&body.title)),
        ("tax_id", or_null(&body.tax_id)),
        ("address", or_null(&body.address)),
        ("phone", or_null(&body.phone)),
        ("bank_name", or_null(&body.bank_name)),
        ("bank_account", or_null(&body.bank_account)),
        ("email", or_null(&body.email)),
    ])
}

pub fn new_fapiao_request_body(body: &NewFapiaoRequest) -> Value {
    json::object([
        (
            "invoice_ids",
            json::array(body.invoice_ids.iter().map(|id| json::string(id))),
        ),
        ("kind", json::string(&body.kind)),
    ])
}
