//! Refusals: the server checks every change; what it refuses is reported on the tablet that made it and
//! never reaches anyone else.

use sportello_tests::eventually;

use crate::desk::{Desk, WAIT, new_case, noticed_offline, same_heads};

const WRONG_CHECK_CHARACTER: &str = "RSSMRA85T10A562X";
const VALID_FISCAL_CODE: &str = "RSSMRA85T10A562S";

#[tokio::test]
async fn a_refused_change_is_reported_with_its_reason_and_never_reaches_other_tablets() {
    // Arrange: a case both operators hold.
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let bruno = desk.tablet(&desk.bruno).await;
    let x = anna
        .create_case(&new_case(
            &anna,
            "Mario",
            "Rossi",
            "Richiesta di contributo.",
        ))
        .await
        .unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    bruno.want(&x.to_url()).await.unwrap();
    same_heads(&[&anna, &bruno], x).await;

    // Act: Anna's tablet writes a fiscal code with a wrong check character (bypassing the form's check).
    anna.edit_case_unchecked(x, |case| {
        case.person.fiscal_code = Some(WRONG_CHECK_CHARACTER.into());
    })
    .await
    .unwrap();

    // Assert: refused, with the reason, and not synced.
    anna.wait_for(WAIT, "the refusal", |t| {
        t.status(x).unwrap().refused.is_some()
    })
    .await
    .unwrap();
    let status = anna.status(x).unwrap();
    let refusal = status.refused.unwrap();
    assert_eq!(refusal.code, "invalid_document");
    assert!(
        refusal.reason.contains("person.fiscal_code"),
        "{}",
        refusal.reason
    );
    assert!(
        !refusal.reason.contains(WRONG_CHECK_CHARACTER),
        "no personal data in reasons"
    );
    assert!(!status.synced_to_server);

    // Bruno keeps working on the case; his edit reaches Anna, hers never reaches him or the server.
    bruno
        .edit_case(x, |case| case.summary.push_str(" Documenti consegnati."))
        .await
        .unwrap();
    bruno.wait_synced(&[x], WAIT).await.unwrap();
    eventually(&[&anna], WAIT, "Bruno's edit on Anna's tablet", || {
        anna.case(x)
            .unwrap()
            .is_some_and(|c| c.summary.ends_with("Documenti consegnati."))
    })
    .await
    .unwrap();
    assert_eq!(
        anna.case(x).unwrap().unwrap().person.fiscal_code.as_deref(),
        Some(WRONG_CHECK_CHARACTER)
    );
    assert_eq!(bruno.case(x).unwrap().unwrap().person.fiscal_code, None);
    let server = desk.server_copy(&desk.bruno, &[x]).await;
    let at_server: sportello_schema::documents::CaseDoc =
        autosurgeon::hydrate(server[0].as_ref().unwrap()).unwrap();
    assert_eq!(at_server.person.fiscal_code, None);
    assert_eq!(
        Some(server[0].as_ref().unwrap().get_heads()),
        bruno.heads(x)
    );
    assert!(anna.status(x).unwrap().refused.is_some(), "still refused");

    // Across a reconnection too: the tablet keeps syncing the server's version of the case.
    desk.proxy.cut();
    noticed_offline(&anna).await;
    desk.proxy.heal();
    bruno
        .edit_case(x, |case| case.summary.push_str(" Appuntamento fissato."))
        .await
        .unwrap();
    bruno.wait_synced(&[x], WAIT).await.unwrap();
    eventually(
        &[&anna],
        WAIT,
        "Bruno's second edit on Anna's tablet",
        || {
            anna.case(x)
                .unwrap()
                .is_some_and(|c| c.summary.ends_with("Appuntamento fissato."))
        },
    )
    .await
    .unwrap();
    let status = anna.status(x).unwrap();
    assert!(status.refused.is_some() && !status.synced_to_server);

    // Anna discards the refused change and enters the code correctly: now it goes through.
    anna.discard_unsynced_changes(x).await.unwrap();
    assert_eq!(anna.status(x).unwrap().refused, None);
    assert_eq!(anna.case(x).unwrap().unwrap().person.fiscal_code, None);
    anna.edit_case(x, |case| {
        case.person.fiscal_code = Some(VALID_FISCAL_CODE.into());
    })
    .await
    .unwrap();
    anna.wait_synced(&[x], WAIT).await.unwrap();
    same_heads(&[&anna, &bruno], x).await;
    let case = bruno.case(x).unwrap().unwrap();
    assert_eq!(case.person.fiscal_code.as_deref(), Some(VALID_FISCAL_CODE));
    assert!(
        case.summary
            .ends_with("Documenti consegnati. Appuntamento fissato.")
    );
}

#[tokio::test]
async fn a_case_refused_at_creation_stays_off_the_server_and_is_not_offered_again() {
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let bruno = desk.tablet(&desk.bruno).await;
    let mut invalid = new_case(&anna, "Mario", "Rossi", "Con codice sbagliato.");
    invalid.person.fiscal_code = Some(WRONG_CHECK_CHARACTER.into());
    assert!(
        anna.create_case(&invalid).await.is_err(),
        "the form's check refuses it"
    );
    let w = anna.create_document(&invalid).await.unwrap();

    anna.wait_for(WAIT, "the refusal", |t| {
        t.status(w).unwrap().refused.is_some()
    })
    .await
    .unwrap();
    bruno.want(&w.to_url()).await.unwrap();
    bruno
        .wait_for(WAIT, "unavailable", |t| t.status(w).unwrap().unavailable)
        .await
        .unwrap();
    assert!(bruno.document(w).is_none());
    let refusals = desk
        .server
        .audit_rows(&desk.admin, "doc.refused", &w.to_string())
        .await
        .unwrap();
    assert_eq!(refusals.len(), 1, "{refusals:?}");

    // A reconnection does not offer it again (the server would refuse and audit it again).
    desk.proxy.cut();
    noticed_offline(&anna).await;
    desk.proxy.heal();
    anna.wait_for(WAIT, "back online", |t| {
        t.connection() == sportello_client_sync::ConnectionState::Online
    })
    .await
    .unwrap();
    let other = anna
        .create_case(&new_case(&anna, "Sara", "Galli", "Dopo la riconnessione."))
        .await
        .unwrap();
    anna.wait_synced(&[other], WAIT).await.unwrap();
    let refusals = desk
        .server
        .audit_rows(&desk.admin, "doc.refused", &w.to_string())
        .await
        .unwrap();
    assert_eq!(refusals.len(), 1, "not offered again: {refusals:?}");
    assert!(anna.status(w).unwrap().refused.is_some());

    // Discarding a refused creation deletes it from the tablet.
    anna.discard_unsynced_changes(w).await.unwrap();
    assert!(anna.status(w).is_none());
}
