//! The test harness both test suites share — the server's integration tests (`server/tests/api/`, through
//! `helpers.rs`) and the end-to-end scenarios (`tests/src/lib.rs`): a real server started in the test's
//! process on port 0 with a data directory and a manual clock, the test accounts' passwords, and the four-eyes
//! way of making staff accounts (the second admin made as `sportello user add` makes it, a request, its
//! approval).
//!
//! Why a source file both include (`#[path]`) rather than a crate or a `test-support` feature of the server:
//! `sportello-tests` depends on the server, so a harness crate the server's tests use would be a
//! dev-dependency cycle, and a feature would change the server's features between `cargo build` and
//! `cargo test`; either way the server library would be compiled a second time (for `cargo test --lib` too),
//! on a 2-core machine where it is the slowest crate. This file is a few hundred lines, compiled into each
//! suite's one test binary. It may use only what both crates have: `sportello-server`, `sportello-schema`,
//! `actix-web`, `anyhow`, `reqwest`, `serde_json`, `tokio`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use anyhow::Context as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sportello_server::clock::ManualClock;
use sportello_server::config::Settings;
use sportello_server::startup::Application;
use sportello_server::state::AppState;

/// The password every staff account of a test ends up with, once its one-time password is replaced.
pub const STAFF_PASSWORD: &str = "cavallo-batteria-graffetta-77";
/// The admins' password (the first admin's once its one-time password is replaced; the second admin's).
pub const ADMIN_PASSWORD: &str = "tavolo-finestra-limone-2026";
/// The second admin, made as `sportello user add` makes it: it approves what the first admin asks for (on the
/// API, a new admin needs two admins already).
pub const SECOND_ADMIN: &str = "seconda.admin";

/// Settings for tests: production values, except port 0, fewer workers, a generous per-address auth
/// limit (every test client comes from 127.0.0.1), and no role required to enrol a second factor (the
/// tests of the second factor ask for the production list themselves).
pub fn test_settings(data_dir: &Path) -> Settings {
    let mut settings = Settings::for_data_dir(data_dir);
    settings.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.workers = 2;
    settings.auth_requests_per_minute = 100_000;
    settings.second_factor_roles = Vec::new();
    settings
}

/// A server running in this process, on its own task.
#[derive(Debug)]
pub struct RunningServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    pub addr: SocketAddr,
    /// The server's clock; tests move it.
    pub clock: ManualClock,
    /// The application's state, for what a test does as the operator at the console would.
    pub state: AppState,
    /// The first admin's one-time password, when this start created the first admin.
    pub bootstrap_password: Option<String>,
    pub handle: ServerHandle,
}

/// Starts the server on `data_dir` (a fresh directory, or one a stopped server left) with `clock`, after
/// `configure` has adjusted [`test_settings`].
pub async fn start_server(
    data_dir: &Path,
    clock: ManualClock,
    configure: impl FnOnce(&mut Settings),
) -> anyhow::Result<RunningServer> {
    let mut settings = test_settings(data_dir);
    configure(&mut settings);
    let application = Application::build(settings, Arc::new(clock.clone())).await?;
    let addr = SocketAddr::from(([127, 0, 0, 1], application.port()));
    let bootstrap_password = application
        .bootstrap_password()
        .map(|password| password.expose().to_owned());
    let handle = application.handle();
    let state = application.state().clone();
    tokio::spawn(application.run_until_stopped());
    Ok(RunningServer {
        base_url: format!("http://{addr}"),
        addr,
        clock,
        state,
        bootstrap_password,
        handle,
    })
}

/// Creates [`SECOND_ADMIN`] with [`ADMIN_PASSWORD`] as `sportello user add` does (at the console, no four
/// eyes needed).
pub async fn add_second_admin(state: &AppState) -> anyhow::Result<()> {
    let account = sportello_server::commands::NewAccount {
        username: sportello_schema::Username::parse(SECOND_ADMIN)?,
        role: sportello_schema::Role::Admin,
        areas: Vec::new(),
        display_name: Some("Seconda amministratrice".into()),
    };
    sportello_server::commands::add_account(
        &state.storage,
        &state.hasher,
        state.clock.as_ref(),
        account,
        sportello_schema::api::Secret::new(ADMIN_PASSWORD),
    )
    .await?;
    Ok(())
}

/// An account asked for and approved, not logged in yet.
#[derive(Debug, Clone)]
pub struct ApprovedAccount {
    pub id: String,
    /// The requester's part, `-`, the approver's part.
    pub one_time_password: String,
}

/// Four eyes: `requester` (an admin's access token) asks for the account `body` describes
/// (`{username, role, areas…}`), `approver` (another admin's) approves it.
pub async fn request_and_approve_account(
    http: &reqwest::Client,
    base_url: &str,
    requester: &str,
    approver: &str,
    body: &Value,
) -> anyhow::Result<ApprovedAccount> {
    let requested = post_expecting(
        http,
        &format!("{base_url}/api/v1/admin/users"),
        requester,
        body,
        StatusCode::ACCEPTED,
    )
    .await
    .with_context(|| format!("request {body}"))?;
    let grant = requested["grant"]["id"].as_str().context("grant.id")?;
    let approved = post_expecting(
        http,
        &format!("{base_url}/api/v1/admin/grants/{grant}/approve"),
        approver,
        &json!({}),
        StatusCode::OK,
    )
    .await
    .with_context(|| format!("approve {grant}"))?;
    let part = |answer: &Value| {
        answer["one_time_password_part"]
            .as_str()
            .map(str::to_owned)
            .context("one_time_password_part")
    };
    Ok(ApprovedAccount {
        id: approved["user"]["id"]
            .as_str()
            .context("user.id")?
            .to_owned(),
        one_time_password: format!("{}-{}", part(&requested)?, part(&approved)?),
    })
}

async fn post_expecting(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
    expected: StatusCode,
) -> anyhow::Result<Value> {
    let response = http.post(url).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status == expected, "answered {status}: {answer}");
    Ok(answer)
}
