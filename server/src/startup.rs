//! Building and running the application: `Application::build` → `port()` → `run_until_stopped()`.
//!
//! `build` opens storage (applying migrations), loads or creates the token key and the metrics scrape
//! token, creates the first `admin` on an empty database, and binds the listener — so by the time it
//! returns the server is ready to accept connections. `run_until_stopped` serves until the handle's `stop`
//! (the binary calls it on SIGINT or SIGTERM), finishing requests in flight (graceful shutdown), and runs
//! housekeeping alongside.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sportello_schema::api::Secret;
use sportello_schema::api::contract::broken_rule;
use sportello_schema::{Role, UserId, Username};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::access::{Authenticator, Gatekeeper};
use crate::audit::Action;
use crate::auth::password::{PasswordHasher, generate_one_time_password};
use crate::auth::rate_limit::AuthRateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::openapi::{ApiDoc, OpenApiJson};
use crate::queue::QueueService;
use crate::state::AppState;
use crate::storage::users::{self, NewUser};
use crate::storage::{Storage, StorageOptions, documents, sessions};
use crate::sync::SyncService;
use crate::sync::rules::RuleSettings;
use crate::sync::store::DocStore;
use crate::{routes, telemetry};
use sportello_schema::sync::StorageId;

pub const METRICS_TOKEN_FILE: &str = "metrics.token";
/// How long a graceful stop waits for requests in flight before closing their connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// How often the index updater looks for entries whose retention window ended (it runs at once for
/// commits).
const INDEX_TICK: Duration = Duration::from_secs(1);

/// How long after the start the case statistics read every case once (in the background, a batch at a
/// time), so that an admin's first request does not wait for it (`docs/performance.md`).
const CASE_STATS_WARM_UP: Duration = Duration::from_secs(120);
/// A document whose incremental chunks add up to this many bytes is folded into a new snapshot.
const COMPACT_AFTER_CHUNK_BYTES: i64 = 16 * 1024;
/// Loaded documents untouched this long are dropped from memory (they reload from disk on demand).
const DOC_IDLE_EVICTION: Duration = Duration::from_secs(5 * 60);
/// Ended sessions are kept this long (for the admins' session history) before being pruned.
const ENDED_SESSION_RETENTION_SECS: i64 = 30 * 24 * 60 * 60;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    bootstrap_password: Option<Secret>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    pub async fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let metrics = Metrics::new();
        let storage = Storage::open(
            &settings.data_dir,
            StorageOptions {
                read_connections: settings.read_connections,
                ..StorageOptions::default()
            },
            metrics.db.clone(),
        )
        .with_context(|| format!("opening the database in {}", settings.data_dir.display()))?;
        let keys = TokenKeys::load_or_create(&settings.data_dir, settings.token_leeway.as_secs())?;
        let second_factor_key = Arc::new(
            crate::auth::second_factor::SealingKey::load_or_create(&settings.data_dir)
                .context("loading the second factor's key")?,
        );
        let metrics_token = match &settings.metrics_token {
            Some(token) => Arc::from(token.as_str()),
            None => Arc::from(load_or_create_metrics_token(&settings.data_dir)?),
        };
        let hasher = PasswordHasher::new(
            settings.hash_params,
            settings.max_concurrent_hashes,
            settings.hash_queue_timeout,
        )?;
        let sync = build_sync(
            &storage,
            &settings,
            clock.unix_seconds(),
            metrics.index.clone(),
        )
        .await?;
        let latest_event = storage
            .read(crate::storage::queue::last_event_seq)
            .await
            .context("reading the queue's event log")?;
        let state = AppState {
            sync,
            queue: QueueService::new(
                storage.clone(),
                latest_event,
                settings.max_event_streams,
                settings.max_event_streams_per_caller,
            ),
            case_stats: crate::case_stats::CaseStatsService::new(storage.clone()),
            storage,
            hasher,
            keys,
            clock,
            metrics,
            auth_rate_limiter: AuthRateLimiter::new(
                settings.auth_requests_per_minute,
                settings.trust_forwarded_for,
            ),
            denials: crate::audit::denials::Denials::new(settings.denials),
            settings: Arc::new(settings),
            metrics_token,
            second_factor_key,
        };
        let bootstrap_password = create_first_admin(&state).await?;

        let listener = TcpListener::bind(state.settings.addr)
            .with_context(|| format!("binding {}", state.settings.addr))?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
            bootstrap_password,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The first admin's one-time password, when this start created that account.
    pub fn bootstrap_password(&self) -> Option<&Secret> {
        self.bootstrap_password.as_ref()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(housekeeping(self.state.clone()));
        let queue_events = tokio::spawn(
            self.state
                .queue
                .hub
                .clone()
                .pump(self.state.storage.clone()),
        );
        let indexes = tokio::spawn(crate::sync::index::updater::run(
            self.state.sync.clone(),
            self.state.storage.clone(),
            self.state.clock.clone(),
            INDEX_TICK,
        ));
        // Issue 11: read the cases for the admin's statistics once the start's reconnections have settled.
        let case_stats = tokio::spawn(
            self.state
                .case_stats
                .clone()
                .warm_up_after(CASE_STATS_WARM_UP),
        );
        let result = self.server.await;
        housekeeping.abort();
        queue_events.abort();
        indexes.abort();
        case_stats.abort();
        if let Err(error) = crate::audit::denials::flush_all(&self.state.denial_log()).await {
            tracing::warn!(%error, "could not write the counts of repeated refusals");
        }
        result
    }
}

fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let workers = state.settings.workers.max(1);
    let json_limit = state.settings.max_json_body;
    // The access layer's own data: what the gate and `/sync` need to authenticate and refuse.
    let gatekeeper = web::Data::new(Gatekeeper::new(
        Authenticator::new(
            state.storage.clone(),
            state.keys.clone(),
            state.clock.clone(),
            state.settings.second_factor_roles.clone().into(),
        ),
        state.denial_log(),
        state.metrics_token.clone(),
    ));
    // The request observer counts into the metrics alone, not through the whole state.
    let metrics = web::Data::new(state.metrics.clone());
    let body_timeout = web::Data::new(crate::request_body::BodyTimeout(
        state.settings.request_body_timeout,
    ));
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let (app, api) = routes::register(
            App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(data.clone())
                .app_data(gatekeeper.clone())
                .app_data(metrics.clone())
                .app_data(body_timeout.clone())
                .app_data(json_config(json_limit))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error)),
        )
        .service(crate::openapi::serve)
        .split_for_parts();
        let mut api = api;
        crate::openapi::complete(&mut api);
        crate::openapi::document_denial_limit(&mut api);
        let known_routes = crate::openapi::KnownRoutes::from_document(&mut api);
        let document = api.to_json().unwrap_or_else(|_| "{}".into());
        app.app_data(web::Data::new(OpenApiJson(document)))
            .app_data(web::Data::new(known_routes))
            // Last: a known path with another method is a 405; anything else no route matched goes to the
            // tablet app (never `/api`, `/sync`…, which stay the JSON 404).
            .default_service(web::to(crate::openapi::unmatched))
            // The access gate decides before routing, so before any handler reads its input; the auth
            // routes' per-address limit comes before it (a middleware runs after those registered later).
            .wrap(from_fn(crate::access::gate))
            .wrap(from_fn(routes::rate_limit_auth))
            .wrap(from_fn(crate::input::json_objects_only))
            .wrap(from_fn(crate::request_body::deadline))
            .wrap(from_fn(telemetry::observe))
    })
    .workers(workers)
    // Signals are the binary's business (`main.rs`): SIGINT and SIGTERM alike stop gracefully there,
    // where actix would treat SIGINT as a forced stop. A test process keeps its own Ctrl-C.
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _| {
            let api_error = match &error {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
                JsonPayloadError::ContentType => {
                    ApiError::InvalidRequest("expected Content-Type: application/json".into())
                }
                JsonPayloadError::Payload(cause) if crate::request_body::is_timeout(cause) => {
                    ApiError::RequestTimeout
                }
                // A value that parses itself (`client_op_id`) answers a bad one as a broken rule.
                JsonPayloadError::Deserialize(cause) => {
                    let text = cause.to_string();
                    match broken_rule::message(&text) {
                        Some(rule) => ApiError::Validation(rule.to_owned()),
                        None => ApiError::InvalidRequest(format!("invalid JSON body: {text}")),
                    }
                }
                JsonPayloadError::Payload(actix_web::error::PayloadError::Io(cause))
                    if cause.kind() == std::io::ErrorKind::InvalidData =>
                {
                    ApiError::InvalidRequest(crate::input::NOT_AN_OBJECT.into())
                }
                _ => ApiError::InvalidRequest("unreadable request body".into()),
            };
            api_error.into()
        })
}

fn query_error(error: QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    let QueryPayloadError::Deserialize(cause) = &error else {
        return ApiError::InvalidRequest("invalid query string".into()).into();
    };
    // A query parameter that parses itself (a day) names itself; a query's refusal is always a 400.
    let text = cause.to_string();
    match broken_rule::message(&text) {
        Some(rule) => ApiError::InvalidRequest(rule.to_owned()).into(),
        None => ApiError::InvalidRequest(format!("invalid query string: {text}")).into(),
    }
}

/// On an empty database, creates `admin` with a one-time password that must be changed at first login.
async fn create_first_admin(state: &AppState) -> anyhow::Result<Option<Secret>> {
    if state.storage.read(users::count).await? > 0 {
        return Ok(None);
    }
    let password = generate_one_time_password();
    let password_hash = state.hasher.hash(password.clone()).await?;
    let ctx = RequestContext::system(state.clock.now());
    let admin = NewUser {
        id: UserId::new_random(),
        username: Username::parse("admin").expect("a valid constant"),
        display_name: "Amministratore".into(),
        role: Role::Admin,
        areas: Vec::new(),
        password_hash,
        must_change_password: true,
    };
    let created = state
        .storage
        .audited(&ctx)
        .run(move |change| {
            let conn = change.conn();
            // Another process may have raced us to it; only the first wins.
            if users::count(conn)? > 0 || !users::insert(conn, &admin, change.now())? {
                return Ok(false);
            }
            change.audit(Action::BootstrapAdmin, admin.id)?;
            Ok::<_, ApiError>(true)
        })
        .await?;
    Ok(created.then_some(password))
}

/// The sync service, with the server's stable storage id (kept in `server_meta`).
async fn build_sync(
    storage: &Storage,
    settings: &Settings,
    now: i64,
    index_metrics: crate::metrics::IndexMetrics,
) -> anyhow::Result<SyncService> {
    let storage_id = storage
        .write(|conn| {
            if let Some(id) = documents::meta_get(conn, "storage_id")? {
                return Ok(id);
            }
            let id = uuid::Uuid::new_v4().to_string().into_bytes();
            documents::meta_set(conn, "storage_id", &id)?;
            Ok(id)
        })
        .await?;
    let storage_id = StorageId::parse(&String::from_utf8_lossy(&storage_id))
        .map_err(|error| anyhow::anyhow!("stored storage id: {error}"))?;
    crate::sync::index::ensure_directory(storage, now).await?;
    let store = DocStore::new(storage.clone(), settings.doc_cache_capacity);
    // Issue 12: the key of the codice fiscale's keyed hash, and the hashes of documents stored before.
    let rules = RuleSettings {
        fiscal_key: crate::privacy::key::FiscalCodeKey::load_or_create(&settings.data_dir)
            .context("the codice fiscale's hash key")?,
        ..RuleSettings::default()
    };
    crate::privacy::backfill::run(storage, &rules)
        .await
        .context("storing the keyed hashes of earlier cases")?;
    let sync = SyncService::new(
        store,
        rules,
        settings.sync_limits.clone(),
        storage_id,
        index_metrics,
    );
    // Case writes are checked against the stored directory's catalogue, not the defaults.
    crate::catalogue::load_in_force(&sync, storage)
        .await
        .map_err(|error| anyhow::anyhow!("reading the catalogue: {error:?}"))?;
    Ok(sync)
}

fn load_or_create_metrics_token(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(METRICS_TOKEN_FILE);
    match fs::read_to_string(&path) {
        Ok(token) if !token.trim().is_empty() => return Ok(token.trim().to_owned()),
        Ok(_) => anyhow::bail!("{} is empty", path.display()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{token}")?;
    Ok(token)
}

/// Periodic upkeep: forget recovered rate-limit entries, prune long-ended sessions.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tick.tick().await;
        state.auth_rate_limiter.prune();
        if let Err(error) = crate::audit::denials::flush_closed(&state.denial_log()).await {
            tracing::warn!(%error, "could not write the counts of repeated refusals");
        }
        match state
            .sync
            .store
            .compact(COMPACT_AFTER_CHUNK_BYTES, 500)
            .await
        {
            Ok(0) => {}
            Ok(compacted) => tracing::info!(compacted, "compacted documents"),
            Err(error) => tracing::warn!(%error, "document compaction failed"),
        }
        let evicted = state.sync.store.evict_idle(DOC_IDLE_EVICTION);
        if evicted > 0 {
            tracing::debug!(evicted, "evicted idle documents");
        }
        let keep_days = state.settings.queue_event_retention_days;
        let ctx = RequestContext::system(state.clock.now());
        if let Err(error) = state.queue.housekeeping(&ctx, keep_days).await {
            tracing::warn!(?error, "queue housekeeping failed");
        }
        // Issue 12: closed cases past their retention are erased.
        if let Err(error) = crate::privacy::retention::run_once(
            &state.storage,
            &state.sync,
            state.clock.now(),
            state.settings.closed_case_retention_days,
        )
        .await
        {
            tracing::warn!(?error, "retention of closed cases failed");
        }
        let cutoff = state.now() - ENDED_SESSION_RETENTION_SECS;
        match state
            .storage
            .write(move |conn| sessions::prune_ended(conn, cutoff))
            .await
        {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned ended sessions"),
            Err(error) => tracing::warn!(%error, "session pruning failed"),
        }
        if let Err(error) = crate::lifecycle::prune_reads(&state.storage, state.now()).await {
            tracing::warn!(?error, "pruning uploaded read ids failed");
        }
        // Retired index ids are told to sessions from before the move (`index_moved`); none is live after
        // the sessions' absolute lifetime, and a day's margin.
        let retired_before =
            state.now() - state.settings.session_max_age.as_secs() as i64 - 24 * 60 * 60;
        if let Err(error) = state
            .storage
            .write(move |conn| crate::storage::index::prune_retired(conn, retired_before))
            .await
        {
            tracing::warn!(%error, "pruning retired index ids failed");
        }
    }
}
