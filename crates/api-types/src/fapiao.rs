//! Fapiao (发票管理, contract §12): the profile a fapiao is made out to, the requests for
//! paid invoices, and what the platform's finance reports when it issues or reverses one.

use rust_decimal::Decimal;

use crate::TaxBreakdownEntry;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `GET`/`PUT /api/portal/fapiao/profile` (开票信息). On `PUT` every field is checked and
/// each bad one named (`422`); blank optional fields are stored as null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FapiaoProfile {
    /// `company` or `individual`.
    #[serde(default)]
    pub title_type: Option<String>,
    /// The buyer's name as printed on the fapiao (发票抬头).
    #[serde(default)]
    pub title: Option<String>,
    /// The 18-character unified social credit code (统一社会信用代码); required for a
    /// company, its 18th character checked per GB 32100-2015.
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub bank_account: Option<String>,
    /// Where issued e-fapiao are sent.
    #[serde(default)]
    pub email: Option<String>,
}

/// `POST /api/portal/fapiao/requests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewFapiaoRequest {
    /// Paid invoices of the customer, none in a pending or issued request.
    pub invoice_ids: Vec<String>,
    /// `normal` (增值税普通发票) or `special` (增值税专用发票).
    pub kind: String,
}

/// A request for a fapiao, with the title and tax id as they were when requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FapiaoRequest {
    pub request_id: String,
    /// `pending`, `issued`, `withdrawn` or `reversed` (红冲).
    pub status: String,
    /// `normal` or `special`.
    pub kind: String,
    /// The invoices' total.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1998.00"))]
    pub amount: Decimal,
    pub currency: String,
    /// The invoices' lines' net amounts (金额（不含税）).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "942.45"))]
    pub net_amount: Decimal,
    /// The invoices' lines' tax amounts (税额).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "56.55"))]
    pub tax_amount: Decimal,
    /// One entry per VAT rate of the invoices' lines, lowest rate first.
    pub tax_breakdown: Vec<TaxBreakdownEntry>,
    /// `amount` in Chinese capital numerals (人民币大写), e.g. `玖佰玖拾玖元整`.
    pub amount_in_words: String,
    pub invoice_ids: Vec<String>,
    pub title: String,
    #[serde(default)]
    pub tax_id: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When issued: the 20-digit fapiao number, its date and file type (`pdf`, `ofd`).
    #[serde(default)]
    pub fapiao_number: Option<String>,
    #[serde(default)]
    pub issued_on: Option<String>,
    #[serde(default)]
    pub file_type: Option<String>,
    /// When reversed: finance's reason.
    #[serde(default)]
    pub reversal_reason: Option<String>,
}

/// `GET /api/portal/fapiao/requests` (newest first) and the internal pending list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FapiaoRequests {
    pub requests: Vec<FapiaoRequest>,
}

/// `POST /api/internal/fapiao/requests/{request_id}/issued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FapiaoIssued {
    /// 20 digits (a fully digital e-fapiao, 全电发票).
    pub fapiao_number: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `pdf` or `ofd`.
    pub file_type: String,
    /// The file, standard base64; at most 5 MB decoded.
    pub file_base64: String,
}

/// `POST /api/internal/fapiao/requests/{request_id}/reversed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FapiaoReversed {
    pub reason: String,
}
