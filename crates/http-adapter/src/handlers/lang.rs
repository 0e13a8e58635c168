//! The reader's language: one per answer (errors, reasons, lines, notifications are worded
//! in it), asked for with `?lang=` or `Accept-Language`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use portal_billing::DocumentLanguage;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// The `lang` query parameter of every worded answer.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LangQuery {
    /// `zh` (default) or `en`; without it, `Accept-Language` decides.
    pub lang: Option<String>,
}

/// The reader's language, extracted from a request: `?lang=` first, else the first
/// language of `Accept-Language` that we write (by quality), else Chinese. An unknown
/// `lang` is 400 with the contract's error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(pub DocumentLanguage);

impl FromRequest for Lang {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = web::Query::<LangQuery>::from_query(req.query_string())
            .map_err(crate::error::query_error);
        ready(query.and_then(|q| document_language(q.lang.as_deref(), req).map(Lang)))
    }
}

/// The language asked for: `?lang=` first, else the first language of `Accept-Language`
/// that we write (by quality), else Chinese.
fn document_language(query: Option<&str>, req: &HttpRequest) -> Result<DocumentLanguage, ApiError> {
    match query {
        Some("zh") | Some("zh-CN") => return Ok(DocumentLanguage::Zh),
        Some("en") => return Ok(DocumentLanguage::En),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "query parameter lang: '{other}' is not zh or en"
            )));
        }
        None => {}
    }
    let header = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut ranked: Vec<(f32, DocumentLanguage)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                DocumentLanguage::Zh
            } else if tag.starts_with("en") {
                DocumentLanguage::En
            } else {
                return None;
            };
            (quality > 0.0).then_some((quality, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(ranked
        .first()
        .map(|(_, l)| *l)
        .unwrap_or(DocumentLanguage::Zh))
}

/// A 200 answer worded in the language asked for: it varies with `Accept-Language`.
pub fn worded(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::VARY, "Accept-Language"))
        .json(body)
}

/// The reader's language for a refusal: `?lang=` when it is one we write, else
/// `Accept-Language`, else Chinese. Never fails (a refusal is worded whatever the query).
pub fn reader_language(req: &HttpRequest) -> DocumentLanguage {
    let asked = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().lang);
    document_language(asked.as_deref(), req)
        .or_else(|_| document_language(None, req))
        .unwrap_or(DocumentLanguage::Zh)
}

/// The language of `Accept-Language` alone (answers without a `lang` parameter).
pub fn accept_language(req: &HttpRequest) -> Result<DocumentLanguage, ApiError> {
    document_language(None, req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang(query: Option<&str>, accept: Option<&str>) -> Result<DocumentLanguage, ApiError> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT_LANGUAGE, a));
        }
        document_language(query, &req.to_http_request())
    }

    #[test]
    fn lang_parameter_wins_then_accept_language_then_chinese() {
        assert_eq!(
            lang(Some("en"), Some("zh-CN")).unwrap(),
            DocumentLanguage::En
        );
        assert_eq!(
            lang(None, Some("en-US,en;q=0.9")).unwrap(),
            DocumentLanguage::En
        );
        assert_eq!(
            lang(None, Some("fr-FR, en;q=0.5, zh;q=0.8")).unwrap(),
            DocumentLanguage::Zh
        );
        assert_eq!(lang(None, Some("de")).unwrap(), DocumentLanguage::Zh);
        assert_eq!(lang(None, None).unwrap(), DocumentLanguage::Zh);
        assert!(lang(Some("fr"), None).is_err());
    }
}
