//! What every request handler can reach: storage, the auth machinery, metrics, the clock and the settings.
//! Cheap to clone (everything inside is shared).
//!
//! Only `routes/` and `startup` know this type. Services take their own narrow dependencies and a
//! [`RequestContext`]; the accessors here hand out both.

use std::sync::Arc;

use crate::audit::AuditActor;
use crate::audit::denials::{DenialLog, Denials};
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::AuthRateLimiter;
use crate::auth::second_factor::SealingKey;
use crate::auth::service::Auth;
use crate::auth::tokens::TokenKeys;
use crate::case_stats::CaseStatsService;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::context::RequestContext;
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
    /// Aggregate case figures for the admin console, and the facts they are computed from.
    pub case_stats: CaseStatsService,
    /// Seals second-factor secrets at rest (`<data-dir>/second-factor.key`).
    pub second_factor_key: Arc<SealingKey>,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }

    /// The context of a request by `actor`, at this moment.
    pub fn context(&self, actor: AuditActor, request_id: Option<String>) -> RequestContext {
        RequestContext::new(actor, self.clock.now(), request_id)
    }

    /// The auth service with what it uses.
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            storage: &self.storage,
            hasher: &self.hasher,
            keys: &self.keys,
            lockout: self.settings.lockout,
            session_max_age: self.settings.session_max_age,
            access_token_ttl: self.settings.access_token_ttl,
            logins: &self.metrics.logins,
            sync: &self.sync,
            second_factor_key: &self.second_factor_key,
            second_factor_roles: &self.settings.second_factor_roles,
        }
    }
}

impl AppState {
    /// Where refusals are counted and written (the gate, the sync peer and housekeeping record there).
    pub fn denial_log(&self) -> DenialLog {
        DenialLog {
            denials: self.denials.clone(),
            storage: self.storage.clone(),
            clock: self.clock.clone(),
        }
    }
}
