//! The second factor over real HTTP (issue 12): enrolment, login with a code or a recovery code, replay,
//! the lockout, the enrolment gate on the API and on `/sync`, and the four-eyes reset.
//!
//! The test computes codes itself from the base32 secret the server hands out (decoded here, not with the
//! server's encoder), with the HOTP function the server's unit tests check against RFC 4226 and RFC 6238.

use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sportello_schema::Role;
use sportello_schema::sync::Message;
use sportello_server::auth::totp;
use sportello_server::clock::Clock;

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code, spawn_app_with};
use crate::sync_client::Peer;

/// RFC 4648 base32 without padding, decoded independently of the server's encoder.
pub fn decode_base32(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.chars() {
        let value = ALPHABET.find(c).expect("a base32 character") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// The code an authenticator app shows now, by the wall clock (for a server run as its own process).
pub fn code_by_wall_clock(secret: &[u8]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{:06}", totp::hotp(secret, now / 30, 6))
}

/// The code an authenticator app shows at the app's current time, `steps` steps from now.
pub fn code_at(app: &TestApp, secret: &[u8], steps: i64) -> String {
    let step = app.clock.now().as_second() / 30 + steps;
    format!("{:06}", totp::hotp(secret, step as u64, 6))
}

/// Six digits that are not the code of any step the server accepts now.
fn wrong_code(app: &TestApp, secret: &[u8]) -> String {
    let valid: Vec<String> = (-1..=1).map(|steps| code_at(app, secret, steps)).collect();
    (0..4)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|code| !valid.contains(code))
        .unwrap()
}

async fn login_with(app: &TestApp, username: &str, code: Option<&str>) -> reqwest::Response {
    let mut body = json!({"username": username, "password": STRONG_PASSWORD});
    if let Some(code) = code {
        body["second_factor"] = json!(code);
    }
    app.post_json("/api/v1/auth/login", None, &body).await
}

/// Enrols the holder of `token`: setup, then confirm with the current code. Returns the secret and the
/// recovery codes.
pub async fn enrol(app: &TestApp, token: &str) -> (Vec<u8>, Vec<String>) {
    let setup = app
        .post_json("/api/v1/me/second-factor/setup", Some(token), &json!({}))
        .await;
    assert_eq!(setup.status(), StatusCode::OK);
    assert_eq!(
        setup.headers().get("cache-control").unwrap(),
        "no-store",
        "a secret is never cached"
    );
    let setup: Value = setup.json().await.unwrap();
    let base32 = setup["secret_base32"].as_str().unwrap();
    assert_eq!(base32.len(), 32, "160 bits, no padding");
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Sportello:"), "{uri}");
    assert!(uri.contains(&format!("secret={base32}&issuer=Sportello")));
    let secret = decode_base32(base32);
    assert_eq!(secret.len(), 20);

    let confirmed = app
        .post_json(
            "/api/v1/me/second-factor/confirm",
            Some(token),
            &json!({"code": code_at(app, &secret, 0)}),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let confirmed: Value = confirmed.json().await.unwrap();
    let codes: Vec<String> = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn me(app: &TestApp, token: &str) -> Value {
    let response = app.get("/api/v1/me", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// An app requiring the second factor of social workers only (the admins of the fixture need none, so
/// they can create accounts without enrolling first).
async fn social_workers_must_enrol() -> TestApp {
    spawn_app_with(|settings| settings.second_factor_roles = vec![Role::SocialWorker]).await
}

async fn audit(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(admin))
        .query(&[("action", action), ("limit", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_social_worker_must_enrol_before_anything_else_and_then_logs_in_with_a_code() {
    let app = social_workers_must_enrol().await;
    let admin = app.admin_token().await;
    let (id, token) = app
        .create_user(&admin, "as.bianchi", "social_worker", &["elderly"])
        .await;

    // After the forced password change: enrolment required, and every other route closed.
    assert_eq!(me(&app, &token).await["user"]["second_factor"], "required");
    let stats = app.get("/api/v1/queue/stats", &token).await;
    assert_eq!(stats.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(stats).await, "second_factor_enrolment_required");
    let board = app.get("/api/v1/queue/board", &token).await;
    assert_eq!(error_code(board).await, "second_factor_enrolment_required");
    // The sync WebSocket refuses it as it refuses a pending password change.
    let mut peer = Peer::connect(&app, Some(&token), "unenrolled").await;
    match peer.recv().await {
        Some(Ok(Message::Error(error))) => {
            assert_eq!(error.message, "second_factor_enrolment_required")
        }
        other => panic!("expected an error message, got {other:?}"),
    }

    // A wrong confirmation changes nothing.
    let setup: Value = app
        .post_json("/api/v1/me/second-factor/setup", Some(&token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = decode_base32(setup["secret_base32"].as_str().unwrap());
    let wrong = app
        .post_json(
            "/api/v1/me/second-factor/confirm",
            Some(&token),
            &json!({"code": wrong_code(&app, &secret)}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "invalid_second_factor");
    assert_eq!(me(&app, &token).await["user"]["second_factor"], "required");

    // Enrolment (a second setup replaces the unconfirmed secret) opens the routes of the role at once.
    let (secret, _codes) = enrol(&app, &token).await;
    assert_eq!(me(&app, &token).await["user"]["second_factor"], "enrolled");
    assert_eq!(
        app.get("/api/v1/queue/stats", &token).await.status(),
        StatusCode::OK
    );
    let again = app
        .post_json("/api/v1/me/second-factor/setup", Some(&token), &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "second_factor_enrolled");

    // The password alone no longer logs in: no session, and no failure counted.
    let bare = login_with(&app, "as.bianchi", None).await;
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(bare).await, "second_factor_required");
    let blank = login_with(&app, "as.bianchi", Some("  ")).await;
    assert_eq!(error_code(blank).await, "second_factor_required");
    // A wrong password with a right code is still a wrong password.
    let wrong_password = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "as.bianchi", "password": "not-the-password",
                    "second_factor": code_at(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(error_code(wrong_password).await, "invalid_credentials");

    // The code of the next step (the clock of the phone a little ahead) logs in.
    app.clock.advance(SignedDuration::from_secs(60));
    let ok = login_with(&app, "as.bianchi", Some(&code_at(&app, &secret, 1))).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let tokens: Value = ok.json().await.unwrap();
    assert_eq!(tokens["user"]["second_factor"], "enrolled");
    assert_eq!(tokens["user"]["id"], id.as_str());
    // The same code again (a replay), or the code of the step before it: refused.
    for replay in [code_at(&app, &secret, 1), code_at(&app, &secret, 0)] {
        let refused = login_with(&app, "as.bianchi", Some(&replay)).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(refused).await, "invalid_second_factor");
    }
    // Two steps late is outside the window.
    app.clock.advance(SignedDuration::from_secs(120));
    let late = login_with(&app, "as.bianchi", Some(&code_at(&app, &secret, -2))).await;
    assert_eq!(error_code(late).await, "invalid_second_factor");
    let fresh = login_with(&app, "as.bianchi", Some(&code_at(&app, &secret, 0))).await;
    assert_eq!(fresh.status(), StatusCode::OK);

    // Audited by ids: the enrolment, and the refused codes as failed logins of the account.
    let enrolled = audit(&app, &admin, "auth.second_factor_enrol").await;
    let outcomes: Vec<&str> = enrolled
        .iter()
        .map(|row| row["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["success", "failure"],
        "newest first: the confirmation, the wrong code"
    );
    assert!(
        enrolled
            .iter()
            .all(|row| row["actor_id"] == id.as_str() && row["target"] == id.as_str())
    );
    let failures: Vec<Value> = audit(&app, &admin, "auth.login")
        .await
        .into_iter()
        .filter(|row| row["outcome"] == "failure" && row["target"] == id.as_str())
        .collect();
    assert_eq!(
        failures.len(),
        4,
        "wrong password, two replays, one late code"
    );
    let everything = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[("limit", "500")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let base32 = setup["secret_base32"].as_str().unwrap();
    assert!(!everything.contains(base32), "no secret in the audit log");
}

#[tokio::test]
async fn wrong_codes_count_toward_the_lockout_like_wrong_passwords() {
    let app = spawn_app_with(|settings| {
        settings.second_factor_roles = Vec::new();
        settings.lockout.threshold = 3;
    })
    .await;
    let admin = app.admin_token().await;
    let (_, token) = app.create_user(&admin, "op.rossi", "operator", &[]).await;
    // An operator may enrol although the role does not require it.
    assert_eq!(me(&app, &token).await["user"]["second_factor"], "optional");
    let (secret, _) = enrol(&app, &token).await;

    for _ in 0..2 {
        let wrong = login_with(&app, "op.rossi", Some(&wrong_code(&app, &secret))).await;
        assert_eq!(error_code(wrong).await, "invalid_second_factor");
    }
    // A missing code is no failure: it neither counts nor clears the count.
    let bare = login_with(&app, "op.rossi", None).await;
    assert_eq!(error_code(bare).await, "second_factor_required");
    let third = login_with(&app, "op.rossi", Some(&wrong_code(&app, &secret))).await;
    assert_eq!(third.status(), StatusCode::UNAUTHORIZED);
    // Locked now: even the right password with the right code waits.
    let locked = login_with(&app, "op.rossi", Some(&code_at(&app, &secret, 0))).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(locked).await, "account_locked");
    let lockouts = audit(&app, &admin, "auth.lockout").await;
    assert_eq!(lockouts.len(), 1);
}

#[tokio::test]
async fn a_recovery_code_logs_in_once() {
    let app = social_workers_must_enrol().await;
    let admin = app.admin_token().await;
    let (id, token) = app
        .create_user(&admin, "as.verdi", "social_worker", &["elderly"])
        .await;
    let (_, codes) = enrol(&app, &token).await;
    let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);

    // Typed in capitals with spaces for dashes: still the code.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let ok = login_with(&app, "as.verdi", Some(&typed)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let again = login_with(&app, "as.verdi", Some(&codes[3])).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(again).await, "invalid_second_factor");
    // Another of the ten still works.
    assert_eq!(
        login_with(&app, "as.verdi", Some(&codes[4])).await.status(),
        StatusCode::OK
    );
    let used = audit(&app, &admin, "auth.second_factor_recovery_used").await;
    assert_eq!(used.len(), 2);
    assert!(used.iter().all(|row| row["target"] == id.as_str()));
    let everything = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[("limit", "500")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for code in &codes {
        assert!(
            !everything.contains(code.as_str()),
            "no recovery code in the audit log"
        );
    }
}

#[tokio::test]
async fn an_admin_of_the_default_roles_changes_the_password_then_must_enrol() {
    // The production list: admins too.
    let app = spawn_app_with(|settings| {
        settings.second_factor_roles =
            sportello_server::config::DEFAULT_SECOND_FACTOR_ROLES.to_vec()
    })
    .await;
    let one_time = app.bootstrap_password.clone().unwrap();
    let session = app.login_ok("admin", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    assert_eq!(session["user"]["second_factor"], "required");
    // The password first: enrolment waits for it.
    let early = app
        .post_json(
            "/api/v1/me/second-factor/setup",
            Some(&access(&session)),
            &json!({}),
        )
        .await;
    assert_eq!(error_code(early).await, "password_change_required");
    let users = app.get("/api/v1/admin/users", &access(&session)).await;
    assert_eq!(error_code(users).await, "password_change_required");

    let changed = app
        .change_password(&access(&session), &one_time, crate::helpers::ADMIN_PASSWORD)
        .await;
    let token = access(&changed);
    assert_eq!(changed["user"]["second_factor"], "required");
    let users = app.get("/api/v1/admin/users", &token).await;
    assert_eq!(users.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(users).await, "second_factor_enrolment_required");

    enrol(&app, &token).await;
    assert_eq!(
        app.get("/api/v1/admin/users", &token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_reset_needs_a_second_admin_and_ends_the_users_sessions() {
    let app = social_workers_must_enrol().await;
    let admin = app.admin_token().await;
    let second = app.second_admin_token().await;
    let (id, token) = app
        .create_user(&admin, "as.neri", "social_worker", &["elderly"])
        .await;
    let reset_path = format!("/api/v1/admin/users/{id}/reset-second-factor");

    // Nothing to reset yet.
    let nothing = app.post_json(&reset_path, Some(&admin), &json!({})).await;
    assert_eq!(nothing.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(nothing).await, "second_factor_not_enrolled");

    let (secret, _) = enrol(&app, &token).await;
    app.clock.advance(SignedDuration::from_secs(30));
    let tokens: Value = login_with(&app, "as.neri", Some(&code_at(&app, &secret, 0)))
        .await
        .json()
        .await
        .unwrap();
    let session = access(&tokens);

    let requested = app.post_json(&reset_path, Some(&admin), &json!({})).await;
    assert_eq!(requested.status(), StatusCode::ACCEPTED);
    let requested: Value = requested.json().await.unwrap();
    assert_eq!(requested["grant"]["kind"], "second_factor_reset");
    assert_eq!(requested["grant"]["status"], "pending");
    assert!(requested.get("one_time_password_part").is_none());
    let grant_id = requested["grant"]["id"].as_str().unwrap().to_owned();
    let twice = app.post_json(&reset_path, Some(&second), &json!({})).await;
    assert_eq!(error_code(twice).await, "grant_pending");

    // The requester may not approve it; nothing changed meanwhile.
    let own = app
        .request(
            Method::POST,
            &format!("/api/v1/admin/grants/{grant_id}/approve"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(own).await, "self_approval");
    assert_eq!(
        me(&app, &session).await["user"]["second_factor"],
        "enrolled"
    );
    let bare = login_with(&app, "as.neri", None).await;
    assert_eq!(error_code(bare).await, "second_factor_required");

    let approved = app.approve_grant(&second, &grant_id).await;
    assert_eq!(approved["grant"]["status"], "approved");
    assert_eq!(approved["user"]["second_factor_enrolled"], false);
    // The user's session ended; the password alone logs in again, into an enrolment.
    let ended = app.get("/api/v1/me", &session).await;
    assert_eq!(ended.status(), StatusCode::UNAUTHORIZED);
    let fresh = login_with(&app, "as.neri", None).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    let fresh: Value = fresh.json().await.unwrap();
    assert_eq!(fresh["user"]["second_factor"], "required");
    // The old secret is gone with the factor: a new enrolment gets a new one.
    let (new_secret, _) = enrol(&app, &access(&fresh)).await;
    assert_ne!(new_secret, secret);

    // Audited like the other grants: the request, and the approval with the change it applied.
    let applied: Vec<Value> = audit(&app, &second, "admin.second_factor_reset")
        .await
        .into_iter()
        .filter(|row| row["outcome"] == "success")
        .collect();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0]["target"], id.as_str());
    let second_id = me(&app, &second).await["user"]["id"].clone();
    assert_eq!(applied[0]["actor_id"], second_id);
    let requests = audit(&app, &second, "admin.grant_request").await;
    assert!(
        requests
            .iter()
            .any(|row| row["target"] == grant_id.as_str())
    );
}

#[tokio::test]
async fn the_account_view_tells_admins_whether_a_factor_is_enrolled() {
    let app = social_workers_must_enrol().await;
    let admin = app.admin_token().await;
    let (id, token) = app
        .create_user(&admin, "as.gialli", "social_worker", &["elderly"])
        .await;
    let path = format!("/api/v1/admin/users/{id}");
    let before: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(before["second_factor_enrolled"], false);
    enrol(&app, &token).await;
    let after: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(after["second_factor_enrolled"], true);
}
