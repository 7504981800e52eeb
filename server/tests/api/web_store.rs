//! The tablet app's encrypted local store in a real browser (`web/tests/browser/offline-store.mjs`,
//! `session-end.mjs`): a case recorded offline survives a reload with no network, opens with the password,
//! rests only as ciphertext in IndexedDB, and reaches the server when the network is back; a session ended
//! by an admin returns the app to the login screen at its next contact, and the unsynced case reaches the
//! server after the next login. Each test runs the real server and creates its own operator.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_case_recorded_offline_survives_a_reload_encrypted_and_reaches_the_server_when_the_network_is_back()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, one_time) = app
        .create_user_approved(
            &admin,
            &json!({"username": "op.store", "role": "operator", "display_name": "Giulia Neri"}),
        )
        .await;
    run_browser_scenario(
        "offline-store.mjs",
        &app.address,
        &[
            ("SPORTELLO_USERNAME", "op.store"),
            ("SPORTELLO_ONE_TIME_PASSWORD", &one_time),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_session_ended_by_an_admin_signs_the_app_out_and_the_unsynced_case_syncs_after_the_next_login()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, one_time) = app
        .create_user_approved(
            &admin,
            &json!({"username": "op.ended", "role": "operator", "display_name": "Marco Galli"}),
        )
        .await;
    run_browser_scenario(
        "session-end.mjs",
        &app.address,
        &[
            ("SPORTELLO_USERNAME", "op.ended"),
            ("SPORTELLO_ONE_TIME_PASSWORD", &one_time),
            ("SPORTELLO_ADMIN_TOKEN", &admin),
        ],
    )
    .await;
}
