//! The tablet's data lifecycle (issue 12), against the real server: a session marked lost answers
//! `session_wiped` everywhere and is named by the public wipe check (to its holder only); the offline lease
//! is an admin setting sent with `/me` and the login; the openings of cases a tablet uploads reach the
//! audit log once each, with the time they happened.

use std::path::Path;
use std::process::Command;

use automerge::Automerge;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sportello_schema::sync::{DocumentId, Message};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code, refresh, spawn_app};
use crate::sync::{audit_actions, create, desk_with};
use crate::sync_client::{Peer, new_case};

fn verify(data_dir: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["--data-dir", data_dir.to_str().unwrap(), "audit", "verify"])
        .output()
        .expect("the sportello binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

async fn session_id(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["session_id"].as_str().unwrap().to_owned()
}

async fn wipe(app: &TestApp, admin: &str, session: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/admin/sessions/{session}/wipe"),
        Some(admin),
        &json!({}),
    )
    .await
}

async fn wipe_check(app: &TestApp, ids: &[&str]) -> Vec<String> {
    let response = app
        .post_json(
            "/api/v1/auth/wipe-check",
            None,
            &json!({"session_ids": ids}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    answer["wipe"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_session_marked_lost_answers_session_wiped_to_rest_refresh_and_sync() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.lost", "operator", &[]).await;
    let lost = app.login_ok("op.lost", STRONG_PASSWORD).await;
    let kept = app.login_ok("op.lost", STRONG_PASSWORD).await;
    let lost_session = session_id(&app, &access(&lost)).await;

    assert_eq!(
        wipe(&app, &admin, &lost_session).await.status(),
        StatusCode::NO_CONTENT
    );

    let me = app.get("/api/v1/me", &access(&lost)).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(me).await, "session_wiped");
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh(&lost)}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(refreshed).await, "session_wiped");

    let mut peer = Peer::connect(&app, Some(&access(&lost)), "lost-tablet").await;
    match peer.recv().await {
        Some(Ok(Message::Error(error))) => assert_eq!(error.message, "session_wiped"),
        other => panic!("expected an error message, got {other:?}"),
    }
    match peer.recv().await {
        Some(Err((code, _))) => assert_eq!(code, CloseCode::Policy),
        other => panic!("expected a close, got {other:?}"),
    }

    // The user's other session is not marked.
    assert_eq!(
        app.get("/api/v1/me", &access(&kept)).await.status(),
        StatusCode::OK
    );
    let rows = audit_actions(&app, &admin, "admin.session_wipe").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["target"], lost_session.as_str());
    // Marking an unknown session is a 404.
    let unknown = wipe(&app, &admin, "7a0c3f8e-1b2d-4c5e-9f60-718293a4b5c6").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_wipe_check_names_only_the_marked_sessions_and_audits_the_first_delivery_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (user, _) = app.create_user(&admin, "op.tab", "operator", &[]).await;
    let marked = session_id(
        &app,
        &access(&app.login_ok("op.tab", STRONG_PASSWORD).await),
    )
    .await;
    let live = session_id(
        &app,
        &access(&app.login_ok("op.tab", STRONG_PASSWORD).await),
    )
    .await;
    let unknown = "0b9d2c1e-3f4a-4b5c-8d6e-7f8091a2b3c4";
    wipe(&app, &admin, &marked).await;

    assert_eq!(
        wipe_check(&app, &[&marked, &live, unknown]).await,
        [marked.as_str()]
    );
    assert_eq!(wipe_check(&app, &[&marked]).await, [marked.as_str()]);
    assert!(wipe_check(&app, &[&live, unknown]).await.is_empty());
    let delivered = audit_actions(&app, &admin, "auth.wipe_delivered").await;
    assert_eq!(delivered.len(), 1, "audited once: {delivered:?}");
    assert_eq!(delivered[0]["target"], marked.as_str());
    assert_eq!(delivered[0]["actor_id"], user.as_str());

    // More than 16 ids, or something that is not an id, is refused.
    let many: Vec<String> = (0..17)
        .map(|_| sportello_schema::SessionId::new_random().to_string())
        .collect();
    let too_many = app
        .post_json(
            "/api/v1/auth/wipe-check",
            None,
            &json!({"session_ids": many}),
        )
        .await;
    assert_eq!(too_many.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let not_ids = app
        .post_json(
            "/api/v1/auth/wipe-check",
            None,
            &json!({"session_ids": ["x"]}),
        )
        .await;
    assert_eq!(not_ids.status(), StatusCode::BAD_REQUEST);

    // The console's kills mark too: one session, then all the user's sessions.
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/sessions/{live}"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(wipe_check(&app, &[&live]).await, [live.as_str()]);
    let third = session_id(
        &app,
        &access(&app.login_ok("op.tab", STRONG_PASSWORD).await),
    )
    .await;
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/users/{user}/sessions"),
            Some(&admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(wipe_check(&app, &[&third]).await, [third.as_str()]);
}

#[tokio::test]
async fn the_offline_lease_is_validated_audited_and_sent_with_me_and_the_login() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.lease", "operator", &[]).await;

    let settings: Value = app
        .get("/api/v1/admin/settings/tablets", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings, json!({"offline_lease_hours": 72}));
    let me: Value = app.get("/api/v1/me", &operator).await.json().await.unwrap();
    assert_eq!(me["offline_lease_seconds"], 72 * 3600);

    for hours in [json!(0), json!(721), json!(-3)] {
        let refused = app
            .put_json(
                "/api/v1/admin/settings/tablets",
                Some(&admin),
                &json!({"offline_lease_hours": hours}),
            )
            .await;
        assert!(
            refused.status().is_client_error(),
            "{hours}: {}",
            refused.status()
        );
    }
    let saved = app
        .put_json(
            "/api/v1/admin/settings/tablets",
            Some(&admin),
            &json!({"offline_lease_hours": 24}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let me: Value = app.get("/api/v1/me", &operator).await.json().await.unwrap();
    assert_eq!(me["offline_lease_seconds"], 24 * 3600);
    let login = app.login_ok("op.lease", STRONG_PASSWORD).await;
    assert_eq!(login["offline_lease_seconds"], 24 * 3600);

    let rows = audit_actions(&app, &admin, "admin.settings_update").await;
    let outcomes: Vec<&str> = rows
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "success").count(),
        1,
        "{rows:?}"
    );
    assert!(
        outcomes.contains(&"failure"),
        "the refused 0 and 721: {rows:?}"
    );
    assert!(rows.iter().all(|r| r["target"] == "tablets"));
}

fn read(event: &str, document: &str, opened_at: &str) -> Value {
    json!({"event_id": event, "document_id": document, "opened_at": opened_at})
}

#[tokio::test]
async fn openings_uploaded_are_recorded_once_each_with_the_time_they_happened() {
    let desk = desk_with(|_| {}).await;
    let app = &desk.app;
    let (operator_id, operator) = (&desk.operator.0, &desk.operator.1);
    let mut case: Automerge = new_case(operator_id, "Rossi");
    let (_peer, case_id) = create(app, operator, &mut case).await;
    let case_id = case_id.to_string();
    let two_hours_ago = app.clock_rfc3339(-2 * 3600);
    let yesterday = app.clock_rfc3339(-24 * 3600);
    let batch = json!({"reads": [
        read("5f0e8a52-8c1d-4b7e-9a3f-0c2d4e6f8a10", &case_id, &two_hours_ago),
        read("6a1f9b63-9d2e-4c8f-8b40-1d3e5f7a9b21", &format!("automerge:{case_id}"), &yesterday),
        // Unknown document, a time in the future, one older than 90 days, a malformed event id.
        read("7b2a0c74-0e3f-4d90-9c51-2e4f6a8b0c32", &DocumentId::new_random().to_string(), &yesterday),
        read("8c3b1d85-1f40-4ea1-8d62-3f5a7b9c1d43", &case_id, &app.clock_rfc3339(3600)),
        read("9d4c2e96-2a51-4fb2-9e73-4a6b8c0d2e54", &case_id, &app.clock_rfc3339(-91 * 24 * 3600)),
        read("not-a-uuid", &case_id, &yesterday),
    ]});

    let first = app
        .post_json("/api/v1/me/reads", Some(operator), &batch)
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first, json!({"recorded": 2, "duplicates": 0, "ignored": 4}));
    // A retried upload (the answer was lost) records nothing twice.
    let again: Value = app
        .post_json("/api/v1/me/reads", Some(operator), &batch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, json!({"recorded": 0, "duplicates": 2, "ignored": 4}));

    let rows = audit_actions(app, &desk.admin, "doc.read_offline").await;
    let mut seen: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["at"].as_str().unwrap().to_owned(),
                r["target"].as_str().unwrap().to_owned(),
                r["actor_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let at = |raw: &str| {
        sportello_schema::desk_time::UtcTime::parse(raw)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        seen,
        [
            (at(&yesterday), case_id.clone(), operator_id.clone()),
            (at(&two_hours_ago), case_id.clone(), operator_id.clone()),
        ]
    );
    let uploads = audit_actions(app, &desk.admin, "doc.reads_upload").await;
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let (ok, text) = verify(app.data_dir());
    assert!(ok, "the chain verifies with opening times in it: {text}");

    // The same event id from another user is that user's own opening.
    let worker = &desk.elderly_worker.1;
    let theirs =
        json!({"reads": [read("5f0e8a52-8c1d-4b7e-9a3f-0c2d4e6f8a10", &case_id, &yesterday)]});
    let answer: Value = app
        .post_json("/api/v1/me/reads", Some(worker), &theirs)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["recorded"], 1);
}

#[tokio::test]
async fn uploads_are_bounded_per_request_and_refused_to_admins() {
    let desk = desk_with(|_| {}).await;
    let app = &desk.app;
    let small: Vec<Value> = many_small(501);
    let response = app
        .post_json(
            "/api/v1/me/reads",
            Some(&desk.operator.1),
            &json!({"reads": small}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let admin = app
        .post_json("/api/v1/me/reads", Some(&desk.admin), &json!({"reads": []}))
        .await;
    assert_eq!(admin.status(), StatusCode::FORBIDDEN);
}

/// `count` entries short enough to fit the body limit (they are ignored, but counted first).
fn many_small(count: usize) -> Vec<Value> {
    (0..count)
        .map(|_| json!({"event_id": "", "document_id": "", "opened_at": ""}))
        .collect()
}

#[tokio::test]
async fn a_user_past_the_daily_bound_is_refused_and_nothing_of_the_upload_is_recorded() {
    let desk = desk_with(|_| {}).await;
    let app = &desk.app;
    let (operator_id, operator) = (&desk.operator.0, &desk.operator.1);
    let mut case: Automerge = new_case(operator_id, "Bianchi");
    let (_peer, case_id) = create(app, operator, &mut case).await;
    // 5000 openings already recorded today, as many uploads would have left them.
    {
        use sportello_server::clock::Clock;
        let now = app.clock.now().as_second();
        let mut conn = rusqlite::Connection::open(app.data_dir().join("sportello.db")).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        // One transaction: quick, so that the client's pooled connection does not idle out meanwhile.
        let tx = conn.transaction().unwrap();
        for i in 0..sportello_server::lifecycle::READS_MAX_PER_USER_PER_DAY {
            tx.execute(
                "INSERT INTO offline_reads (user_id, event_id, recorded_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![operator_id, format!("earlier-{i}"), now - 60],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let one = json!({"reads": [read(
        "a1b2c3d4-0000-4000-8000-000000000001",
        &case_id.to_string(),
        &app.clock_rfc3339(-60),
    )]});
    let refused = app
        .post_json("/api/v1/me/reads", Some(operator), &one)
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(
        audit_actions(app, &desk.admin, "doc.read_offline")
            .await
            .is_empty()
    );
    // A day later the same upload is recorded.
    app.clock.advance(jiff::SignedDuration::from_hours(24));
    let operator = access(&app.login_ok("op.anna", STRONG_PASSWORD).await);
    let again = app
        .post_json("/api/v1/me/reads", Some(&operator), &one)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}
