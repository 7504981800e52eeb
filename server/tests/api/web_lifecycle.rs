//! The tablet's data lifecycle in a real browser (`web/tests/browser/lifecycle.mjs`): a session an admin
//! marks lost makes the tablet delete its IndexedDB store and show the wiped screen at its next start; cases
//! opened offline reach the audit log as `doc.read_offline` after reconnecting.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_tablet_whose_session_is_marked_lost_deletes_its_store_and_offline_openings_reach_the_audit_log()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    // The browser stamps each opening with its own clock: bring the server's test clock to the wall clock,
    // or every opening would be "in the future" of the server's fixed start and ignored.
    {
        use sportello_server::clock::Clock;
        let behind = jiff::Timestamp::now().duration_since(app.clock.now());
        app.clock.advance(behind);
    }
    let admin = app.admin_token().await;
    let (_, one_time) = app
        .create_user_approved(
            &admin,
            &json!({"username": "op.lost", "role": "operator", "display_name": "Sara Fontana"}),
        )
        .await;
    let (_, reader_one_time) = app
        .create_user_approved(
            &admin,
            &json!({"username": "op.reader", "role": "operator", "display_name": "Elena Riva"}),
        )
        .await;
    run_browser_scenario(
        "lifecycle.mjs",
        &app.address,
        &[
            ("SPORTELLO_USERNAME", "op.lost"),
            ("SPORTELLO_ONE_TIME_PASSWORD", &one_time),
            ("SPORTELLO_READER_USERNAME", "op.reader"),
            ("SPORTELLO_READER_ONE_TIME_PASSWORD", &reader_one_time),
            ("SPORTELLO_ADMIN_TOKEN", &admin),
        ],
    )
    .await;
}
