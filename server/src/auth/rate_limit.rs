//! Per-client-address rate limit on `/api/v1/auth/*` (login and refresh), on top of the per-account
//! lockout: it slows password spraying across many accounts from one address.
//!
//! `POST /api/v1/auth/wipe-check` has a bucket of its own, [`WIPE_CHECK_FACTOR`] times larger: every
//! tablet asks it before each sync connection, so after a network outage all the desk's tablets (often
//! behind one address) ask at once, and their checks must neither be refused nor use up the budget their
//! users' logins and refreshes need. It reveals nothing to a guesser (session ids are random).
//!
//! The key is the TCP peer address, or the last `X-Forwarded-For` entry (the one the trusted reverse proxy
//! appended) when the server is configured to trust its proxy. State is in memory and pruned periodically, so it cannot grow without bound.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServiceRequest;
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

/// How many times the auth routes' quota the wipe check gets, in its own bucket.
pub const WIPE_CHECK_FACTOR: u32 = 10;

/// The wipe check's path (its own bucket).
pub const WIPE_CHECK_PATH: &str = "/api/v1/auth/wipe-check";

#[derive(Debug, Clone)]
pub struct AuthRateLimiter {
    limiter: Arc<Limiter>,
    wipe_checks: Arc<Limiter>,
    trust_forwarded_for: bool,
}

impl AuthRateLimiter {
    pub fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota(per_minute))),
            wipe_checks: Arc::new(RateLimiter::keyed(quota(
                per_minute.saturating_mul(WIPE_CHECK_FACTOR),
            ))),
            trust_forwarded_for,
        }
    }

    /// `Err(wait)` when the request's client has used up its quota (the wipe check's own, for it).
    pub fn check(&self, request: &ServiceRequest) -> Result<(), Duration> {
        let Some(ip) = self.client_ip(request) else {
            return Ok(());
        };
        let limiter = if request.path() == WIPE_CHECK_PATH {
            &self.wipe_checks
        } else {
            &self.limiter
        };
        limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn client_ip(&self, request: &ServiceRequest) -> Option<IpAddr> {
        client_ip(
            request.headers(),
            request.peer_addr(),
            self.trust_forwarded_for,
        )
    }

    /// Forgets clients whose quota has fully recovered.
    pub fn prune(&self) {
        for limiter in [&self.limiter, &self.wipe_checks] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The client's address: the socket's peer, or behind a trusted reverse proxy the last `X-Forwarded-For`
/// hop. The last hop is the one our own proxy appended; anything left of it was written by the client and
/// can be forged, so only the last entry is trusted.
pub fn client_ip(
    headers: &actix_web::http::header::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = headers.get("x-forwarded-for")
        && let Some(last) = forwarded.to_str().ok().and_then(|v| v.rsplit(',').next())
        && let Ok(ip) = last.trim().parse()
    {
        return Some(ip);
    }
    peer.map(|addr| addr.ip())
}
