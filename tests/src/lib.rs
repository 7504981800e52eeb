//! End-to-end harness: a real Sportello server (in this process, on port 0, with a temporary data
//! directory and a test clock) for `client-sync` tablets to talk to, a [`FaultProxy`] to put between them,
//! and helpers to create staff accounts and to wait on conditions across several tablets. Scenarios live in
//! `tests/e2e/`. Starting the server, the test passwords and the four-eyes account creation come from the
//! harness shared with the server's own tests ([`harness`], `server/tests/support/harness.rs`).

pub mod fault_proxy;
#[path = "../../server/tests/support/harness.rs"]
pub mod harness;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use sportello_client_sync::{ApiClient, Tablet, TabletOptions};
use sportello_schema::UserId;
use sportello_server::clock::ManualClock;
use sportello_server::state::AppState;
use tempfile::TempDir;

pub use fault_proxy::{FaultProxy, ProxyStats};
pub use harness::{ADMIN_PASSWORD, SECOND_ADMIN, STAFF_PASSWORD};

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
        let clock = ManualClock::starting_at(START.parse()?);
        let server = harness::start_server(data_dir.path(), clock, |_| {}).await?;
        let admin_one_time_password = server
            .bootstrap_password
            .ok_or_else(|| anyhow::anyhow!("a fresh server creates the first admin"))?;
        Ok(Self {
            base_url: server.base_url,
            addr: server.addr,
            clock: server.clock,
            admin_one_time_password,
            state: server.state,
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
        harness::add_second_admin(&self.state).await?;
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
        let account = harness::request_and_approve_account(
            &reqwest::Client::new(),
            &self.base_url,
            admin.access_token().await?.expose(),
            approver.access_token().await?.expose(),
            &json!({"username": username, "role": role, "areas": areas}),
        )
        .await
        .with_context(|| format!("create {username}"))?;
        let one_time = account.one_time_password;
        let id: UserId = account
            .id
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
