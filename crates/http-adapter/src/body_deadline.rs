//! A request body must arrive within [`BODY_DEADLINE`] (§17): a client trickling bytes
//! cannot hold a worker and its buffers open. The payload stream is given a timer; past
//! it the stream ends with a `TimedOut` error, which the JSON extractor turns into
//! `408 request_timeout` ([`crate::error::json_error`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::web::Bytes;
use futures::Stream;
use tokio::time::{Instant, Sleep};

/// How long a request's body may take to arrive.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);

/// Gives `req`'s body a deadline, when it has one (requests without a body pass as
/// they are: nothing is wrapped on the read path).
pub fn apply(req: &mut ServiceRequest) {
    let has_body = req
        .headers()
        .get(CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || req.headers().contains_key(TRANSFER_ENCODING);
    if !has_body {
        return;
    }
    let inner = req.take_payload();
    let timed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Deadline {
        inner,
        timer: Box::pin(tokio::time::sleep_until(Instant::now() + BODY_DEADLINE)),
        done: false,
    });
    req.set_payload(Payload::from(timed));
}

struct Deadline {
    inner: Payload,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.done = true;
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the body did not arrive in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
