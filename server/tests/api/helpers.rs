//! `spawn_app()` and friends: a running server per test, and short ways to log in and call it. Starting the
//! server, the test passwords and the four-eyes account creation come from the harness shared with the
//! end-to-end tests (`server/tests/support/harness.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sportello_server::clock::ManualClock;
use sportello_server::config::Settings;
use sportello_server::state::AppState;
use tempfile::TempDir;

/// The password the tests give every account once its one-time password has been replaced.
pub use crate::harness::STAFF_PASSWORD as STRONG_PASSWORD;
use crate::harness::{self, request_and_approve_account, start_server};
pub use crate::harness::{ADMIN_PASSWORD, SECOND_ADMIN};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: AppState,
    /// The first admin's one-time password, when this start created it.
    pub bootstrap_password: Option<String>,
    handle: ServerHandle,
    data_dir: PathBuf,
    _temp: Option<Arc<TempDir>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(TEST_START, configure).await
}

/// Where every test clock starts unless the test names another instant: a Wednesday, 10:00 in Rome, far
/// from midnight. Never the wall clock, so no test depends on when it runs (tests about days start at
/// their own instants, see [`spawn_app_at`]).
pub const TEST_START: &str = "2026-11-25T09:00:00Z";

/// A manual clock at [`TEST_START`], for tests that start and restart apps on one data directory.
pub fn test_clock() -> ManualClock {
    ManualClock::starting_at(TEST_START.parse().expect("a valid instant"))
}

/// Starts an app on an existing data directory (for restart tests); the caller keeps the directory.
pub async fn spawn_app_in(
    data_dir: &Path,
    clock: ManualClock,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let server = start_server(data_dir, clock, configure)
        .await
        .expect("the app builds");
    TestApp {
        address: server.base_url,
        client: reqwest::Client::new(),
        clock: server.clock,
        state: server.state,
        bootstrap_password: server.bootstrap_password,
        handle: server.handle,
        data_dir: data_dir.to_owned(),
        _temp: None,
    }
}

impl TestApp {
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the server gracefully and waits until it has.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Logs in and returns the session tokens body, failing the test otherwise.
    pub async fn login_ok(&self, username: &str, password: &str) -> Value {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        response.json().await.unwrap()
    }

    /// Replaces a one-time password; returns the new session's tokens.
    pub async fn change_password(&self, access_token: &str, current: &str, new: &str) -> Value {
        let response = self
            .post_json(
                "/api/v1/me/password",
                Some(access_token),
                &json!({"current_password": current, "new_password": new}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "password change");
        response.json().await.unwrap()
    }

    /// Logs in as the first admin (changing the one-time password on the first call of this app) and
    /// returns an access token.
    pub async fn admin_token(&self) -> String {
        let first = self.login("admin", ADMIN_PASSWORD).await;
        if first.status() == StatusCode::OK {
            let body: Value = first.json().await.unwrap();
            return access(&body);
        }
        let one_time = self
            .bootstrap_password
            .as_deref()
            .expect("a fresh app has a bootstrap password");
        let session = self.login_ok("admin", one_time).await;
        let changed = self
            .change_password(&access(&session), one_time, ADMIN_PASSWORD)
            .await;
        access(&changed)
    }

    /// Logs in as the second admin, creating it first as `sportello user add` would (on the API, a new admin
    /// needs two admins already); returns an access token.
    pub async fn second_admin_token(&self) -> String {
        let existing = self.login(SECOND_ADMIN, ADMIN_PASSWORD).await;
        if existing.status() == StatusCode::OK {
            return access(&existing.json().await.unwrap());
        }
        harness::add_second_admin(&self.state)
            .await
            .expect("the second admin is added");
        access(&self.login_ok(SECOND_ADMIN, ADMIN_PASSWORD).await)
    }

    /// `POST /api/v1/admin/grants/{id}/approve` by `approver`, asserting it answers 200.
    pub async fn approve_grant(&self, approver: &str, grant_id: &str) -> Value {
        let response = self
            .request(
                Method::POST,
                &format!("/api/v1/admin/grants/{grant_id}/approve"),
                Some(approver),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "approve {grant_id}");
        response.json().await.unwrap()
    }

    /// Asks for an account with `admin_token`, has the second admin approve it, and returns the new id and
    /// its one-time password (the requester's part, `-`, the approver's part). No login.
    pub async fn create_user_approved(&self, admin_token: &str, body: &Value) -> (String, String) {
        // First the approver: a request nobody could approve is refused.
        let approver = self.second_admin_token().await;
        let account =
            request_and_approve_account(&self.client, &self.address, admin_token, &approver, body)
                .await
                .unwrap();
        (account.id, account.one_time_password)
    }

    /// Creates an account through the admin API (asked by `admin_token`, approved by the second admin) and
    /// completes its first login; returns the user's id and a ready access token. Its password is then
    /// [`STRONG_PASSWORD`].
    pub async fn create_user(
        &self,
        admin_token: &str,
        username: &str,
        role: &str,
        areas: &[&str],
    ) -> (String, String) {
        let (id, one_time) = self
            .create_user_approved(
                admin_token,
                &json!({"username": username, "role": role, "areas": areas}),
            )
            .await;
        let session = self.login_ok(username, &one_time).await;
        let changed = self
            .change_password(&access(&session), &one_time, STRONG_PASSWORD)
            .await;
        (id, access(&changed))
    }

    /// The app's clock, `offset_s` seconds from now, as RFC 3339.
    pub fn clock_rfc3339(&self, offset_s: i64) -> String {
        use sportello_server::clock::Clock;
        let at = self.clock.now() + jiff::SignedDuration::from_secs(offset_s);
        at.to_string()
    }

    /// Enrols a device (`totem` or `display`) through the admin API; returns its id and its credential.
    pub async fn enrol_device(
        &self,
        admin_token: &str,
        kind: &str,
        name: &str,
    ) -> (String, String) {
        let response = self
            .post_json(
                "/api/v1/admin/devices",
                Some(admin_token),
                &json!({"kind": kind, "name": name}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "enrol {name}");
        let enrolled: Value = response.json().await.unwrap();
        (
            enrolled["device"]["id"].as_str().unwrap().to_owned(),
            enrolled["credential"].as_str().unwrap().to_owned(),
        )
    }

    /// Exchanges a device credential for an access token, failing the test otherwise.
    pub async fn device_token(&self, credential: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/device-token",
                None,
                &json!({"credential": credential}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "device token");
        access(&response.json().await.unwrap())
    }

    /// Enrols a device and returns its id and a ready access token.
    pub async fn device(&self, admin_token: &str, kind: &str, name: &str) -> (String, String) {
        let (id, credential) = self.enrol_device(admin_token, kind, name).await;
        (id, self.device_token(&credential).await)
    }
}

pub fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub fn refresh(tokens: &Value) -> String {
    tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

/// The `error` code of an error body.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    body["error"].as_str().expect("an error code").to_owned()
}

/// Runs the futures concurrently on this task and returns their outputs in order.
pub async fn join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    futures_util::future::join_all(futures).await
}

/// Starts an app on a fresh temporary directory with its clock set to `start` (RFC 3339, e.g.
/// `"2026-11-27T08:00:00Z"`), for tests about days, hours and durations.
pub async fn spawn_app_at(start: &str, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let start: jiff::Timestamp = start.parse().expect("an RFC 3339 start time");
    let temp = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut app = spawn_app_in(temp.path(), ManualClock::starting_at(start), configure).await;
    app._temp = Some(temp);
    app
}

impl TestApp {
    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}
