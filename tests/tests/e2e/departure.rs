//! A document that leaves a user's index leaves the tablet: a social worker whose referral is cancelled
//! (or who rejects it) loses the case from her tablet's memory and store at her next sync, once the server
//! has acknowledged or refused whatever she had changed in it. Nothing the server acknowledged is lost.
//!
//! An erased case goes the same way, and with it the user's old index: after an erasure every index moves
//! to a new id (the old one's history holds the erased names), so a tablet told `index_moved` — at once if
//! connected, at its next sync if offline — deletes the old index and follows the new one, keeping every
//! case both list.

use sportello_client_sync::store::Store;
use sportello_client_sync::{ConnectionState, Tablet, TabletOptions};
use sportello_schema::documents::{CaseDoc, IndexDoc, ReferralStatus};
use sportello_schema::sync::{AutomergeUrl, DocumentId};
use sportello_tests::{STAFF_PASSWORD, TestUser, eventually, tablet_options};
use tempfile::TempDir;

use crate::desk::{Desk, Device, WAIT, new_case, noticed_offline, referral};

/// A tablet of `user` that follows its user's index (as a real tablet does), behind the fault proxy,
/// syncing.
async fn indexed_tablet(desk: &Desk, user: &TestUser) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let options = TabletOptions {
        follow_index: true,
        ..tablet_options()
    };
    let tablet = Tablet::open_with(dir.path(), &desk.proxy.url(), &user.username, options)
        .await
        .unwrap();
    tablet.login(&user.username, STAFF_PASSWORD).await.unwrap();
    tablet.start();
    Device { tablet, dir }
}

/// An operator's tablet straight to the server (it keeps working while the proxy is cut).
async fn direct_tablet(desk: &Desk, user: &TestUser) -> (Tablet, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tablet = sportello_tests::open_tablet(dir.path(), &desk.server.base_url, user)
        .await
        .unwrap();
    tablet.start();
    (tablet, dir)
}

/// The rows the tablet's store keeps for `id` (its own, its chunks), read from the file by another
/// connection.
fn stored_rows(device: &Device, id: DocumentId) -> (usize, usize) {
    Store::open(device.dir.path()).unwrap().rows_of(id).unwrap()
}

async fn set_referral(tablet: &Tablet, id: DocumentId, status: ReferralStatus) {
    let by = tablet.owner().unwrap().id;
    let at = tablet.now().as_str().to_owned();
    tablet
        .edit_case(id, |case| {
            let r = case.referrals.iter_mut().find(|r| r.id == "r-1").unwrap();
            r.status = status;
            r.decided_by = Some(by);
            r.decided_at = Some(at);
        })
        .await
        .unwrap();
    tablet.wait_synced(&[id], WAIT).await.unwrap();
}

async fn gone(device: &Device, id: DocumentId, what: &str) {
    // The copy leaves memory first, the store a moment later (when the deletion is durable).
    device
        .wait_for(WAIT, what, |t| {
            t.status(id).is_none() && stored_rows(device, id) == (0, 0)
        })
        .await
        .unwrap();
    assert!(device.document(id).is_none());
    assert_eq!(
        stored_rows(device, id),
        (0, 0),
        "nothing of it in the store"
    );
}

#[tokio::test]
async fn a_cancelled_referral_takes_the_case_off_the_social_workers_tablet_and_a_new_one_brings_it_back()
 {
    // Arrange: Anna refers a case to housing; Carla's tablet gets it through her index.
    let desk = Desk::new().await;
    let (anna, _anna_dir) = direct_tablet(&desk, &desk.anna).await;
    let carla = indexed_tablet(&desk, &desk.carla).await;
    let mut case = new_case(&anna, "Ada", "Conti", "Sfratto.");
    case.referrals = vec![referral(&anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&case).await.unwrap();
    let kept = anna
        .create_case(&new_case(&anna, "Bruno", "Sala", "Solo sportello."))
        .await
        .unwrap();
    anna.wait_synced(&[x, kept], WAIT).await.unwrap();
    eventually(&[&carla], WAIT, "the case on Carla's tablet", || {
        carla.heads(x) == anna.heads(x)
    })
    .await
    .unwrap();
    let (row, _) = stored_rows(&carla, x);
    assert_eq!(row, 1, "stored");
    let others_before = carla.documents().len();

    // Act: the operator cancels the referral.
    set_referral(&anna, x, ReferralStatus::Cancelled).await;

    // Assert: at her next sync Carla's tablet deletes its copy, from memory and from the store.
    gone(&carla, x, "the cancelled case leaves Carla's tablet").await;
    assert_eq!(
        carla.documents().len(),
        others_before - 1,
        "only that document went (her index and directory stay)"
    );
    assert!(anna.case(x).unwrap().is_some(), "the desk keeps the case");

    // A new referral to her area brings it back, synced again from the server.
    let again = referral(&anna, "r-2", "housing", "Nuova richiesta");
    anna.edit_case(x, |case| case.referrals.push(again))
        .await
        .unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    eventually(&[&carla], WAIT, "the case back on Carla's tablet", || {
        carla.heads(x) == anna.heads(x)
    })
    .await
    .unwrap();
    assert_eq!(carla.case(x).unwrap(), anna.case(x).unwrap());
    assert_eq!(stored_rows(&carla, x).0, 1);
}

#[tokio::test]
async fn an_edit_made_offline_before_the_cancellation_is_refused_then_the_copy_goes_and_the_server_keeps_what_it_acknowledged()
 {
    // Arrange: Carla holds the referred case and adds a line the server acknowledges.
    let desk = Desk::new().await;
    let (anna, _anna_dir) = direct_tablet(&desk, &desk.anna).await;
    let carla = indexed_tablet(&desk, &desk.carla).await;
    let mut case = new_case(&anna, "Ada", "Conti", "Sfratto.");
    case.referrals = vec![referral(&anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&case).await.unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    eventually(&[&carla], WAIT, "the case on Carla's tablet", || {
        carla.heads(x) == anna.heads(x)
    })
    .await
    .unwrap();
    carla
        .edit_case(x, |case| case.summary.push_str(" [Carla] Acknowledged."))
        .await
        .unwrap();
    carla.wait_synced(&[x], WAIT).await.unwrap();

    // Act: offline, Carla edits again; meanwhile the desk cancels the referral.
    desk.proxy.cut();
    noticed_offline(&carla).await;
    carla
        .edit_case(x, |case| case.summary.push_str(" [Carla] Offline."))
        .await
        .unwrap();
    assert!(!carla.status(x).unwrap().synced_to_server);
    set_referral(&anna, x, ReferralStatus::Cancelled).await;
    // Carla's copy, with its unsynced edit, stays while the tablet cannot learn what becomes of it.
    assert!(carla.status(x).is_some());
    assert_eq!(stored_rows(&carla, x).0, 1);
    desk.proxy.heal();

    // Assert: the server turns the edit away (she may no longer write, nor read, the case), and the copy goes.
    gone(
        &carla,
        x,
        "the case leaves Carla's tablet after the refusal",
    )
    .await;
    let server: CaseDoc = {
        let copies = desk.server_copy(&desk.anna, &[x]).await;
        autosurgeon::hydrate(copies[0].as_ref().unwrap()).unwrap()
    };
    assert!(
        server.summary.ends_with("Sfratto. [Carla] Acknowledged."),
        "{}",
        server.summary
    );
    assert_eq!(
        server.referral("r-1").unwrap().status,
        ReferralStatus::Cancelled
    );
}

#[tokio::test]
async fn a_social_worker_who_rejects_a_referral_loses_the_case_after_the_server_acknowledges_the_rejection()
 {
    // Arrange
    let desk = Desk::new().await;
    let (anna, _anna_dir) = direct_tablet(&desk, &desk.anna).await;
    let carla = indexed_tablet(&desk, &desk.carla).await;
    let mut case = new_case(&anna, "Ada", "Conti", "Sfratto.");
    case.referrals = vec![referral(&anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&case).await.unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    eventually(&[&carla], WAIT, "the case on Carla's tablet", || {
        carla.heads(x) == anna.heads(x)
    })
    .await
    .unwrap();

    // Act: Carla rejects the referral offline; the network comes back.
    desk.proxy.cut();
    noticed_offline(&carla).await;
    let carla_id = carla.owner().unwrap().id;
    let at = carla.now().as_str().to_owned();
    carla
        .edit_case(x, |case| {
            let r = case.referrals.iter_mut().find(|r| r.id == "r-1").unwrap();
            r.status = ReferralStatus::Rejected;
            r.decided_by = Some(carla_id);
            r.decided_at = Some(at);
            r.note = Some("Non di competenza".into());
        })
        .await
        .unwrap();
    desk.proxy.heal();

    // Assert: the rejection reaches the server, then the copy goes.
    gone(&carla, x, "the rejected case leaves Carla's tablet").await;
    eventually(&[&anna], WAIT, "the rejection at the desk", || {
        anna.case(x)
            .unwrap()
            .and_then(|c| c.referral("r-1").map(|r| r.status))
            == Some(ReferralStatus::Rejected)
    })
    .await
    .unwrap();
    let server: CaseDoc = {
        let copies = desk.server_copy(&desk.anna, &[x]).await;
        autosurgeon::hydrate(copies[0].as_ref().unwrap()).unwrap()
    };
    let r1 = server.referral("r-1").unwrap();
    assert_eq!(r1.status, ReferralStatus::Rejected);
    assert_eq!(r1.decided_by, Some(carla_id));
    assert_eq!(r1.note.as_deref(), Some("Non di competenza"));
}

/// Two privacy officers erase case `x` (four eyes: one asks, the other approves). After the approval every
/// user's index has moved to a new id.
async fn erase(desk: &Desk, x: DocumentId) {
    let mut officers = Vec::new();
    for name in ["dpo.elena", "dpo.franco"] {
        let user = desk
            .server
            .create_user(&desk.admin, name, "privacy_officer", &[])
            .await
            .unwrap();
        let client = sportello_client_sync::ApiClient::new(&desk.server.base_url, None);
        client.login(&user.username, STAFF_PASSWORD).await.unwrap();
        officers.push(client);
    }
    let asked: serde_json::Value = officers[0]
        .post(
            &format!("/api/v1/privacy/cases/{x}/erasure"),
            &serde_json::json!({"reason": "subject_request"}),
        )
        .await
        .unwrap();
    let request = asked["request"]["id"].as_str().unwrap().to_owned();
    let approved: serde_json::Value = officers[1]
        .post(
            &format!("/api/v1/privacy/erasures/{request}/approve"),
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    assert_eq!(approved["erased_documents"][0], x.to_string().as_str());
}

/// The index the server names for `user` now (a fresh login's `index_doc`).
async fn current_index(desk: &Desk, user: &TestUser) -> DocumentId {
    let client = sportello_client_sync::ApiClient::new(&desk.server.base_url, None);
    client.login(&user.username, STAFF_PASSWORD).await.unwrap();
    let url = client.index_doc().await.unwrap();
    AutomergeUrl::parse(&url).unwrap().document_id()
}

/// Carla's tablet holding two cases referred to her area, `x` and `kept`, synced, with her index.
async fn carla_with_two_cases(desk: &Desk, anna: &Tablet) -> (Device, DocumentId, DocumentId) {
    let carla = indexed_tablet(desk, &desk.carla).await;
    let mut case = new_case(anna, "Ada", "Conti", "Sfratto.");
    case.referrals = vec![referral(anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&case).await.unwrap();
    let kept = anna
        .create_case(&{
            let mut other = new_case(anna, "Bruno", "Sala", "Altro caso.");
            other.referrals = vec![referral(anna, "r-1", "housing", "Sfratto")];
            other
        })
        .await
        .unwrap();
    anna.wait_synced(&[x, kept], WAIT).await.unwrap();
    eventually(&[&carla], WAIT, "both cases on Carla's tablet", || {
        carla.heads(x) == anna.heads(x) && carla.heads(kept) == anna.heads(kept)
    })
    .await
    .unwrap();
    (carla, x, kept)
}

/// The tablet follows `new` (arrived), holds nothing of `old`, has let the erased `x` go and kept `kept` all
/// along: no case left because the new index was still on its way.
async fn follows_the_new_index(
    carla: &Device,
    old: DocumentId,
    new: DocumentId,
    x: DocumentId,
    kept: DocumentId,
) {
    let mut kept_all_along = true;
    eventually(&[carla], WAIT, "the tablet follows the new index", || {
        kept_all_along &= carla.status(kept).is_some_and(|s| s.has_content);
        carla.index() == Some(new) && carla.status(new).is_some_and(|s| s.has_content)
    })
    .await
    .unwrap();
    gone(carla, old, "the old index leaves Carla's tablet").await;
    gone(carla, x, "the erased case leaves Carla's tablet").await;
    kept_all_along &= carla.status(kept).is_some_and(|s| s.has_content);
    assert!(kept_all_along, "the other case never left the tablet");
    assert!(carla.case(kept).unwrap().is_some());
    assert_eq!(stored_rows(carla, kept).0, 1);
    let listed = carla
        .with_document(new, |doc| {
            autosurgeon::hydrate::<_, IndexDoc>(doc)
                .unwrap()
                .entries
                .iter()
                .map(|entry| entry.url.clone())
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert!(listed.contains(&kept.to_url().to_string()));
    assert!(!listed.contains(&x.to_url().to_string()));
    carla
        .wait_for(WAIT, "the tablet back online", |t| {
            t.connection() == ConnectionState::Online
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_case_erased_while_a_tablet_is_offline_is_gone_from_it_after_its_next_sync() {
    // Arrange: Carla's tablet holds two cases referred to her area, and follows her index.
    let desk = Desk::new().await;
    let (anna, _anna_dir) = direct_tablet(&desk, &desk.anna).await;
    let (carla, x, kept) = carla_with_two_cases(&desk, &anna).await;
    let old = carla.index().unwrap();
    assert_eq!(old, current_index(&desk, &desk.carla).await);

    // Act: while her tablet is offline, two privacy officers erase one case; every index moves.
    desk.proxy.cut();
    noticed_offline(&carla).await;
    erase(&desk, x).await;
    let new = current_index(&desk, &desk.carla).await;
    assert_ne!(new, old, "the index moved");
    assert!(
        carla.status(x).is_some() && carla.index() == Some(old),
        "offline, the tablet cannot know yet"
    );

    // Assert: at its next sync the tablet offers its old index, hears `index_moved`, deletes the old
    // index, follows the new one, and deletes the erased case, and only that one.
    desk.proxy.heal();
    follows_the_new_index(&carla, old, new, x, kept).await;
}

#[tokio::test]
async fn a_tablet_online_when_a_case_is_erased_follows_the_new_index_at_once() {
    // Arrange: Carla's tablet is connected, holding two cases referred to her area.
    let desk = Desk::new().await;
    let (anna, _anna_dir) = direct_tablet(&desk, &desk.anna).await;
    let (carla, x, kept) = carla_with_two_cases(&desk, &anna).await;
    let old = carla.index().unwrap();
    assert_eq!(carla.connection(), ConnectionState::Online);

    // Act: the erasure is approved while she is connected (the server closes her connection with
    // `index_moved` at once).
    erase(&desk, x).await;
    let new = current_index(&desk, &desk.carla).await;
    assert_ne!(new, old, "the index moved");

    // Assert
    follows_the_new_index(&carla, old, new, x, kept).await;
}
