//! The citizen's rights (issue 12): a privacy officer finds a person's cases by codice fiscale, reads who
//! accessed a case and its notes, and erases a case under four eyes; housekeeping erases closed cases past
//! their retention. Real server, real SQLite file, real `/sync` peers.

use automerge::Automerge;
use automerge::sync::State as SyncState;
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use rusqlite::Connection;
use serde_json::{Value, json};
use sportello_schema::documents::{CaseNotesDoc, CaseStatus, Note, Referral, ReferralStatus};
use sportello_schema::sync::DocumentId;
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, UserId};

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code};
use crate::sync::{Desk, create, desk_with, fetch, index_entries, index_url};
use crate::sync_client::{Peer, edit_case, new_case, payload_contains};

const CODE: &str = "RSSMRA85T10A562S";
const OTHER_CODE: &str = "BNCGNN90A41F205C";

/// The valid code that begins with these 15 characters (its check letter found by trying them all).
fn valid_code(first: &str) -> String {
    ('A'..='Z')
        .map(|check| format!("{first}{check}"))
        .find(|code| sportello_schema::FiscalCode::parse(code).is_ok())
        .unwrap()
}

fn at(raw: &str) -> Rfc3339Utc {
    Rfc3339Utc::parse(raw).unwrap()
}

/// Two privacy officers (user id, token), made by the desk's admins under four eyes.
async fn officers(desk: &Desk) -> ((String, String), (String, String)) {
    let first = desk
        .app
        .create_user(&desk.admin, "dpo.elena", "privacy_officer", &[])
        .await;
    let second = desk
        .app
        .create_user(&desk.admin, "dpo.franco", "privacy_officer", &[])
        .await;
    (first, second)
}

/// A case created by the operator's tablet over `/sync`, with this codice fiscale; returns its id and the
/// operator's copy.
async fn case_of(desk: &Desk, family_name: &str, code: Option<&str>) -> (DocumentId, Automerge) {
    let case = new_case(&desk.operator.0, family_name);
    let mut case = edit_case(&case, |c| {
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some("2026-11-27T10:00:00Z".into());
        c.person.fiscal_code = code.map(str::to_owned);
    });
    let (_, id) = create(&desk.app, &desk.operator.1, &mut case).await;
    (id, case)
}

/// The operator refers the case to `area` (one write).
async fn refer(desk: &Desk, id: DocumentId, case: &Automerge, area: &str) -> Automerge {
    let mut referred = edit_case(case, |c| {
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
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    let outcome = peer
        .sync(id, &mut referred, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    referred
}

/// A case-notes document of the elderly area on the case, created by the elderly worker.
async fn notes_on(desk: &Desk, case: DocumentId, text: &str) -> DocumentId {
    let worker: UserId = desk.elderly_worker.0.parse().unwrap();
    let mut notes = CaseNotesDoc::new(
        case.to_url().to_string(),
        AreaCode::parse("elderly").unwrap(),
        worker,
        &at("2026-12-01T09:00:00Z"),
    );
    notes.notes.push(Note {
        id: "n1".into(),
        author: worker,
        created_at: "2026-12-01T09:00:00Z".into(),
        text: text.into(),
    });
    let mut writer = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut writer, &notes).unwrap();
    let mut doc = writer.document().clone();
    let (_, id) = create(&desk.app, &desk.elderly_worker.1, &mut doc).await;
    id
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.post_json(path, Some(token), body).await
}

async fn lookup(app: &TestApp, officer: &str, code: &str) -> Vec<String> {
    let response = post(
        app,
        officer,
        "/api/v1/privacy/lookup",
        &json!({"fiscal_code": code}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["case_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn report(app: &TestApp, officer: &str, case: DocumentId) -> reqwest::Response {
    app.request(
        Method::GET,
        &format!("/api/v1/privacy/cases/{case}/access-report"),
        Some(officer),
    )
    .send()
    .await
    .unwrap()
}

/// The entries of a report as (action, document, username, role, outcome).
fn entries(report: &Value) -> Vec<(String, String, String, String, String)> {
    report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let text = |key: &str| entry[key].as_str().unwrap_or("-").to_owned();
            (
                text("action"),
                text("document_id"),
                text("actor_username"),
                text("actor_role"),
                text("outcome"),
            )
        })
        .collect()
}

fn db(app: &TestApp) -> Connection {
    Connection::open(app.data_dir().join("sportello.db")).unwrap()
}

#[tokio::test]
async fn the_access_report_lists_exactly_the_accesses_made_to_the_case_and_its_notes() {
    let desk = desk_with(|_| {}).await;
    let ((_, officer), _) = officers(&desk).await;
    // Created by the operator's tablet (its own first read), then read again in the same session.
    let (id, case) = case_of(&desk, "Esposito", Some(CODE)).await;
    let (_, unavailable) = fetch(&desk.app, &desk.operator.1, id).await;
    assert!(!unavailable);
    // Written by the operator (a referral), then by the social worker who accepts it (her first read
    // comes with it).
    let referred = refer(&desk, id, &case, "elderly").await;
    let worker: UserId = desk.elderly_worker.0.parse().unwrap();
    let mut accepted = edit_case(&referred, |c| {
        c.referrals[0].status = ReferralStatus::Accepted;
        c.referrals[0].decided_by = Some(worker);
        c.referrals[0].decided_at = Some("2026-11-27T11:00:00Z".into());
    });
    let mut peer = Peer::join(&desk.app, &desk.elderly_worker.1, "worker-tablet").await;
    let mut state = SyncState::new();
    let mut local = Automerge::new();
    assert!(
        !peer
            .sync(id, &mut local, &mut state, true)
            .await
            .unavailable
    );
    accepted.merge(&mut local).unwrap();
    let outcome = peer.sync(id, &mut accepted, &mut state, false).await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    // Her notes on the case, read back in her session.
    let notes = notes_on(&desk, id, "Colloquio con la figlia.").await;
    let (_, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, notes).await;
    assert!(!unavailable);
    // A denied read: the housing worker has no referral.
    let (_, unavailable) = fetch(&desk.app, &desk.housing_worker.1, id).await;
    assert!(unavailable);

    let response = report(&desk.app, &officer, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let (case_id, notes_id) = (id.to_string(), notes.to_string());
    assert_eq!(body["case_id"], case_id.as_str());
    // No `--comune-name`: the report names no comune (the field is left out, not null).
    assert!(body.get("comune").is_none(), "{body}");
    assert_eq!(
        body["documents"],
        json!([
            {"document_id": case_id, "kind": "case"},
            {"document_id": notes_id, "kind": "case_notes", "area": "elderly"},
        ])
    );
    let row = |action: &str, doc: &str, user: &str, role: &str, outcome: &str| {
        (
            action.to_owned(),
            doc.to_owned(),
            user.to_owned(),
            role.to_owned(),
            outcome.to_owned(),
        )
    };
    let (c, n) = (case_id.as_str(), notes_id.as_str());
    assert_eq!(
        entries(&body),
        vec![
            row("doc.create", c, "op.anna", "operator", "success"),
            row("doc.read", c, "op.anna", "operator", "success"),
            row("doc.write", c, "op.anna", "operator", "success"),
            row("doc.read", c, "sw.carla", "social_worker", "success"),
            row("doc.write", c, "sw.carla", "social_worker", "success"),
            row("doc.create", n, "sw.carla", "social_worker", "success"),
            row("doc.read", n, "sw.carla", "social_worker", "success"),
            row("doc.denied", c, "sw.dario", "social_worker", "denied"),
            row(
                "privacy.access_report",
                c,
                "dpo.elena",
                "privacy_officer",
                "success"
            ),
        ]
    );
    // Each entry names the account and its session.
    let first = &body["entries"][0];
    assert_eq!(first["actor_id"], desk.operator.0.as_str());
    assert_eq!(first["kind"], "case");
    assert!(first["actor_display_name"].is_string());
    assert!(first["session_id"].is_string());
    assert_eq!(body["entries"][5]["kind"], "case_notes");

    // Unknown ids are not found; so is a case-notes id.
    let unknown = report(&desk.app, &officer, DocumentId::new_random()).await;
    assert_eq!(error_code(unknown).await, "not_found");
    let of_notes = report(&desk.app, &officer, notes).await;
    assert_eq!(error_code(of_notes).await, "not_found");
}

#[tokio::test]
async fn the_access_report_names_the_comune_the_installation_is_set_up_for() {
    let desk = desk_with(|settings| settings.comune_name = Some("Comune di Sassuolo".into())).await;
    let ((_, officer), _) = officers(&desk).await;
    let (id, _) = case_of(&desk, "Esposito", Some(CODE)).await;

    let response = report(&desk.app, &officer, id).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["comune"], "Comune di Sassuolo");
    assert_eq!(body["case_id"], id.to_string().as_str());
}

#[tokio::test]
async fn a_lookup_finds_exactly_that_persons_cases_and_never_stores_the_code() {
    let desk = desk_with(|_| {}).await;
    let ((_, officer), _) = officers(&desk).await;
    let (first, _) = case_of(&desk, "Russo", Some(CODE)).await;
    let (second, _) = case_of(&desk, "Russo", Some(CODE)).await;
    let (other, _) = case_of(&desk, "Bianchi", Some(OTHER_CODE)).await;
    let (_, _) = case_of(&desk, "Senzacodice", None).await;

    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    let mut found = lookup(&desk.app, &officer, " rssmra85t10a562s ").await;
    found.sort();
    assert_eq!(found, expected, "any spelling of the code, only its cases");
    assert_eq!(
        lookup(&desk.app, &officer, OTHER_CODE).await,
        vec![other.to_string()]
    );
    // A valid code nobody has: nothing.
    assert!(
        lookup(&desk.app, &officer, &valid_code("VRDLGU80A01H501"))
            .await
            .is_empty()
    );

    // An invalid code: its own error, the code not repeated.
    let refused = post(
        &desk.app,
        &officer,
        "/api/v1/privacy/lookup",
        &json!({"fiscal_code": "RSSMRA85T10A562X"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_fiscal_code");
    assert!(!body["message"].as_str().unwrap().contains("RSSMRA"));

    // A later change to the code moves the case: the hash follows every commit.
    let (moved, copy) = case_of(&desk, "Verdi", Some(OTHER_CODE)).await;
    let mut changed = edit_case(&copy, |c| c.person.fiscal_code = Some(CODE.into()));
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    let outcome = peer
        .sync(moved, &mut changed, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    assert!(
        lookup(&desk.app, &officer, CODE)
            .await
            .contains(&moved.to_string())
    );
    assert!(
        !lookup(&desk.app, &officer, OTHER_CODE)
            .await
            .contains(&moved.to_string())
    );

    // The audit has a row per lookup, with no target; the code is nowhere outside the documents.
    let conn = db(&desk.app);
    let lookups: Vec<(Option<String>, String)> = conn
        .prepare(
            "SELECT target, outcome FROM audit_log WHERE action = 'privacy.lookup' ORDER BY seq",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(lookups.len(), 6, "{lookups:?}");
    assert!(lookups.iter().all(|(target, _)| target.is_none()));
    assert_eq!(lookups.iter().filter(|(_, o)| o == "failure").count(), 1);
    let clear: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM audit_log WHERE instr(coalesce(target, ''), ?1) > 0) + \
             (SELECT count(*) FROM documents WHERE instr(coalesce(title, ''), ?1) > 0 \
              OR instr(coalesce(fiscal_code_hash, x''), CAST(?1 AS BLOB)) > 0)",
            [CODE],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(clear, 0);
}

/// Whether `needle` is anywhere in the file's bytes.
fn file_holds(path: &std::path::Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

async fn backup_to(app: &TestApp, name: &str) -> std::path::PathBuf {
    let target = app.data_dir().join(name);
    sportello_server::commands::backup(app.data_dir(), &target)
        .await
        .unwrap();
    target
}

#[tokio::test]
async fn an_erased_case_is_gone_from_the_server_its_indexes_and_later_backups_and_never_comes_back()
{
    let desk = desk_with(|_| {}).await;
    let ((officer_id, officer), (_, second)) = officers(&desk).await;
    let (id, case) = case_of(&desk, "Gallo", Some(CODE)).await;
    let referred = refer(&desk, id, &case, "elderly").await;
    // A distinctive summary in a change of its own (small changes are stored uncompressed: the control
    // below must see it in the backup before the erasure).
    const MARKER: &str = "QZX-segreto-7741";
    let mut summarised = edit_case(&referred, |c| c.summary = MARKER.into());
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    // Kept: the tablet's sync state with the server, as a tablet that stays online keeps it.
    let mut tablet_state = SyncState::new();
    let outcome = peer
        .sync(id, &mut summarised, &mut tablet_state, false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
    let notes = notes_on(&desk, id, "QZX-nota-riservata").await;
    let (unrelated, _) = case_of(&desk, "Altro", Some(OTHER_CODE)).await;
    // Both users' indexes list it.
    let operator_session = desk.app.login_ok("op.anna", STRONG_PASSWORD).await;
    let worker_session = desk.app.login_ok("sw.carla", STRONG_PASSWORD).await;
    let listed = |session: &Value| {
        let app = &desk.app;
        let session = session.clone();
        async move {
            let (index, _) = fetch(app, &access(&session), index_url(&session)).await;
            index_entries(&index)
                .into_iter()
                .map(|(url, _)| url)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        listed(&operator_session)
            .await
            .contains(&id.to_url().to_string())
    );
    assert!(
        listed(&worker_session)
            .await
            .contains(&notes.to_url().to_string())
    );

    let before = backup_to(&desk.app, "before.db").await;
    assert!(
        file_holds(&before, MARKER),
        "the control: the case is in a backup"
    );

    // Four eyes: the requester cannot approve.
    let asked = post(
        &desk.app,
        &officer,
        &format!("/api/v1/privacy/cases/{id}/erasure"),
        &json!({"reason": "subject_request", "reference": "Prot. 2026/1234"}),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let asked: Value = asked.json().await.unwrap();
    let request = &asked["request"];
    assert_eq!(request["status"], "pending");
    assert_eq!(request["case_id"], id.to_string().as_str());
    assert_eq!(request["requested_by"], officer_id.as_str());
    assert_eq!(request["reference"], "Prot. 2026/1234");
    let request_id = request["id"].as_str().unwrap().to_owned();
    let again = post(
        &desk.app,
        &second,
        &format!("/api/v1/privacy/cases/{id}/erasure"),
        &json!({"reason": "other"}),
    )
    .await;
    assert_eq!(error_code(again).await, "grant_pending");
    let own = post(
        &desk.app,
        &officer,
        &format!("/api/v1/privacy/erasures/{request_id}/approve"),
        &json!({}),
    )
    .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(own).await, "self_approval");
    let pending: Value = desk
        .app
        .get("/api/v1/privacy/erasures", &second)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["requests"][0]["id"], request_id.as_str());

    let approved = post(
        &desk.app,
        &second,
        &format!("/api/v1/privacy/erasures/{request_id}/approve"),
        &json!({}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["request"]["status"], "approved");
    assert_eq!(
        approved["erased_documents"],
        json!([id.to_string(), notes.to_string()])
    );
    // Decided once.
    let twice = post(
        &desk.app,
        &second,
        &format!("/api/v1/privacy/erasures/{request_id}/reject"),
        &json!({}),
    )
    .await;
    assert_eq!(error_code(twice).await, "grant_decided");

    // Not fetched, by anyone who could before.
    let (_, unavailable) = fetch(&desk.app, &desk.operator.1, id).await;
    assert!(unavailable, "the operator still gets the case");
    let (_, unavailable) = fetch(&desk.app, &desk.elderly_worker.1, notes).await;
    assert!(unavailable, "the worker still gets the notes");
    // Not created again under the same id: unavailable at once (an erased id never begins a creation),
    // and nothing stored.
    let mut recreated = new_case(&desk.operator.0, "Gallo");
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    let outcome = peer
        .sync(id, &mut recreated, &mut SyncState::new(), false)
        .await;
    assert!(outcome.unavailable, "{outcome:?}");
    assert!(
        !outcome
            .ephemeral
            .iter()
            .any(|payload| payload_contains(payload, "sportello/refused")
                && !payload_contains(payload, "erased")),
        "{outcome:?}"
    );
    // The tablet that held the case offers it again: unavailable too.
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    let outcome = peer
        .sync(id, &mut summarised.clone(), &mut SyncState::new(), false)
        .await;
    assert!(outcome.unavailable, "{outcome:?}");
    // A tablet that kept its sync state sends its offline edit with its first message: the changes are
    // refused (told with the code `erased`, audited) and the id is unavailable.
    let mut edited = edit_case(&summarised, |c| c.summary = "modifica offline".into());
    let mut peer = Peer::join(&desk.app, &desk.operator.1, "operator-tablet").await;
    let outcome = peer.sync(id, &mut edited, &mut tablet_state, false).await;
    assert!(outcome.unavailable, "{outcome:?}");
    assert!(
        outcome
            .ephemeral
            .iter()
            .any(|payload| payload_contains(payload, "erased")),
        "{outcome:?}"
    );
    let conn = db(&desk.app);
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM documents WHERE id IN (?1, ?2)",
            [id.as_bytes().as_slice(), notes.as_bytes().as_slice()],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
    let refused: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'doc.refused' \
             AND target = ?1 AND actor_id = ?2",
            [id.to_string(), desk.operator.0.clone()],
            |row| row.get(0),
        )
        .unwrap();
    assert!(refused >= 1, "the refused re-creation is audited");
    // Notes written offline for the erased case are refused when they arrive, and not stored.
    let worker: UserId = desk.elderly_worker.0.parse().unwrap();
    let late = CaseNotesDoc::new(
        id.to_url().to_string(),
        AreaCode::parse("elderly").unwrap(),
        worker,
        &at("2026-12-02T09:00:00Z"),
    );
    let mut writer = automerge::AutoCommit::new();
    autosurgeon::reconcile(&mut writer, &late).unwrap();
    let mut late_doc = writer.document().clone();
    let late_id = DocumentId::new_random();
    let mut peer = Peer::join(&desk.app, &desk.elderly_worker.1, "worker-tablet").await;
    let outcome = peer
        .sync(late_id, &mut late_doc, &mut SyncState::new(), false)
        .await;
    assert!(
        outcome
            .ephemeral
            .iter()
            .any(|payload| payload_contains(payload, "erased")),
        "{outcome:?}"
    );
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM documents WHERE id = ?1",
            [late_id.as_bytes().as_slice()],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
    // Gone from every index, the unrelated case still there.
    let operator_index = listed(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await).await;
    assert!(!operator_index.contains(&id.to_url().to_string()));
    assert!(operator_index.contains(&unrelated.to_url().to_string()));
    let worker_index = listed(&desk.app.login_ok("sw.carla", STRONG_PASSWORD).await).await;
    assert!(!worker_index.contains(&id.to_url().to_string()));
    assert!(!worker_index.contains(&notes.to_url().to_string()));
    // Not found by the officers any more.
    assert!(
        !lookup(&desk.app, &officer, CODE)
            .await
            .contains(&id.to_string())
    );
    assert_eq!(
        error_code(report(&desk.app, &officer, id).await).await,
        "not_found"
    );
    // The audit keeps the ids: one `doc.erased` per document, by the approver.
    let erased: Vec<String> = conn
        .prepare("SELECT target FROM audit_log WHERE action = 'doc.erased' ORDER BY seq")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(erased, vec![id.to_string(), notes.to_string()]);

    // A backup made now holds neither the case nor its notes.
    let after = backup_to(&desk.app, "after.db").await;
    assert!(
        !file_holds(&after, MARKER),
        "the erased case is in a later backup"
    );
    assert!(!file_holds(&after, "QZX-nota-riservata"));
    assert!(
        file_holds(&before, "QZX-nota-riservata"),
        "the control for the notes"
    );
}

/// Asks and approves the erasure of `case` (four eyes).
async fn erase(desk: &Desk, officer: &str, second: &str, case: DocumentId) {
    let asked = post(
        &desk.app,
        officer,
        &format!("/api/v1/privacy/cases/{case}/erasure"),
        &json!({"reason": "subject_request"}),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let asked: Value = asked.json().await.unwrap();
    let request = asked["request"]["id"].as_str().unwrap().to_owned();
    let approved = post(
        &desk.app,
        second,
        &format!("/api/v1/privacy/erasures/{request}/approve"),
        &json!({}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
}

/// Every version an index document ever had lists none of `ids`.
fn no_version_lists(index: &Automerge, ids: &[DocumentId]) -> bool {
    let urls: Vec<String> = ids.iter().map(|id| id.to_url().to_string()).collect();
    index.get_changes(&[]).iter().all(|change| {
        let version = index.fork_at(&[change.hash()]).unwrap();
        index_entries(&version)
            .iter()
            .all(|(url, _)| !urls.contains(url))
    })
}

#[tokio::test]
async fn after_an_erasure_every_index_moves_and_its_old_history_is_gone_with_it() {
    let desk = desk_with(|_| {}).await;
    let ((_, officer), (_, second)) = officers(&desk).await;
    let (id, case) = case_of(&desk, "Gallo", Some(CODE)).await;
    refer(&desk, id, &case, "elderly").await;
    let (unrelated, _) = case_of(&desk, "Altro", Some(OTHER_CODE)).await;
    let operator_session = desk.app.login_ok("op.anna", STRONG_PASSWORD).await;
    let worker_session = desk.app.login_ok("sw.carla", STRONG_PASSWORD).await;
    let old_operator_index = index_url(&operator_session);
    let old_worker_index = index_url(&worker_session);
    // The control: the operator's index lists the case now, so its history will hold it.
    let (index, _) = fetch(&desk.app, &access(&operator_session), old_operator_index).await;
    assert!(!no_version_lists(&index, &[id]));
    // The operator's tablet is online, its index open, when the erasure is approved.
    let mut online = Peer::join(&desk.app, &access(&operator_session), "operator-tablet").await;
    let mut online_index = Automerge::new();
    let opened = online
        .sync(
            old_operator_index,
            &mut online_index,
            &mut SyncState::new(),
            true,
        )
        .await;
    assert!(!opened.unavailable && opened.closed.is_none(), "{opened:?}");

    erase(&desk, &officer, &second, id).await;

    // The connection that had it open is told, then closed.
    let mut told = None;
    while let Some(next) = online.recv_within(std::time::Duration::from_secs(10)).await {
        match next {
            Ok(sportello_schema::sync::Message::Error(error)) => told = Some(error.message),
            Ok(_) => {}
            Err(close) => {
                assert_eq!(
                    close.0,
                    tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Policy
                );
                assert_eq!(close.1, "index_moved");
                break;
            }
        }
    }
    assert_eq!(told.as_deref(), Some("index_moved"));
    // The old documents are gone from the database; their ids are kept with their owners only.
    let conn = db(&desk.app);
    for old in [old_operator_index, old_worker_index] {
        let rows: (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM documents WHERE id = ?1), \
                        (SELECT count(*) FROM document_chunks WHERE doc_id = ?1)",
                [old.as_bytes().as_slice()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(rows, (0, 0), "an old index is still stored");
    }
    let retired: i64 = conn
        .query_row("SELECT count(*) FROM retired_indexes", [], |row| row.get(0))
        .unwrap();
    assert!(retired >= 2, "{retired}");
    // The refresh names the new index: never the old one, and no version of it ever listed the case.
    let refreshed: Value = desk
        .app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": crate::helpers::refresh(&operator_session)}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new_operator_index = index_url(&refreshed);
    assert_ne!(new_operator_index, old_operator_index);
    let (index, unavailable) = fetch(&desk.app, &access(&refreshed), new_operator_index).await;
    assert!(!unavailable);
    let listed: Vec<String> = index_entries(&index)
        .into_iter()
        .map(|(url, _)| url)
        .collect();
    assert!(
        listed.contains(&unrelated.to_url().to_string()),
        "{listed:?}"
    );
    assert!(no_version_lists(&index, &[id]));
    // A login names the new one too.
    let worker_again = desk.app.login_ok("sw.carla", STRONG_PASSWORD).await;
    let new_worker_index = index_url(&worker_again);
    assert_ne!(new_worker_index, old_worker_index);
    let (index, _) = fetch(&desk.app, &access(&worker_again), new_worker_index).await;
    assert!(no_version_lists(&index, &[id]));
    // A tablet that was offline asks for its old index: told it moved. Another user asking for that id
    // learns nothing (unavailable, as any id they may not know).
    let mut late = Peer::join(&desk.app, &access(&worker_again), "worker-tablet").await;
    let outcome = late
        .sync(
            old_worker_index,
            &mut Automerge::new(),
            &mut SyncState::new(),
            true,
        )
        .await;
    assert_eq!(outcome.error.as_deref(), Some("index_moved"), "{outcome:?}");
    assert_eq!(
        outcome.closed.as_ref().map(|(_, reason)| reason.as_str()),
        Some("index_moved")
    );
    let (_, unavailable) = fetch(&desk.app, &access(&refreshed), old_worker_index).await;
    assert!(
        unavailable,
        "another user's old index is unavailable, not moved"
    );
}

#[tokio::test]
async fn erasure_needs_a_second_enabled_officer_and_a_live_request() {
    let desk = desk_with(|_| {}).await;
    let (id, _) = case_of(&desk, "Marino", Some(CODE)).await;
    let (_, alone) = desk
        .app
        .create_user(&desk.admin, "dpo.sola", "privacy_officer", &[])
        .await;
    let path = format!("/api/v1/privacy/cases/{id}/erasure");
    let refused = post(&desk.app, &alone, &path, &json!({"reason": "other"})).await;
    assert_eq!(error_code(refused).await, "approver_needed");
    // A second officer makes requests possible (it signs in again after the clock moves, below).
    desk.app
        .create_user(&desk.admin, "dpo.seconda", "privacy_officer", &[])
        .await;
    // Bad input: an unknown reason, a reference too long, an unknown case.
    let bad = post(&desk.app, &alone, &path, &json!({"reason": "because"})).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let long = post(
        &desk.app,
        &alone,
        &path,
        &json!({"reason": "other", "reference": "x".repeat(65)}),
    )
    .await;
    assert_eq!(error_code(long).await, "validation_failed");
    let unknown = post(
        &desk.app,
        &alone,
        &format!("/api/v1/privacy/cases/{}/erasure", DocumentId::new_random()),
        &json!({"reason": "other"}),
    )
    .await;
    assert_eq!(error_code(unknown).await, "not_found");

    // Rejected: nothing erased; the requester may withdraw it this way too.
    let asked: Value = post(
        &desk.app,
        &alone,
        &path,
        &json!({"reason": "consent_withdrawn"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let request = asked["request"]["id"].as_str().unwrap().to_owned();
    let rejected = post(
        &desk.app,
        &alone,
        &format!("/api/v1/privacy/erasures/{request}/reject"),
        &json!({}),
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(rejected["request"]["status"], "rejected");
    let (_, unavailable) = fetch(&desk.app, &desk.operator.1, id).await;
    assert!(!unavailable);

    // Expired after 24 hours: it can no longer be approved.
    desk.app.clock.advance(SignedDuration::from_secs(60));
    let asked: Value = post(&desk.app, &alone, &path, &json!({"reason": "other"}))
        .await
        .json()
        .await
        .unwrap();
    let request = asked["request"]["id"].as_str().unwrap().to_owned();
    desk.app.clock.advance(SignedDuration::from_hours(25));
    let second = access(&desk.app.login_ok("dpo.seconda", STRONG_PASSWORD).await);
    let operator = access(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await);
    let late = post(
        &desk.app,
        &second,
        &format!("/api/v1/privacy/erasures/{request}/approve"),
        &json!({}),
    )
    .await;
    assert_eq!(error_code(late).await, "grant_expired");
    let all: Value = desk
        .app
        .get("/api/v1/privacy/erasures?status=all", &second)
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = all["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "rejected"]);
    let pending: Value = desk
        .app
        .get("/api/v1/privacy/erasures", &second)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["requests"], json!([]));
    let (_, unavailable) = fetch(&desk.app, &operator, id).await;
    assert!(!unavailable, "nothing was erased");
}

#[tokio::test]
async fn retention_erases_the_closed_cases_past_their_period_and_nothing_else() {
    let desk = desk_with(|settings| settings.closed_case_retention_days = 30).await;
    let (old, copy) = case_of(&desk, "Vecchio", None).await;
    close_case(&desk, old, copy).await;
    let old_notes = notes_on_closed(&desk, old).await;
    desk.app.clock.advance(SignedDuration::from_hours(20 * 24));
    // The clock moved past the tokens' lifetime: the operator signs in again.
    let mut desk = desk;
    desk.operator.1 = access(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await);
    let (recent, copy) = case_of(&desk, "Recente", None).await;
    close_case(&desk, recent, copy).await;
    let (open, _) = case_of(&desk, "Aperto", None).await;
    // 31 days after the first closing, 11 after the second.
    desk.app.clock.advance(SignedDuration::from_hours(11 * 24));
    let index_before = index_url(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await);

    let state = &desk.app.state;
    let erased = sportello_server::privacy::retention::run_once(
        &state.storage,
        &state.sync,
        sportello_server::clock::Clock::now(&desk.app.clock),
        state.settings.closed_case_retention_days,
    )
    .await
    .unwrap();
    assert_eq!(erased, vec![*old.as_bytes()]);
    for (id, gone) in [
        (old, true),
        (old_notes, true),
        (recent, false),
        (open, false),
    ] {
        let stored: i64 = db(&desk.app)
            .query_row(
                "SELECT count(*) FROM documents WHERE id = ?1",
                [id.as_bytes().as_slice()],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(stored == 0, gone, "{id}");
    }
    let rows: Vec<(String, String, Option<String>)> = db(&desk.app)
        .prepare(
            "SELECT action, actor_role, target FROM audit_log \
             WHERE action IN ('privacy.retention_erase', 'doc.erased') ORDER BY seq",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                "privacy.retention_erase".into(),
                "system".into(),
                Some(old.to_string())
            ),
            ("doc.erased".into(), "system".into(), Some(old.to_string())),
            (
                "doc.erased".into(),
                "system".into(),
                Some(old_notes.to_string())
            ),
        ]
    );
    // The indexes moved, as after an approved erasure, and no move is left pending.
    let index_after = index_url(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await);
    assert_ne!(index_after, index_before);
    let pending: Option<Vec<u8>> = db(&desk.app)
        .query_row(
            "SELECT value FROM server_meta WHERE key = 'indexes_move_pending'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(pending.as_deref(), Some(b"0".as_slice()));
    // A second round finds nothing more, and moves nothing.
    let again = sportello_server::privacy::retention::run_once(
        &state.storage,
        &state.sync,
        sportello_server::clock::Clock::now(&desk.app.clock),
        state.settings.closed_case_retention_days,
    )
    .await
    .unwrap();
    assert!(again.is_empty());
    assert_eq!(
        index_url(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await),
        index_after
    );
}

/// Case notes of the elderly area on a case (the area need not read the case for its notes to belong).
async fn notes_on_closed(desk: &Desk, case: DocumentId) -> DocumentId {
    notes_on(desk, case, "Nota.").await
}

/// The operator closes the case (one write).
async fn close_case(desk: &Desk, id: DocumentId, case: Automerge) {
    let mut closed = edit_case(&case, |c| c.status = CaseStatus::Closed);
    let token = access(&desk.app.login_ok("op.anna", STRONG_PASSWORD).await);
    let mut peer = Peer::join(&desk.app, &token, "operator-tablet").await;
    let outcome = peer
        .sync(id, &mut closed, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn the_command_line_adds_a_privacy_officer_who_reaches_only_the_privacy_routes() {
    let app = crate::helpers::spawn_app().await;
    let (ok, text) = crate::cli::user_add(
        app.data_dir(),
        &["--username", "dpo.riva", "--role", "privacy_officer"],
        STRONG_PASSWORD,
    );
    assert!(ok, "{text}");
    let session = app.login_ok("dpo.riva", STRONG_PASSWORD).await;
    assert_eq!(session["user"]["role"], "privacy_officer");
    let token = access(&session);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);
    let erasures = app.get("/api/v1/privacy/erasures", &token).await;
    assert_eq!(erasures.status(), StatusCode::OK);
    // No case through sync: not even the first contact of a creation.
    let mut case = new_case(session["user"]["id"].as_str().unwrap(), "Prova");
    let mut peer = Peer::join(&app, &token, "officer-tablet").await;
    let outcome = peer
        .sync(
            DocumentId::new_random(),
            &mut case,
            &mut SyncState::new(),
            false,
        )
        .await;
    assert!(outcome.unavailable, "{outcome:?}");
}

/// A desk whose data directory outlives its server (`desk_with` makes a temporary one per app).
async fn desk_in(dir: &std::path::Path, clock: sportello_server::clock::ManualClock) -> Desk {
    let app = crate::helpers::spawn_app_in(dir, clock, |_| {}).await;
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

#[tokio::test]
async fn cases_stored_before_the_hash_was_kept_are_found_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = crate::helpers::test_clock();
    let desk = desk_in(dir.path(), clock.clone()).await;
    let ((_, officer), _) = officers(&desk).await;
    let (id, _) = case_of(&desk, "Prima", Some(CODE)).await;
    let notes = notes_on(&desk, id, "Nota.").await;
    // As a database from before migration 0010 would be: no hash, no case of the notes, no fingerprint.
    let conn = db(&desk.app);
    conn.execute_batch(
        "UPDATE documents SET fiscal_code_hash = NULL, case_id = NULL; \
         DELETE FROM server_meta WHERE key = 'fiscal_code_key_fingerprint';",
    )
    .unwrap();
    drop(conn);
    assert!(lookup(&desk.app, &officer, CODE).await.is_empty());
    desk.app.stop().await;

    let app = crate::helpers::spawn_app_in(dir.path(), clock, |_| {}).await;
    let officer = access(&app.login_ok("dpo.elena", STRONG_PASSWORD).await);
    assert_eq!(lookup(&app, &officer, CODE).await, vec![id.to_string()]);
    let body: Value = report(&app, &officer, id).await.json().await.unwrap();
    assert_eq!(
        body["documents"][1]["document_id"],
        notes.to_string().as_str()
    );
}
