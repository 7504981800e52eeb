//! Continuity of care (issue 9): a case whose referral an area accepted and later closed stays in that
//! area's history — its social workers still read it (read-only), find it in their index and keep their
//! case notes on it — while a rejected referral gives the area nothing.

use automerge::Automerge;
use automerge::sync::State as SyncState;
use sportello_schema::documents::{CaseDoc, CaseNotesDoc, Note, Referral, ReferralStatus, Urgency};
use sportello_schema::sync::DocumentId;
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, UserId};

use crate::helpers::{STRONG_PASSWORD, access};
use crate::sync::{Desk, create, desk_with, fetch, index_entries, index_url};
use crate::sync_client::{Peer, edit_case, new_case};

fn at(raw: &str) -> Rfc3339Utc {
    Rfc3339Utc::parse(raw).unwrap()
}

/// A case the operator refers to `area` (referral `r1`, proposed).
async fn referred_case(desk: &Desk, family_name: &str, area: &str) -> (DocumentId, Automerge) {
    let mut case = new_case(&desk.operator.0, family_name);
    let (mut peer, id) = create(&desk.app, &desk.operator.1, &mut case).await;
    let mut referred = edit_case(&case, |c| {
        let now = at("2026-11-27T10:05:00Z");
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some(now.as_str().to_owned());
        c.referrals.push(Referral::propose(
            "r1",
            AreaCode::parse(area).unwrap(),
            "valutazione",
            desk.operator.0.parse().unwrap(),
            &now,
        ));
    });
    let outcome = peer
        .sync(id, &mut referred, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    (id, referred)
}

/// The social worker of `token` moves referral `r1` to `status`; returns their copy of the case.
async fn decide(
    desk: &Desk,
    (user, token): &(String, String),
    id: DocumentId,
    status: ReferralStatus,
    when: &str,
) -> Automerge {
    let mut peer = Peer::join(&desk.app, token, "worker-tablet").await;
    let mut doc = Automerge::new();
    let mut state = SyncState::new();
    let outcome = peer.sync(id, &mut doc, &mut state, true).await;
    assert!(!outcome.unavailable, "{outcome:?}");
    let mut decided = edit_case(&doc, |c| {
        let referral = &mut c.referrals[0];
        referral.status = status;
        referral.decided_by = Some(user.parse::<UserId>().unwrap());
        referral.decided_at = Some(when.to_owned());
    });
    let outcome = peer.sync(id, &mut decided, &mut state, false).await;
    assert!(outcome.ephemeral.is_empty(), "{status}: {outcome:?}");
    decided
}

/// The URLs of the case entries in the index of `username`.
async fn indexed_cases(desk: &Desk, username: &str) -> Vec<String> {
    let session = desk.app.login_ok(username, STRONG_PASSWORD).await;
    let (index, unavailable) = fetch(&desk.app, &access(&session), index_url(&session)).await;
    assert!(!unavailable);
    index_entries(&index)
        .into_iter()
        .filter(|(_, kind)| kind == "case")
        .map(|(url, _)| url)
        .collect()
}

#[tokio::test]
async fn a_case_the_area_accepted_and_closed_stays_in_its_history_read_only_with_its_notes() {
    let desk = desk_with(|_| {}).await;
    let (id, _) = referred_case(&desk, "Conti", "elderly").await;
    decide(
        &desk,
        &desk.elderly_worker,
        id,
        ReferralStatus::Accepted,
        "2026-11-27T11:00:00Z",
    )
    .await;
    let closed = decide(
        &desk,
        &desk.elderly_worker,
        id,
        ReferralStatus::Closed,
        "2026-11-28T09:00:00Z",
    )
    .await;

    // The area still reads it, and finds it in its index.
    let (copy, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, id).await;
    assert!(!unavailable, "the closed case left the area's history");
    assert_eq!(copy.get_heads(), closed.get_heads());
    let url = id.to_url().to_string();
    assert!(indexed_cases(&desk, "sw.carla").await.contains(&url));
    // Another area never sees it.
    let (_, unavailable) = fetch(&desk.app, &desk.housing_worker.1, id).await;
    assert!(unavailable);
    assert!(!indexed_cases(&desk, "sw.dario").await.contains(&url));

    // Read-only: the area's changes are not stored (an Automerge peer does not even offer them to the
    // server's read-only side).
    let mut peer = Peer::join(&desk.app, &desk.elderly_worker.1, "worker-tablet").await;
    let mut state = SyncState::new();
    let mut local = copy.clone();
    peer.sync(id, &mut local, &mut state, false).await;
    let mut edited = edit_case(&local, |c| c.urgency = Urgency::High);
    peer.sync(id, &mut edited, &mut state, false).await;
    let (stored, _) = fetch(&desk.app, &desk.operator.1, id).await;
    let stored: CaseDoc = autosurgeon::hydrate(&stored).unwrap();
    assert_ne!(stored.urgency, Urgency::High);

    // The area's notes on the case go on: a new note document for the closed case is accepted.
    let worker: UserId = desk.elderly_worker.0.parse().unwrap();
    let mut notes = CaseNotesDoc::new(
        url.clone(),
        AreaCode::parse("elderly").unwrap(),
        worker,
        &at("2026-12-01T09:00:00Z"),
    );
    notes.notes.push(Note {
        id: "n1".into(),
        author: worker,
        created_at: "2026-12-01T09:00:00Z".into(),
        text: "La persona è tornata: vedi il percorso concluso a novembre.".into(),
    });
    let mut writer = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut writer, &notes).unwrap();
    let mut notes_doc = writer.document().clone();
    let notes_id = DocumentId::new_random();
    let mut peer = Peer::join(&desk.app, &desk.elderly_worker.1, "worker-tablet").await;
    let outcome = peer
        .sync(notes_id, &mut notes_doc, &mut SyncState::new(), false)
        .await;
    assert!(
        outcome.ephemeral.is_empty() && !outcome.unavailable,
        "{outcome:?}"
    );
    assert!(indexed_cases(&desk, "sw.carla").await.contains(&url));
}

#[tokio::test]
async fn a_rejected_referral_leaves_nothing_in_the_areas_history() {
    let desk = desk_with(|_| {}).await;
    let (id, _) = referred_case(&desk, "Bassi", "elderly").await;
    decide(
        &desk,
        &desk.elderly_worker,
        id,
        ReferralStatus::Rejected,
        "2026-11-27T11:00:00Z",
    )
    .await;
    let (_, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, id).await;
    assert!(unavailable);
    assert!(
        !indexed_cases(&desk, "sw.carla")
            .await
            .contains(&id.to_url().to_string())
    );
}
