//! `/sync`: the automerge-repo protocol with real WebSocket peers and real Automerge documents.

use std::time::Duration;

use automerge::Automerge;
use automerge::sync::State as SyncState;
use reqwest::StatusCode;
use rusqlite::Connection;
use serde_json::Value;
use sportello_schema::AreaCode;
use sportello_schema::documents::{CaseDoc, CaseNotesDoc};
use sportello_schema::sync::{DocumentId, Message};
use sportello_schema::values::Rfc3339Utc;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::sync_client::{Peer, edit_case, new_case, payload_contains};

/// A desk with its staff: an admin token, two operators and two social workers, as (user id, token).
pub(crate) struct Desk {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) operator: (String, String),
    pub(crate) colleague: (String, String),
    pub(crate) elderly_worker: (String, String),
    pub(crate) housing_worker: (String, String),
}

async fn desk() -> Desk {
    desk_with(|_| {}).await
}

pub(crate) async fn desk_with(
    configure: impl FnOnce(&mut sportello_server::config::Settings),
) -> Desk {
    let app = spawn_app_with(configure).await;
    let admin = app.admin_token().await;
    let operator = app.create_user(&admin, "op.anna", "operator", &[]).await;
    let colleague = app.create_user(&admin, "op.bruno", "operator", &[]).await;
    let elderly_worker = app
        .create_user(&admin, "sw.carla", "social_worker", &["elderly"])
        .await;
    let housing_worker = app
        .create_user(&admin, "sw.dario", "social_worker", &["housing"])
        .await;
    Desk {
        app,
        admin,
        operator,
        colleague,
        elderly_worker,
        housing_worker,
    }
}

fn stored_documents(app: &TestApp) -> i64 {
    let conn = Connection::open(app.data_dir().join("sportello.db")).unwrap();
    conn.query_row(
        "SELECT count(*) FROM documents WHERE kind IN ('case', 'case_notes')",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

pub(crate) async fn audit_actions(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/admin/audit?action={action}"), admin)
        .await
        .json()
        .await
        .unwrap();
    page["entries"].as_array().unwrap().clone()
}

/// Records the privacy notice and proposes referral `r1` to `area`, as the desk does when it refers a case.
fn propose_referral(case: &mut CaseDoc, operator: &str, area: &str, reason: &str) {
    let now = Rfc3339Utc::parse("2026-11-27T10:05:00Z").unwrap();
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(now.as_str().to_owned());
    case.referrals
        .push(sportello_schema::documents::Referral::propose(
            "r1",
            AreaCode::parse(area).unwrap(),
            reason,
            operator.parse().unwrap(),
            &now,
        ));
}

/// The close code the server sends, skipping other messages, if it closes before `wait` passes quietly.
async fn closed_within(peer: &mut Peer, wait: Duration) -> Option<CloseCode> {
    for _ in 0..5 {
        match peer.recv_within(wait).await {
            Some(Err((code, _))) => return Some(code),
            Some(Ok(_)) => continue,
            None => return None,
        }
    }
    None
}

/// A peer of `user` creates `doc` (offline-made) on the server and returns the id.
pub(crate) async fn create(app: &TestApp, token: &str, doc: &mut Automerge) -> (Peer, DocumentId) {
    let mut peer = Peer::join(app, token, "tablet-creator").await;
    let id = DocumentId::new_random();
    let outcome = peer.sync(id, doc, &mut SyncState::new(), false).await;
    assert!(!outcome.unavailable, "{outcome:?}");
    assert!(outcome.ephemeral.is_empty(), "refused: {outcome:?}");
    (peer, id)
}

/// What `token`'s peer gets when it asks for `id` with nothing local.
pub(crate) async fn fetch(app: &TestApp, token: &str, id: DocumentId) -> (Automerge, bool) {
    let mut peer = Peer::join(app, token, "tablet-reader").await;
    let mut doc = Automerge::new();
    let outcome = peer.sync(id, &mut doc, &mut SyncState::new(), true).await;
    (doc, outcome.unavailable)
}

#[tokio::test]
async fn an_anonymous_connection_gets_an_error_message_and_a_policy_close() {
    let app = spawn_app().await;
    let mut peer = Peer::connect(&app, None, "anonymous").await;
    match peer.recv().await {
        Some(Ok(Message::Error(error))) => assert_eq!(error.message, "unauthenticated"),
        other => panic!("expected an error message, got {other:?}"),
    }
    match peer.recv().await {
        Some(Err((code, _))) => assert_eq!(code, CloseCode::Policy),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_forged_token_and_a_pending_password_change_are_refused_the_same_way() {
    let desk = desk().await;
    let mut forged = Peer::connect(&desk.app, Some("eyJhbGciOiJub25lIn0.e30."), "forged").await;
    assert!(matches!(forged.recv().await, Some(Ok(Message::Error(_)))));
    assert!(matches!(
        forged.recv().await,
        Some(Err((CloseCode::Policy, _)))
    ));

    let (_, one_time) = desk
        .app
        .create_user_approved(
            &desk.admin,
            &serde_json::json!({"username": "op.nuovo", "role": "operator"}),
        )
        .await;
    let session = desk.app.login_ok("op.nuovo", &one_time).await;
    let mut pending = Peer::connect(
        &desk.app,
        Some(&crate::helpers::access(&session)),
        "pending",
    )
    .await;
    match pending.recv().await {
        Some(Ok(Message::Error(error))) => assert_eq!(error.message, "password_change_required"),
        other => panic!("expected an error message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_get_of_the_sync_endpoint_is_a_bad_request() {
    let app = spawn_app().await;
    let response = app
        .request(reqwest::Method::GET, "/sync", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_first_message_other_than_join_closes_the_connection() {
    let desk = desk().await;
    let mut peer = Peer::connect(&desk.app, Some(&desk.operator.1), "rude").await;
    peer.send_raw(Frame::Binary(vec![0xa0].into())).await;
    assert!(matches!(peer.recv().await, Some(Ok(Message::Error(_)))));
    assert!(matches!(
        peer.recv().await,
        Some(Err((CloseCode::Policy, _)))
    ));
}

#[tokio::test]
async fn an_operator_creates_a_case_offline_and_a_colleague_opens_it() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Rossi");
    let (_creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;
    assert_eq!(stored_documents(&desk.app), 1);

    let (copy, unavailable) = fetch(&desk.app, &desk.colleague.1, id).await;
    assert!(!unavailable);
    assert_eq!(copy.get_heads(), case.get_heads());
    let hydrated: CaseDoc = autosurgeon::hydrate(&copy).unwrap();
    assert_eq!(hydrated.person.family_name, "Rossi");

    let created = audit_actions(&desk.app, &desk.admin, "doc.create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["target"], id.to_string());
    assert_eq!(created[0]["actor_id"], desk.operator.0.as_str());
    let reads = audit_actions(&desk.app, &desk.admin, "doc.read").await;
    assert!(
        reads
            .iter()
            .any(|r| r["actor_id"] == desk.colleague.0.as_str()),
        "{reads:?}"
    );
}

#[tokio::test]
async fn other_areas_admins_and_unknown_ids_get_doc_unavailable_alike() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Bianchi");
    let (_creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let (copy, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, id).await;
    assert!(unavailable && copy.get_heads().is_empty());
    let (copy, unavailable) = fetch(&desk.app, &desk.admin, id).await;
    assert!(unavailable && copy.get_heads().is_empty());
    let (_, unavailable) = fetch(&desk.app, &desk.operator.1, DocumentId::new_random()).await;
    assert!(unavailable);

    let denied = audit_actions(&desk.app, &desk.admin, "doc.denied").await;
    assert!(
        denied
            .iter()
            .any(|r| r["target"] == id.to_string() && r["actor_role"] == "admin")
    );
}

#[tokio::test]
async fn a_case_referred_to_an_area_becomes_readable_and_writable_by_its_social_workers_only() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Verdi");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let mut referred = edit_case(&case, |c| {
        propose_referral(c, &desk.operator.0, "elderly", "assistenza domiciliare");
        c.status = sportello_schema::documents::CaseStatus::Referred;
    });
    let outcome = creator
        .sync(id, &mut referred, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "refused: {outcome:?}");

    let (copy, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, id).await;
    assert!(!unavailable);
    assert_eq!(copy.get_heads(), referred.get_heads());
    let (_, unavailable) = fetch(&desk.app, &desk.housing_worker.1, id).await;
    assert!(unavailable);
}

#[tokio::test]
async fn invalid_changes_are_refused_told_audited_once_and_never_stored() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Neri");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let mut bad = edit_case(&case, |c| {
        c.person.fiscal_code = Some("RSSMRA85T10A562X".into())
    });
    let mut state = SyncState::new();
    let outcome = creator.sync(id, &mut bad, &mut state, false).await;
    assert_eq!(outcome.ephemeral.len(), 1, "{outcome:?}");
    assert!(payload_contains(&outcome.ephemeral[0], "sportello/refused"));
    assert!(payload_contains(&outcome.ephemeral[0], "fiscal_code"));

    // The server's copy never took the change.
    let (copy, _) = fetch(&desk.app, &desk.colleague.1, id).await;
    assert_eq!(copy.get_heads(), case.get_heads());

    // Offered again on a later sync: refused silently, not audited twice.
    let _ = creator
        .sync(id, &mut bad, &mut SyncState::new(), false)
        .await;
    let refused = audit_actions(&desk.app, &desk.admin, "doc.refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
}

/// `doc` with `value` written as a Text under `key` of the map at `path` (a key the layout does not name),
/// as a client writing raw Automerge could.
fn with_unknown_key(doc: &Automerge, path: &[&str], key: &str, value: &str) -> Automerge {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ReadDoc};
    let mut writer = automerge::AutoCommit::load(&doc.save()).unwrap();
    let mut obj = automerge::ROOT;
    for step in path {
        obj = writer.get(&obj, *step).unwrap().unwrap().1;
    }
    let text = writer.put_object(&obj, key, ObjType::Text).unwrap();
    writer.splice_text(&text, 0, 0, value).unwrap();
    writer.document().clone()
}

#[tokio::test]
async fn a_change_adding_a_key_the_layout_does_not_name_is_refused_and_never_stored() {
    let desk = desk().await;
    // Names only, no privacy notice: a summary would be refused by the consent rule, and the same words
    // under a key of their own must be too.
    let mut case = new_case(&desk.operator.0, "Neri");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let secret = "vittima di maltrattamenti";
    for (path, key) in [
        (&["person"][..], "health"),
        (&[][..], "x".repeat(70_000).leak() as &str),
    ] {
        let mut bad = with_unknown_key(&case, path, key, secret);
        let outcome = creator
            .sync(id, &mut bad, &mut SyncState::new(), false)
            .await;
        assert_eq!(outcome.ephemeral.len(), 1, "{outcome:?}");
        let refusal = &outcome.ephemeral[0];
        assert!(payload_contains(refusal, "sportello/refused"));
        assert!(payload_contains(refusal, "invalid_document"));
        assert!(payload_contains(refusal, "unknown key"));
        assert!(!payload_contains(refusal, secret) && !payload_contains(refusal, "xxxxxxxx"));
        assert!(
            outcome.closed.is_none(),
            "a refusal, not a closed connection"
        );
    }

    // The server's copy never took either change, on disk or in memory.
    let (copy, _) = fetch(&desk.app, &desk.colleague.1, id).await;
    assert_eq!(copy.get_heads(), case.get_heads());
    let conn = Connection::open(desk.app.data_dir().join("sportello.db")).unwrap();
    let chunks: i64 = conn
        .query_row(
            "SELECT count(*) FROM document_chunks WHERE doc_id IN \
             (SELECT id FROM documents WHERE kind = 'case')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(chunks, 0, "nothing was appended to the stored case");
    let refused = audit_actions(&desk.app, &desk.admin, "doc.refused").await;
    assert_eq!(refused.len(), 2, "{refused:?}");

    // A new case carrying one is never created.
    let mut bad = with_unknown_key(
        &new_case(&desk.operator.0, "Gialli"),
        &["person"],
        "health",
        secret,
    );
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "tablet").await;
    let outcome = peer
        .sync(
            DocumentId::new_random(),
            &mut bad,
            &mut SyncState::new(),
            false,
        )
        .await;
    assert_eq!(outcome.ephemeral.len(), 1, "{outcome:?}");
    assert!(payload_contains(&outcome.ephemeral[0], "invalid_document"));
    assert_eq!(stored_documents(&desk.app), 1);
}

#[tokio::test]
async fn a_case_that_fails_validation_is_never_created_and_its_refusal_outlives_the_connection() {
    let desk = desk().await;
    let mut bad = new_case(&desk.operator.0, "Gialli");
    bad = edit_case(&bad, |c| c.person.fiscal_code = Some("NOTACODE".into()));
    let id = DocumentId::new_random();
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "tablet").await;
    let outcome = peer.sync(id, &mut bad, &mut SyncState::new(), false).await;
    assert_eq!(outcome.ephemeral.len(), 1, "{outcome:?}");
    assert_eq!(stored_documents(&desk.app), 0);

    // The tablet reconnects and offers it again, as tablets do: refused at once, not audited again.
    let mut again = Peer::join(&desk.app, &desk.operator.1, "tablet").await;
    let outcome = again.sync(id, &mut bad, &mut SyncState::new(), false).await;
    assert!(!outcome.unavailable);
    assert_eq!(stored_documents(&desk.app), 0);
    let refused = audit_actions(&desk.app, &desk.admin, "doc.refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
}

#[tokio::test]
async fn an_admin_cannot_create_documents_over_sync() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Marrone");
    let mut peer = Peer::join(&desk.app, &desk.admin, "admin-console").await;
    let outcome = peer
        .sync(
            DocumentId::new_random(),
            &mut case,
            &mut SyncState::new(),
            false,
        )
        .await;
    assert!(outcome.unavailable, "{outcome:?}");
    assert_eq!(stored_documents(&desk.app), 0);
}

#[tokio::test]
async fn accepted_changes_are_pushed_live_to_other_peers_with_the_document_open() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Azzurri");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let mut watcher = Peer::join(&desk.app, &desk.colleague.1, "watcher").await;
    let mut watched = Automerge::new();
    let mut watcher_state = SyncState::new();
    watcher
        .sync(id, &mut watched, &mut watcher_state, true)
        .await;
    assert_eq!(watched.get_heads(), case.get_heads());

    let mut edited = edit_case(&case, |c| {
        c.urgency = sportello_schema::documents::Urgency::High
    });
    creator
        .sync(id, &mut edited, &mut SyncState::new(), false)
        .await;

    // The watcher gets the change without asking.
    let pushed = watcher.recv_within(Duration::from_secs(3)).await;
    let Some(Ok(Message::Sync(body))) = pushed else {
        panic!("expected a pushed sync message, got {pushed:?}");
    };
    use automerge::sync::SyncDoc;
    watched
        .receive_sync_message(
            &mut watcher_state,
            automerge::sync::Message::decode(&body.data).unwrap(),
        )
        .unwrap();
    watcher
        .sync(id, &mut watched, &mut watcher_state, false)
        .await;
    assert_eq!(watched.get_heads(), edited.get_heads());
}

/// Waits until no write has been submitted for half a second: the background index rounds a commit starts
/// are over.
async fn settle(storage: &sportello_server::storage::Storage) {
    let mut last = storage.writes_submitted();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = storage.writes_submitted();
        if now == last {
            return;
        }
        last = now;
    }
}

/// Issue 10: an incoming message costs one durable write. A colleague's first message about a case carries
/// an edit: the accepted chunk, its audit row and the colleague's first read of the case (this session has
/// never read it) go to disk together, not as two or three writes.
#[tokio::test]
async fn a_first_message_carrying_an_edit_costs_one_durable_write() {
    use automerge::sync::SyncDoc;
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Verdi");
    let (_creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    // The colleague's tablet holds the case already (from before a restart, say) and edits it offline;
    // its sync state knows what the server has, so its very first message carries the change.
    let mut edited = edit_case(&case, |c| {
        c.urgency = sportello_schema::documents::Urgency::High
    });
    let mut state = SyncState::new();
    let servers_side = case.generate_sync_message(&mut SyncState::new()).unwrap();
    edited
        .receive_sync_message(&mut state, servers_side)
        .unwrap();
    let mut colleague = Peer::join(&desk.app, &desk.colleague.1, "tablet-colleague").await;

    // The index updater writes in the background after every commit (the creation's, the edit's): let
    // it settle, and count its writes apart, so that only the message's own writes are compared.
    let storage = &desk.app.state.storage;
    let index_writes = &desk.app.state.metrics.index.updated;
    settle(storage).await;
    let (before, index_before) = (storage.writes_submitted(), index_writes.get());
    let outcome = colleague.sync(id, &mut edited, &mut state, false).await;
    settle(storage).await;
    let writes = storage.writes_submitted() - before - (index_writes.get() - index_before);

    assert!(
        outcome.ephemeral.is_empty() && !outcome.unavailable,
        "{outcome:?}"
    );
    let (stored, _) = fetch(&desk.app, &desk.operator.1, id).await;
    assert_eq!(stored.get_heads(), edited.get_heads(), "the edit is stored");
    assert_eq!(
        writes, 1,
        "one durable write for the edit and the first read"
    );
}

#[tokio::test]
async fn case_notes_reach_the_social_workers_of_their_area_and_never_an_operator() {
    let desk = desk().await;
    let worker: sportello_schema::UserId = desk.elderly_worker.0.parse().unwrap();
    let now = Rfc3339Utc::parse("2026-11-27T11:00:00Z").unwrap();
    let case_url = DocumentId::new_random().to_url().to_string();
    let notes = CaseNotesDoc::new(case_url, AreaCode::parse("elderly").unwrap(), worker, &now);
    let mut writer = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut writer, &notes).unwrap();
    let mut doc = writer.document().clone();
    let (_peer, id) = create(&desk.app, &desk.elderly_worker.1, &mut doc).await;

    let (_, unavailable) = fetch(&desk.app, &desk.operator.1, id).await;
    assert!(unavailable, "an operator must never receive case notes");
    let (_, unavailable) = fetch(&desk.app, &desk.housing_worker.1, id).await;
    assert!(unavailable);
}

#[tokio::test]
async fn a_session_ended_while_connected_is_disconnected_at_once() {
    // The periodic re-check runs every 5 s by default; the close must come sooner than that.
    let desk = desk().await;
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "tablet").await;
    let response = desk
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/users/{}/sessions", desk.operator.0),
            Some(&desk.admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        closed_within(&mut peer, Duration::from_millis(1500)).await,
        Some(CloseCode::Policy)
    );
}

#[tokio::test]
async fn oversized_and_malformed_frames_close_the_connection_with_clear_codes() {
    let desk = desk_with(|settings| settings.sync_limits.max_frame_bytes = 64 * 1024).await;
    let mut big = Peer::join(&desk.app, &desk.operator.1, "big").await;
    big.send_raw(Frame::Binary(vec![0u8; 100 * 1024].into()))
        .await;
    let mut code = None;
    for _ in 0..3 {
        if let Some(Err((close, _))) = big.recv().await {
            code = Some(close);
            break;
        }
    }
    assert_eq!(code, Some(CloseCode::Size));

    let mut garbled = Peer::join(&desk.app, &desk.operator.1, "garbled").await;
    garbled
        .send_raw(Frame::Binary(vec![0xff, 0x00, 0x13].into()))
        .await;
    assert!(matches!(garbled.recv().await, Some(Ok(Message::Error(_)))));
    assert!(matches!(
        garbled.recv().await,
        Some(Err((CloseCode::Protocol, _)))
    ));

    let mut textual = Peer::join(&desk.app, &desk.operator.1, "textual").await;
    textual
        .send_raw(Frame::Text("{\"type\":\"sync\"}".into()))
        .await;
    assert!(matches!(textual.recv().await, Some(Ok(Message::Error(_)))));
    assert_eq!(stored_documents(&desk.app), 0);
}

pub(crate) fn index_url(session: &Value) -> DocumentId {
    let url = session["index_doc"]
        .as_str()
        .expect("login names the index document");
    sportello_schema::sync::AutomergeUrl::parse(url)
        .unwrap()
        .document_id()
}

pub(crate) fn index_entries(doc: &Automerge) -> Vec<(String, String)> {
    let index: sportello_schema::documents::IndexDoc = autosurgeon::hydrate(doc).unwrap();
    index
        .entries
        .into_iter()
        .map(|e| (e.url, e.kind.as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn each_user_has_an_index_only_they_can_open_and_never_write() {
    let desk = desk().await;
    let session = desk
        .app
        .login_ok("op.anna", crate::helpers::STRONG_PASSWORD)
        .await;
    let index = index_url(&session);
    let token = crate::helpers::access(&session);

    let (doc, unavailable) = fetch(&desk.app, &token, index).await;
    assert!(!unavailable);
    let hydrated: sportello_schema::documents::IndexDoc = autosurgeon::hydrate(&doc).unwrap();
    assert_eq!(hydrated.user_id.to_string(), desk.operator.0);
    assert!(
        index_entries(&doc)
            .iter()
            .any(|(_, kind)| kind == "directory")
    );

    let (_, unavailable) = fetch(&desk.app, &desk.colleague.1, index).await;
    assert!(unavailable, "another user's index does not exist for them");

    // The owner's own changes to its index are refused as read-only. A current Automerge peer does not
    // even offer changes to a read-only side (the server flags its messages), so send them by hand, as an
    // older or hostile client would.
    let mut peer = Peer::join(&desk.app, &token, "tablet").await;
    let mut local = Automerge::new();
    let mut state = SyncState::new();
    peer.sync(index, &mut local, &mut state, true).await;
    let before = local.get_heads();
    let mut writer = automerge::AutoCommit::load(&local.save()).unwrap();
    automerge::transaction::Transactable::put(&mut writer, automerge::ROOT, "schema", "hacked")
        .unwrap();
    let changed = writer.document().clone();
    let forced = automerge::sync::Message {
        heads: changed.get_heads(),
        need: Vec::new(),
        have: Vec::new(),
        changes: changed
            .get_changes(&before)
            .iter()
            .map(|change| change.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    peer.send(&Message::Sync(sportello_schema::sync::DocSync {
        sender_id: peer.label.clone(),
        target_id: peer.server.clone().unwrap(),
        document_id: index,
        data: forced.encode(),
    }))
    .await;
    let mut told = false;
    while let Some(Ok(message)) = peer.recv_within(Duration::from_secs(2)).await {
        if let Message::Ephemeral(body) = message {
            told = payload_contains(&body.data, "read_only");
            break;
        }
    }
    assert!(told, "the peer is told its changes were not applied");
    let (again, _) = fetch(&desk.app, &token, index).await;
    assert_eq!(again.get_heads(), local.get_heads());
    let refused = audit_actions(&desk.app, &desk.admin, "doc.refused").await;
    assert_eq!(refused.len(), 1);
}

#[tokio::test]
async fn indexes_follow_access_new_cases_appear_and_referrals_reach_the_area() {
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Conti");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;
    let url = id.to_url().to_string();

    // A colleague's index lists the new case (it is at the desk); the elderly worker's does not.
    let colleague = desk
        .app
        .login_ok("op.bruno", crate::helpers::STRONG_PASSWORD)
        .await;
    let (doc, _) = fetch(
        &desk.app,
        &crate::helpers::access(&colleague),
        index_url(&colleague),
    )
    .await;
    assert!(
        index_entries(&doc)
            .iter()
            .any(|(u, kind)| *u == url && kind == "case")
    );

    let worker_session = desk
        .app
        .login_ok("sw.carla", crate::helpers::STRONG_PASSWORD)
        .await;
    let worker_token = crate::helpers::access(&worker_session);
    let worker_index = index_url(&worker_session);
    let mut worker = Peer::join(&desk.app, &worker_token, "worker-tablet").await;
    let mut worker_doc = Automerge::new();
    let mut worker_state = SyncState::new();
    worker
        .sync(worker_index, &mut worker_doc, &mut worker_state, true)
        .await;
    assert!(!index_entries(&worker_doc).iter().any(|(u, _)| *u == url));

    // The operator refers the case to the elderly area: the worker's open index is updated and pushed.
    let mut referred = edit_case(&case, |c| {
        propose_referral(c, &desk.operator.0, "elderly", "valutazione");
    });
    creator
        .sync(id, &mut referred, &mut SyncState::new(), false)
        .await;

    let mut listed = false;
    for _ in 0..10 {
        if let Some(Ok(Message::Sync(body))) = worker.recv_within(Duration::from_secs(1)).await
            && body.document_id == worker_index
        {
            use automerge::sync::SyncDoc;
            let message = automerge::sync::Message::decode(&body.data).unwrap();
            worker_doc
                .receive_sync_message(&mut worker_state, message)
                .unwrap();
            worker
                .sync(worker_index, &mut worker_doc, &mut worker_state, false)
                .await;
        }
        if index_entries(&worker_doc).iter().any(|(u, _)| *u == url) {
            listed = true;
            break;
        }
    }
    assert!(listed, "the referral did not reach the area's index");
}

#[tokio::test]
async fn every_staff_member_reads_the_directory_and_nobody_writes_it() {
    let desk = desk().await;
    let session = desk
        .app
        .login_ok("sw.dario", crate::helpers::STRONG_PASSWORD)
        .await;
    let (index, _) = fetch(
        &desk.app,
        &crate::helpers::access(&session),
        index_url(&session),
    )
    .await;
    let (directory_url, _) = index_entries(&index)
        .into_iter()
        .find(|(_, kind)| kind == "directory")
        .expect("the index lists the directory");
    let directory = sportello_schema::sync::AutomergeUrl::parse(&directory_url)
        .unwrap()
        .document_id();

    for token in [&desk.operator.1, &desk.housing_worker.1, &desk.admin] {
        let (doc, unavailable) = fetch(&desk.app, token, directory).await;
        assert!(!unavailable);
        let catalogue: sportello_schema::documents::DirectoryDoc =
            autosurgeon::hydrate(&doc).unwrap();
        assert_eq!(catalogue.areas.len(), 8);
        assert_eq!(catalogue.needs.len(), 13);
    }
}

/// Logs in over HTTP against a server started as a process.
async fn login_at(address: &str, username: &str, password: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    crate::helpers::access(&body)
}

#[tokio::test]
async fn a_change_acknowledged_before_the_server_is_killed_is_there_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut first, port, _) = crate::cli::serve(dir.path());
    let (ok, text) = crate::cli::user_add(
        dir.path(),
        &["--username", "op.crash", "--role", "operator"],
        crate::helpers::STRONG_PASSWORD,
    );
    assert!(ok, "{text}");
    let address = format!("http://127.0.0.1:{port}");
    let token = login_at(&address, "op.crash", crate::helpers::STRONG_PASSWORD).await;
    let operator_id = {
        let me: Value = reqwest::Client::new()
            .get(format!("{address}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me["user"]["id"].as_str().unwrap().to_owned()
    };

    let mut case = new_case(&operator_id, "Durevole");
    let id = DocumentId::new_random();
    let mut peer = Peer::join_at(&address, &token, "tablet").await;
    let mut state = SyncState::new();
    let outcome = peer.sync(id, &mut case, &mut state, false).await;
    assert!(
        outcome.ephemeral.is_empty() && !outcome.unavailable,
        "{outcome:?}"
    );
    // Acknowledged: the server's last message announced heads that include ours.
    let acknowledged = state.their_heads.clone().unwrap_or_default();
    assert_eq!(acknowledged, case.get_heads());

    // No goodbye: SIGKILL, then a new process on the same data.
    first.kill().unwrap();
    first.wait().unwrap();
    let (mut second, port, _) = crate::cli::serve(dir.path());
    let address = format!("http://127.0.0.1:{port}");
    let token = login_at(&address, "op.crash", crate::helpers::STRONG_PASSWORD).await;
    let mut reader = Peer::join_at(&address, &token, "tablet-2").await;
    let mut copy = Automerge::new();
    let outcome = reader
        .sync(id, &mut copy, &mut SyncState::new(), true)
        .await;
    assert!(!outcome.unavailable);
    assert_eq!(copy.get_heads(), case.get_heads());
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test]
async fn a_disabled_account_is_noticed_by_the_periodic_check_too() {
    let desk =
        desk_with(|settings| settings.sync_limits.session_check = Duration::from_millis(200)).await;
    let mut peer = Peer::join(&desk.app, &desk.colleague.1, "tablet").await;
    // Disable straight in the database (as another process could), bypassing the admin API's close.
    let conn = Connection::open(desk.app.data_dir().join("sportello.db")).unwrap();
    conn.execute(
        "UPDATE users SET disabled = 1 WHERE id = ?1",
        [&desk.colleague.0],
    )
    .unwrap();
    assert_eq!(
        closed_within(&mut peer, Duration::from_secs(2)).await,
        Some(CloseCode::Policy)
    );
}

#[tokio::test]
async fn ephemeral_messages_reach_other_readers_stamped_by_the_server_so_nobody_speaks_for_another()
{
    let desk = desk().await;
    let mut case = new_case(&desk.operator.0, "Eco");
    let (mut creator, id) = create(&desk.app, &desk.operator.1, &mut case).await;
    let mut watcher = Peer::join(&desk.app, &desk.colleague.1, "watcher").await;
    watcher
        .sync(id, &mut Automerge::new(), &mut SyncState::new(), true)
        .await;

    let server = creator.server.clone().unwrap();
    let ephemeral = |sender: &str, session: &str, count: u64| {
        Message::Ephemeral(sportello_schema::sync::Ephemeral {
            sender_id: sportello_schema::sync::PeerId::parse(sender).unwrap(),
            target_id: server.clone(),
            count,
            session_id: session.into(),
            document_id: id,
            data: vec![0xa1, 0x61, 0x6b, 0x61, 0x76],
        })
    };
    // The server's own label and look-alikes of it, and the watcher's label: all claimed by the creator.
    for (count, claimed) in [
        "sportello-server",
        "sportello-server ",
        "Sportello-Server",
        "sportello\u{200b}-server",
        "sportello\u{2010}server",
        "watcher",
    ]
    .into_iter()
    .enumerate()
    {
        creator.send(&ephemeral(claimed, "s1", count as u64)).await;
    }
    let honest = ephemeral("tablet-creator", "s1", 10);
    creator.send(&honest).await;
    creator.send(&honest).await; // a repeat on the same connection is dropped

    let mut received = Vec::new();
    while let Some(Ok(message)) = watcher.recv_within(Duration::from_millis(500)).await {
        if let Message::Ephemeral(body) = message {
            received.push((body.sender_id.as_str().to_owned(), body.count));
        }
    }
    assert_eq!(received.len(), 7, "{received:?}");
    let stamped = &received[0].0;
    assert!(
        stamped.starts_with(&format!("user-{}-", desk.operator.0)),
        "{stamped}"
    );
    assert!(
        received.iter().all(|(sender, _)| sender == stamped),
        "every message carries the label the server gave the creator's connection: {received:?}"
    );
    assert_eq!(
        received.iter().map(|(_, count)| *count).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4, 5, 10]
    );

    // The watcher's repo relays what it received back to the server (as JS repos do): an echo, dropped.
    let echo = Message::Ephemeral(sportello_schema::sync::Ephemeral {
        sender_id: sportello_schema::sync::PeerId::parse(stamped).unwrap(),
        target_id: watcher.server.clone().unwrap(),
        count: 10,
        session_id: "s1".into(),
        document_id: id,
        data: vec![0xa1, 0x61, 0x6b, 0x61, 0x76],
    });
    watcher.send(&echo).await;
    // A replay of the creator's next ids by the watcher first does not silence the creator.
    let replay = Message::Ephemeral(sportello_schema::sync::Ephemeral {
        sender_id: sportello_schema::sync::PeerId::parse("tablet-creator").unwrap(),
        target_id: watcher.server.clone().unwrap(),
        count: 11,
        session_id: "s1".into(),
        document_id: id,
        data: vec![0xa0],
    });
    watcher.send(&replay).await;
    creator.send(&ephemeral("tablet-creator", "s1", 11)).await;

    let mut at_creator = Vec::new();
    while let Some(Ok(message)) = creator.recv_within(Duration::from_millis(500)).await {
        if let Message::Ephemeral(body) = message {
            at_creator.push((body.sender_id.as_str().to_owned(), body.count));
        }
    }
    assert_eq!(at_creator.len(), 1, "the echo is dropped: {at_creator:?}");
    assert!(
        at_creator[0]
            .0
            .starts_with(&format!("user-{}-", desk.colleague.0))
    );
    assert_eq!(at_creator[0].1, 11);
    let mut at_watcher = Vec::new();
    while let Some(Ok(message)) = watcher.recv_within(Duration::from_millis(500)).await {
        if let Message::Ephemeral(body) = message {
            at_watcher.push((body.sender_id.as_str().to_owned(), body.count));
        }
    }
    assert_eq!(
        at_watcher,
        vec![(stamped.clone(), 11)],
        "the creator's own message still arrives"
    );
}
