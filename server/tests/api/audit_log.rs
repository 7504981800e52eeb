//! The audit log's hash chain: `sportello audit verify` passes on an untouched log and names the first
//! bad row when a row was altered or removed (by someone with raw access to the database file).

use std::path::Path;
use std::process::Command;

use rusqlite::Connection;

use crate::helpers::{TestApp, spawn_app};

fn verify(data_dir: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["--data-dir", data_dir.to_str().unwrap(), "audit", "verify"])
        .output()
        .expect("the sportello binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// An app with some history: bootstrap, logins, a password change, user creations.
async fn app_with_history() -> TestApp {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.a", "operator", &[]).await;
    app.create_user(&admin, "sw.b", "social_worker", &["elderly"])
        .await;
    app
}

/// Opens the database as an attacker with file access would: the append-only triggers dropped.
fn tamper(data_dir: &Path, sql: &str) {
    let conn = Connection::open(data_dir.join("sportello.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn rows(data_dir: &Path) -> i64 {
    let conn = Connection::open(data_dir.join("sportello.db")).unwrap();
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let app = app_with_history().await;
    let (ok, text) = verify(app.data_dir());
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("intact: {} rows", rows(app.data_dir()))),
        "{text}"
    );
}

#[tokio::test]
async fn the_database_refuses_updates_and_deletes_of_audit_rows() {
    let app = app_with_history().await;
    let conn = Connection::open(app.data_dir().join("sportello.db")).unwrap();
    let update = conn.execute("UPDATE audit_log SET outcome = 'failure' WHERE seq = 1", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit_log WHERE seq = 1", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn an_altered_row_is_named() {
    let app = app_with_history().await;
    tamper(
        app.data_dir(),
        "UPDATE audit_log SET outcome = 'failure' WHERE seq = 3;",
    );
    let (ok, text) = verify(app.data_dir());
    assert!(!ok);
    assert!(text.contains("BROKEN at row 3"), "{text}");
    assert!(text.contains("altered"), "{text}");
}

#[tokio::test]
async fn a_row_rewritten_with_a_recomputed_hash_breaks_the_next_link() {
    let app = app_with_history().await;
    // Replace row 2's hash by some other value: row 2 fails its own check.
    tamper(
        app.data_dir(),
        "UPDATE audit_log SET hash = randomblob(32) WHERE seq = 2;",
    );
    let (ok, text) = verify(app.data_dir());
    assert!(!ok);
    assert!(text.contains("row 2"), "{text}");
}

#[tokio::test]
async fn a_removed_row_in_the_middle_is_named() {
    let app = app_with_history().await;
    tamper(app.data_dir(), "DELETE FROM audit_log WHERE seq = 4;");
    let (ok, text) = verify(app.data_dir());
    assert!(!ok);
    assert!(
        text.contains("BROKEN at row 4") && text.contains("missing"),
        "{text}"
    );
}

#[tokio::test]
async fn rows_removed_from_the_end_are_detected() {
    let app = app_with_history().await;
    let last = rows(app.data_dir());
    tamper(
        app.data_dir(),
        &format!("DELETE FROM audit_log WHERE seq = {last};"),
    );
    let (ok, text) = verify(app.data_dir());
    assert!(!ok);
    assert!(
        text.contains(&format!("row {last}")) && text.contains("removed"),
        "{text}"
    );
}

#[tokio::test]
async fn refused_admin_actions_and_anonymous_failures_are_audited() {
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let taken = app
        .post_json(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "admin", "role": "operator"}),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let ghost = "00000000-0000-4000-8000-000000000000";
    let missing = app
        .post_json(
            &format!("/api/v1/admin/users/{ghost}/reset-password"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let _ = app.login("no.such.user", "whatever-password-1").await;

    let page: Value = app
        .get("/api/v1/admin/audit?outcome=failure", &admin)
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>, String)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().map(str::to_owned),
                e["actor_role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("admin.user_create".into(), None, "admin".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&(
            "admin.password_reset".into(),
            Some(ghost.into()),
            "admin".into()
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("auth.login".into(), None, "anonymous".into())),
        "{rows:?}"
    );
}
