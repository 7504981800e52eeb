//! The waiting-room display in a real browser (`web/tests/browser/display.mjs`): a display enrolled through
//! the API is set up in the page with its credential, follows an operator's calls (made over the REST API)
//! within a second, announces each once in Italian and English (the admin's choice, set here through the
//! API), announces a recall again, resumes after a dropped connection without missing or repeating a call,
//! and says so once revoked. Then the server's tickets must be what the scenario made.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_display_shows_and_announces_each_call_once_and_resumes_after_a_dropped_connection() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.sala", "operator", &[]).await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let (display_id, credential) = app.enrol_device(&admin, "display", "Sala d'attesa").await;
    let (_, link_credential) = app
        .enrol_device(&admin, "display", "Sala d'attesa, secondo schermo")
        .await;
    let response = app
        .put_json(
            "/api/v1/admin/queue/display",
            Some(&admin),
            &json!({"announce_languages": ["en"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Two wait on A (the scenario calls them), three on M (they stay: the board shows a wait there).
    for line in ["A", "A", "M", "M", "M"] {
        let response = app
            .post_json(
                "/api/v1/queue/tickets",
                Some(&totem),
                &json!({"line": line}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    run_browser_scenario(
        "display.mjs",
        &app.address,
        &[
            ("SPORTELLO_DISPLAY_CREDENTIAL", &credential),
            ("SPORTELLO_DISPLAY_ID", &display_id),
            ("SPORTELLO_LINK_CREDENTIAL", &link_credential),
            ("SPORTELLO_OPERATOR_TOKEN", &operator),
            ("SPORTELLO_TOTEM_TOKEN", &totem),
            ("SPORTELLO_ADMIN_TOKEN", &admin),
        ],
    )
    .await;

    // The calls the display showed are the server's.
    let response = app.get("/api/v1/queue/tickets", &operator).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tickets: Vec<Value> = response.json().await.unwrap();
    let called: Vec<(&str, &str)> = tickets
        .iter()
        .filter(|ticket| ticket["status"] == "called")
        .map(|ticket| {
            (
                ticket["number"].as_str().unwrap(),
                ticket["desk"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("A001", "Sportello 2"),
        ("A002", "Sportello 1"),
        ("A003", "Sportello 3"),
        ("A004", "Sportello 1"),
        ("A005", "Sportello 2"),
    ] {
        assert!(called.contains(&expected), "{expected:?} in {called:?}");
    }
    let first = tickets.iter().find(|t| t["number"] == "A001").unwrap();
    assert_eq!(first["recalls"], 1);
    // The revoked display can no longer read the board: its credential is spent.
    let response = app
        .post_json(
            "/api/v1/auth/device-token",
            None,
            &json!({"credential": credential}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
