//! Settings of a running server. `cli` fills them from flags and `SPORTELLO_*` environment variables;
//! tests build them directly with [`Settings::for_data_dir`] and adjust what they need.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::audit::denials::DenialPolicy;
use crate::auth::lockout::LockoutPolicy;
use crate::auth::password::HashParams;
use crate::sync::limits::SyncLimits;
use sportello_schema::Role;

/// The roles that must enrol a second factor unless `--second-factor-roles` says otherwise: those that
/// read cases or manage who may.
pub const DEFAULT_SECOND_FACTOR_ROLES: &[Role] =
    &[Role::Admin, Role::SocialWorker, Role::PrivacyOfficer];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: usize,
    pub access_token_ttl: Duration,
    pub session_max_age: Duration,
    /// Allowed clock skew when checking token times (at most 30 s).
    pub token_leeway: Duration,
    pub hash_params: HashParams,
    /// Password hashes computed at once (default cores - 1, at least 1); the rest queue.
    pub max_concurrent_hashes: usize,
    /// How long a login waits for a hashing slot before being told the server is busy.
    pub hash_queue_timeout: Duration,
    pub lockout: LockoutPolicy,
    /// Requests per minute per client address on `/api/v1/auth/*`.
    pub auth_requests_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Browser origins besides the server's own host that may open sync connections
    /// (`https://sportello.comune.example.it`).
    pub allowed_origins: Vec<String>,
    /// Bearer token that Prometheus presents to `GET /metrics`; when unset, one is generated into
    /// `<data-dir>/metrics.token`.
    pub metrics_token: Option<String>,
    /// Largest JSON request body accepted.
    pub max_json_body: usize,
    pub read_connections: usize,
    /// Documents kept loaded in memory at most (least recently used go first).
    pub doc_cache_capacity: usize,
    pub sync_limits: SyncLimits,
    /// How long a device session (totem, display) lives before the device exchanges its credential again.
    pub device_session_ttl: Duration,
    /// The address citizens reach the server at (`https://sportello.comune.example.it`), for the status
    /// links printed as QR codes; when unset, the address the totem used.
    pub public_url: Option<String>,
    /// Days of queue events kept for resuming event streams.
    pub queue_event_retention_days: i64,
    /// Event streams (`GET /api/v1/queue/events`) open at once; more are refused with 503 `busy`.
    pub max_event_streams: usize,
    /// Event streams one user or device may have open at once; more get 429 `too_many_streams`.
    pub max_event_streams_per_caller: usize,
    /// How often an idle event stream sends a keep-alive comment, and how often every stream re-checks
    /// its session or device (so a revocation ends it within this time).
    pub event_stream_keepalive: Duration,
    /// How long a request's body may take to arrive, counted from the end of its head; past it the
    /// request is answered `408 request_timeout` and its connection closed.
    pub request_body_timeout: Duration,
    /// How refusals (`access.denied`, `doc.denied`) are grouped in the audit log and limited per actor.
    pub denials: DenialPolicy,
    /// Days a closed case is kept after its closing; then housekeeping erases it (issue 12).
    pub closed_case_retention_days: i64,
    /// Roles that must enrol a second factor (TOTP) before anything else (`--second-factor-roles`).
    pub second_factor_roles: Vec<Role>,
    /// The comune's name as its documents print it (`Comune di Sassuolo`), for the access report's
    /// heading (`--comune-name`); when unset, the report names no comune.
    pub comune_name: Option<String>,
}

impl Settings {
    /// Production defaults for a data directory.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            workers: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2),
            access_token_ttl: Duration::from_secs(15 * 60),
            session_max_age: Duration::from_secs(12 * 60 * 60),
            token_leeway: Duration::from_secs(10),
            hash_params: HashParams::default(),
            // Leave a core for everything else during a login flood.
            max_concurrent_hashes: std::thread::available_parallelism()
                .map(|cores| usize::from(cores).saturating_sub(1).max(1))
                .unwrap_or(1),
            hash_queue_timeout: Duration::from_secs(10),
            lockout: LockoutPolicy::default(),
            auth_requests_per_minute: 60,
            trust_forwarded_for: false,
            allowed_origins: Vec::new(),
            metrics_token: None,
            max_json_body: 64 * 1024,
            read_connections: 4,
            doc_cache_capacity: 128,
            sync_limits: SyncLimits::default(),
            device_session_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            public_url: None,
            queue_event_retention_days: 7,
            max_event_streams: 2_000,
            max_event_streams_per_caller: 8,
            event_stream_keepalive: Duration::from_secs(15),
            denials: DenialPolicy::default(),
            request_body_timeout: Duration::from_secs(10),
            closed_case_retention_days: crate::privacy::retention::DEFAULT_DAYS,
            second_factor_roles: DEFAULT_SECOND_FACTOR_ROLES.to_vec(),
            comune_name: None,
        }
    }
}
