//! A document that leaves the user's index leaves the tablet, in a real browser
//! (`web/tests/browser/departures.mjs`): two cases referred to the elderly area reach the area's social
//! worker's inbox and encrypted store; the operator (with the stock JS client) cancels one referral, and
//! the case leaves the inbox and every key of it the worker's IndexedDB, the other staying; after a reload
//! it does not come back. A decision she makes offline on a case cancelled meanwhile is turned away by the
//! server, then that case goes too (the server keeps the cancellation). And when the index moves after an
//! approved erasure (`web/tests/browser/index-move.mjs`), the tablet follows the new index and deletes the
//! old one. See `web_browser.rs` for how scenarios run.

use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, access, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_case_whose_referral_is_cancelled_leaves_the_social_workers_tablet_and_its_store() {
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
        "departures.mjs",
        &app.address,
        &[
            ("OPERATOR", "op.anna"),
            ("WORKER", "sw.carla"),
            ("PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;
}

/// The index moves (issue 12), in a real browser (`web/tests/browser/index-move.mjs`): an operator's tablet
/// with two cases at the desk; two privacy officers approve the erasure of one (four eyes, over REST). The
/// tablet is told `index_moved`, refreshes, follows the new index and deletes the old one from its
/// IndexedDB: the other case stays, the erased one goes, a case created afterwards arrives live. Then again
/// with the tablet offline during the move, and an offline unlock after a reload that opens the last index.
#[tokio::test]
async fn after_an_approved_erasure_the_tablet_follows_the_new_index_and_deletes_the_old_one() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.anna", "operator", &[]).await;
    app.create_user(&admin, "rp.elena", "privacy_officer", &[])
        .await;
    app.create_user(&admin, "rp.franco", "privacy_officer", &[])
        .await;
    run_browser_scenario(
        "index-move.mjs",
        &app.address,
        &[
            ("OPERATOR", "op.anna"),
            ("OFFICER_A", "rp.elena"),
            ("OFFICER_B", "rp.franco"),
            ("PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;
}
