//! `/sync` under attack (issue 8): decompression bombs and oversized documents, changes written under
//! another user's actor id, connection floods, foreign browser origins, and the existence oracle.

use std::time::Duration;

use automerge::sync::State as SyncState;
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ROOT};
use rusqlite::Connection;
use sportello_schema::documents::CaseDoc;
use sportello_schema::sync::{DocumentId, Message};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::TestApp;
use crate::sync::{audit_actions, create, desk_with};
use crate::sync_client::{Peer, new_case, payload_contains};

async fn audit_count(app: &TestApp, admin: &str, action: &str) -> usize {
    audit_actions(app, admin, action).await.len()
}

fn stored_chunk_bytes(app: &TestApp) -> i64 {
    let conn = Connection::open(app.data_dir().join("sportello.db")).unwrap();
    conn.query_row(
        "SELECT coalesce(sum(length(snapshot) + chunk_bytes), 0) FROM documents WHERE kind = 'case'",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

/// Edits the case through its typed form, writing as `actor`.
fn edit_as(doc: &Automerge, actor: &ActorId, edit: impl FnOnce(&mut CaseDoc)) -> Automerge {
    let mut case: CaseDoc = autosurgeon::hydrate(doc).unwrap();
    edit(&mut case);
    let mut writer = AutoCommit::load(&doc.save())
        .unwrap()
        .with_actor(actor.clone());
    autosurgeon::reconcile(&mut writer, &case).unwrap();
    writer.document().clone()
}

/// The case the server holds, as a fresh tablet of `token` downloads it.
async fn case_on_server(app: &TestApp, token: &str, id: DocumentId) -> CaseDoc {
    let mut peer = Peer::join(app, token, "tablet-check").await;
    let mut doc = Automerge::new();
    let outcome = peer.sync(id, &mut doc, &mut SyncState::new(), true).await;
    assert!(!outcome.unavailable, "{outcome:?}");
    autosurgeon::hydrate(&doc).unwrap()
}

#[tokio::test]
async fn changes_that_inflate_past_the_budget_are_refused_before_loading_audited_and_not_stored() {
    let desk = desk_with(|settings| settings.sync_limits.max_inflated_bytes = 256 * 1024).await;
    let mut doc = new_case(&desk.operator.0, "Bomba");
    let (mut peer, id) = create(&desk.app, &desk.operator.1, &mut doc).await;
    let stored_before = stored_chunk_bytes(&desk.app);
    let refused_before = audit_count(&desk.app, &desk.admin, "doc.refused").await;

    // 4 MiB of one letter: Automerge deflates the change to a few KiB on the wire.
    let mut bomb = AutoCommit::load(&doc.save()).unwrap();
    bomb.put(ROOT, "padding", "x".repeat(4 * 1024 * 1024))
        .unwrap();
    let mut bomb = bomb.document().clone();
    let mut state = SyncState::new();
    let outcome = peer.sync(id, &mut bomb, &mut state, false).await;

    assert!(outcome.closed.is_none(), "{outcome:?}");
    assert!(outcome.refused_with("too_large"), "{outcome:?}");
    assert_eq!(stored_chunk_bytes(&desk.app), stored_before);
    assert_eq!(
        audit_count(&desk.app, &desk.admin, "doc.refused").await,
        refused_before + 1
    );
    // The same changes offered again are refused without another audit row.
    let again = peer.sync(id, &mut bomb, &mut state, false).await;
    assert!(again.closed.is_none(), "{again:?}");
    assert_eq!(
        audit_count(&desk.app, &desk.admin, "doc.refused").await,
        refused_before + 1
    );
}

#[tokio::test]
async fn a_change_describing_more_operations_than_allowed_is_refused_before_loading() {
    let desk = desk_with(|settings| settings.sync_limits.max_ops = 1_000).await;
    let mut doc = new_case(&desk.operator.0, "Liste");
    let (mut peer, id) = create(&desk.app, &desk.operator.1, &mut doc).await;
    // 3,000 list insertions: run-length encoding keeps the change about a hundred bytes.
    let mut bomb = AutoCommit::load(&doc.save()).unwrap();
    let list = bomb
        .put_object(ROOT, "padding", automerge::ObjType::List)
        .unwrap();
    for index in 0..3_000 {
        bomb.insert(&list, index, automerge::ScalarValue::Null)
            .unwrap();
    }
    let mut bomb = bomb.document().clone();
    let outcome = peer.sync(id, &mut bomb, &mut SyncState::new(), false).await;
    assert!(outcome.closed.is_none(), "{outcome:?}");
    assert!(outcome.refused_with("too_large"), "{outcome:?}");
}

#[tokio::test]
async fn a_change_that_would_grow_a_document_past_its_size_limit_is_refused() {
    let desk = desk_with(|settings| settings.sync_limits.max_doc_bytes = 8 * 1024).await;
    let mut doc = new_case(&desk.operator.0, "Grande");
    let (mut peer, id) = create(&desk.app, &desk.operator.1, &mut doc).await;

    // 12,000 letters that do not compress (a simple generator, so the test is repeatable).
    let mut seed: u32 = 7;
    let noise: String = (0..12_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + ((seed >> 16) % 26) as u8)
        })
        .collect();
    let actor = ActorId::random();
    let mut grown = edit_as(&doc, &actor, |case| {
        case.consent.privacy_notice = true;
        case.consent.recorded_at = Some("2026-11-27T10:05:00Z".into());
        case.summary = noise;
    });
    let outcome = peer
        .sync(id, &mut grown, &mut SyncState::new(), false)
        .await;
    assert!(outcome.refused_with("too_large"), "{outcome:?}");
    let stored = case_on_server(&desk.app, &desk.colleague.1, id).await;
    assert!(stored.summary.is_empty() && !stored.consent.privacy_notice);
}

#[tokio::test]
async fn a_change_under_another_users_actor_id_is_refused_and_the_owner_keeps_syncing() {
    let desk = desk_with(|_| {}).await;
    let owner_actor = ActorId::random();
    let mut doc = {
        let mut writer = AutoCommit::load(&new_case(&desk.operator.0, "Vittima").save())
            .unwrap()
            .with_actor(owner_actor.clone());
        writer.put(ROOT, "urgency", "high").unwrap();
        writer.document().clone()
    };
    let (mut owner, id) = create(&desk.app, &desk.operator.1, &mut doc).await;

    // A colleague who may edit the case writes under the owner's actor id and next sequence number.
    let mut thief = Peer::join(&desk.app, &desk.colleague.1, "tablet-thief").await;
    let mut copy = Automerge::new();
    thief.sync(id, &mut copy, &mut SyncState::new(), true).await;
    let mut forged = edit_as(&copy, &owner_actor, |case| {
        case.person.given_name = "Falsa".into();
    });
    let outcome = thief
        .sync(id, &mut forged, &mut SyncState::new(), false)
        .await;
    assert!(outcome.refused_with("foreign_actor"), "{outcome:?}");

    // The owner's own next change (the same actor, the same sequence number) goes through, on a
    // connection that stays open.
    let mut own = edit_as(&doc, &owner_actor, |case| {
        case.person.given_name = "Vera".into();
    });
    let outcome = owner.sync(id, &mut own, &mut SyncState::new(), false).await;
    assert!(outcome.closed.is_none(), "{outcome:?}");
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    assert_eq!(
        case_on_server(&desk.app, &desk.colleague.1, id)
            .await
            .person
            .given_name,
        "Vera"
    );
}

#[tokio::test]
async fn changes_that_cannot_be_applied_are_refused_without_closing_the_connection() {
    let desk = desk_with(|_| {}).await;
    let actor = ActorId::random();
    let mut doc = {
        let mut writer = AutoCommit::load(&new_case(&desk.operator.0, "Doppia").save())
            .unwrap()
            .with_actor(actor.clone());
        writer.put(ROOT, "urgency", "high").unwrap();
        writer.document().clone()
    };
    let (mut peer, id) = create(&desk.app, &desk.operator.1, &mut doc).await;
    // Two tablets of one user restored from one backup: the same actor and sequence number, two
    // different changes. The second cannot be applied next to the first.
    let mut first = edit_as(&doc, &actor, |case| case.person.given_name = "Prima".into());
    let second = edit_as(&doc, &actor, |case| {
        case.person.given_name = "Seconda".into()
    });
    let outcome = peer
        .sync(id, &mut first, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    // A tablet holding the second cannot take the server's first (Automerge refuses it locally), so it
    // pushes its change at once: a sync message carrying just that change.
    let change = second
        .get_changes(&doc.get_heads())
        .into_iter()
        .map(|change| change.raw_bytes().to_vec())
        .collect::<Vec<_>>();
    assert_eq!(change.len(), 1);
    let message = automerge::sync::Message {
        heads: second.get_heads(),
        need: Vec::new(),
        have: Vec::new(),
        changes: change.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    peer.send(&Message::Sync(sportello_schema::sync::DocSync {
        sender_id: peer.label.clone(),
        target_id: peer.server.clone().unwrap(),
        document_id: id,
        data: message.encode(),
    }))
    .await;
    let mut refused = false;
    while let Some(answer) = peer.recv_within(Duration::from_millis(700)).await {
        match answer {
            Ok(Message::Ephemeral(body)) => {
                refused |= payload_contains(&body.data, "invalid_change");
            }
            Ok(_) => {}
            Err(close) => panic!("the server closed the connection: {close:?}"),
        }
    }
    assert!(refused, "the peer is told its changes cannot be applied");
    // The connection still serves other documents.
    let mut other = new_case(&desk.operator.0, "Altra");
    let outcome = peer
        .sync(
            DocumentId::new_random(),
            &mut other,
            &mut SyncState::new(),
            false,
        )
        .await;
    assert!(
        outcome.closed.is_none() && outcome.ephemeral.is_empty(),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn sync_connections_are_limited_per_user_and_per_address_and_the_server_stays_up() {
    let desk = desk_with(|settings| {
        settings.sync_limits.max_connections_per_user = 2;
        settings.sync_limits.max_connections_per_address = 3;
    })
    .await;
    let first = Peer::join(&desk.app, &desk.operator.1, "tablet-1").await;
    let _second = Peer::join(&desk.app, &desk.operator.1, "tablet-2").await;
    let mut third = Peer::connect(&desk.app, Some(&desk.operator.1), "tablet-3").await;
    match third.recv().await {
        Some(Ok(Message::Error(error))) => assert_eq!(error.message, "too_many_connections"),
        other => panic!("expected an error message, got {other:?}"),
    }
    assert!(matches!(
        third.recv().await,
        Some(Err((CloseCode::Again, _)))
    ));

    // The address quota counts every user: one more colleague fits, a second does not.
    let _colleague = Peer::join(&desk.app, &desk.colleague.1, "tablet-c1").await;
    let mut over = Peer::connect(&desk.app, Some(&desk.colleague.1), "tablet-c2").await;
    assert!(matches!(over.recv().await, Some(Ok(Message::Error(_)))));

    // The rest of the server still answers, and a slot given back is usable again.
    let health = reqwest::get(format!("{}/healthz", desk.app.address))
        .await
        .unwrap();
    assert!(health.status().is_success());
    drop(first);
    let mut again = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut peer = Peer::connect(&desk.app, Some(&desk.operator.1), "tablet-4").await;
        peer.send_join().await;
        if let Some(Ok(Message::Peer(_))) = peer.recv().await {
            again = Some(peer);
            break;
        }
    }
    assert!(
        again.is_some(),
        "the closed connection's slot was given back"
    );
}

#[tokio::test]
async fn a_browser_page_of_another_origin_cannot_open_a_sync_connection() {
    let desk = desk_with(|settings| {
        settings.allowed_origins = vec!["https://sportello.comune.example.it".into()];
    })
    .await;
    let base = desk.app.address.replace("http://", "ws://");
    let url = format!("{base}/sync?access_token={}", desk.operator.1);
    let upgrade = |origin: Option<String>| {
        let url = url.clone();
        async move {
            let mut request = url.into_client_request().unwrap();
            if let Some(origin) = origin {
                request
                    .headers_mut()
                    .insert("origin", origin.parse().unwrap());
            }
            tokio_tungstenite::connect_async(request).await
        }
    };
    match upgrade(Some("https://evil.example".into())).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("expected a 403, got {:?}", other.map(|_| ())),
    }
    let own = desk.app.address.clone();
    assert!(upgrade(Some(own)).await.is_ok(), "the server's own origin");
    assert!(
        upgrade(Some("https://sportello.comune.example.it".into()))
            .await
            .is_ok(),
        "an allowed origin"
    );
    assert!(
        upgrade(None).await.is_ok(),
        "a native client sends no Origin"
    );
}

#[tokio::test]
async fn a_sync_for_a_forbidden_document_is_answered_like_one_for_an_unknown_id() {
    let desk = desk_with(|_| {}).await;
    let mut doc = new_case(&desk.operator.0, "Segreta");
    let (_creator, existing) = create(&desk.app, &desk.operator.1, &mut doc).await;
    let unknown = DocumentId::new_random();

    let mut answers = Vec::new();
    for id in [existing, unknown] {
        let mut peer = Peer::join(&desk.app, &desk.elderly_worker.1, "tablet-probe").await;
        let mut local = Automerge::new();
        let outcome = peer
            .sync(id, &mut local, &mut SyncState::new(), false)
            .await;
        answers.push((
            outcome.unavailable,
            outcome.ephemeral.len(),
            local.get_heads(),
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        !answers[0].0,
        "neither is answered doc-unavailable to a sync"
    );
    assert!(answers[0].2.is_empty(), "nothing of the case was sent");
}

#[tokio::test]
async fn a_bloom_filter_no_real_peer_sends_closes_that_connection_only() {
    let desk = desk_with(|_| {}).await;
    let mut doc = new_case(&desk.operator.0, "Filtro");
    let (_creator, id) = create(&desk.app, &desk.operator.1, &mut doc).await;
    let mut peer = Peer::join(&desk.app, &desk.colleague.1, "tablet-filter").await;
    // A version-1 sync message with one `have` whose filter has one entry, no bits per entry and 7 probes:
    // Automerge would divide by zero when it next answers (found by the automerge_apply fuzz target).
    let data = vec![0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00];
    assert!(automerge::sync::Message::decode(&data).is_ok());
    peer.send(&Message::Sync(sportello_schema::sync::DocSync {
        sender_id: peer.label.clone(),
        target_id: peer.server.clone().unwrap(),
        document_id: id,
        data,
    }))
    .await;
    let mut closed = None;
    while let Some(answer) = peer.recv().await {
        if let Err(close) = answer {
            closed = Some(close);
            break;
        }
    }
    let (code, reason) = closed.expect("the connection is closed");
    assert_eq!(code, CloseCode::Protocol);
    assert!(
        reason.starts_with("invalid Automerge sync message"),
        "{reason}"
    );
    // The document and the server are untouched.
    assert_eq!(
        case_on_server(&desk.app, &desk.colleague.1, id)
            .await
            .person
            .family_name,
        "Filtro"
    );
}
