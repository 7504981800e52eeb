//! The admin API for accounts and sessions (`/api/v1/admin/users`, `/sessions`, `/audit`): creating,
//! reading, editing, disabling and resetting users, the last-admin rule, ending sessions, and the audit trail
//! every one of those leaves.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sportello_schema::{SessionId, UserId};

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, TestApp, access, error_code, spawn_app};

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app.request(method, path, Some(token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn create(app: &TestApp, admin: &str, body: Value) -> Response {
    send(app, Method::POST, "/api/v1/admin/users", admin, Some(body)).await
}

/// Creates a user (asked by `admin`, approved by the second admin) and returns its id and one-time password
/// (no login).
async fn created(
    app: &TestApp,
    admin: &str,
    username: &str,
    role: &str,
    areas: &[&str],
) -> (String, String) {
    app.create_user_approved(
        admin,
        &json!({"username": username, "role": role, "areas": areas}),
    )
    .await
}

/// A `202 Accepted` answer's grant id and (when there is one) the requester's password part.
async fn requested(response: Response, case: &str) -> (String, Option<String>) {
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{case}: status");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["grant"]["status"], "pending", "{case}");
    (
        body["grant"]["id"].as_str().unwrap().to_owned(),
        body["one_time_password_part"].as_str().map(str::to_owned),
    )
}

async fn decide(app: &TestApp, admin: &str, grant: &str, decision: &str) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/admin/grants/{grant}/{decision}"),
        admin,
        None,
    )
    .await
}

/// The id of the account behind `token`.
async fn user_id(app: &TestApp, token: &str) -> String {
    me_ok(app, token).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn patch(app: &TestApp, admin: &str, id: &str, body: Value) -> Response {
    send(
        app,
        Method::PATCH,
        &format!("/api/v1/admin/users/{id}"),
        admin,
        Some(body),
    )
    .await
}

async fn login_with_device(app: &TestApp, username: &str, password: &str, device: &str) -> Value {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password, "device_name": device}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "login of {username} on {device}"
    );
    response.json().await.unwrap()
}

async fn assert_error(response: Response, status: StatusCode, code: &str, case: &str) {
    assert_eq!(response.status(), status, "{case}: status");
    assert_eq!(error_code(response).await, code, "{case}: error code");
}

async fn me(app: &TestApp, token: &str) -> Response {
    app.get("/api/v1/me", token).await
}

/// `GET /api/v1/me` as JSON, asserting it answers.
async fn me_ok(app: &TestApp, token: &str) -> Value {
    let response = me(app, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn assert_token_dead(app: &TestApp, token: &str, case: &str) {
    assert_error(
        me(app, token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        case,
    )
    .await;
}

/// A session ended from the console is also marked for wipe: its token says so (issue 12).
async fn assert_token_wiped(app: &TestApp, token: &str, case: &str) {
    assert_error(
        me(app, token).await,
        StatusCode::UNAUTHORIZED,
        "session_wiped",
        case,
    )
    .await;
}

/// The audit page for `query`, as raw text and parsed.
async fn audit(app: &TestApp, admin: &str, query: &[(&str, &str)]) -> (String, Value) {
    let response = app
        .request(Method::GET, "/api/v1/admin/audit", Some(admin))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "audit {query:?}");
    let text = response.text().await.unwrap();
    let page = serde_json::from_str(&text).unwrap();
    (text, page)
}

fn seqs(page: &Value) -> Vec<i64> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["seq"].as_i64().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Creating users
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_created_user_must_change_the_one_time_password_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let second_admin = app.second_admin_token().await;
    let response = create(
        &app,
        &admin,
        json!({"username": "anna.neri", "display_name": "Anna Neri", "role": "admin"}),
    )
    .await;
    let (grant, first_part) = requested(response, "create").await;
    let approved = decide(&app, &second_admin, &grant, "approve").await;
    assert_eq!(approved.status(), StatusCode::OK);
    let body: Value = approved.json().await.unwrap();
    assert_eq!(body["grant"]["status"], "approved");
    let user = &body["user"];
    assert_eq!(user["username"], "anna.neri");
    assert_eq!(user["display_name"], "Anna Neri");
    assert_eq!(user["role"], "admin");
    assert_eq!(user["areas"], json!([]));
    assert_eq!(user["disabled"], false);
    assert_eq!(user["must_change_password"], true);
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let one_time = format!(
        "{}-{}",
        first_part.unwrap(),
        body["one_time_password_part"].as_str().unwrap()
    );
    assert_eq!(one_time.len(), 29, "a one-time password worth the name");

    // The one-time password logs in, flagged…
    let session = app.login_ok("anna.neri", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    let pending = access(&session);
    // …and until it is changed only /me answers.
    assert_eq!(me(&app, &pending).await.status(), StatusCode::OK);
    assert_error(
        app.get("/api/v1/admin/users", &pending).await,
        StatusCode::FORBIDDEN,
        "password_change_required",
        "admin route before the change",
    )
    .await;

    let changed = app
        .change_password(&pending, &one_time, STRONG_PASSWORD)
        .await;
    assert_eq!(changed["user"]["must_change_password"], false);
    let listed = app.get("/api/v1/admin/users", &access(&changed)).await;
    assert_eq!(listed.status(), StatusCode::OK, "after the change");
    // The one-time password is spent.
    assert_error(
        app.login("anna.neri", &one_time).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "one-time password after the change",
    )
    .await;
}

#[tokio::test]
async fn a_username_already_taken_is_refused_with_username_taken() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    created(&app, &admin, "mario.rossi", "operator", &[]).await;

    let again = create(
        &app,
        &admin,
        json!({"username": "mario.rossi", "role": "social_worker", "areas": ["elderly"]}),
    )
    .await;
    assert_error(
        again,
        StatusCode::CONFLICT,
        "username_taken",
        "same username",
    )
    .await;
    let bootstrap = create(&app, &admin, json!({"username": "admin", "role": "admin"})).await;
    assert_error(
        bootstrap,
        StatusCode::CONFLICT,
        "username_taken",
        "the first admin's name",
    )
    .await;

    let users: Value = app
        .get("/api/v1/admin/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        3,
        "the two admins and mario.rossi only"
    );
}

#[tokio::test]
async fn a_malformed_username_is_refused_as_an_invalid_request() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    for username in ["Mario Rossi", "mario rossi", "Mario.Rossi", "ab", "1mario"] {
        let response = create(
            &app,
            &admin,
            json!({"username": username, "role": "operator"}),
        )
        .await;
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            username,
        )
        .await;
    }
}

#[tokio::test]
async fn a_social_worker_without_areas_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let omitted = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "social_worker"}),
    )
    .await;
    assert_error(
        omitted,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "areas omitted",
    )
    .await;
    let empty = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "social_worker", "areas": []}),
    )
    .await;
    assert_error(
        empty,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "areas empty",
    )
    .await;
}

#[tokio::test]
async fn an_operator_or_admin_with_areas_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    for role in ["operator", "admin"] {
        let response = create(
            &app,
            &admin,
            json!({"username": "piero.gialli", "role": role, "areas": ["elderly"]}),
        )
        .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            role,
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_area_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let response = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "social_worker", "areas": ["elderly", "astronautics"]}),
    )
    .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "unknown area",
    )
    .await;
    // A code that is not even well-formed is a malformed body.
    let response = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "social_worker", "areas": ["Elderly Care!"]}),
    )
    .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "malformed area code",
    )
    .await;
}

#[tokio::test]
async fn the_territorial_network_area_takes_no_accounts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let response = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "social_worker", "areas": ["territorial_network"]}),
    )
    .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "territorial_network",
    )
    .await;
}

#[tokio::test]
async fn unknown_json_fields_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let response = create(
        &app,
        &admin,
        json!({"username": "sara.blu", "role": "operator", "password": "scelta-da-me-123"}),
    )
    .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "create with password",
    )
    .await;

    let (id, _) = created(&app, &admin, "sara.blu", "operator", &[]).await;
    let response = patch(&app, &admin, &id, json!({"must_change_password": false})).await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "patch with an unknown field",
    )
    .await;
    let response = patch(
        &app,
        &admin,
        &id,
        json!({"password_hash": "x", "display_name": "Sara"}),
    )
    .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "patch smuggling a field",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------------------
// Reading users
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_admin_reads_a_user_by_id_and_in_the_list() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = created(
        &app,
        &admin,
        "sara.blu",
        "social_worker",
        &["migrants", "elderly"],
    )
    .await;

    let response = app.get(&format!("/api/v1/admin/users/{id}"), &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["username"], "sara.blu");
    assert_eq!(user["display_name"], "sara.blu", "defaults to the username");
    assert_eq!(user["role"], "social_worker");
    assert_eq!(user["areas"], json!(["elderly", "migrants"]), "sorted");
    assert_eq!(user["must_change_password"], true);
    assert_eq!(user["locked_until"], Value::Null);

    let list = app.get("/api/v1/admin/users", &admin).await;
    assert_eq!(list.status(), StatusCode::OK);
    let text = list.text().await.unwrap();
    assert!(!text.contains("argon2"), "no password hash in the list");
    let list: Value = serde_json::from_str(&text).unwrap();
    let listed: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["id"] == id.as_str())
        .collect();
    assert_eq!(listed, vec![&user]);
}

#[tokio::test]
async fn an_unknown_user_id_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let unknown = UserId::new_random();

    let cases = [
        (Method::GET, format!("/api/v1/admin/users/{unknown}"), None),
        (
            Method::PATCH,
            format!("/api/v1/admin/users/{unknown}"),
            Some(json!({"display_name": "X"})),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{unknown}/reset-password"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/users/{unknown}/sessions"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/sessions/{}", SessionId::new_random()),
            None,
        ),
    ];
    for (method, path, body) in cases {
        let case = format!("{method} {path}");
        let response = send(&app, method, &path, &admin, body).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found", &case).await;
    }
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let cases = [
        (Method::GET, "/api/v1/admin/users/42"),
        (Method::GET, "/api/v1/admin/users/not-a-uuid"),
        (Method::PATCH, "/api/v1/admin/users/not-a-uuid"),
        (
            Method::POST,
            "/api/v1/admin/users/not-a-uuid/reset-password",
        ),
        (Method::DELETE, "/api/v1/admin/users/not-a-uuid/sessions"),
        (Method::DELETE, "/api/v1/admin/sessions/not-a-uuid"),
    ];
    for (method, path) in cases {
        let case = format!("{method} {path}");
        let body = (method == Method::PATCH).then(|| json!({"display_name": "X"}));
        let response = send(&app, method, path, &admin, body).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found", &case).await;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Editing users
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn patch_changes_the_display_name_and_areas() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = created(&app, &admin, "sara.blu", "social_worker", &["elderly"]).await;

    // New areas wait for a second admin; the display name changes at once.
    let response = patch(
        &app,
        &admin,
        &id,
        json!({"display_name": "Sara Blu", "areas": ["housing", "disability"]}),
    )
    .await;
    let (grant, part) = requested(response, "new areas").await;
    assert_eq!(part, None, "no password is involved");
    let waiting: Value = app
        .get(&format!("/api/v1/admin/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["display_name"], "Sara Blu");
    assert_eq!(waiting["areas"], json!(["elderly"]), "not yet");

    let second_admin = app.second_admin_token().await;
    let approved = decide(&app, &second_admin, &grant, "approve").await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.unwrap();
    assert!(approved.get("one_time_password_part").is_none());
    let user = approved["user"].clone();
    assert_eq!(user["display_name"], "Sara Blu");
    assert_eq!(user["areas"], json!(["disability", "housing"]));
    assert_eq!(user["role"], "social_worker", "unchanged");

    let read: Value = app
        .get(&format!("/api/v1/admin/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, user, "stored as answered");

    // Removing an area takes nothing to approve.
    let response = patch(&app, &admin, &id, json!({"areas": ["housing"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fewer: Value = response.json().await.unwrap();
    assert_eq!(fewer["areas"], json!(["housing"]));
    let response = patch(
        &app,
        &admin,
        &id,
        json!({"areas": ["disability", "housing"]}),
    )
    .await;
    let (grant, _) = requested(response, "an area back").await;
    assert_eq!(
        decide(&app, &second_admin, &grant, "approve")
            .await
            .status(),
        StatusCode::OK
    );

    let response = patch(&app, &admin, &id, json!({"areas": []})).await;
    assert_error(
        response,
        StatusCode::CONFLICT,
        "areas_conflict",
        "no areas left",
    )
    .await;
    let response = patch(&app, &admin, &id, json!({"display_name": "   "})).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "blank display name",
    )
    .await;
    let response = patch(&app, &admin, &id, json!({})).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "empty patch",
    )
    .await;
    let read_again: Value = app
        .get(&format!("/api/v1/admin/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read_again["display_name"], "Sara Blu",
        "refused patches change nothing"
    );
    assert_eq!(read_again["areas"], json!(["disability", "housing"]));
}

#[tokio::test]
async fn a_role_change_needs_valid_areas_and_ends_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    let token = access(&app.login_ok("mario.rossi", &one_time).await);

    let response = patch(&app, &admin, &id, json!({"role": "social_worker"})).await;
    assert_error(
        response,
        StatusCode::CONFLICT,
        "areas_conflict",
        "social worker without areas",
    )
    .await;
    assert_eq!(
        me(&app, &token).await.status(),
        StatusCode::OK,
        "a refused change ends nothing"
    );

    let response = patch(
        &app,
        &admin,
        &id,
        json!({"role": "social_worker", "areas": ["minors_families"]}),
    )
    .await;
    let (grant, _) = requested(response, "to social worker").await;
    assert_eq!(
        me(&app, &token).await.status(),
        StatusCode::OK,
        "a request changes nothing yet"
    );
    let second_admin = app.second_admin_token().await;
    let approved: Value = decide(&app, &second_admin, &grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    let user = &approved["user"];
    assert_eq!(user["role"], "social_worker");
    assert_eq!(user["areas"], json!(["minors_families"]));
    assert_token_dead(&app, &token, "token from before the role change").await;

    // Back to operator: the areas go with the role.
    let response = patch(&app, &admin, &id, json!({"role": "operator"})).await;
    let (grant, _) = requested(response, "back to operator").await;
    let approved: Value = decide(&app, &second_admin, &grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["user"]["role"], "operator");
    assert_eq!(approved["user"]["areas"], json!([]));
}

#[tokio::test]
async fn a_disabled_user_loses_its_sessions_and_cannot_log_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    let token = access(&app.login_ok("mario.rossi", &one_time).await);

    let response = patch(&app, &admin, &id, json!({"disabled": true})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["disabled"], true);

    assert_token_dead(&app, &token, "token of a disabled user").await;
    assert_error(
        app.login("mario.rossi", &one_time).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
        "right password",
    )
    .await;
    assert_error(
        app.login("mario.rossi", "not-the-password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong password",
    )
    .await;
}

#[tokio::test]
async fn an_enabled_again_user_can_log_in_again() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    assert_eq!(
        patch(&app, &admin, &id, json!({"disabled": true}))
            .await
            .status(),
        StatusCode::OK
    );

    let response = patch(&app, &admin, &id, json!({"disabled": false})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["disabled"], false);
    let session = app.login_ok("mario.rossi", &one_time).await;
    assert_eq!(me(&app, &access(&session)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_last_admin_can_neither_disable_nor_demote_itself() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = me_ok(&app, &admin).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let cases = [
        ("disable", json!({"disabled": true})),
        ("demote to operator", json!({"role": "operator"})),
        (
            "demote to social worker",
            json!({"role": "social_worker", "areas": ["elderly"]}),
        ),
    ];
    for (case, body) in cases {
        let response = patch(&app, &admin, &admin_id, body).await;
        assert_error(response, StatusCode::CONFLICT, "last_admin", case).await;
    }
    let read: Value = app
        .get(&format!("/api/v1/admin/users/{admin_id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["role"], "admin");
    assert_eq!(read["disabled"], false);
    assert_eq!(
        me(&app, &admin).await.status(),
        StatusCode::OK,
        "its session lives on"
    );
}

#[tokio::test]
async fn a_disabled_second_admin_does_not_count_for_the_last_admin_rule() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = me_ok(&app, &admin).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = user_id(&app, &app.second_admin_token().await).await;
    assert_eq!(
        patch(&app, &admin, &second, json!({"disabled": true}))
            .await
            .status(),
        StatusCode::OK
    );

    let response = patch(&app, &admin, &admin_id, json!({"role": "operator"})).await;
    assert_error(
        response,
        StatusCode::CONFLICT,
        "last_admin",
        "the only enabled admin",
    )
    .await;
}

#[tokio::test]
async fn an_admin_may_demote_itself_once_a_second_admin_exists() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = me_ok(&app, &admin).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_admin = app.second_admin_token().await;
    let second = user_id(&app, &second_admin).await;

    // A new role for oneself is a grant too: the other admin approves it.
    let response = patch(&app, &admin, &admin_id, json!({"role": "operator"})).await;
    let (grant, _) = requested(response, "demote itself").await;
    let approved: Value = decide(&app, &second_admin, &grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["user"]["role"], "operator");
    assert_token_dead(&app, &admin, "own token after the role change").await;

    // Now the second admin is the last one, and the rule protects her instead.
    let again = access(&app.login_ok("admin", ADMIN_PASSWORD).await);
    let response = app
        .get(&format!("/api/v1/admin/users/{second}"), &again)
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "forbidden",
        "no longer an admin",
    )
    .await;
}

#[tokio::test]
async fn an_admin_may_disable_itself_once_a_second_admin_exists() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = me_ok(&app, &admin).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.second_admin_token().await;

    let response = patch(&app, &admin, &admin_id, json!({"disabled": true})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_token_dead(&app, &admin, "own token after disabling itself").await;
}

// ---------------------------------------------------------------------------------------------------------
// Password reset
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_password_reset_replaces_the_password_with_a_one_time_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;

    let response = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{id}/reset-password"),
        &admin,
        None,
    )
    .await;
    let (grant, first_part) = requested(response, "reset").await;
    assert_eq!(
        me(&app, &token).await.status(),
        StatusCode::OK,
        "nothing happens before the approval"
    );
    assert_eq!(
        app.login("mario.rossi", STRONG_PASSWORD).await.status(),
        StatusCode::OK,
        "the old password still works"
    );
    let second_admin = app.second_admin_token().await;
    let approved: Value = decide(&app, &second_admin, &grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    let one_time = format!(
        "{}-{}",
        first_part.unwrap(),
        approved["one_time_password_part"].as_str().unwrap()
    );
    assert_ne!(one_time, STRONG_PASSWORD);

    assert_token_dead(&app, &token, "token from before the reset").await;
    assert_error(
        app.login("mario.rossi", STRONG_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the old password",
    )
    .await;
    let session = app.login_ok("mario.rossi", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    let read: Value = app
        .get(&format!("/api/v1/admin/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["must_change_password"], true);
}

// ---------------------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_session_list_shows_device_names_and_never_a_token() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    let tablet = login_with_device(&app, "mario.rossi", &one_time, "Tablet 3").await;
    let totem = login_with_device(&app, "mario.rossi", &one_time, "Banco accoglienza").await;

    let response = app.get("/api/v1/admin/sessions", &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for tokens in [&tablet, &totem] {
        for secret in ["access_token", "refresh_token"] {
            let value = tokens[secret].as_str().unwrap();
            assert!(!text.contains(value), "the list leaks a {secret}");
        }
    }
    assert!(!text.contains(&admin), "the list leaks the admin's token");
    let all: Value = serde_json::from_str(&text).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(
        all.len(),
        4,
        "the two admins' sessions and mario.rossi's two: {all:?}"
    );
    let expected_keys: BTreeSet<&str> = [
        "id",
        "user_id",
        "username",
        "device_name",
        "created_at",
        "last_refreshed_at",
        "expires_at",
    ]
    .into();
    for session in all {
        let keys: BTreeSet<&str> = session
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, expected_keys);
    }

    let response = app
        .request(Method::GET, "/api/v1/admin/sessions", Some(&admin))
        .query(&[("user_id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mine: Value = response.json().await.unwrap();
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 2);
    let devices: BTreeSet<&str> = mine
        .iter()
        .map(|s| s["device_name"].as_str().unwrap())
        .collect();
    assert_eq!(devices, BTreeSet::from(["Tablet 3", "Banco accoglienza"]));
    let session_ids: BTreeSet<String> = [&tablet, &totem]
        .iter()
        .map(|tokens| {
            let claims = claims_of(&access(tokens));
            claims["sid"].as_str().unwrap().to_owned()
        })
        .collect();
    let listed_ids: BTreeSet<String> = mine
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed_ids, session_ids);
    for session in mine {
        assert_eq!(session["user_id"], id.as_str());
        assert_eq!(session["username"], "mario.rossi");
    }

    let bad = app
        .request(Method::GET, "/api/v1/admin/sessions", Some(&admin))
        .query(&[("user_id", "not-a-uuid")])
        .send()
        .await
        .unwrap();
    assert_error(
        bad,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "malformed user_id",
    )
    .await;
}

/// The claims of a JWT, unchecked (the tests only read ids the server itself put there).
fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn an_ended_session_is_not_found_when_ended_again() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    let tablet = access(&login_with_device(&app, "mario.rossi", &one_time, "Tablet 3").await);
    let other = access(&login_with_device(&app, "mario.rossi", &one_time, "Tablet 4").await);
    let session = me_ok(&app, &tablet).await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/admin/sessions/{session}");

    let first = send(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    // Ended from the console: also marked for wipe (issue 12).
    assert_token_wiped(&app, &tablet, "the ended session's token").await;
    assert_eq!(
        me(&app, &other).await.status(),
        StatusCode::OK,
        "only that session ended"
    );
    let listed: Value = app
        .get("/api/v1/admin/sessions", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != session.as_str()),
        "an ended session is not listed"
    );

    let second = send(&app, Method::DELETE, &path, &admin, None).await;
    assert_error(second, StatusCode::NOT_FOUND, "not_found", "ended twice").await;
}

#[tokio::test]
async fn ending_a_session_that_already_expired_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    let tablet = access(&login_with_device(&app, "mario.rossi", &one_time, "Tablet 3").await);
    let session = me_ok(&app, &tablet).await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Past the 12-hour absolute lifetime: the session is over without anyone ending it.
    app.clock.advance(SignedDuration::from_hours(13));
    let admin = access(&app.login_ok("admin", ADMIN_PASSWORD).await);
    let listed: Value = app
        .get("/api/v1/admin/sessions", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != session.as_str())
    );

    // The route promises `404` for "no such live session".
    let response = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/sessions/{session}"),
        &admin,
        None,
    )
    .await;
    assert_error(
        response,
        StatusCode::NOT_FOUND,
        "not_found",
        "expired session",
    )
    .await;
}

#[tokio::test]
async fn ending_all_sessions_of_a_user_counts_only_live_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, one_time) = created(&app, &admin, "mario.rossi", "operator", &[]).await;
    login_with_device(&app, "mario.rossi", &one_time, "Tablet 3").await;

    // The session expires on its own; then a fresh one is opened.
    app.clock.advance(SignedDuration::from_hours(13));
    let admin = access(&app.login_ok("admin", ADMIN_PASSWORD).await);
    let live = access(&login_with_device(&app, "mario.rossi", &one_time, "Tablet 4").await);

    let response = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/users/{id}/sessions"),
        &admin,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    // Ended from the console: also marked for wipe (issue 12).
    assert_token_wiped(&app, &live, "the live session's token").await;
    assert_eq!(body["sessions_ended"], 1, "only the live session was ended");
}

// ---------------------------------------------------------------------------------------------------------
// The audit trail of admin actions
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_admin_action_is_audited_without_names_or_passwords() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = me_ok(&app, &admin).await;
    let admin_id = me["user"]["id"].as_str().unwrap().to_owned();
    let admin_session = me["session_id"].as_str().unwrap().to_owned();

    // Act: one of each admin action on one user (what needs four eyes approved by the second admin).
    let second_admin = app.second_admin_token().await;
    let response = create(
        &app,
        &admin,
        json!({"username": "giuseppina.verdi", "display_name": "Giuseppina Verdi", "role": "operator"}),
    )
    .await;
    let (create_grant, first_part) = requested(response, "create").await;
    let body: Value = decide(&app, &second_admin, &create_grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    let id = body["user"]["id"].as_str().unwrap().to_owned();
    let first_password = format!(
        "{}-{}",
        first_part.unwrap(),
        body["one_time_password_part"].as_str().unwrap()
    );
    assert_eq!(
        app.get("/api/v1/admin/users", &admin).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/admin/users/{id}"), &admin)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        patch(&app, &admin, &id, json!({"display_name": "G. Verdi"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        patch(&app, &admin, &id, json!({"disabled": true}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        patch(&app, &admin, &id, json!({"disabled": false}))
            .await
            .status(),
        StatusCode::OK
    );
    let reset = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/users/{id}/reset-password"),
        &admin,
        None,
    )
    .await;
    let (reset_grant, first_part) = requested(reset, "reset").await;
    let reset: Value = decide(&app, &second_admin, &reset_grant, "approve")
        .await
        .json()
        .await
        .unwrap();
    let second_password = format!(
        "{}-{}",
        first_part.unwrap(),
        reset["one_time_password_part"].as_str().unwrap()
    );
    let user_token = access(&app.login_ok("giuseppina.verdi", &second_password).await);
    let user_session = me_ok(&app, &user_token).await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sessions = app
        .request(Method::GET, "/api/v1/admin/sessions", Some(&admin))
        .query(&[("user_id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sessions.status(), StatusCode::OK);
    let kill_one = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/sessions/{user_session}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(kill_one.status(), StatusCode::NO_CONTENT);
    let kill_all = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/users/{id}/sessions"),
        &admin,
        None,
    )
    .await;
    assert_eq!(kill_all.status(), StatusCode::OK);

    // Assert: each action is a row by the admin, about the right target.
    let (text, page) = audit(
        &app,
        &admin,
        &[("actor_id", admin_id.as_str()), ("limit", "500")],
    )
    .await;
    let entries = page["entries"].as_array().unwrap();
    let expected: [(&str, Option<&str>); 10] = [
        ("admin.grant_request", Some(&create_grant)),
        ("admin.user_list", None),
        ("admin.user_read", Some(&id)),
        ("admin.user_update", Some(&id)),
        ("admin.user_disable", Some(&id)),
        ("admin.user_enable", Some(&id)),
        ("admin.grant_request", Some(&reset_grant)),
        ("admin.sessions_list", Some(&id)),
        ("admin.session_kill", Some(&user_session)),
        ("admin.sessions_kill", Some(&id)),
    ];
    for (action, target) in expected {
        let found = entries.iter().find(|entry| {
            entry["action"] == action
                && entry["target"].as_str() == target
                && entry["outcome"] == "success"
        });
        let Some(entry) = found else {
            panic!("no successful {action} on {target:?} by the admin in {entries:#?}");
        };
        assert_eq!(entry["actor_id"], admin_id.as_str(), "{action}");
        assert_eq!(entry["actor_role"], "admin", "{action}");
        assert_eq!(entry["session_id"], admin_session.as_str(), "{action}");
    }
    assert_eq!(
        entries
            .iter()
            .filter(|entry| entry["action"] == "admin.user_update")
            .count(),
        3,
        "three patches"
    );

    // What took effect under four eyes is the second admin's doing: the approval, and the change itself.
    let second_id = user_id(&app, &second_admin).await;
    let second_id_text = second_id.as_str();
    let (_, page) = audit(
        &app,
        &admin,
        &[("actor_id", second_id_text), ("limit", "500")],
    )
    .await;
    let by_second: Vec<(String, String)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["outcome"] == "success")
        .map(|entry| {
            (
                entry["action"].as_str().unwrap().to_owned(),
                entry["target"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (action, target) in [
        ("admin.grant_approve", &create_grant),
        ("admin.user_create", &id),
        ("admin.grant_approve", &reset_grant),
        ("admin.password_reset", &id),
    ] {
        assert!(
            by_second.contains(&(action.to_owned(), target.clone())),
            "{action} on {target} by the second admin: {by_second:?}"
        );
    }

    // The log holds ids only: not the new user's name, display name or either one-time password.
    let (everything, _) = audit(&app, &admin, &[("limit", "500")]).await;
    for raw in [&text, &everything] {
        for secret_or_name in [
            first_password.as_str(),
            second_password.as_str(),
            "giuseppina.verdi",
            "Giuseppina Verdi",
            "G. Verdi",
        ] {
            assert!(
                !raw.contains(secret_or_name),
                "the audit log contains {secret_or_name:?}"
            );
        }
    }
}

#[tokio::test]
async fn audit_pages_are_disjoint_and_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/admin/users", &admin).await.status(),
            StatusCode::OK
        );
    }

    let (_, first) = audit(&app, &admin, &[("limit", "2")]).await;
    let first_seqs = seqs(&first);
    assert_eq!(first_seqs.len(), 2);
    let before = first["next_before"].as_i64().expect("an older page exists");
    assert_eq!(
        before, first_seqs[1],
        "next_before is the last seq of the page"
    );

    let before_text = before.to_string();
    let (_, second) = audit(&app, &admin, &[("limit", "2"), ("before", &before_text)]).await;
    let second_seqs = seqs(&second);
    assert_eq!(second_seqs.len(), 2);

    let all: Vec<i64> = first_seqs.iter().chain(&second_seqs).copied().collect();
    assert!(
        all.windows(2).all(|pair| pair[0] > pair[1]),
        "strictly descending across pages: {all:?}"
    );

    // Together the two pages are exactly the four rows ending where the first page began.
    let start = (first_seqs[0] + 1).to_string();
    let (_, four) = audit(&app, &admin, &[("limit", "4"), ("before", &start)]).await;
    assert_eq!(seqs(&four), all);

    // Walking to the end: the last page says so.
    let (_, oldest) = audit(&app, &admin, &[("limit", "2"), ("before", "2")]).await;
    assert_eq!(seqs(&oldest), vec![1]);
    assert_eq!(oldest["next_before"], Value::Null);
}

#[tokio::test]
async fn the_audit_log_filters_by_action() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/admin/users", &admin).await.status(),
            StatusCode::OK
        );
    }

    let (_, page) = audit(&app, &admin, &[("action", "admin.user_list")]).await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .iter()
            .all(|entry| entry["action"] == "admin.user_list")
    );

    let (_, none) = audit(&app, &admin, &[("action", "admin.no_such_action")]).await;
    assert_eq!(none["entries"], json!([]));
}

#[tokio::test]
async fn an_unknown_audit_outcome_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    for query in [
        [("outcome", "maybe")],
        [("outcome", "SUCCESS")],
        [("from", "yesterday")],
        [("before", "many")],
        [("colour", "blue")],
    ] {
        let response = app
            .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("{query:?}"),
        )
        .await;
    }
    let (_, denied) = audit(&app, &admin, &[("outcome", "success")]).await;
    assert!(!denied["entries"].as_array().unwrap().is_empty());
    assert!(
        denied["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["outcome"] == "success")
    );
}
