//! The intake at the desk in a real browser (`web/tests/browser/intake.mjs`): an operator records an
//! intake with a referral through the app, the stock JS client finds it stored on the server with its
//! values, the list shows it saved and search finds it; two operators edit it offline at once, and the
//! same-field conflict is shown and resolved. See `web_browser.rs` for how scenarios run.

use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn an_operator_records_an_intake_with_a_referral_and_two_operators_resolve_an_offline_conflict()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (username, name) in [("op.anna", "Anna Verdi"), ("op.marco", "Marco Bianchi")] {
        let (id, one_time) = app
            .create_user_approved(
                &admin,
                &json!({"username": username, "role": "operator", "display_name": name}),
            )
            .await;
        assert!(!id.is_empty());
        let session = app.login_ok(username, &one_time).await;
        app.change_password(
            &crate::helpers::access(&session),
            &one_time,
            STRONG_PASSWORD,
        )
        .await;
    }
    run_browser_scenario(
        "intake.mjs",
        &app.address,
        &[
            ("OPERATOR_A", "op.anna"),
            ("OPERATOR_B", "op.marco"),
            ("OPERATOR_B_NAME", "Marco Bianchi"),
            ("OPERATOR_PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;
}
