//! The admin console in a real browser (`web/tests/browser/admin.mjs`), with two admins made through the
//! API: admin A asks for an operator, admin B approves it in its own console, the operator logs in on the
//! tablet with the two parts of the one-time password and changes it; A renames an account and withdraws
//! a role change it asked for; A enrols a totem (credential and QR code), enrols and revokes a display,
//! edits a line and the opening hours, reads the audit log and its CSV; A ends B's sessions. Then the
//! server must hold what the browsers did, and its audit log must name the admins who did it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, SECOND_ADMIN, STRONG_PASSWORD, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn two_admins_create_an_operator_enrol_a_totem_set_the_queue_and_read_the_audit_log_in_the_console()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // The approver exists before the scenario: `sportello user add`, as a deployment bootstraps it.
    let second = app.second_admin_token().await;
    // More than a page of the audit log (100 rows) for one filter: B lists the accounts 120 times.
    for _ in 0..120 {
        let response = app.get("/api/v1/admin/users", &second).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (operator_id, _) = app
        .create_user(&admin, "op.esistente", "operator", &[])
        .await;
    // A third admin, approved but not yet signed in: its one-time password leads to the forced change.
    let (_, new_admin_password) = app
        .create_user_approved(&admin, &json!({"username": "terza.admin", "role": "admin"}))
        .await;

    run_browser_scenario(
        "admin.mjs",
        &app.address,
        &[
            ("SPORTELLO_ADMIN_A", "admin"),
            ("SPORTELLO_ADMIN_B", SECOND_ADMIN),
            ("SPORTELLO_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("SPORTELLO_OPERATOR", "op.esistente"),
            ("SPORTELLO_OPERATOR_PASSWORD", STRONG_PASSWORD),
            ("SPORTELLO_NEW_ADMIN", "terza.admin"),
            ("SPORTELLO_NEW_ADMIN_PASSWORD", &new_admin_password),
        ],
    )
    .await;

    // The scenario logged A out and ended B's sessions: read with a fresh session.
    let admin = app.admin_token().await;
    let users: Vec<Value> = app
        .get("/api/v1/admin/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    let created = users
        .iter()
        .find(|u| u["username"] == "nuovo.operatore")
        .expect("the operator the console asked for exists");
    assert_eq!(created["role"], "operator");
    assert_eq!(created["display_name"], "Nuova Operatrice");
    assert_eq!(
        created["must_change_password"], false,
        "it changed its password"
    );
    let existing = users
        .iter()
        .find(|u| u["id"] == operator_id.as_str())
        .unwrap();
    assert_eq!(
        existing["display_name"], "Operatore Esistente",
        "renamed at once"
    );
    assert_eq!(
        existing["role"], "operator",
        "the withdrawn role change never applied"
    );
    assert_eq!(existing["areas"], json!([]));

    let devices: Vec<Value> = app
        .get("/api/v1/admin/devices", &admin)
        .await
        .json()
        .await
        .unwrap();
    let named = |name: &str| devices.iter().find(|d| d["name"] == name).cloned();
    let totem = named("Totem ingresso").expect("the totem is enrolled");
    assert_eq!(totem["kind"], "totem");
    assert!(totem["revoked_at"].is_null());
    let display = named("Schermo prova").expect("the display is enrolled");
    assert!(display["revoked_at"].is_string(), "the display is revoked");

    let lines: Vec<Value> = app
        .get("/api/v1/queue/lines", &admin)
        .await
        .json()
        .await
        .unwrap();
    let line = |code: &str| lines.iter().find(|l| l["code"] == code).cloned().unwrap();
    assert_eq!(line("A")["name_it"], "Anagrafe e accoglienza");
    assert_eq!(line("A")["daily_cap"], 120);
    assert_eq!(line("C")["name_en"], "Housing");

    let response = app.get("/api/v1/admin/queue/schedule", &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let schedule: Value = response.json().await.unwrap();
    assert_eq!(
        schedule["hours"],
        json!([
            {"weekday": 1, "opens": "08:30", "closes": "12:30"},
            {"weekday": 1, "opens": "14:00", "closes": "17:00"},
            {"weekday": 3, "opens": "08:30", "closes": "12:30"},
        ])
    );
    assert_eq!(schedule["closed_dates"], json!(["2026-12-25"]));

    // The approval was B's, in the console: the new account's creation is B's audit row.
    let second = app.second_admin_token().await;
    let me: Value = app.get("/api/v1/me", &second).await.json().await.unwrap();
    let second_id = me["user"]["id"].as_str().unwrap().to_owned();
    let created_id = created["id"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/admin/audit?action=admin.user_create&target={created_id}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = page["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["actor_id"], second_id.as_str());
    assert_eq!(rows[0]["outcome"], "success");
}
