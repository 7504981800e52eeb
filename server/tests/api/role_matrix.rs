//! Who may call what: every documented route against {anonymous, operator, social worker, admin}.
//!
//! The route list is not written twice: [`the_matrix_covers_exactly_the_routes_of_the_openapi_document`]
//! compares [`MATRIX`] with the paths and methods of the app's own OpenAPI document, so a route added
//! without a matrix row fails here.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code, spawn_app};

/// What a caller must get: a status, and for errors the stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Refused(u16, &'static str),
}

use Expect::{Refused, Status};

const UNAUTHENTICATED: Expect = Refused(401, "unauthenticated");
const FORBIDDEN: Expect = Refused(403, "forbidden");

/// One route and what each caller gets. Order matters only for side effects: rows that end something
/// (reset a password, end sessions, log out) come after the rows that need it alive, and logout is last.
struct Row {
    method: &'static str,
    path: &'static str,
    anonymous: Expect,
    operator: Expect,
    social_worker: Expect,
    admin: Expect,
}

const fn row(
    method: &'static str,
    path: &'static str,
    [anonymous, operator, social_worker, admin]: [Expect; 4],
) -> Row {
    Row {
        method,
        path,
        anonymous,
        operator,
        social_worker,
        admin,
    }
}

const ADMIN_ONLY_200: [Expect; 4] = [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, Status(200)];

const MATRIX: &[Row] = &[
    // Public.
    row(
        "GET",
        "/healthz",
        [Status(200), Status(200), Status(200), Status(200)],
    ),
    row(
        "GET",
        "/api/v1/openapi.json",
        [Status(200), Status(200), Status(200), Status(200)],
    ),
    // Public, sent a well-formed but wrong body: the answer is about the body, never about a missing token.
    row(
        "POST",
        "/api/v1/auth/login",
        [Refused(401, "invalid_credentials"); 4],
    ),
    row(
        "POST",
        "/api/v1/auth/refresh",
        [Refused(401, "invalid_refresh_token"); 4],
    ),
    // Admins, or the scrape token (see its own test).
    row("GET", "/metrics", ADMIN_ONLY_200),
    // The WebSocket endpoint: a plain GET is not an upgrade, whoever sends it. Who may do what over the
    // protocol itself is tested in `sync.rs`.
    row("GET", "/sync", [Refused(400, "invalid_request"); 4]),
    // Any signed-in user.
    row(
        "GET",
        "/api/v1/me",
        [UNAUTHENTICATED, Status(200), Status(200), Status(200)],
    ),
    row(
        "POST",
        "/api/v1/me/password",
        [
            UNAUTHENTICATED,
            Refused(403, "wrong_password"),
            Refused(403, "wrong_password"),
            Refused(403, "wrong_password"),
        ],
    ),
    // Admins only.
    row("GET", "/api/v1/admin/users", ADMIN_ONLY_200),
    row(
        "POST",
        "/api/v1/admin/users",
        [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, Status(201)],
    ),
    row("GET", "/api/v1/admin/users/{id}", ADMIN_ONLY_200),
    row("PATCH", "/api/v1/admin/users/{id}", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/sessions", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/audit", ADMIN_ONLY_200),
    row(
        "POST",
        "/api/v1/admin/users/{id}/reset-password",
        ADMIN_ONLY_200,
    ),
    row(
        "DELETE",
        "/api/v1/admin/users/{id}/sessions",
        ADMIN_ONLY_200,
    ),
    row(
        "DELETE",
        "/api/v1/admin/sessions/{id}",
        [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, Status(204)],
    ),
    // Last: it ends each caller's session.
    row(
        "POST",
        "/api/v1/auth/logout",
        [UNAUTHENTICATED, Status(204), Status(204), Status(204)],
    ),
];

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn documented_routes(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.keys()
                .filter(|key| HTTP_METHODS.contains(&key.as_str()))
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn the_matrix_covers_exactly_the_routes_of_the_openapi_document() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();

    let documented = documented_routes(&document);
    let in_matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|row| (row.method.to_owned(), row.path.to_owned()))
        .collect();
    assert_eq!(
        in_matrix.len(),
        MATRIX.len(),
        "no route appears twice in the matrix"
    );
    let missing: Vec<_> = documented.difference(&in_matrix).collect();
    let stale: Vec<_> = in_matrix.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "documented routes without a matrix row: {missing:?}; matrix rows not in the document: {stale:?}"
    );
}

/// The ids the admin rows act on.
struct Ids {
    /// A user created for the admin rows to read, edit and reset (never one of the callers).
    target: String,
    /// A live session made only to be ended by `DELETE /api/v1/admin/sessions/{id}`.
    spare_session: String,
}

fn concrete_path(template: &str, ids: &Ids) -> String {
    let id = if template.starts_with("/api/v1/admin/sessions/") {
        &ids.spare_session
    } else {
        &ids.target
    };
    template.replace("{id}", id)
}

fn body_for(method: &str, path: &str, caller: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/api/v1/auth/login") => {
            Some(json!({"username": "nobody.here", "password": "not-the-password"}))
        }
        ("POST", "/api/v1/auth/refresh") => Some(json!({"refresh_token": "sprt_bogus"})),
        ("POST", "/api/v1/me/password") => Some(json!({
            "current_password": "not-the-current-password",
            "new_password": "pioggia-lampione-ciliegia-31",
        })),
        // A distinct name per caller, so that a caller wrongly let through could not hide behind a
        // `username_taken` answer.
        ("POST", "/api/v1/admin/users") => Some(json!({
            "username": format!("made.by.{caller}"),
            "role": "operator",
        })),
        ("PATCH", "/api/v1/admin/users/{id}") => {
            Some(json!({"display_name": format!("Renamed by {caller}")}))
        }
        ("POST", _) => Some(json!({})),
        _ => None,
    }
}

async fn call(
    app: &TestApp,
    row: &Row,
    ids: &Ids,
    caller: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut request = app.request(method, &concrete_path(row.path, ids), token);
    if let Some(body) = body_for(row.method, row.path, caller) {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn assert_answer(response: reqwest::Response, expected: Expect, case: &str) {
    let status = response.status().as_u16();
    match expected {
        Status(code) => {
            let text = response.text().await.unwrap_or_default();
            assert_eq!(status, code, "{case}: status (body {text})");
        }
        Refused(code, error) => {
            assert_eq!(status, code, "{case}: status");
            assert_eq!(error_code(response).await, error, "{case}: error code");
        }
    }
}

async fn session_id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["session_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.matrix", "operator", &[]).await;
    let (_, social_worker) = app
        .create_user(&admin, "sw.matrix", "social_worker", &["elderly"])
        .await;
    let target = app
        .post_json(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "target.matrix", "role": "operator"}),
        )
        .await;
    assert_eq!(target.status(), StatusCode::CREATED);
    let target: Value = target.json().await.unwrap();
    let spare = access(&app.login_ok("op.matrix", STRONG_PASSWORD).await);
    let ids = Ids {
        target: target["user"]["id"].as_str().unwrap().to_owned(),
        spare_session: session_id_of(&app, &spare).await,
    };

    let callers: [(&str, Option<&str>); 4] = [
        ("anonymous", None),
        ("operator", Some(&operator)),
        ("social_worker", Some(&social_worker)),
        ("admin", Some(&admin)),
    ];
    for row in MATRIX {
        let expected = [row.anonymous, row.operator, row.social_worker, row.admin];
        for ((caller, token), expect) in callers.iter().zip(expected) {
            let response = call(&app, row, &ids, caller, *token).await;
            assert_answer(
                response,
                expect,
                &format!("{caller} {} {}", row.method, row.path),
            )
            .await;
        }
    }

    // Each logout in the last row ended its caller's session.
    for (caller, token) in callers.iter().skip(1) {
        let me = app.get("/api/v1/me", token.unwrap()).await;
        assert_eq!(
            me.status(),
            StatusCode::UNAUTHORIZED,
            "{caller} after logout"
        );
    }
    // The refused callers changed nothing: only the admin's user was created, and only the admin's rename
    // took effect.
    let admin_again = access(&app.login_ok("admin", crate::helpers::ADMIN_PASSWORD).await);
    let users: Value = app
        .get("/api/v1/admin/users", &admin_again)
        .await
        .json()
        .await
        .unwrap();
    let names: BTreeSet<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap())
        .collect();
    assert!(names.contains("made.by.admin"));
    for refused in [
        "made.by.anonymous",
        "made.by.operator",
        "made.by.social_worker",
    ] {
        assert!(!names.contains(refused), "{refused} must not exist");
    }
    let target_now: Value = app
        .get(&format!("/api/v1/admin/users/{}", ids.target), &admin_again)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(target_now["display_name"], "Renamed by admin");
}

#[tokio::test]
async fn an_admin_with_a_pending_password_change_is_refused_on_admin_routes_but_sees_me() {
    let app = spawn_app().await;
    let one_time = app.bootstrap_password.clone().unwrap();
    let token = access(&app.login_ok("admin", &one_time).await);

    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["must_change_password"], true);
    assert_eq!(me["user"]["role"], "admin");
    let ids = Ids {
        target: me["user"]["id"].as_str().unwrap().to_owned(),
        spare_session: me["session_id"].as_str().unwrap().to_owned(),
    };

    let admin_rows = MATRIX
        .iter()
        .filter(|row| row.path.starts_with("/api/v1/admin/") || row.path == "/metrics");
    let mut checked = 0;
    for row in admin_rows {
        let response = call(&app, row, &ids, "pending", Some(&token)).await;
        let case = format!("pending admin {} {}", row.method, row.path);
        assert_answer(response, Refused(403, "password_change_required"), &case).await;
        checked += 1;
    }
    assert_eq!(checked, 10, "every admin route and /metrics");

    // Nothing happened: the session is still live and the user still exists with the same one-time
    // password pending.
    let me_again = app.get("/api/v1/me", &token).await;
    assert_eq!(me_again.status(), StatusCode::OK);
    let me_again: Value = me_again.json().await.unwrap();
    assert_eq!(me_again["user"]["must_change_password"], true);
}

#[tokio::test]
async fn an_operator_refused_on_an_admin_route_is_recorded_in_the_audit_log() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;

    let refused = app.get("/api/v1/admin/users", &operator).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "forbidden");

    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[("action", "access.denied")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "exactly one refusal so far: {entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["actor_id"], operator_id.as_str());
    assert_eq!(entry["actor_role"], "operator");
    assert_eq!(entry["action"], "access.denied");
    assert_eq!(entry["outcome"], "denied");
    assert_eq!(entry["target"], "/api/v1/admin/users", "the route pattern");
}

#[tokio::test]
async fn metrics_answer_the_scrape_token_without_a_user() {
    let app = spawn_app().await;
    // Serve one request first so the request counter has a sample.
    let health = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let scrape = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();

    let response = app.get("/metrics", scrape.trim()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(text.contains("sportello_http_requests_total"), "{text}");

    let wrong = app.get("/metrics", &format!("{}x", scrape.trim())).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "unauthenticated");
}

#[tokio::test]
async fn an_operator_is_forbidden_on_admin_routes_whatever_the_path_body_or_query() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;

    // The role decides first: input that would be malformed for an admin must not turn an operator's
    // refusal into a 400 or 404 (which would also go unaudited).
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("GET", "/api/v1/admin/users/not-a-uuid", None),
        (
            "PATCH",
            "/api/v1/admin/users/not-a-uuid",
            Some(r#"{"display_name":"X"}"#),
        ),
        ("DELETE", "/api/v1/admin/sessions/not-a-uuid", None),
        ("POST", "/api/v1/admin/users", Some("{not json")),
        (
            "POST",
            "/api/v1/admin/users",
            Some(r#"{"username":"Bad Name","role":"operator"}"#),
        ),
        ("GET", "/api/v1/admin/sessions?colour=blue", None),
    ];
    for (method, path, body) in cases {
        let mut request = app.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            Some(&operator),
        );
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        assert_answer(response, FORBIDDEN, &format!("operator {method} {path}")).await;
    }

    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[
            ("action", "access.denied"),
            ("actor_id", operator_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let page: Value = page.json().await.unwrap();
    assert_eq!(
        page["entries"].as_array().unwrap().len(),
        cases.len(),
        "every refusal is audited"
    );
}
