//! The command line of the `sportello` binary. Every option has an environment variable twin
//! (`SPORTELLO_*`), so a service manager can configure the server without flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sportello_schema::{AreaCode, Role, Username};

use crate::auth::password::HashParams;
use crate::config::{LogFormat, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "sportello",
    version,
    about = "Sportello di Accoglienza Sociale: server and admin tools"
)]
pub struct Cli {
    /// Where the database and keys live.
    #[arg(
        long,
        env = "SPORTELLO_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Log line format (filter with RUST_LOG, default `info`).
    #[arg(
        long,
        env = "SPORTELLO_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Manage accounts directly on the data directory (provisioning, recovery).
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the live database to a file with SQLite's online backup API, then check the copy.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account with a password read from standard input (usable at once).
    Add {
        #[arg(long, value_parser = parse_username)]
        username: Username,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Service area of a social worker; repeat for several.
        #[arg(long = "area", value_parser = parse_area)]
        areas: Vec<AreaCode>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input. Required: passwords never go on
        /// the command line, where other users can see them.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove an account's second factor and recovery codes and end its sessions (the way out when no
    /// second admin can approve a reset: whoever runs this holds the server anyway).
    ResetSecondFactor {
        #[arg(long, value_parser = parse_username)]
        username: Username,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit 0 when intact, 1 naming the first bad row otherwise.
    Verify,
}

fn parse_username(raw: &str) -> Result<Username, String> {
    Username::parse(raw).map_err(|error| error.to_string())
}

fn parse_area(raw: &str) -> Result<AreaCode, String> {
    AreaCode::parse(raw).map_err(|error| error.to_string())
}

fn parse_role(raw: &str) -> Result<Role, String> {
    raw.parse()
        .map_err(|error: sportello_schema::role::UnknownRole| error.to_string())
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SPORTELLO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SPORTELLO_WORKERS")]
    pub workers: Option<usize>,

    /// Access token lifetime in seconds.
    #[arg(long, env = "SPORTELLO_ACCESS_TOKEN_TTL_SECS", default_value_t = 15 * 60)]
    pub access_token_ttl_secs: u64,

    /// Absolute session lifetime in seconds (refreshing does not extend it).
    #[arg(long, env = "SPORTELLO_SESSION_MAX_AGE_SECS", default_value_t = 12 * 60 * 60)]
    pub session_max_age_secs: u64,

    /// Argon2id memory in KiB (at least 19456).
    #[arg(long, env = "SPORTELLO_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024)]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (at least 2).
    #[arg(long, env = "SPORTELLO_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,

    /// Argon2id lanes (at least 1).
    #[arg(long, env = "SPORTELLO_ARGON2_PARALLELISM", default_value_t = 1)]
    pub argon2_parallelism: u32,

    /// Password hashes computed at once (default: cores - 1, at least 1); further logins wait.
    #[arg(long, env = "SPORTELLO_MAX_CONCURRENT_HASHES")]
    pub max_concurrent_hashes: Option<usize>,

    /// Requests per minute per client address on /api/v1/auth/*.
    #[arg(long, env = "SPORTELLO_AUTH_REQUESTS_PER_MINUTE", default_value_t = 60)]
    pub auth_requests_per_minute: u32,

    /// Take client addresses from X-Forwarded-For (only behind a trusted reverse proxy).
    #[arg(long, env = "SPORTELLO_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Documents kept loaded in memory at most (least recently used are dropped and reload on demand).
    #[arg(long, env = "SPORTELLO_DOC_CACHE_CAPACITY", default_value_t = 128)]
    pub doc_cache_capacity: usize,

    /// Largest sync (WebSocket) message accepted, in bytes; larger ones close the connection (1009).
    #[arg(long, env = "SPORTELLO_SYNC_MAX_MESSAGE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub sync_max_message_bytes: usize,

    /// Documents one sync connection may have open at once.
    #[arg(long, env = "SPORTELLO_SYNC_MAX_OPEN_DOCS", default_value_t = 50_000)]
    pub sync_max_open_docs: usize,

    /// Bytes the changes of one sync message may inflate to (compressed data measured inflated).
    #[arg(long, env = "SPORTELLO_SYNC_MAX_INFLATED_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub sync_max_inflated_bytes: usize,

    /// Operations the changes of one sync message may describe (counted before loading them).
    #[arg(long, env = "SPORTELLO_SYNC_MAX_OPS", default_value_t = 1_000_000)]
    pub sync_max_ops: u64,

    /// Bytes one stored document may take; changes past it are refused.
    #[arg(long, env = "SPORTELLO_SYNC_MAX_DOC_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub sync_max_doc_bytes: usize,

    /// Sync connections open at once.
    #[arg(long, env = "SPORTELLO_SYNC_MAX_CONNECTIONS", default_value_t = 2_000)]
    pub sync_max_connections: usize,

    /// Sync connections one user may have open at once.
    #[arg(
        long,
        env = "SPORTELLO_SYNC_MAX_CONNECTIONS_PER_USER",
        default_value_t = 8
    )]
    pub sync_max_connections_per_user: usize,

    /// Sync connections one client address may have open at once.
    #[arg(
        long,
        env = "SPORTELLO_SYNC_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    pub sync_max_connections_per_address: usize,

    /// A browser origin besides the server's own host allowed to open sync connections (repeatable, or
    /// comma-separated in the environment variable).
    #[arg(
        long = "allowed-origin",
        env = "SPORTELLO_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// Lifetime of a device session (totem, display) in seconds; revoking the device ends it at once.
    #[arg(long, env = "SPORTELLO_DEVICE_SESSION_TTL_SECS", default_value_t = 30 * 24 * 60 * 60)]
    pub device_session_ttl_secs: u64,

    /// Public address of the server (e.g. https://sportello.comune.example.it), used in the status links
    /// printed on tickets; default: the address the totem used.
    #[arg(long, env = "SPORTELLO_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Queue event streams open at once (displays, operator tablets).
    #[arg(long, env = "SPORTELLO_MAX_EVENT_STREAMS", default_value_t = 2_000)]
    pub max_event_streams: usize,

    /// Queue event streams one user or device may have open at once.
    #[arg(
        long,
        env = "SPORTELLO_MAX_EVENT_STREAMS_PER_CALLER",
        default_value_t = 8
    )]
    pub max_event_streams_per_caller: usize,

    /// Seconds a request body may take to arrive once its head has; slower requests get 408.
    #[arg(
        long,
        env = "SPORTELLO_REQUEST_BODY_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub request_body_timeout_secs: u64,

    /// Wrong passwords (at login or password change) within 15 minutes that lock an account (§5.1 of
    /// docs/api.md); the lock lasts 15 minutes, doubling with each further lock up to a day.
    #[arg(
        long,
        env = "SPORTELLO_LOGIN_LOCKOUT_THRESHOLD",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(3..)
    )]
    pub login_lockout_threshold: u32,

    /// Refusals (403, unavailable documents) one user or device may get per minute; more are answered
    /// 429 too_many_denials (REST) or close the sync connection, until the minute is over.
    #[arg(long, env = "SPORTELLO_DENIALS_PER_MINUTE", default_value_t = 100)]
    pub denials_per_minute: u32,

    /// Bearer token for Prometheus on GET /metrics (default: generated into <data-dir>/metrics.token).
    #[arg(long, env = "SPORTELLO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Days a closed case is kept after its closing; then housekeeping erases it with its notes
    /// (at least 30).
    #[arg(
        long,
        env = "SPORTELLO_CLOSED_CASE_RETENTION_DAYS",
        default_value_t = 3650,
        value_parser = clap::value_parser!(i64).range(30..)
    )]
    pub closed_case_retention_days: i64,
    /// Roles that must enrol a second factor (TOTP) before anything else, comma-separated; an empty
    /// value requires it of nobody.
    #[arg(
        long,
        env = "SPORTELLO_SECOND_FACTOR_ROLES",
        default_value = "admin,social_worker,privacy_officer",
        value_parser = parse_role_list
    )]
    pub second_factor_roles: RoleList,

    /// The comune's name as its documents print it (e.g. "Comune di Sassuolo"), shown on the access
    /// report given to citizens; at most 120 characters, no control characters.
    #[arg(long, env = "SPORTELLO_COMUNE_NAME", value_parser = parse_comune_name)]
    pub comune_name: Option<String>,
}

/// The longest `--comune-name`, in characters.
pub const COMUNE_NAME_MAX_CHARS: usize = 120;

/// The comune's name trimmed (empty when only spaces: no name); refused when too long or with a control
/// character (a line break would split the printed heading and the CSV record).
fn parse_comune_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err(
            "the comune's name must not contain control characters (line breaks, tabs)".into(),
        );
    }
    let chars = name.chars().count();
    if chars > COMUNE_NAME_MAX_CHARS {
        return Err(format!(
            "the comune's name has {chars} characters, at most {COMUNE_NAME_MAX_CHARS} are allowed"
        ));
    }
    Ok(name.to_owned())
}

/// A comma-separated list of roles (`admin,social_worker`), possibly empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleList(pub Vec<sportello_schema::Role>);

fn parse_role_list(text: &str) -> Result<RoleList, String> {
    let mut roles = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let role = name
            .parse::<sportello_schema::Role>()
            .map_err(|error| error.to_string())?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(RoleList(roles))
}

impl ServeArgs {
    pub fn into_settings(self, data_dir: PathBuf) -> Settings {
        let mut settings = Settings::for_data_dir(data_dir);
        settings.addr = self.addr;
        if let Some(workers) = self.workers {
            settings.workers = workers;
        }
        settings.access_token_ttl = Duration::from_secs(self.access_token_ttl_secs.max(1));
        settings.session_max_age = Duration::from_secs(self.session_max_age_secs.max(60));
        settings.hash_params = HashParams {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        };
        if let Some(hashes) = self.max_concurrent_hashes {
            settings.max_concurrent_hashes = hashes;
        }
        settings.auth_requests_per_minute = self.auth_requests_per_minute;
        settings.trust_forwarded_for = self.trust_forwarded_for;
        settings.metrics_token = self.metrics_token.filter(|token| !token.is_empty());
        settings.doc_cache_capacity = self.doc_cache_capacity.max(1);
        settings.device_session_ttl = Duration::from_secs(self.device_session_ttl_secs.max(60));
        settings.public_url = self
            .public_url
            .map(|url| url.trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty());
        settings.max_event_streams = self.max_event_streams.max(1);
        settings.max_event_streams_per_caller = self.max_event_streams_per_caller.max(1);
        settings.sync_limits.max_frame_bytes = self.sync_max_message_bytes.max(1024);
        settings.sync_limits.max_open_docs = self.sync_max_open_docs.max(1);
        settings.sync_limits.max_inflated_bytes = self.sync_max_inflated_bytes.max(1024);
        settings.sync_limits.max_doc_bytes = self.sync_max_doc_bytes.max(1024);
        settings.sync_limits.max_ops = self.sync_max_ops.max(1_000);
        settings.sync_limits.max_connections = self.sync_max_connections.max(1);
        settings.sync_limits.max_connections_per_user = self.sync_max_connections_per_user.max(1);
        settings.sync_limits.max_connections_per_address =
            self.sync_max_connections_per_address.max(1);
        settings.allowed_origins = self
            .allowed_origins
            .into_iter()
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        settings.request_body_timeout = Duration::from_secs(self.request_body_timeout_secs.max(1));
        settings.denials.max_per_window = self.denials_per_minute.max(1);
        settings.lockout.threshold = self.login_lockout_threshold;
        settings.closed_case_retention_days = self.closed_case_retention_days;
        settings.second_factor_roles = self.second_factor_roles.0;
        settings.comune_name = self.comune_name.filter(|name| !name.is_empty());
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_settings(args: &[&str]) -> Result<Settings, clap::Error> {
        let cli = Cli::try_parse_from(["sportello", "serve"].iter().chain(args))?;
        match cli.command {
            Command::Serve(serve) => Ok(serve.into_settings(cli.data_dir)),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn the_lockout_threshold_defaults_to_the_documented_ten_and_can_be_raised() {
        assert_eq!(serve_settings(&[]).unwrap().lockout.threshold, 10);
        let raised = serve_settings(&["--login-lockout-threshold", "25"]).unwrap();
        assert_eq!(raised.lockout.threshold, 25);
    }

    #[test]
    fn second_factor_roles_default_to_the_roles_that_read_cases_and_may_be_emptied() {
        use sportello_schema::Role;
        assert_eq!(
            serve_settings(&[]).unwrap().second_factor_roles,
            [Role::Admin, Role::SocialWorker, Role::PrivacyOfficer]
        );
        // The command line's default and the library's agree.
        assert_eq!(
            serve_settings(&[]).unwrap().second_factor_roles,
            crate::config::DEFAULT_SECOND_FACTOR_ROLES
        );
        let listed = serve_settings(&["--second-factor-roles", "operator, admin"]).unwrap();
        assert_eq!(listed.second_factor_roles, [Role::Operator, Role::Admin]);
        let none = serve_settings(&["--second-factor-roles", ""]).unwrap();
        assert!(none.second_factor_roles.is_empty());
        let error = serve_settings(&["--second-factor-roles", "admin,boss"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
    }

    #[test]
    fn a_lockout_threshold_under_three_is_refused_rather_than_locking_at_the_first_typo() {
        for low in ["0", "1", "2"] {
            let error = serve_settings(&["--login-lockout-threshold", low]).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{low}"
            );
        }
    }

    #[test]
    fn the_closed_case_retention_defaults_to_ten_years_and_refuses_less_than_thirty_days() {
        assert_eq!(
            serve_settings(&[]).unwrap().closed_case_retention_days,
            3650
        );
        let set = serve_settings(&["--closed-case-retention-days", "30"]).unwrap();
        assert_eq!(set.closed_case_retention_days, 30);
        for low in ["29", "0"] {
            let error = serve_settings(&["--closed-case-retention-days", low]).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{low}"
            );
        }
    }

    #[test]
    fn the_comune_name_is_optional_trimmed_and_refused_with_control_characters_or_too_long() {
        assert_eq!(serve_settings(&[]).unwrap().comune_name, None);
        let set = serve_settings(&["--comune-name", "  Comune di Sassuolo "]).unwrap();
        assert_eq!(set.comune_name.as_deref(), Some("Comune di Sassuolo"));
        // Only spaces is no name (an empty variable in a service file).
        assert_eq!(
            serve_settings(&["--comune-name", "   "])
                .unwrap()
                .comune_name,
            None
        );
        let longest = "à".repeat(COMUNE_NAME_MAX_CHARS);
        let set = serve_settings(&["--comune-name", &longest]).unwrap();
        assert_eq!(set.comune_name.as_deref(), Some(longest.as_str()));
        let too_long = "a".repeat(COMUNE_NAME_MAX_CHARS + 1);
        for bad in [
            "Comune di\nSassuolo",
            "Comune\tdi Sassuolo",
            "Comune di \u{7}Sassuolo",
            "Comune di Sassuolo\u{85}x",
            too_long.as_str(),
        ] {
            let error = serve_settings(&["--comune-name", bad]).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{bad:?}"
            );
        }
        let error = serve_settings(&["--comune-name", "Comune\ndi Sassuolo"]).unwrap_err();
        assert!(error.to_string().contains("control characters"), "{error}");
    }
}
