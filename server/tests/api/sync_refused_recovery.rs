//! A client that keeps a refused change is never stuck (issue 9): the stock JS client (which does not drop
//! what the server refused) makes a change the server refuses, keeps it, and still receives what another
//! user writes afterwards — on the same connection and after reconnecting, when the server starts from a
//! fresh sync state and the client offers the refused change again.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::State as SyncState;
use serde_json::{Value, json};
use sportello_schema::documents::{CaseDoc, Urgency};
use sportello_schema::sync::DocumentId;

use crate::helpers::{TestApp, spawn_app};
use crate::interop::client_script;
use crate::sync::{audit_actions, create, desk_with};
use crate::sync_client::{Peer, edit_case, new_case};

/// A case created by the stock JS client of `operator_id`; returns its URL.
fn create_case(app: &TestApp, token: &str, operator_id: &str) -> String {
    let case = json!({
        "schema": "sportello/case@1",
        "created_at": "2026-11-27T09:30:00Z",
        "created_by": operator_id,
        "channel": "desk",
        "person": {"given_name": "Amina", "family_name": "Diallo", "languages": []},
        "needs": [],
        "summary": "",
        "urgency": "normal",
        "consent": {"privacy_notice": true, "data_sharing": false, "recorded_at": "2026-11-27T09:31:00Z"},
        "referrals": [],
        "status": "open"
    })
    .to_string();
    let (code, created) = run(app, token, &["create", "--doc", &case]);
    assert_eq!(code, 0, "{created}");
    created["url"].as_str().unwrap().to_owned()
}

fn node(app: &TestApp, token: &str, args: &[&str], timeout_s: &str) -> Command {
    let url = format!("{}/sync", app.address.replace("http://", "ws://"));
    let mut command = Command::new("node");
    command
        .arg(client_script())
        .args(args)
        .args(["--url", &url, "--timeout", timeout_s])
        .env("SPORTELLO_ACCESS_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn result_of(output: std::process::Output) -> (i32, Value) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout.lines().last().unwrap_or_default();
    let value = serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("client.mjs printed no JSON line: {stdout} {stderr}"));
    (output.status.code().unwrap_or(-1), value)
}

fn run(app: &TestApp, token: &str, args: &[&str]) -> (i32, Value) {
    result_of(node(app, token, args, "10").output().unwrap())
}

/// Waits for the keep-refused client to say that its change was refused (it writes `ready`).
fn wait_for_refusal(ready: &Path, client: &mut std::process::Child) {
    let start = Instant::now();
    while !ready.exists() {
        if let Some(status) = client.try_wait().unwrap() {
            panic!("the keep-refused client ended before its change was refused: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no refusal in 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The scenario: operator A's JS client writes an invalid fiscal code (refused) and keeps it; operator B
/// then raises the urgency; A must receive B's edit.
/// Node runs as child processes; blocking the test's thread is fine, the server has its own threads.
async fn a_client_keeping_a_refused_change_receives_later_edits(reconnect: bool) {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a_id, a) = app.create_user(&admin, "op.a", "operator", &[]).await;
    let (_, b) = app.create_user(&admin, "op.b", "operator", &[]).await;
    let url = create_case(&app, &a, &a_id);

    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("refused");
    let mut args = vec![
        "keep-refused",
        "--doc-url",
        &url,
        "--set",
        "person.fiscal_code=NOTAFISCALCODE00",
        "--until",
        "urgency=high",
        "--ready-file",
        ready.to_str().unwrap(),
    ];
    if reconnect {
        args.push("--reconnect");
    }
    let mut keeper = node(&app, &a, &args, "40").spawn().unwrap();
    wait_for_refusal(&ready, &mut keeper);
    let refusal: Value = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
    assert_eq!(refusal["code"], "invalid_document", "{refusal}");

    let (code, edited) = run(
        &app,
        &b,
        &["edit", "--doc-url", &url, "--set", "urgency=high"],
    );
    assert_eq!(code, 0, "{edited}");

    let (code, kept) = result_of(keeper.wait_with_output().unwrap());
    assert_eq!(code, 0, "A never received B's edit: {kept}");
    assert_eq!(kept["doc"]["urgency"], "high");
    // A still holds its refused change (the stock client does not drop it); the server never took it.
    assert_eq!(kept["doc"]["person"]["fiscal_code"], "NOTAFISCALCODE00");
    let (_, on_server) = run(&app, &b, &["open", "--doc-url", &url]);
    assert!(
        on_server["doc"]["person"].get("fiscal_code").is_none(),
        "{on_server}"
    );
}

#[tokio::test]
async fn a_js_client_that_keeps_a_refused_change_still_receives_other_users_edits() {
    a_client_keeping_a_refused_change_receives_later_edits(false).await;
}

#[tokio::test]
async fn a_js_client_that_reconnects_holding_a_refused_change_still_receives_other_users_edits() {
    a_client_keeping_a_refused_change_receives_later_edits(true).await;
}

/// What a fresh tablet of `token` downloads of `id`.
async fn download(app: &TestApp, token: &str, id: DocumentId) -> CaseDoc {
    let mut peer = Peer::join(app, token, "tablet-reader").await;
    let mut doc = Automerge::new();
    let outcome = peer.sync(id, &mut doc, &mut SyncState::new(), true).await;
    assert!(!outcome.unavailable, "{outcome:?}");
    autosurgeon::hydrate(&doc).unwrap()
}

/// A colleague's tablet sets the urgency and syncs it.
async fn colleague_sets_urgency(app: &TestApp, token: &str, id: DocumentId, urgency: Urgency) {
    let mut peer = Peer::join(app, token, "tablet-colleague").await;
    let mut doc = Automerge::new();
    let mut state = SyncState::new();
    peer.sync(id, &mut doc, &mut state, true).await;
    let mut edited = edit_case(&doc, |case| case.urgency = urgency);
    let outcome = peer.sync(id, &mut edited, &mut state, false).await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
}

/// `Peer::sync` panics when an exchange does not settle, so every sync below also proves that the server
/// and a tablet holding refused changes do not answer each other for ever.
#[tokio::test]
async fn a_tablet_holding_refused_changes_and_more_built_on_them_settles_and_receives_edits() {
    let desk = desk_with(|_| {}).await;
    let mut case = new_case(&desk.operator.0, "Neri");
    let (mut tablet, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let mut state = SyncState::new();
    let mut held = edit_case(&case, |c| {
        c.person.fiscal_code = Some("RSSMRA85T10A562X".into())
    });
    let outcome = tablet.sync(id, &mut held, &mut state, false).await;
    assert!(outcome.refused_with("invalid_document"), "{outcome:?}");
    // More work on top of the refused change: it can never be accepted, and the exchange still settles.
    held = edit_case(&held, |c| c.person.given_name = "Anna".into());
    let outcome = tablet.sync(id, &mut held, &mut state, false).await;
    assert!(
        outcome.closed.is_none() && !outcome.unavailable,
        "{outcome:?}"
    );

    // Same connection: the colleague's edit arrives.
    colleague_sets_urgency(&desk.app, &desk.colleague.1, id, Urgency::High).await;
    tablet.sync(id, &mut held, &mut state, false).await;
    let seen: CaseDoc = autosurgeon::hydrate(&held).unwrap();
    assert_eq!(seen.urgency, Urgency::High);

    // A new connection, fresh sync states on both sides: the next edit arrives too.
    colleague_sets_urgency(&desk.app, &desk.colleague.1, id, Urgency::Low).await;
    let mut again = Peer::join(&desk.app, &desk.operator.1, "tablet").await;
    again
        .sync(id, &mut held, &mut SyncState::new(), false)
        .await;
    let seen: CaseDoc = autosurgeon::hydrate(&held).unwrap();
    assert_eq!(seen.urgency, Urgency::Low);

    // The server never took the refused change nor what was built on it, and audited the refusal once.
    let stored = download(&desk.app, &desk.colleague.1, id).await;
    assert_eq!(stored.person.fiscal_code, None);
    assert_ne!(stored.person.given_name, "Anna");
    assert_eq!(
        audit_actions(&desk.app, &desk.admin, "doc.refused")
            .await
            .len(),
        1
    );
}
