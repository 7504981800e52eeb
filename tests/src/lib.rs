//! End-to-end harness: a real Sportello server (in this process, on port 0, with a temporary data
//! directory and a test clock) for `client-sync` tablets to talk to, a [`FaultProxy`] to put between them,
//! and helpers to create staff accounts and to wait on conditions across several tablets. Scenarios live in
//! `tests/e2e/`.

pub mod fault_proxy;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use sportello_client_sync::{ApiClient, Tablet, TabletOptions};
use sportello_schema::UserId;
use sportello_server::clock::ManualClock;
use sportello_server::config::Settings;
use sportello_server::startup::Application;
use sportello_server::state::AppState;
use tempfile::TempDir;

pub use fault_proxy::{FaultProxy, ProxyStats};

/// The password every account made by [`TestServer::create_user`] ends up with.
pub const STAFF_PASSWORD: &str = "cavallo-batteria-graffetta-77";
/// The first admin's password once [`TestServer::admin`] has replaced the one-time one.
pub const ADMIN_PASSWORD: &str = "tavolo-finestra-limone-2026";
/// The second admin, made as `sportello user add` makes it: it approves the accounts the first admin asks
/// for (four eyes).
pub const SECOND_ADMIN: &str = "seconda.admin";

/// Where a scenario server's clock starts: a Wednesday, 09:00 in Rome. Never the wall clock, so that no
/// scenario depends on the hour it runs at (a totem's day would otherwise end under a run at 23:58).
pub const START: &str = "2026-11-25T08:00:00Z";

#[derive(Debug)]
pub struct TestServer {
    pub base_url: String,
    pub addr: SocketAddr,
    pub clock: ManualClock,
    /// The first admin's one-time password.
    pub admin_one_time_password: String,
    state: AppState,
    data_dir: TempDir,
}

/// A staff account ready to log in with [`STAFF_PASSWORD`].
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: UserId,
    pub username: String,
}

impl TestServer {
    pub async fn start() -> anyhow::Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut settings = Settings::for_data_dir(data_dir.path());
        settings.addr = "127.0.0.1:0".parse()?;
        settings.workers = 2;
        // Every tablet of a scenario connects from 127.0.0.1.
        settings.auth_requests_per_minute = 100_000;
        let clock = ManualClock::starting_at(START.parse()?);
        let application = Application::build(settings, Arc::new(clock.clone())).await?;
        let addr: SocketAddr = format!("127.0.0.1:{}", application.port()).parse()?;
        let base_url = format!("http://{addr}");
        let admin_one_time_password = application
            .bootstrap_password()
            .map(|password| password.expose().to_owned())
            .ok_or_else(|| anyhow::anyhow!("a fresh server creates the first admin"))?;
        let state = application.state().clone();
        tokio::spawn(application.run_until_stopped());
        Ok(Self {
            base_url,
            addr,
            clock,
            admin_one_time_password,
            state,
            data_dir,
        })
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The first admin, logged in with [`ADMIN_PASSWORD`] (set on first use).
    pub async fn admin(&self) -> anyhow::Result<ApiClient> {
        let admin = ApiClient::new(&self.base_url, Some("ufficio".into()));
        if admin.login("admin", ADMIN_PASSWORD).await.is_ok() {
            return Ok(admin);
        }
        admin
            .login("admin", &self.admin_one_time_password)
            .await
            .context("first admin login")?;
        admin
            .change_password(&self.admin_one_time_password, ADMIN_PASSWORD)
            .await
            .context("first admin password change")?;
        Ok(admin)
    }

    /// The second admin, logged in with [`ADMIN_PASSWORD`]; created on first use as `sportello user add` does.
    pub async fn second_admin(&self) -> anyhow::Result<ApiClient> {
        let admin = ApiClient::new(&self.base_url, Some("ufficio 2".into()));
        if admin.login(SECOND_ADMIN, ADMIN_PASSWORD).await.is_ok() {
            return Ok(admin);
        }
        let account = sportello_server::commands::NewAccount {
            username: sportello_schema::Username::parse(SECOND_ADMIN)?,
            role: sportello_schema::Role::Admin,
            areas: Vec::new(),
            display_name: None,
        };
        sportello_server::commands::add_account(
            &self.state.storage,
            &self.state.hasher,
            self.state.clock.as_ref(),
            account,
            sportello_schema::api::Secret::new(ADMIN_PASSWORD),
        )
        .await?;
        admin
            .login(SECOND_ADMIN, ADMIN_PASSWORD)
            .await
            .context("second admin login")?;
        Ok(admin)
    }

    /// Creates an account through the admin API — asked by `admin`, approved by the second admin — and
    /// completes its first login (replacing the one-time password with [`STAFF_PASSWORD`]).
    pub async fn create_user(
        &self,
        admin: &ApiClient,
        username: &str,
        role: &str,
        areas: &[&str],
    ) -> anyhow::Result<TestUser> {
        // First the approver: a request nobody could approve is refused.
        let approver = self.second_admin().await?;
        let requested: Value = admin
            .post(
                "/api/v1/admin/users",
                &json!({"username": username, "role": role, "areas": areas}),
            )
            .await
            .with_context(|| format!("request {username}"))?;
        let grant = requested["grant"]["id"].as_str().context("grant.id")?;
        let approved: Value = approver
            .post(&format!("/api/v1/admin/grants/{grant}/approve"), &json!({}))
            .await
            .with_context(|| format!("approve {username}"))?;
        let one_time = format!(
            "{}-{}",
            requested["one_time_password_part"]
                .as_str()
                .context("the requester's part")?,
            approved["one_time_password_part"]
                .as_str()
                .context("the approver's part")?
        );
        let id: UserId = approved["user"]["id"]
            .as_str()
            .context("user.id")?
            .parse()
            .map_err(|_| anyhow::anyhow!("user.id is not a UUID"))?;
        let first = ApiClient::new(&self.base_url, None);
        first.login(username, &one_time).await?;
        first.change_password(&one_time, STAFF_PASSWORD).await?;
        first.logout().await?;
        Ok(TestUser {
            id,
            username: username.to_owned(),
        })
    }

    /// The audit rows for `action` (e.g. `doc.refused`) about `target`.
    pub async fn audit_rows(
        &self,
        admin: &ApiClient,
        action: &str,
        target: &str,
    ) -> anyhow::Result<Vec<Value>> {
        let page: Value = admin
            .get(&format!(
                "/api/v1/admin/audit?action={action}&target={target}"
            ))
            .await?;
        Ok(page["entries"].as_array().cloned().unwrap_or_default())
    }
}

/// Options for scenario tablets: short back-off so that a healed network is noticed quickly, and no index
/// following, so that a scenario's documents are exactly the ones it names.
pub fn tablet_options() -> TabletOptions {
    TabletOptions {
        follow_index: false,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
        connect_timeout: Duration::from_secs(5),
        handshake_timeout: Duration::from_secs(5),
        ..TabletOptions::default()
    }
}

/// Opens a tablet store in `dir` for `base_url` and logs `user` in (sync not started).
pub async fn open_tablet(dir: &Path, base_url: &str, user: &TestUser) -> anyhow::Result<Tablet> {
    let tablet = Tablet::open_with(dir, base_url, &user.username, tablet_options()).await?;
    tablet.login(&user.username, STAFF_PASSWORD).await?;
    Ok(tablet)
}

/// Waits until `done()` holds, re-checking whenever one of `tablets` changes, for at most `timeout`.
pub async fn eventually(
    tablets: &[&Tablet],
    timeout: Duration,
    what: &str,
    mut done: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    if tablets.is_empty() {
        anyhow::ensure!(done(), "{what}: nothing to wait on");
        return Ok(());
    }
    let mut receivers: Vec<_> = tablets.iter().map(|t| t.subscribe()).collect();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        for receiver in &mut receivers {
            receiver.borrow_and_update();
        }
        if done() {
            return Ok(());
        }
        let changes: Vec<Pin<Box<dyn Future<Output = _> + Send + '_>>> = receivers
            .iter_mut()
            .map(|r| Box::pin(r.changed()) as Pin<Box<dyn Future<Output = _> + Send>>)
            .collect();
        let any = futures_util::future::select_all(changes);
        if tokio::time::timeout_at(deadline, any).await.is_err() {
            if done() {
                return Ok(());
            }
            let states: Vec<String> = tablets
                .iter()
                .map(|t| format!("{}: {:?}", t.peer_id(), t.connection()))
                .collect();
            anyhow::bail!(
                "timed out after {timeout:?} waiting for {what} ({})",
                states.join("; ")
            );
        }
    }
}
