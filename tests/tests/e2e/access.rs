//! Access: a document a user may not read does not exist for their tablet.

use sportello_schema::AreaCode;
use sportello_schema::documents::{CaseNotesDoc, Note};

use crate::desk::{Desk, WAIT, new_case, referral, same_heads};

#[tokio::test]
async fn an_operator_tablet_asking_for_case_notes_is_told_they_are_unavailable() {
    // Arrange: Anna refers a case to housing; Carla (housing) opens it and writes her area's notes.
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let carla = desk.tablet(&desk.carla).await;
    let dario = desk.tablet(&desk.dario).await;
    let mut case = new_case(&anna, "Ada", "Conti", "Sfratto.");
    case.referrals = vec![referral(&anna, "r-1", "housing", "Emergenza abitativa")];
    let x = anna.create_case(&case).await.unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    carla.want(&x.to_url()).await.unwrap();
    same_heads(&[&anna, &carla], x).await;

    let carla_id = carla.owner().unwrap().id;
    let mut notes = CaseNotesDoc::new(
        x.to_url().to_string(),
        AreaCode::parse("housing").unwrap(),
        carla_id,
        &carla.now(),
    );
    notes.notes.push(Note {
        id: "n-1".into(),
        author: carla_id,
        created_at: carla.now().as_str().to_owned(),
        text: "Colloquio con il padrone di casa.".into(),
    });
    let n = carla.create_case_notes(&notes).await.unwrap();
    carla.wait_synced(&[n], WAIT).await.unwrap();

    // Act: the operator and a social worker of another area ask for what they may not read.
    anna.want(&n.to_url()).await.unwrap();
    dario.want(&x.to_url()).await.unwrap();
    dario.want(&n.to_url()).await.unwrap();

    // Assert
    anna.wait_for(WAIT, "notes unavailable", |t| {
        t.status(n).unwrap().unavailable
    })
    .await
    .unwrap();
    assert!(
        anna.document(n).is_none(),
        "no content ever reaches the operator"
    );
    assert!(!anna.status(n).unwrap().has_content);
    dario
        .wait_for(WAIT, "case and notes unavailable", |t| {
            t.status(x).unwrap().unavailable && t.status(n).unwrap().unavailable
        })
        .await
        .unwrap();
    assert!(dario.document(x).is_none() && dario.document(n).is_none());
    // Those who may read it are unaffected.
    assert!(!carla.status(n).unwrap().unavailable);
    assert!(!anna.status(x).unwrap().unavailable);
}
