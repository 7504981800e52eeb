//! Per-client-address rate limit on `/api/v1/auth/*` (login and refresh), on top of the per-account
//! lockout: it slows password spraying across many accounts from one address.
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

#[derive(Debug, Clone)]
pub struct AuthRateLimiter {
    limiter: Arc<RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>>,
    trust_forwarded_for: bool,
}

impl AuthRateLimiter {
    pub fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            trust_forwarded_for,
        }
    }

    /// `Err(wait)` when the request's client has used up its quota.
    pub fn check(&self, request: &ServiceRequest) -> Result<(), Duration> {
        let Some(ip) = self.client_ip(request) else {
            return Ok(());
        };
        self.limiter
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
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
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
