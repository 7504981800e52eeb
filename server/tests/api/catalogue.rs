//! The catalogue of areas and needs, edited by admins (`/api/v1/admin/catalogue`): what a change does to the
//! shared `directory` document, to the cases the server accepts, to tablets that have the directory open,
//! and what is refused and audited.

use std::time::Duration;

use automerge::Automerge;
use automerge::sync::State as SyncState;
use automerge::sync::SyncDoc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sportello_schema::catalogue::NeedCode;
use sportello_schema::documents::{DirectoryDoc, Need};
use sportello_schema::sync::{AutomergeUrl, DocumentId, Message};

use crate::helpers::{TestApp, error_code, spawn_app_in, test_clock};
use crate::sync::{audit_actions, create, desk_with, fetch, index_entries, index_url};
use crate::sync_client::{Peer, edit_case, new_case};

const CATALOGUE: &str = "/api/v1/admin/catalogue";

async fn catalogue(app: &TestApp, admin: &str) -> Value {
    let response = app.get(CATALOGUE, admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn codes(view: &Value, list: &str) -> Vec<String> {
    view[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["code"].as_str().unwrap().to_owned())
        .collect()
}

fn entry<'v>(view: &'v Value, list: &str, code: &str) -> &'v Value {
    view[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in {list}"))
}

/// A new case recording one need (with the privacy notice given, as anything beyond the names needs).
fn case_with_need(operator: &str, family_name: &str, code: &str) -> Automerge {
    edit_case(&new_case(operator, family_name), |case| {
        case.consent.privacy_notice = true;
        case.consent.recorded_at = Some("2026-11-27T10:05:00Z".into());
        case.needs.push(Need {
            code: NeedCode::parse(code).unwrap(),
            note: String::new(),
        })
    })
}

/// What a peer of `token` gets when it offers a new case: accepted (true), or refused because of its need
/// code (false); any other refusal fails the test.
async fn offer(app: &TestApp, token: &str, doc: &mut Automerge) -> bool {
    let mut peer = Peer::join(app, token, "tablet-offer").await;
    let outcome = peer
        .sync(DocumentId::new_random(), doc, &mut SyncState::new(), false)
        .await;
    assert!(!outcome.unavailable, "{outcome:?}");
    if outcome.refused_with("invalid_document") {
        assert!(outcome.refused_with("needs[0].code"), "{outcome:?}");
        return false;
    }
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    true
}

async fn directory_id(app: &TestApp, token: &str, session: &Value) -> DocumentId {
    let (index, _) = fetch(app, token, index_url(session)).await;
    let (url, _) = index_entries(&index)
        .into_iter()
        .find(|(_, kind)| kind == "directory")
        .expect("the index lists the directory");
    AutomergeUrl::parse(&url).unwrap().document_id()
}

#[tokio::test]
async fn the_catalogue_in_force_is_the_default_one_with_english_labels() {
    let desk = desk_with(|_| {}).await;
    let view = catalogue(&desk.app, &desk.admin).await;
    assert_eq!(codes(&view, "areas").len(), 8);
    assert_eq!(codes(&view, "needs").len(), 13);
    let network = entry(&view, "areas", "territorial_network");
    assert_eq!(network["has_staff"], false);
    assert_eq!(network["active"], true);
    let economic = entry(&view, "needs", "economic");
    assert_eq!(economic["label_it"], "Difficoltà economiche");
    assert_eq!(economic["label_en"], "Financial hardship");
    assert!(view["updated_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_need_added_by_an_admin_is_accepted_in_cases_at_once_and_audited() {
    let desk = desk_with(|_| {}).await;
    let (operator, token) = &desk.operator;
    let mut early = case_with_need(operator, "Prima", "energy_poverty");
    assert!(
        !offer(&desk.app, token, &mut early).await,
        "a code not in the catalogue is refused"
    );

    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/needs/energy_poverty"),
            Some(&desk.admin),
            &json!({"label_it": " Povertà energetica ", "label_en": "Energy poverty"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        created,
        json!({"code": "energy_poverty", "label_it": "Povertà energetica",
               "label_en": "Energy poverty", "active": true})
    );

    let mut later = case_with_need(operator, "Dopo", "energy_poverty");
    assert!(
        offer(&desk.app, token, &mut later).await,
        "the new code is in force"
    );
    let view = catalogue(&desk.app, &desk.admin).await;
    assert_eq!(codes(&view, "needs").last().unwrap(), "energy_poverty");

    // Sent again, the same body replaces it: 200, still one entry.
    let again = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/needs/energy_poverty"),
            Some(&desk.admin),
            &json!({"label_it": "Povertà energetica"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let view = catalogue(&desk.app, &desk.admin).await;
    assert_eq!(codes(&view, "needs").len(), 14);
    assert_eq!(
        entry(&view, "needs", "energy_poverty")["label_en"],
        Value::Null
    );

    let rows = audit_actions(&desk.app, &desk.admin, "admin.catalogue_update").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|row| row["target"] == "need:energy_poverty" && row["outcome"] == "success")
    );
}

#[tokio::test]
async fn a_deactivated_need_stays_valid_in_existing_cases_and_in_new_ones() {
    let desk = desk_with(|_| {}).await;
    let (operator, token) = &desk.operator;
    let mut case = case_with_need(operator, "Legale", "legal");
    let (mut peer, id) = create(&desk.app, token, &mut case).await;

    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/needs/legal"),
            Some(&desk.admin),
            &json!({"label_it": "Questioni legali", "label_en": "Legal matters", "active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let view = catalogue(&desk.app, &desk.admin).await;
    assert_eq!(codes(&view, "needs").len(), 13, "never removed");
    assert_eq!(entry(&view, "needs", "legal")["active"], false);

    // The case that carries it can still be edited…
    let mut edited = edit_case(&case, |case| case.summary = "Sfratto in corso".into());
    let outcome = peer
        .sync(id, &mut edited, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    // …and a tablet that had not heard of the change yet may still record it in a new case.
    let mut offline = case_with_need(operator, "Offline", "legal");
    assert!(offer(&desk.app, token, &mut offline).await);

    // Reactivated, as it was.
    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/needs/legal"),
            Some(&desk.admin),
            &json!({"label_it": "Questioni legali", "label_en": "Legal matters"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        entry(&catalogue(&desk.app, &desk.admin).await, "needs", "legal")["active"],
        true
    );
}

#[tokio::test]
async fn a_tablet_with_the_directory_open_receives_the_change_by_sync() {
    let desk = desk_with(|_| {}).await;
    let session = desk
        .app
        .login_ok("sw.dario", crate::helpers::STRONG_PASSWORD)
        .await;
    let token = crate::helpers::access(&session);
    let directory = directory_id(&desk.app, &token, &session).await;
    let mut peer = Peer::join(&desk.app, &token, "tablet-directory").await;
    let mut doc = Automerge::new();
    let mut state = SyncState::new();
    let outcome = peer.sync(directory, &mut doc, &mut state, true).await;
    assert!(!outcome.unavailable, "{outcome:?}");

    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/areas/family_mediation"),
            Some(&desk.admin),
            &json!({"label_it": "Mediazione familiare", "label_en": "Family mediation"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Pushed without asking: the peer only listens.
    let mut pushed = false;
    while let Some(Ok(message)) = peer.recv_within(Duration::from_secs(3)).await {
        if let Message::Sync(body) = message
            && body.document_id == directory
        {
            let message = automerge::sync::Message::decode(&body.data).unwrap();
            doc.receive_sync_message(&mut state, message).unwrap();
            pushed = true;
            break;
        }
    }
    assert!(pushed, "the server pushed the change");
    // Finish the exchange (the changes may come after the heads), then read it.
    peer.sync(directory, &mut doc, &mut state, false).await;
    let read: DirectoryDoc = autosurgeon::hydrate(&doc).unwrap();
    let area = read.areas.last().unwrap();
    assert_eq!(area.code.as_str(), "family_mediation");
    assert_eq!(area.label_en.as_deref(), Some("Family mediation"));
    assert!(area.has_staff && area.active);
    assert_eq!(read.areas.len(), 9);
}

#[tokio::test]
async fn refusals_change_nothing_and_leave_a_failure_row() {
    let desk = desk_with(|_| {}).await;
    let before = catalogue(&desk.app, &desk.admin).await;
    for (body, field) in [
        (json!({"label_it": "   "}), "label_it"),
        (json!({"label_it": "Due\nrighe"}), "label_it"),
        (json!({"label_it": "x".repeat(201)}), "label_it"),
        (
            json!({"label_it": "Casa", "label_en": "tab\there"}),
            "label_en",
        ),
    ] {
        let response = desk
            .app
            .put_json(
                &format!("{CATALOGUE}/needs/housing"),
                Some(&desk.admin),
                &body,
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "validation_failed");
        assert!(
            error["message"].as_str().unwrap().starts_with(field),
            "{error}"
        );
    }
    // A malformed code or body is the 400 of malformed input.
    for (path, body) in [
        ("needs/Housing", json!({"label_it": "Casa"})),
        ("areas/x", json!({"label_it": "Casa"})),
        (
            "areas/housing",
            json!({"label_it": "Casa", "colour": "red"}),
        ),
        (
            "needs/housing",
            json!({"label_it": "Casa", "has_staff": true}),
        ),
    ] {
        let response = desk
            .app
            .put_json(&format!("{CATALOGUE}/{path}"), Some(&desk.admin), &body)
            .await;
        assert_eq!(error_code(response).await, "invalid_request", "{path}");
    }
    // No way to delete a code.
    let response = desk
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("{CATALOGUE}/needs/housing"),
            Some(&desk.admin),
        )
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            response.status(),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ),
        "{}",
        response.status()
    );
    // Operators and social workers neither read nor write it here: they have the directory by sync.
    for token in [&desk.operator.1, &desk.housing_worker.1] {
        assert_eq!(
            desk.app.get(CATALOGUE, token).await.status(),
            StatusCode::FORBIDDEN
        );
    }

    assert_eq!(catalogue(&desk.app, &desk.admin).await, before);
    let rows = audit_actions(&desk.app, &desk.admin, "admin.catalogue_update").await;
    assert_eq!(
        rows.len(),
        4,
        "one failure row per refused valid-shaped request: {rows:?}"
    );
    assert!(
        rows.iter()
            .all(|row| row["outcome"] == "failure" && row["target"] == "need:housing")
    );
}

#[tokio::test]
async fn a_full_catalogue_takes_no_new_area_but_still_takes_changes() {
    let desk = desk_with(|_| {}).await;
    for i in 8..200 {
        let response = desk
            .app
            .put_json(
                &format!("{CATALOGUE}/areas/area_{i}"),
                Some(&desk.admin),
                &json!({"label_it": format!("Area {i}"), "has_staff": false}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "area_{i}");
    }
    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/areas/one_too_many"),
            Some(&desk.admin),
            &json!({"label_it": "Una di troppo"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(response).await, "catalogue_full");
    let response = desk
        .app
        .put_json(
            &format!("{CATALOGUE}/areas/area_8"),
            Some(&desk.admin),
            &json!({"label_it": "Area otto", "active": false, "has_staff": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        codes(&catalogue(&desk.app, &desk.admin).await, "areas").len(),
        200
    );
}

#[tokio::test]
async fn the_catalogue_in_force_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = test_clock();
    let app = spawn_app_in(dir.path(), clock.clone(), |_| {}).await;
    let admin = app.admin_token().await;
    let (operator, _) = app.create_user(&admin, "op.elsa", "operator", &[]).await;
    let response = app
        .put_json(
            &format!("{CATALOGUE}/needs/digital_divide"),
            Some(&admin),
            &json!({"label_it": "Divario digitale", "label_en": "Digital divide"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.stop().await;

    let app = spawn_app_in(dir.path(), clock, |_| {}).await;
    let session = app
        .login_ok("op.elsa", crate::helpers::STRONG_PASSWORD)
        .await;
    let token = crate::helpers::access(&session);
    let mut case = case_with_need(&operator, "Riavvio", "digital_divide");
    assert!(
        offer(&app, &token, &mut case).await,
        "the stored directory's catalogue is in force after a restart, not the defaults"
    );
}
