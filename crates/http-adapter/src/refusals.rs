//! Every refusal of the API on its way out: worded in the reader's language (contract
//! §16, [`crate::messages`]), in the contract's body even when actix-web made it (a body
//! over its limit), and, when it is a 401 to the app's session cookie, clearing that
//! cookie. Answers that are not refusals pass untouched. On the way in, a request's body
//! is given its deadline ([`crate::body_deadline`]).

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, VARY};
use actix_web::middleware::Next;
use portal_billing::DocumentLanguage;

use crate::error::ApiError;
use crate::handlers::{lang, session};
use crate::messages;

pub async fn refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let mut req = req;
    crate::body_deadline::apply(&mut req);
    let by_cookie = session::by_cookie_alone(req.request());
    let mut res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_left_body());
    }
    if by_cookie && status == StatusCode::UNAUTHORIZED {
        let removal = session::removal(res.request());
        res.response_mut().add_cookie(&removal)?;
    }
    let language = lang::reader_language(res.request());
    res.headers_mut()
        .append(VARY, HeaderValue::from_static("Accept-Language"));
    let worded = match res.response().error() {
        None => return Ok(res.map_into_left_body()),
        Some(error) => match error.as_error::<ApiError>() {
            Some(_) if language == DocumentLanguage::En => {
                return Ok(res.map_into_left_body());
            }
            Some(err) => messages::localized(err, language),
            // actix-web's own refusal (a body over its limit): the contract's body.
            None => messages::localized(&ApiError::of_status(status), language),
        },
    };
    let body =
        serde_json::to_vec(&worded.body()).map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(res.map_body(|head, _| {
        head.headers.insert(
            actix_web::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        EitherBody::right(BoxBody::new(body))
    }))
}
