//! Restarts: the tablet's store is its memory — documents made offline survive closing the app.

use sportello_client_sync::{Tablet, TabletError};
use sportello_schema::documents::Urgency;
use sportello_tests::{STAFF_PASSWORD, tablet_options};

use crate::desk::{Desk, WAIT, need, new_case, same_heads};

#[tokio::test]
async fn a_restarted_tablet_still_has_its_offline_cases_and_syncs_them() {
    // Arrange: Anna logs in, the network goes, she opens two cases and edits one; the app is closed.
    let desk = Desk::new().await;
    let dir = tempfile::tempdir().unwrap();
    let first = Tablet::open_with(
        dir.path(),
        &desk.proxy.url(),
        "Tablet Anna",
        tablet_options(),
    )
    .await
    .unwrap();
    first
        .login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    first.start();
    desk.proxy.cut();
    let a = first
        .create_case(&new_case(&first, "Marta", "Neri", "Prima visita."))
        .await
        .unwrap();
    let b = first
        .create_case(&new_case(
            &first,
            "Ivan",
            "Petrenko",
            "Arrivato da Leopoli.",
        ))
        .await
        .unwrap();
    first
        .edit_case(a, |case| {
            case.urgency = Urgency::High;
            case.needs.push(need("housing", ""));
        })
        .await
        .unwrap();
    let heads_a = first.heads(a).unwrap();
    let case_a = first.case(a).unwrap().unwrap();
    first.stop().await;
    drop(first);

    // Act: the app starts again, still offline; she keeps working, then the network returns.
    let again = Tablet::open_with(
        dir.path(),
        &desk.proxy.url(),
        "Tablet Anna",
        tablet_options(),
    )
    .await
    .unwrap();
    assert_eq!(again.documents().len(), 2);
    assert_eq!(again.heads(a), Some(heads_a));
    assert_eq!(again.case(a).unwrap(), Some(case_a));
    let status = again.status(b).unwrap();
    assert!(status.created_locally && status.has_content && !status.synced_to_server);
    assert_eq!(again.owner().unwrap().id, desk.anna.id, "known offline");
    again
        .edit_case(b, |case| case.summary.push_str(" Parla ucraino e russo."))
        .await
        .unwrap();

    desk.proxy.heal();
    again
        .login(&desk.anna.username, STAFF_PASSWORD)
        .await
        .unwrap();
    again.start();

    // Assert: both reach the server, and a colleague's tablet gets them as they are.
    again.wait_synced(&[a, b], WAIT).await.unwrap();
    let bruno = desk.tablet(&desk.bruno).await;
    bruno.want(&a.to_url()).await.unwrap();
    bruno.want(&b.to_url()).await.unwrap();
    same_heads(&[&again, &bruno], a).await;
    same_heads(&[&again, &bruno], b).await;
    let case_b = bruno.case(b).unwrap().unwrap();
    assert!(case_b.summary.ends_with("Parla ucraino e russo."));
    assert_eq!(bruno.case(a).unwrap().unwrap().urgency, Urgency::High);
}

#[tokio::test]
async fn a_tablets_store_is_refused_to_another_user() {
    let desk = Desk::new().await;
    let anna = desk.offline_tablet(&desk.anna).await;
    anna.create_case(&new_case(&anna, "Marta", "Neri", "Riservato."))
        .await
        .unwrap();
    let path = anna.dir.path().to_owned();
    drop(anna.tablet);

    let reopened = Tablet::open_with(&path, &desk.proxy.url(), "Tablet", tablet_options())
        .await
        .unwrap();
    let refused = reopened
        .login(&desk.bruno.username, STAFF_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(refused, TabletError::OtherUser), "{refused}");
    assert_eq!(reopened.owner().unwrap().id, desk.anna.id);
    assert!(
        reopened.api().access_token().await.is_err(),
        "Bruno's session is ended"
    );
}
