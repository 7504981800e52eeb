//! The social worker's screens in a real browser (`web/tests/browser/referrals.mjs`): referrals made by an
//! operator (with the stock JS client) arrive live in the area's inbox, newest first; the worker opens a
//! case read-only but for the decision, accepts it (stored on the server), adds an area note and closes it
//! (the case stays in the area's history); another is rejected with a required note and leaves the inbox.
//! See `web_browser.rs` for how scenarios run.

use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, access, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_social_worker_sees_referrals_arrive_live_accepts_closes_and_rejects_with_a_note() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for body in [
        json!({"username": "op.anna", "role": "operator", "display_name": "Anna Verdi"}),
        json!({"username": "sw.carla", "role": "social_worker", "areas": ["elderly"], "display_name": "Carla Neri"}),
    ] {
        let (_, one_time) = app.create_user_approved(&admin, &body).await;
        let username = body["username"].as_str().unwrap();
        let session = app.login_ok(username, &one_time).await;
        app.change_password(&access(&session), &one_time, STRONG_PASSWORD)
            .await;
    }
    run_browser_scenario(
        "referrals.mjs",
        &app.address,
        &[
            ("OPERATOR", "op.anna"),
            ("WORKER", "sw.carla"),
            ("PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;
}
