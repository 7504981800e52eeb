//! Remote wipe (issue 12, `docs/security.md` "Remote wipe"): an admin marks a tablet's session lost, and
//! at its next contact with the server the tablet deletes everything of the user — every document row and
//! chunk, the outbox, the settings (owner, index followed), the tokens — without pushing anything more.
//! The next contact may be the `/sync` upgrade after a network cut, the server closing an open connection
//! (`session_wiped`), or a REST call (its refresh answered `session_wiped`); each ends the same way. What the server
//! holds is untouched, and a fresh login makes the tablet work again.

use automerge::Automerge;
use sportello_client_sync::store::Store;
use sportello_client_sync::{ConnectionState, Tablet, TabletError, TabletOptions};
use sportello_schema::SessionId;
use sportello_schema::documents::CaseDoc;
use sportello_schema::sync::DocumentId;
use sportello_tests::{STAFF_PASSWORD, TestUser, tablet_options};

use crate::desk::{Desk, Device, WAIT, new_case, noticed_offline};

/// The tablet's session, as `GET /api/v1/me` names it (the admins' session list shows the same id).
async fn session_of(tablet: &Tablet) -> SessionId {
    tablet.api().me().await.unwrap().session_id
}

/// An admin marks the session lost (`POST /api/v1/admin/sessions/{id}/wipe`), as the console's "Segna
/// come smarrito" does.
async fn mark_lost(desk: &Desk, session: SessionId) {
    let token = desk.admin.access_token().await.unwrap();
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/admin/sessions/{session}/wipe",
            desk.server.base_url
        ))
        .bearer_auth(token.expose())
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 204, "the admin marks the session");
}

/// Waits until the tablet has deleted its data (the wipe is durable when the mark is up).
async fn wiped(device: &Device) {
    let mut mark = device.watch_wiped();
    tokio::time::timeout(WAIT, mark.wait_for(|wiped| *wiped))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the tablet was not wiped (connection: {:?})",
                device.connection()
            )
        })
        .unwrap();
}

/// The tablet's store, read from the file by another connection, holds nothing of the user: no row of
/// any of `ids`, no document or chunk at all, and no setting but the device's two labels.
fn store_holds_nothing_of_the_user(device: &Device, ids: &[DocumentId]) {
    let store = Store::open(device.dir.path()).unwrap();
    for id in ids {
        assert_eq!(store.rows_of(*id).unwrap(), (0, 0), "{id} is in the store");
    }
    assert_eq!(
        store.row_counts().unwrap(),
        (0, 0, 2),
        "(documents, chunks, settings)"
    );
    for key in ["owner", "index"] {
        assert_eq!(store.setting(key).unwrap(), None, "the {key} setting");
    }
}

fn summary(doc: &Option<Automerge>) -> String {
    let doc = doc.as_ref().expect("the server has the case");
    autosurgeon::hydrate::<_, CaseDoc>(doc).unwrap().summary
}

#[tokio::test]
async fn a_tablet_offline_when_its_session_is_marked_lost_deletes_its_data_at_its_next_contact_and_pushes_nothing()
 {
    // Arrange: Anna's tablet syncs two cases, then loses the network.
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let x = anna
        .create_case(&new_case(&anna, "Elena", "Fabbri", "Sfratto."))
        .await
        .unwrap();
    let kept = anna
        .create_case(&new_case(&anna, "Bruno", "Sala", "Solo sportello."))
        .await
        .unwrap();
    anna.wait_synced(&[x, kept], WAIT).await.unwrap();
    let session = session_of(&anna).await;
    desk.proxy.cut();
    noticed_offline(&anna).await;

    // Act: the admin marks the session lost; offline, the tablet goes on working, then comes back.
    mark_lost(&desk, session).await;
    anna.edit_case(x, |case| {
        case.summary.push_str(" Scritto dopo la segnalazione.")
    })
    .await
    .unwrap();
    let y = anna
        .create_case(&new_case(&anna, "Carlo", "Neri", "Creato offline."))
        .await
        .unwrap();
    desk.proxy.heal();
    anna.reconnect_now();

    // Assert: at its next contact (the /sync upgrade, refused `session_wiped`) the tablet deletes
    // everything of the user, and says so.
    wiped(&anna).await;
    store_holds_nothing_of_the_user(&anna, &[x, kept, y]);
    assert!(anna.documents().is_empty());
    assert_eq!(anna.owner(), None);
    anna.wait_for(WAIT, "the sync shows the wipe", |t| {
        t.connection() == ConnectionState::Wiped
    })
    .await
    .unwrap();
    let refused = anna
        .create_case(&new_case_for(&desk.anna, &anna))
        .await
        .unwrap_err();
    assert!(matches!(refused, TabletError::Wiped), "{refused}");
    assert!(matches!(
        anna.edit_case(x, |case| case.summary.clear()).await,
        Err(TabletError::Wiped)
    ));

    // Nothing made after the mark reached the server: the edit is not there, the offline case does not
    // exist. What the server held before is untouched.
    let server = desk.server_copy(&desk.anna, &[x, kept, y]).await;
    assert_eq!(summary(&server[0]), "Sfratto.");
    assert_eq!(summary(&server[1]), "Solo sportello.");
    assert!(server[2].is_none(), "the case made after the mark");

    // A fresh login makes the tablet work again, from what the server has.
    anna.login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    assert!(!anna.is_wiped());
    anna.want(&x.to_url()).await.unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    assert_eq!(anna.case(x).unwrap().unwrap().summary, "Sfratto.");
}

/// A case by `user` for a tablet that no longer knows its owner (after a wipe).
fn new_case_for(user: &TestUser, tablet: &Tablet) -> CaseDoc {
    let now = tablet.now();
    let mut case = CaseDoc::new(user.id, &now, sportello_schema::documents::Channel::Desk);
    case.person.given_name = "Dora".into();
    case.person.family_name = "Galli".into();
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(now.as_str().to_owned());
    case
}

#[tokio::test]
async fn a_tablet_online_when_its_session_is_marked_lost_deletes_its_data_at_once_its_index_included()
 {
    // Arrange: a tablet that follows Anna's index (as a real one does), holding her case and her index
    // (and whatever else the index lists).
    let desk = Desk::new().await;
    let dir = tempfile::tempdir().unwrap();
    let options = TabletOptions {
        follow_index: true,
        ..tablet_options()
    };
    let tablet = Tablet::open_with(dir.path(), &desk.proxy.url(), "tablet", options)
        .await
        .unwrap();
    tablet
        .login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    tablet.start();
    let anna = Device { tablet, dir };
    let x = anna
        .create_case(&new_case(&anna, "Elena", "Fabbri", "Sfratto."))
        .await
        .unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    let index = anna.index().unwrap();
    anna.wait_settled(WAIT).await.unwrap();
    let held = anna.documents();
    assert!(
        held.contains(&index) && held.contains(&x),
        "the case and the index: {held:?}"
    );

    // Act: the admin marks the session lost while the tablet is connected.
    mark_lost(&desk, session_of(&anna).await).await;

    // Assert: the server closes the connection with `session_wiped`, and the tablet deletes everything of
    // the user.
    wiped(&anna).await;
    store_holds_nothing_of_the_user(&anna, &held);
    assert!(anna.documents().is_empty());
    assert_eq!(anna.index(), None);
    assert!(matches!(
        anna.api().access_token().await,
        Err(e) if e.is_wiped()
    ));
    let server = desk.server_copy(&desk.anna, &[x]).await;
    assert_eq!(summary(&server[0]), "Sfratto.", "the server keeps the case");
}

#[tokio::test]
async fn a_rest_call_whose_refresh_is_answered_session_wiped_wipes_a_tablet_that_is_not_syncing() {
    // Arrange: a tablet that never started syncing holds a case made here.
    let desk = Desk::new().await;
    let anna = desk.offline_tablet(&desk.anna).await;
    let x = anna
        .create_case(&new_case(&anna, "Elena", "Fabbri", "Mai inviato."))
        .await
        .unwrap();
    mark_lost(&desk, session_of(&anna).await).await;
    // The access token expires, so the next call refreshes, and the refresh tells the mark.
    desk.server
        .clock
        .advance(jiff::SignedDuration::from_mins(20));

    // Act: the app makes a REST call.
    let answer = anna.api().me().await;

    // Assert
    assert!(
        matches!(&answer, Err(e) if e.is_wiped()),
        "{:?}",
        answer.map(|me| me.session_id)
    );
    wiped(&anna).await;
    store_holds_nothing_of_the_user(&anna, &[x]);
    assert!(anna.status(x).is_none());
    let server = desk.server_copy(&desk.anna, &[x]).await;
    assert!(server[0].is_none(), "the case never reached the server");
}

#[tokio::test]
async fn a_tablet_restarted_after_its_session_was_marked_lost_is_wiped_by_the_wipe_check_at_start_or_at_login()
 {
    // Arrange: Anna's tablet syncs a case, then the app stops (its tokens are kept in memory only).
    let desk = Desk::new().await;
    let Device { tablet, dir } = desk.tablet(&desk.anna).await;
    let x = tablet
        .create_case(&new_case(&tablet, "Elena", "Fabbri", "Sfratto."))
        .await
        .unwrap();
    tablet.wait_synced(&[x], WAIT).await.unwrap();
    let session = session_of(&tablet).await;
    tablet.stop().await;
    drop(tablet);

    // Act: the admin marks the session lost; the app starts again and asks the wipe check.
    mark_lost(&desk, session).await;
    let tablet = Tablet::open_with(dir.path(), &desk.proxy.url(), "tablet", tablet_options())
        .await
        .unwrap();
    assert_eq!(tablet.documents(), vec![x], "kept until the tablet asks");
    let anna = Device { tablet, dir };
    let marked = anna.wipe_check().await.unwrap();

    // Assert: the store is wiped before anyone logs in; a fresh login then works on the empty store.
    assert!(marked && anna.is_wiped());
    store_holds_nothing_of_the_user(&anna, &[x]);
    anna.login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    assert!(!anna.is_wiped() && anna.documents().is_empty());

    // The same when the app goes straight to the login: it checks first, then logs in on an empty store.
    let y = anna
        .create_case(&new_case(&anna, "Carlo", "Neri", "Solo qui."))
        .await
        .unwrap();
    let session = session_of(&anna).await;
    let Device { tablet, dir } = anna;
    drop(tablet);
    mark_lost(&desk, session).await;
    let tablet = Tablet::open_with(dir.path(), &desk.proxy.url(), "tablet", tablet_options())
        .await
        .unwrap();
    assert_eq!(tablet.documents(), vec![y]);
    let anna = Device { tablet, dir };
    anna.login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    assert!(anna.documents().is_empty() && !anna.is_wiped());
    assert_eq!(
        Store::open(anna.dir.path()).unwrap().rows_of(y).unwrap(),
        (0, 0)
    );
    assert!(desk.server_copy(&desk.anna, &[y]).await[0].is_none());
}
