//! Four eyes on access (issue 8, finding 8): an admin never reads cases, and cannot make itself able to by
//! giving itself a staff account or resetting a worker's password. Such changes are requests a second admin
//! approves; each admin sees only one part of a one-time password; the refusals and the decisions are audited.

use automerge::Automerge;
use automerge::sync::State as SyncState;
use jiff::SignedDuration;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sportello_schema::AreaCode;
use sportello_schema::documents::{CaseStatus, Referral};
use sportello_schema::sync::DocumentId;
use sportello_schema::values::Rfc3339Utc;

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code, spawn_app};
use crate::sync_client::{Peer, edit_case, new_case};

/// Every area that has staff accounts: what the attacker of the finding gave itself.
const EVERY_STAFFED_AREA: [&str; 7] = [
    "minors_families",
    "elderly",
    "disability",
    "adults_inclusion",
    "housing",
    "migrants",
    "services_company",
];

async fn post(app: &TestApp, path: &str, token: &str, body: Option<Value>) -> Response {
    let mut request = app.request(Method::POST, path, Some(token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn approve(app: &TestApp, admin: &str, grant: &str) -> Response {
    post(
        app,
        &format!("/api/v1/admin/grants/{grant}/approve"),
        admin,
        None,
    )
    .await
}

async fn reject(app: &TestApp, admin: &str, grant: &str) -> Response {
    post(
        app,
        &format!("/api/v1/admin/grants/{grant}/reject"),
        admin,
        None,
    )
    .await
}

async fn assert_refused(response: Response, status: StatusCode, code: &str, case: &str) {
    assert_eq!(response.status(), status, "{case}: status");
    assert_eq!(error_code(response).await, code, "{case}: code");
}

/// The `202` answer of a request: the grant and the requester's password part (if any).
async fn accepted(response: Response, case: &str) -> (Value, Option<String>) {
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{case}");
    let body: Value = response.json().await.unwrap();
    let part = body["one_time_password_part"].as_str().map(str::to_owned);
    (body["grant"].clone(), part)
}

async fn request_social_worker(app: &TestApp, admin: &str, username: &str) -> (String, String) {
    let response = post(
        app,
        "/api/v1/admin/users",
        admin,
        Some(json!({"username": username, "role": "social_worker", "areas": EVERY_STAFFED_AREA})),
    )
    .await;
    let (grant, part) = accepted(response, "request a social worker").await;
    (grant["id"].as_str().unwrap().to_owned(), part.unwrap())
}

/// An operator's case, referred to the elderly area: readable by that area's social workers.
async fn referred_case(app: &TestApp, operator: (&str, &str)) -> DocumentId {
    let (operator_id, operator_token) = operator;
    let mut case = new_case(operator_id, "Esposito");
    let mut peer = Peer::join(app, operator_token, "tablet-desk").await;
    let id = DocumentId::new_random();
    let outcome = peer.sync(id, &mut case, &mut SyncState::new(), false).await;
    assert!(outcome.ephemeral.is_empty(), "created: {outcome:?}");
    let mut referred = edit_case(&case, |c| {
        let now = Rfc3339Utc::parse("2026-11-27T10:05:00Z").unwrap();
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some(now.as_str().to_owned());
        c.referrals.push(Referral::propose(
            "r1",
            AreaCode::parse("elderly").unwrap(),
            "assistenza domiciliare",
            operator_id.parse().unwrap(),
            &now,
        ));
        c.status = CaseStatus::Referred;
    });
    let outcome = peer
        .sync(id, &mut referred, &mut SyncState::new(), false)
        .await;
    assert!(outcome.ephemeral.is_empty(), "referred: {outcome:?}");
    id
}

/// Whether `token`'s peer receives the case.
async fn reads(app: &TestApp, token: &str, id: DocumentId) -> bool {
    let mut peer = Peer::join(app, token, "tablet-reader").await;
    let mut doc = Automerge::new();
    let outcome = peer.sync(id, &mut doc, &mut SyncState::new(), true).await;
    !outcome.unavailable && !doc.get_heads().is_empty()
}

async fn audit_rows(app: &TestApp, admin: &str, query: &[(&str, &str)]) -> (String, Vec<Value>) {
    let response = app
        .request(Method::GET, "/api/v1/admin/audit", Some(admin))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    (text, page["entries"].as_array().unwrap().clone())
}

async fn id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_cannot_read_cases_through_a_staff_account_it_asked_for_until_another_admin_approves()
 {
    // Arrange: a case referred to the elderly area.
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.desk", "operator", &[]).await;
    let case = referred_case(&app, (&operator_id, &operator)).await;

    // Act (the attack of the finding): the admin gives itself a social worker of every area.
    let (grant, first_part) = request_social_worker(&app, &admin, "sw.ombra").await;

    // Assert: the account does not exist yet; nothing the admin holds logs in.
    for (case_name, password) in [
        ("the requester's part", first_part.clone()),
        ("the part twice", format!("{first_part}-{first_part}")),
    ] {
        assert_refused(
            app.login("sw.ombra", &password).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            case_name,
        )
        .await;
    }

    // A second admin approves: the account exists, and only the two parts together open it.
    let second_admin = app.second_admin_token().await;
    let approved = approve(&app, &second_admin, &grant).await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["grant"]["status"], "approved");
    let second_part = approved["one_time_password_part"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !approved.to_string().contains(&first_part),
        "the approver never sees the requester's part"
    );
    for (case_name, password) in [
        ("the requester's part alone", first_part.clone()),
        ("the approver's part alone", second_part.clone()),
    ] {
        assert_refused(
            app.login("sw.ombra", &password).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            case_name,
        )
        .await;
    }
    let one_time = format!("{first_part}-{second_part}");
    let session = app.login_ok("sw.ombra", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    let changed = app
        .change_password(&access(&session), &one_time, STRONG_PASSWORD)
        .await;
    assert!(reads(&app, &access(&changed), case).await);
}

#[tokio::test]
async fn a_password_reset_of_a_case_reader_waits_for_a_second_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.desk", "operator", &[]).await;
    let (worker_id, worker) = app
        .create_user(&admin, "sw.carla", "social_worker", &["elderly"])
        .await;
    let case = referred_case(&app, (&operator_id, &operator)).await;

    // The reset is only a request: the worker keeps working, the admin's part opens nothing.
    let response = post(
        &app,
        &format!("/api/v1/admin/users/{worker_id}/reset-password"),
        &admin,
        None,
    )
    .await;
    let (grant, first_part) = accepted(response, "reset").await;
    assert_eq!(grant["kind"], "password_reset");
    assert_eq!(grant["username"], "sw.carla");
    let first_part = first_part.unwrap();
    assert!(reads(&app, &worker, case).await, "the worker still reads");
    assert_refused(
        app.login("sw.carla", &first_part).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the requester's part",
    )
    .await;
    app.login_ok("sw.carla", STRONG_PASSWORD).await;

    // A second reset waits for the first.
    let again = post(
        &app,
        &format!("/api/v1/admin/users/{worker_id}/reset-password"),
        &admin,
        None,
    )
    .await;
    assert_refused(again, StatusCode::CONFLICT, "grant_pending", "second reset").await;

    // Approved: the old password and sessions end; the two parts make the new one-time password.
    let second_admin = app.second_admin_token().await;
    let approved: Value = approve(&app, &second_admin, grant["id"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["user"]["must_change_password"], true);
    let second_part = approved["one_time_password_part"].as_str().unwrap();
    assert_refused(
        app.get("/api/v1/me", &worker).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "the worker's old session",
    )
    .await;
    assert_refused(
        app.login("sw.carla", STRONG_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the old password",
    )
    .await;
    app.login_ok("sw.carla", &format!("{first_part}-{second_part}"))
        .await;
}

#[tokio::test]
async fn an_admin_cannot_approve_its_own_request_nor_a_change_to_its_own_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let second_admin = app.second_admin_token().await;
    let second_id = id_of(&app, &second_admin).await;
    let (grant, _) = request_social_worker(&app, &admin, "sw.ombra").await;

    assert_refused(
        approve(&app, &admin, &grant).await,
        StatusCode::FORBIDDEN,
        "self_approval",
        "own request",
    )
    .await;
    assert_refused(
        app.login("sw.ombra", STRONG_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "still no account",
    )
    .await;

    // A reset of the second admin's password, asked by the first: the second admin may not approve it
    // (it would hand the first admin a working part of its credentials with its own consent alone).
    let response = post(
        &app,
        &format!("/api/v1/admin/users/{second_id}/reset-password"),
        &admin,
        None,
    )
    .await;
    // Only the requester and the account's owner are admins here: nobody could approve.
    assert_refused(
        response,
        StatusCode::CONFLICT,
        "approver_needed",
        "no third admin",
    )
    .await;

    // The requester may still withdraw its request; then it can never be approved.
    let rejected = reject(&app, &admin, &grant).await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_refused(
        approve(&app, &second_admin, &grant).await,
        StatusCode::CONFLICT,
        "grant_decided",
        "approve after reject",
    )
    .await;
    assert_refused(
        reject(&app, &second_admin, &grant).await,
        StatusCode::CONFLICT,
        "grant_decided",
        "reject twice",
    )
    .await;
}

#[tokio::test]
async fn a_request_about_the_approvers_own_account_is_refused_as_self_approval() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let second_admin = app.second_admin_token().await;
    let second_id = id_of(&app, &second_admin).await;
    // A third admin, so that someone could approve a change to the second admin's account.
    app.create_user(&admin, "terza.admin", "admin", &[]).await;

    let response = app
        .request(
            Method::PATCH,
            &format!("/api/v1/admin/users/{second_id}"),
            Some(&admin),
        )
        .json(&json!({"role": "social_worker", "areas": ["elderly"]}))
        .send()
        .await
        .unwrap();
    let (grant, part) = accepted(response, "a new role for the second admin").await;
    assert_eq!(part, None);
    assert_refused(
        approve(&app, &second_admin, grant["id"].as_str().unwrap()).await,
        StatusCode::FORBIDDEN,
        "self_approval",
        "the account concerned approves",
    )
    .await;
    let me: Value = app
        .get("/api/v1/me", &second_admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "admin", "nothing changed");
}

#[tokio::test]
async fn an_expired_request_can_no_longer_be_approved_and_frees_its_username() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.second_admin_token().await;
    let (grant, _) = request_social_worker(&app, &admin, "sw.tardi").await;

    // The name is held while the request waits.
    let twice = post(
        &app,
        "/api/v1/admin/users",
        &admin,
        Some(json!({"username": "sw.tardi", "role": "operator"})),
    )
    .await;
    assert_refused(
        twice,
        StatusCode::CONFLICT,
        "username_taken",
        "a name asked for",
    )
    .await;

    // A day and a second later.
    app.clock.advance(SignedDuration::from_secs(24 * 3600 + 1));
    let admin = access(&app.login_ok("admin", crate::helpers::ADMIN_PASSWORD).await);
    let second_admin = app.second_admin_token().await;
    assert_refused(
        approve(&app, &second_admin, &grant).await,
        StatusCode::CONFLICT,
        "grant_expired",
        "approve after expiry",
    )
    .await;
    assert_refused(
        reject(&app, &admin, &grant).await,
        StatusCode::CONFLICT,
        "grant_expired",
        "reject after expiry",
    )
    .await;
    assert_refused(
        app.login("sw.tardi", STRONG_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "no account",
    )
    .await;
    let expired: Value = app
        .get("/api/v1/admin/grants?status=expired", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired.as_array().unwrap().len(), 1);
    assert_eq!(expired[0]["id"], grant.as_str());
    assert_eq!(expired[0]["status"], "expired");
    let pending: Value = app
        .get("/api/v1/admin/grants?status=pending", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending, json!([]));

    // The name is free again for a new request.
    request_social_worker(&app, &admin, "sw.tardi").await;
}

#[tokio::test]
async fn requests_and_decisions_are_audited_by_ids_and_never_show_a_password_part() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = id_of(&app, &admin).await;
    let second_admin = app.second_admin_token().await;
    let second_id = id_of(&app, &second_admin).await;

    let (approved_grant, first_part) = request_social_worker(&app, &admin, "sw.nuova").await;
    let approved: Value = approve(&app, &second_admin, &approved_grant)
        .await
        .json()
        .await
        .unwrap();
    let user = approved["user"]["id"].as_str().unwrap().to_owned();
    let second_part = approved["one_time_password_part"]
        .as_str()
        .unwrap()
        .to_owned();
    let (rejected_grant, rejected_part) = request_social_worker(&app, &admin, "sw.respinta").await;
    assert_eq!(
        reject(&app, &second_admin, &rejected_grant).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        approve(&app, &admin, &rejected_grant).await.status(),
        StatusCode::CONFLICT
    );

    let (everything, rows) = audit_rows(&app, &admin, &[("limit", "500")]).await;
    let has = |actor: &str, action: &str, target: &str, outcome: &str| {
        rows.iter().any(|row| {
            row["actor_id"] == actor
                && row["action"] == action
                && row["target"] == target
                && row["outcome"] == outcome
        })
    };
    assert!(has(
        &admin_id,
        "admin.grant_request",
        &approved_grant,
        "success"
    ));
    assert!(has(
        &second_id,
        "admin.grant_approve",
        &approved_grant,
        "success"
    ));
    assert!(
        has(&second_id, "admin.user_create", &user, "success"),
        "the change itself is the approver's doing"
    );
    assert!(has(
        &admin_id,
        "admin.grant_request",
        &rejected_grant,
        "success"
    ));
    assert!(has(
        &second_id,
        "admin.grant_reject",
        &rejected_grant,
        "success"
    ));
    assert!(has(
        &admin_id,
        "admin.grant_approve",
        &rejected_grant,
        "failure"
    ));
    // The approval and its change are one write: adjacent rows, the approval first.
    let approval = rows
        .iter()
        .position(|row| row["action"] == "admin.grant_approve" && row["target"] == approved_grant)
        .unwrap();
    assert_eq!(
        rows[approval - 1]["action"],
        "admin.user_create",
        "newest first"
    );
    for secret_or_name in [
        first_part.as_str(),
        second_part.as_str(),
        rejected_part.as_str(),
        "sw.nuova",
        "sw.respinta",
    ] {
        assert!(
            !everything.contains(secret_or_name),
            "the audit log holds {secret_or_name:?}"
        );
    }

    // The grant list shows who asked and who decided — never a part.
    let response = app.get("/api/v1/admin/grants", &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for part in [&first_part, &second_part, &rejected_part] {
        assert!(!text.contains(part.as_str()), "the list shows a part");
    }
    let list: Value = serde_json::from_str(&text).unwrap();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|grant| grant["id"] == approved_grant.as_str())
        .unwrap();
    assert_eq!(listed["requested_by"], admin_id.as_str());
    assert_eq!(listed["decided_by"], second_id.as_str());
    assert_eq!(listed["user_id"], user.as_str());
    assert_eq!(listed["kind"], "user_create");
    assert_eq!(listed["role"], "social_worker");
    let bad = app.get("/api/v1/admin/grants?status=maybe", &admin).await;
    assert_refused(
        bad,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "unknown status",
    )
    .await;
}

#[tokio::test]
async fn a_single_admin_is_told_that_a_second_one_must_approve() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = id_of(&app, &admin).await;

    let create = post(
        &app,
        "/api/v1/admin/users",
        &admin,
        Some(json!({"username": "op.sola", "role": "operator"})),
    )
    .await;
    assert_refused(create, StatusCode::CONFLICT, "approver_needed", "create").await;
    let reset = post(
        &app,
        &format!("/api/v1/admin/users/{admin_id}/reset-password"),
        &admin,
        None,
    )
    .await;
    assert_refused(reset, StatusCode::CONFLICT, "approver_needed", "reset").await;
    let pending: Value = app
        .get("/api/v1/admin/grants", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending, json!([]), "nothing was stored");
}

#[tokio::test]
async fn disabling_and_removing_areas_take_effect_at_once_even_beside_a_request() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (worker_id, worker) = app
        .create_user(&admin, "sw.carla", "social_worker", &["elderly", "housing"])
        .await;

    // Disable and ask for a new role in one patch: the disabling is immediate, the role waits.
    let response = app
        .request(
            Method::PATCH,
            &format!("/api/v1/admin/users/{worker_id}"),
            Some(&admin),
        )
        .json(&json!({"disabled": true, "role": "operator"}))
        .send()
        .await
        .unwrap();
    let (grant, _) = accepted(response, "disable and a new role").await;
    assert_eq!(grant["kind"], "access_change");
    assert_eq!(grant["role"], "operator");
    assert_refused(
        app.get("/api/v1/me", &worker).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "disabled at once",
    )
    .await;
    let read: Value = app
        .get(&format!("/api/v1/admin/users/{worker_id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["disabled"], true);
    assert_eq!(read["role"], "social_worker", "the role waits");
    assert_eq!(read["areas"], json!(["elderly", "housing"]));

    // Removing an area needs nobody's approval.
    let fewer = app
        .request(
            Method::PATCH,
            &format!("/api/v1/admin/users/{worker_id}"),
            Some(&admin),
        )
        .json(&json!({"areas": ["housing"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(fewer.status(), StatusCode::OK);
    let fewer: Value = fewer.json().await.unwrap();
    assert_eq!(fewer["areas"], json!(["housing"]));
}
