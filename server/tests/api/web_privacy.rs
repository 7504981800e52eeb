//! The privacy officer's screens in a real browser (`web/tests/browser/privacy.mjs`): two privacy officers
//! made through the admin API (four eyes), a case with a codice fiscale created by an operator over sync,
//! read by a colleague and refused to a social worker of another area, another person's case beside it; then the look-up, the access report (rows, print
//! view, CSV), the erasure requested by one officer and approved by the other, in the console. Afterwards:
//! the case is gone for the operator, and each act is in the audit log with ids only.

use automerge::sync::State as SyncState;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, spawn_app_with};
use crate::sync::{audit_actions, create, fetch};
use crate::sync_client::{Peer, edit_case, new_case};
use crate::web_browser::{browser_available, run_browser_scenario};

const FISCAL_CODE: &str = "RSSMRA85T10A562S";
const OTHER_FISCAL_CODE: &str = "VRDGLI90A41F205X";
/// The privacy notice is given before anything beyond the names is recorded.
const CONSENT_AT: &str = "2026-11-27T10:00:00Z";
/// The installation's `--comune-name`, which the printed report and its CSV name.
const COMUNE: &str = "Comune di Sassuolo";

#[tokio::test]
async fn an_officer_reports_a_cases_accesses_and_a_second_officer_approves_its_erasure() {
    if !browser_available() {
        return;
    }
    let app = spawn_app_with(|settings| settings.comune_name = Some(COMUNE.into())).await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.anna", "operator", &[]).await;
    let (colleague_id, colleague) = app.create_user(&admin, "op.bruno", "operator", &[]).await;
    let (worker_id, worker) = app
        .create_user(&admin, "sw.carla", "social_worker", &["elderly"])
        .await;
    let (officer_a, _) = app
        .create_user(&admin, "rp.elena", "privacy_officer", &[])
        .await;
    let (officer_b, _) = app
        .create_user(&admin, "rp.franco", "privacy_officer", &[])
        .await;
    // Names as the report shows them beside the usernames (a display name changes at once).
    for (id, name) in [
        (&operator_id, "Anna Verdi"),
        (&colleague_id, "Bruno Neri"),
        (&worker_id, "Carla Bianchi"),
        (&officer_a, "Elena Ferri"),
        (&officer_b, "Franco Galli"),
    ] {
        let response = app
            .request(
                Method::PATCH,
                &format!("/api/v1/admin/users/{id}"),
                Some(&admin),
            )
            .json(&json!({"display_name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "rename {name}");
    }

    // The operator records the person's case; a colleague opens it (one audited read).
    let mut case = edit_case(&new_case(&operator_id, "Rossi"), |c| {
        c.person.given_name = "Mario".into();
        c.person.fiscal_code = Some(FISCAL_CODE.into());
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some(CONSENT_AT.into());
    });
    let (_creator, case_id) = create(&app, &operator, &mut case).await;
    let (copy, unavailable) = fetch(&app, &colleague, case_id).await;
    assert!(!unavailable);
    assert_eq!(copy.get_heads(), case.get_heads());
    // A social worker of an area the case was never referred to asks for it: refused, and audited.
    let (_, refused) = fetch(&app, &worker, case_id).await;
    assert!(refused);
    // Someone else's case, which the look-up must not return.
    let mut other = edit_case(&new_case(&operator_id, "Verdi"), |c| {
        c.person.fiscal_code = Some(OTHER_FISCAL_CODE.into());
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some(CONSENT_AT.into());
    });
    let (_other_creator, other_id) = create(&app, &operator, &mut other).await;

    run_browser_scenario(
        "privacy.mjs",
        &app.address,
        &[
            ("SPORTELLO_OFFICER_A", "rp.elena"),
            ("SPORTELLO_OFFICER_B", "rp.franco"),
            ("SPORTELLO_PASSWORD", STRONG_PASSWORD),
            ("SPORTELLO_FISCAL_CODE", FISCAL_CODE),
            ("SPORTELLO_CASE_ID", &case_id.to_string()),
            ("SPORTELLO_OPERATOR", "op.anna"),
            ("SPORTELLO_COLLEAGUE", "op.bruno"),
            ("SPORTELLO_SOCIAL_WORKER", "sw.carla"),
            ("SPORTELLO_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("SPORTELLO_COMUNE_NAME", COMUNE),
        ],
    )
    .await;

    // The case is gone for the operator who made it; the other one is untouched.
    let mut peer = Peer::join(&app, &operator, "tablet-after-erasure").await;
    let mut empty = automerge::Automerge::new();
    let outcome = peer
        .sync(case_id, &mut empty, &mut SyncState::new(), true)
        .await;
    assert!(outcome.unavailable, "{outcome:?}");
    let (_, other_gone) = fetch(&app, &operator, other_id).await;
    assert!(!other_gone);

    // Each act of the officers is audited, with ids only: no code, no name.
    let case_id = case_id.to_string();
    for action in [
        "privacy.access_report",
        "privacy.erasure_request",
        "privacy.erasure_approve",
    ] {
        let rows = audit_actions(&app, &admin, action).await;
        assert!(
            rows.iter().any(
                |row| row["target"].as_str().is_some_and(|t| t.contains(&case_id))
                    || action == "privacy.erasure_approve"
            ),
            "{action}: {rows:?}"
        );
    }
    let lookups = audit_actions(&app, &admin, "privacy.lookup").await;
    assert_eq!(lookups.len(), 2, "{lookups:?}");
    let erased = audit_actions(&app, &admin, "doc.erased").await;
    assert!(
        erased.iter().any(|row| row["target"] == case_id.as_str()),
        "{erased:?}"
    );
    let everything: Value = app
        .get("/api/v1/admin/audit?limit=500", &admin)
        .await
        .json()
        .await
        .unwrap();
    let text = everything.to_string();
    assert!(!text.contains(FISCAL_CODE) && !text.contains("Rossi"));
    assert!(
        !text.contains("Anna Verdi"),
        "names stay out of the audit log"
    );
}
