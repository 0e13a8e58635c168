//! What a customer owes (§15): the balance, credit notes, and the platform's report of a
//! bank receipt.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use portal_api_types::{
    Balance, CreditNote, CreditNoteList, ErrorBody, PaymentIntake, PaymentReceipt, Statement,
};
use portal_billing::PaymentInput;
use portal_domain::{DocumentKind, FieldErrors};

use super::invoices::pdf_response;
use super::lang::{Lang, LangQuery, worded};
use super::paging::{self, PageQuery};
use crate::auth::{CustomerUser, ServiceCaller};
use crate::error::ApiError;
use crate::{AppState, dto, exports};

/// What the customer owes (应付金额), the part overdue, its credit (余额), and where and
/// how to pay (the account and the customer's 汇款识别码).
#[utoipa::path(
    context_path = "/api",
    tag = "receivables",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Balance),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/portal/balance")]
pub async fn get_balance(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
) -> Result<web::Json<Balance>, ApiError> {
    let view = state.portal.receivables.balance(&user).await?;
    Ok(web::Json(dto::balance(&view)))
}

/// The statement's query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct StatementQuery {
    /// `YYYY-MM`, the first month (default: eleven months before `to`).
    pub from: Option<String>,
    /// `YYYY-MM`, the last month (default: this month). At most 24 months in all.
    pub to: Option<String>,
    /// `json` (default), `xlsx` or `csv` (UTF-8 with BOM, headers in the reader's language).
    pub format: Option<String>,
}

/// The statement (对账单): the balance brought forward, every invoice, credit note and
/// payment of the months with the running balance, and the balance carried forward; as
/// JSON, XLSX or CSV.
#[utoipa::path(
    context_path = "/api",
    tag = "receivables",
    security(("bearer" = [])),
    params(StatementQuery, LangQuery),
    responses(
        (status = 200, body = Statement, description = "JSON; with `format=xlsx` or `format=csv` the same as a file"),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "a month not `YYYY-MM`, `from` after `to`, more than 24 months, or an unknown `format`", body = ErrorBody),
    )
)]
#[get("/portal/statement")]
pub async fn get_statement(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<StatementQuery>,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "xlsx" | "csv") {
        return Err(FieldErrors::single("format", "must be json, xlsx or csv").into());
    }
    let statement = state
        .portal
        .receivables
        .statement(&user, query.from.as_deref(), query.to.as_deref())
        .await?;
    let body = dto::statement(&statement, language);
    let name = format!("statement-{}-{}-{}", user.customer_id, body.from, body.to);
    let file = |format: &str, bytes| super::exports::attachment(&name, format, bytes);
    Ok(match format {
        "csv" => file(
            "csv",
            exports::statement_csv(&body, language).map_err(file_error)?,
        ),
        "xlsx" => {
            let account = state.portal.accounts.account(&user).await?;
            file(
                "xlsx",
                exports::statement_xlsx(&body, &account.company_name, language)
                    .map_err(file_error)?,
            )
        }
        _ => worded(body),
    })
}

fn file_error(err: anyhow::Error) -> ApiError {
    tracing::error!(error = %err, "the statement's file could not be written");
    ApiError::internal()
}

/// A page of the customer's credit notes (贷项通知单), newest first.
#[utoipa::path(
    context_path = "/api",
    tag = "receivables",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = CreditNoteList),
        (status = 400, description = "`limit` not from 1 to 200, or `cursor` not a `next_cursor` of this list", body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/portal/credit-notes")]
pub async fn list_credit_notes(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<CreditNoteList>, ApiError> {
    let page = state
        .portal
        .receivables
        .credit_notes(&user, query.request()?)
        .await?;
    Ok(web::Json(CreditNoteList {
        credit_notes: page.items.iter().map(dto::credit_note_summary).collect(),
        next_cursor: page.next.as_ref().map(paging::encode),
    }))
}

/// One credit note with its lines and the invoices it credits. Another customer's is 404.
#[utoipa::path(
    context_path = "/api",
    tag = "receivables",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Credit note number, e.g. CN202612001"),
        LangQuery,
    ),
    responses(
        (status = 200, description = "lines worded in `?lang=` or Accept-Language (zh by default)", body = CreditNote),
        (status = 400, description = "`lang` is not zh or en", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/credit-notes/{id}")]
pub async fn get_credit_note(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
    Lang(language): Lang,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .portal
        .receivables
        .credit_note(&user, &super::ids::credit_note(&id)?)
        .await?;
    Ok(worded(dto::credit_note(&view, language)?))
}

/// The credit note as a PDF (贷项通知单 / Credit note). Another customer's is 404; a
/// current `If-None-Match` gets 304.
#[utoipa::path(
    context_path = "/api",
    tag = "receivables",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credit note number"), LangQuery),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 304, description = "the copy named by If-None-Match is current"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/portal/credit-notes/{id}/pdf")]
pub async fn get_credit_note_pdf(
    state: web::Data<AppState>,
    CustomerUser(user): CustomerUser,
    id: web::Path<String>,
    Lang(language): Lang,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let pdf = state
        .portal
        .invoices
        .invoice_pdf(
            &user,
            &super::ids::credit_note(&id)?,
            language,
            if_none_match,
            DocumentKind::CreditNote,
        )
        .await?;
    Ok(pdf_response(pdf))
}

/// A bank receipt: matched by `customer_id` or `remittance_code`, recorded once per
/// `reference` (the same reference again answers the first result, 200, and changes
/// nothing), applied to the open invoices earliest due first; the rest is credit.
#[utoipa::path(
    context_path = "/api",
    tag = "internal",
    security(("bearer" = [])),
    request_body = PaymentIntake,
    responses(
        (status = 201, description = "recorded", body = PaymentReceipt),
        (status = 200, description = "the reference was recorded before: its first answer", body = PaymentReceipt),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "amount ≤ 0 or finer than the fen, no reference, unknown customer or remittance code, `paid_at` in the future", body = ErrorBody),
    )
)]
#[post("/internal/payments")]
pub async fn post_payment(
    state: web::Data<AppState>,
    ServiceCaller(caller): ServiceCaller,
    body: web::Json<PaymentIntake>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let outcome = state
        .portal
        .receivables
        .receive_payment(
            &caller,
            PaymentInput {
                amount: body.amount,
                reference: body.reference,
                paid_at: body.paid_at,
                customer_id: body.customer_id,
                remittance_code: body.remittance_code,
                method: body.method,
            },
        )
        .await?;
    let receipt = dto::payment_receipt(&outcome);
    Ok(if outcome.replayed {
        HttpResponse::Ok().json(receipt)
    } else {
        HttpResponse::Created().json(receipt)
    })
}
