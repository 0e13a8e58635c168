//! Rate limits (contract §13): `PORTAL_RATE_LIMIT` requests per second per customer
//! token, bursts of twice that, and the same per client address for requests without a
//! valid token. The platform's service tokens are not limited. Past the limit: `429
//! rate_limited` with `Retry-After` in whole seconds.
//!
//! The limiter is `governor`'s keyed GCRA; this module only chooses the key and writes
//! the contract's answer. (actix-governor does the same glue, but is GPL-3.0, which this
//! MIT/Apache-2.0 workspace cannot link.)

use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;
use crate::auth::{Claims, TokenRole, credential};
use crate::error::ApiError;

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    /// A valid customer token, by a hash of its text (tokens are not kept).
    Token(u64),
    /// No valid token: the client's address.
    Address(IpAddr),
}

/// The limiter shared by every worker.
pub struct RateLimits {
    limiter: DefaultKeyedRateLimiter<Caller>,
    clock: DefaultClock,
    checks: AtomicU64,
}

/// How often the limiter forgets callers whose budget is full again.
const FORGET_EVERY: u64 = 4096;

impl RateLimits {
    /// `per_second` requests per second per caller, bursts of twice that.
    pub fn per_second(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// `Ok` when the caller may go on, else the seconds to wait.
    fn check(&self, caller: &Caller) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(caller).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

fn token_hash(token: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut hasher);
    hasher.finish()
}

/// The middleware: verifies the token (bearer header or session cookie) once (the extractors reuse the claims),
/// then spends the caller's budget.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let caller = match req.app_data::<web::Data<AppState>>() {
        Some(state) => {
            let token = credential(req.request()).ok();
            let claims = token
                .as_deref()
                .and_then(|t| state.keys.verify(t).ok().map(|c| (t, c)));
            let caller = match &claims {
                Some((_, claims)) if claims.role == TokenRole::Service => None,
                Some((token, _)) => Some(Caller::Token(token_hash(token))),
                None => req.peer_addr().map(|addr| Caller::Address(addr.ip())),
            };
            if let Some((_, claims)) = claims {
                req.extensions_mut().insert::<Claims>(claims);
            }
            caller.map(|caller| (state.clone(), caller))
        }
        None => None,
    };
    if let Some((state, caller)) = caller
        && let Err(wait) = state.limits.check(&caller)
    {
        let mut res = ApiError::rate_limited().into_response();
        if let Ok(value) = HeaderValue::from_str(&wait.max(1).to_string()) {
            res.headers_mut().insert(RETRY_AFTER, value);
        }
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_a_burst_of_twice_the_rate_then_waits_about_a_second() {
        let limits = RateLimits::per_second(5);
        let a = Caller::Token(1);
        for i in 0..10 {
            assert!(limits.check(&a).is_ok(), "request {i} of the burst");
        }
        let wait = limits.check(&a).unwrap_err();
        assert_eq!(wait, 1, "one request comes back after 1/5 s, rounded up");
        // Another caller has its own budget.
        assert!(limits.check(&Caller::Token(2)).is_ok());
        assert!(
            limits
                .check(&Caller::Address([127, 0, 0, 1].into()))
                .is_ok()
        );
    }
}
