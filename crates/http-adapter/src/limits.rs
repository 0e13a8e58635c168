//! Rate limits (contract §13, §17): `PORTAL_RATE_LIMIT` requests per second per
//! customer — all tokens of one customer share one budget — with bursts of twice that
//! (at least one costly request's worth). Costly routes count 10 ([`weight`]). Requests
//! without a valid token are limited per client address: the socket peer, or, when the
//! peer is one of `PORTAL_TRUSTED_PROXIES`, the right-most `X-Forwarded-For` entry that
//! is not; IPv6 clients by their /64. The platform's service tokens are not limited, nor
//! are the app's files and `/api/app-config` (the middleware is not on them). Past the
//! limit: `429 rate_limited` with `Retry-After` in whole seconds.
//!
//! The limiter is `governor`'s keyed GCRA; this module only chooses the key and weight
//! and writes the contract's answer. (actix-governor does the same glue, but is
//! GPL-3.0, which this MIT/Apache-2.0 workspace cannot link.)

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

use crate::AppState;
use crate::auth::{Claims, TokenRole, credential};
use crate::error::ApiError;

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    /// A valid customer token: the customer's budget, whichever of its tokens.
    Customer(String),
    /// No valid token: the client's address (an IPv6 client's /64).
    Address(IpAddr),
}

/// What a costly request counts.
pub const COSTLY: u32 = 10;

/// The limiter shared by every worker.
pub struct RateLimits {
    limiter: DefaultKeyedRateLimiter<Caller>,
    clock: DefaultClock,
    checks: AtomicU64,
    /// `PORTAL_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    trusted: Vec<IpNet>,
}

/// How often the limiter forgets callers whose budget is full again.
const FORGET_EVERY: u64 = 4096;

impl RateLimits {
    /// `per_second` requests per second per caller, bursts of twice that (at least
    /// [`COSTLY`], so that a costly request can pass at all).
    pub fn per_second(per_second: u32) -> Self {
        Self::new(per_second, Vec::new())
    }

    /// As [`Self::per_second`], believing `X-Forwarded-For` from the `trusted` proxies.
    pub fn new(per_second: u32, trusted: Vec<IpNet>) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let twice = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
        let burst = twice.max(NonZeroU32::new(COSTLY).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
            trusted,
        }
    }

    /// `Ok` when the caller may spend `weight`, else the seconds to wait.
    fn check(&self, caller: &Caller, weight: u32) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
        }
        let n = NonZeroU32::new(weight).unwrap_or(NonZeroU32::MIN);
        match self.limiter.check_key_n(caller, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
            // More than a burst: never (the burst is at least the largest weight).
            Err(_) => Err(1),
        }
    }

    /// The client's address: the peer, or behind trusted proxies the right-most
    /// `X-Forwarded-For` entry that is not one of them; an IPv6 client by its /64.
    fn client(&self, peer: IpAddr, forwarded: Option<&str>) -> IpAddr {
        let trusted = |ip: &IpAddr| self.trusted.iter().any(|net| net.contains(ip));
        let mut client = peer;
        if trusted(&peer)
            && let Some(chain) = forwarded
        {
            for hop in chain.rsplit(',') {
                let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                    // A hop that is not an address: the last good one stands.
                    break;
                };
                client = ip;
                if !trusted(&ip) {
                    break;
                }
            }
        }
        match client {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }
}

/// What a request counts (§17): 10 for a PDF, an export, the statement, the costs, the
/// upcoming bill and a usage detail over 31 days; 1 otherwise.
pub fn weight(path: &str, query: &str) -> u32 {
    let costly = path.ends_with("/pdf")
        || path.starts_with("/api/portal/exports/")
        || path == "/api/portal/statement"
        || path == "/api/portal/costs"
        || path == "/api/portal/billing/upcoming"
        || (path == "/api/portal/usage/detail" && detail_days(query) > 31);
    if costly { COSTLY } else { 1 }
}

/// The days a usage detail's `from`/`to` span (0 when they cannot be read: the handler
/// refuses those).
fn detail_days(query: &str) -> i64 {
    let day = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    };
    match (day("from"), day("to")) {
        (Some(from), Some(to)) => (to - from).num_days() + 1,
        _ => 0,
    }
}

/// The middleware: verifies the token (bearer header or session cookie) once (the
/// extractors reuse the claims), then spends the caller's budget.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let caller = match req.app_data::<web::Data<AppState>>() {
        // The app's configuration is read before anyone signs in: never limited.
        Some(_) if req.path() == "/api/app-config" => None,
        Some(state) => {
            let token = credential(req.request()).ok();
            let claims = token.as_deref().and_then(|t| state.keys.verify(t).ok());
            let address = || {
                req.peer_addr().map(|addr| {
                    let forwarded = req
                        .headers()
                        .get("x-forwarded-for")
                        .and_then(|v| v.to_str().ok());
                    Caller::Address(state.limits.client(addr.ip(), forwarded))
                })
            };
            let caller = match &claims {
                Some(claims) if claims.role == TokenRole::Service => None,
                Some(claims) => match &claims.customer_id {
                    Some(customer) => Some(Caller::Customer(customer.clone())),
                    None => address(),
                },
                None => address(),
            };
            if let Some(claims) = claims {
                req.extensions_mut().insert::<Claims>(claims);
            }
            caller.map(|caller| (state.clone(), caller))
        }
        None => None,
    };
    if let Some((state, caller)) = caller
        && let Err(wait) = state
            .limits
            .check(&caller, weight(req.path(), req.query_string()))
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

    fn customer(id: &str) -> Caller {
        Caller::Customer(id.into())
    }

    #[test]
    fn a_caller_gets_a_burst_of_twice_the_rate_then_waits_about_a_second() {
        let limits = RateLimits::per_second(5);
        let a = customer("cust_a");
        for i in 0..10 {
            assert!(limits.check(&a, 1).is_ok(), "request {i} of the burst");
        }
        let wait = limits.check(&a, 1).unwrap_err();
        assert_eq!(wait, 1, "one request comes back after 1/5 s, rounded up");
        // Another caller has its own budget.
        assert!(limits.check(&customer("cust_b"), 1).is_ok());
        assert!(
            limits
                .check(&Caller::Address([127, 0, 0, 1].into()), 1)
                .is_ok()
        );
    }

    #[test]
    fn a_costly_request_spends_ten() {
        let limits = RateLimits::per_second(5);
        let a = customer("cust_a");
        assert!(limits.check(&a, COSTLY).is_ok());
        assert!(limits.check(&a, 1).is_err(), "the burst of 10 is spent");
        // Even at one request a second, a costly one can pass (the burst is at least 10).
        let slow = RateLimits::per_second(1);
        assert!(slow.check(&a, COSTLY).is_ok());
    }

    #[test]
    fn costly_routes_weigh_ten() {
        for (path, query) in [
            ("/api/portal/invoices/INV202612001/pdf", ""),
            ("/api/portal/credit-notes/CN202612001/pdf", "lang=en"),
            ("/api/portal/exports/invoices", "format=csv"),
            ("/api/portal/statement", ""),
            ("/api/portal/costs", "months=12"),
            ("/api/portal/billing/upcoming", ""),
            ("/api/portal/usage/detail", "from=2026-01-01&to=2026-12-31"),
        ] {
            assert_eq!(weight(path, query), COSTLY, "{path}?{query}");
        }
        for (path, query) in [
            ("/api/portal/plans", ""),
            ("/api/portal/invoices/INV202612001", ""),
            ("/api/portal/usage/detail", "from=2026-12-01&to=2026-12-31"),
            ("/api/portal/usage/detail", "from=bad&to=2026-12-31"),
        ] {
            assert_eq!(weight(path, query), 1, "{path}?{query}");
        }
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let proxies = vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8:ffff::/48".parse().unwrap(),
        ];
        let limits = RateLimits::new(5, proxies);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not from a proxy: the header is the client's own word, ignored.
        assert_eq!(
            limits.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // From a proxy: the right-most entry that is not a proxy.
        assert_eq!(
            limits.client(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7, 10.0.0.1")),
            ip("198.51.100.7")
        );
        // A spoofed left part does not matter.
        assert_eq!(
            limits.client(ip("10.0.0.2"), Some("9.9.9.9, 198.51.100.7")),
            ip("198.51.100.7")
        );
        // Only proxies in the chain: the left-most of them.
        assert_eq!(
            limits.client(ip("10.0.0.2"), Some("10.0.0.5")),
            ip("10.0.0.5")
        );
        // IPv6 clients by their /64.
        assert_eq!(
            limits.client(ip("2001:db8:1:2:3:4:5:6"), None),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limits.client(ip("2001:db8:ffff::1"), Some("2001:db8:7:8::9")),
            ip("2001:db8:7:8::")
        );
    }
}
