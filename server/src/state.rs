//! What every request handler can reach: storage, the auth machinery, metrics, the clock and the settings.
//! Cheap to clone (everything inside is shared).

use std::sync::Arc;

use crate::audit::denials::Denials;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::AuthRateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::queue::QueueService;
use crate::storage::Storage;
use crate::sync::SyncService;

#[derive(Debug, Clone)]
pub struct AppState {
    pub storage: Storage,
    pub hasher: PasswordHasher,
    pub keys: TokenKeys,
    pub clock: SharedClock,
    pub metrics: Metrics,
    pub settings: Arc<Settings>,
    pub auth_rate_limiter: AuthRateLimiter,
    /// Bearer token accepted by `GET /metrics` besides an admin's access token.
    pub metrics_token: Arc<str>,
    pub sync: SyncService,
    pub queue: QueueService,
    /// Refusals per actor and window, for the audit log and the per-actor limit.
    pub denials: Denials,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }
}
