//! Interoperability with the standard JS automerge-repo client (`tests/js/client.mjs`, run with Node):
//! a JS client of an operator creates a case, a JS client of a colleague opens it, and JS clients of an
//! unauthorised social worker and of an admin get `doc-unavailable`. CI installs the client with
//! `npm ci --prefix tests/js`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use sportello_schema::documents::CaseDoc;
use sportello_schema::sync::AutomergeUrl;

use crate::helpers::{TestApp, spawn_app};

pub(crate) fn client_script() -> PathBuf {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/js");
    // `cargo test` alone must work on a fresh checkout: install the pinned client once if it is missing
    // (CI installs it beforehand with the same command).
    INSTALL.call_once(|| {
        if folder.join("node_modules").is_dir() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&folder)
            .status()
            .expect("npm runs (Node 20 or newer with npm must be installed)");
        assert!(status.success(), "`npm ci --prefix tests/js` failed");
    });
    folder.join("client.mjs")
}

/// Runs `node client.mjs <args>` as the user of `token`; returns the exit code and the JSON line.
fn js_client(app: &TestApp, token: &str, args: &[&str]) -> (i32, Value) {
    let url = format!("{}/sync", app.address.replace("http://", "ws://"));
    let output = Command::new("node")
        .arg(client_script())
        .args(args)
        .args(["--url", &url, "--timeout", "10"])
        // The token travels in the environment, not on the command line where `ps` would show it.
        .env("SPORTELLO_ACCESS_TOKEN", token)
        .output()
        .expect("node runs (Node 20 or newer must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "the token leaked into the output"
    );
    let line = stdout.lines().last().unwrap_or_default();
    let value = serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("client.mjs printed no JSON line: {stdout} {stderr}"));
    (output.status.code().unwrap_or(-1), value)
}

#[tokio::test]
async fn the_stock_js_client_creates_a_case_that_only_authorised_js_clients_can_open() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.js", "operator", &[]).await;
    let (_, colleague) = app.create_user(&admin, "op.js2", "operator", &[]).await;
    let (_, outsider) = app
        .create_user(&admin, "sw.js", "social_worker", &["housing"])
        .await;

    let case = json!({
        "schema": "sportello/case@1",
        "created_at": "2026-11-27T09:30:00Z",
        "created_by": operator_id,
        "channel": "desk",
        "person": {"given_name": "Amina", "family_name": "Diallo", "languages": ["fr"]},
        "needs": [],
        "summary": "",
        "urgency": "normal",
        "consent": {"privacy_notice": true, "data_sharing": false, "recorded_at": "2026-11-27T09:31:00Z"},
        "referrals": [],
        "status": "open"
    })
    .to_string();
    // Node runs as a child process; blocking this test's thread is fine, the server has its own threads.
    let (code, created) = js_client(&app, &operator, &["create", "--doc", &case]);
    assert_eq!(code, 0, "{created}");
    assert_eq!(created["status"], "ok");
    let url = created["url"].as_str().unwrap().to_owned();
    AutomergeUrl::parse(&url).expect("the JS client names the document with a valid automerge URL");

    // The server stored what the JS client wrote (strings as Text objects) and reads it back typed.
    let opened = js_client(&app, &colleague, &["open", "--doc-url", &url]);
    assert_eq!(opened.0, 0, "{}", opened.1);
    assert_eq!(opened.1["status"], "ready");
    assert_eq!(opened.1["doc"]["person"]["family_name"], "Diallo");
    assert_eq!(opened.1["heads"], created["heads"]);

    for (who, token) in [("outsider", &outsider), ("admin", &admin)] {
        let (code, refused) = js_client(&app, token, &["open", "--doc-url", &url]);
        assert_eq!(code, 0, "{who}: {refused}");
        assert_eq!(refused["status"], "unavailable", "{who}");
    }

    // A JS client without a valid token is refused inside the protocol, without crashing.
    let (code, refused) = js_client(&app, "not-a-token", &["open", "--doc-url", &url]);
    assert_eq!(code, 3, "{refused}");
    assert_eq!(refused["status"], "refused");

    // What the server stored hydrates as a valid case (the JS client wrote its strings as Text objects).
    let conn = rusqlite::Connection::open(app.data_dir().join("sportello.db")).unwrap();
    let (snapshot, title): (Vec<u8>, String) = conn
        .query_row(
            "SELECT snapshot, title FROM documents WHERE kind = 'case'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(title, "Diallo Amina");
    let stored: CaseDoc =
        autosurgeon::hydrate(&automerge::Automerge::load(&snapshot).unwrap()).unwrap();
    assert_eq!(stored.person.languages, vec!["fr".to_owned()]);
}

#[tokio::test]
async fn a_js_client_is_told_why_its_invalid_case_was_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.js", "operator", &[]).await;
    // A summary without the privacy notice: the consent rule refuses it.
    let case = json!({
        "schema": "sportello/case@1",
        "created_at": "2026-11-27T09:30:00Z",
        "created_by": operator_id,
        "channel": "phone",
        "person": {"given_name": "Luca", "family_name": "Ferri", "languages": []},
        "needs": [],
        "summary": "sfratto esecutivo fra due settimane",
        "urgency": "high",
        "consent": {"privacy_notice": false, "data_sharing": false},
        "referrals": [],
        "status": "open"
    })
    .to_string();
    let (code, refused) = js_client(&app, &operator, &["create", "--doc", &case]);
    assert_eq!(code, 4, "{refused}");
    assert_eq!(refused["status"], "rejected");
    assert_eq!(refused["ephemeral"][0]["type"], "sportello/refused");
    assert!(
        refused["ephemeral"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("consent.privacy_notice")
    );
    let conn = rusqlite::Connection::open(app.data_dir().join("sportello.db")).unwrap();
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM documents WHERE kind = 'case'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_js_client_adding_a_key_the_layout_does_not_name_is_refused_and_its_ordinary_edits_are_not()
 {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.js", "operator", &[]).await;
    // Names only: no privacy notice yet, so nothing else about the person may be recorded.
    let case = json!({
        "schema": "sportello/case@1",
        "created_at": "2026-11-27T09:30:00Z",
        "created_by": operator_id,
        "channel": "desk",
        "person": {"given_name": "Luca", "family_name": "Ferri", "languages": []},
        "needs": [],
        "summary": "",
        "urgency": "normal",
        "consent": {"privacy_notice": false, "data_sharing": false},
        "referrals": [],
        "status": "open"
    })
    .to_string();
    let (code, created) = js_client(&app, &operator, &["create", "--doc", &case]);
    assert_eq!(code, 0, "{created}");
    let url = created["url"].as_str().unwrap().to_owned();

    // What the consent rule refuses as a summary, written under a key of its own.
    let (code, refused) = js_client(
        &app,
        &operator,
        &[
            "edit",
            "--doc-url",
            &url,
            "--set",
            "person.health=vittima di maltrattamenti",
        ],
    );
    assert_eq!(code, 4, "{refused}");
    assert_eq!(refused["status"], "rejected");
    let reason = refused["ephemeral"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("person: 1 unknown key"), "{reason}");
    assert!(!reason.contains("health") && !reason.contains("maltrattamenti"));

    // Ordinary edits, written the JS way (strings as Text objects, booleans), are taken.
    let (code, edited) = js_client(
        &app,
        &operator,
        &[
            "edit",
            "--doc-url",
            &url,
            "--set",
            "urgency=high",
            "--set",
            "consent.privacy_notice=true",
            "--set",
            "consent.recorded_at=2026-11-27T09:31:00Z",
            "--set",
            "summary=sfratto esecutivo",
            "--set",
            "person.phone=+393331234567",
            "--push",
            r#"needs={"code":"housing","note":"da verificare"}"#,
        ],
    );
    assert_eq!(code, 0, "{edited}");
    let opened = js_client(&app, &operator, &["open", "--doc-url", &url]);
    assert_eq!(opened.1["doc"]["summary"], "sfratto esecutivo");
    assert!(opened.1["doc"]["person"].get("health").is_none());
}
