//! The ticket totem in a real browser (`web/tests/browser/totem.mjs`): enrolled by its link, it issues a
//! ticket an operator calls; offline it prints from its lease (also after a restart); reconnected its
//! tickets join the queue once and in order; Arabic right to left; closed hours; revoked, then enrolled
//! again as another totem (the offline ticket of the old lease is reported as refused). Then the server's
//! own list must hold each ticket exactly once, the offline ones from the lease, in issue order.
//!
//! The server's clock starts at the wall clock (and stands still): the totem's offline tickets carry the
//! browser's time, which the import checks against the lease's day and the server's now (±5 minutes).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app_at;
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn a_totem_enrolled_by_its_link_issues_online_and_offline_and_its_tickets_join_the_queue_once()
 {
    if !browser_available() {
        return;
    }
    let now = jiff::Timestamp::now().to_string();
    let app = spawn_app_at(&now, |_| {}).await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.totem", "operator", &[]).await;
    let (totem_id, credential) = app.enrol_device(&admin, "totem", "Totem ingresso").await;
    let (_, second_credential) = app.enrol_device(&admin, "totem", "Totem sostituto").await;
    let link = format!("{}/totem#enrol={credential}", app.address);

    run_browser_scenario(
        "totem.mjs",
        &app.address,
        &[
            ("SPORTELLO_ENROL_LINK", &link),
            ("SPORTELLO_OPERATOR_TOKEN", &operator),
            ("SPORTELLO_ADMIN_TOKEN", &admin),
            ("SPORTELLO_TOTEM_ID", &totem_id),
            ("SPORTELLO_SECOND_CREDENTIAL", &second_credential),
        ],
    )
    .await;

    let response = app.get("/api/v1/queue/tickets", &operator).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tickets: Vec<Value> = response.json().await.unwrap();
    let seen: Vec<(&str, &str, &str, bool)> = tickets
        .iter()
        .map(|ticket| {
            (
                ticket["number"].as_str().unwrap(),
                ticket["status"].as_str().unwrap(),
                ticket["source"].as_str().unwrap(),
                ticket["priority"].as_bool().unwrap(),
            )
        })
        .collect();
    // In call order: priority first, then by issue time (the offline tickets keep theirs). A502, printed
    // offline under the revoked totem's lease, was refused (`unknown_lease`) and reported, not imported.
    assert_eq!(
        seen,
        [
            ("M500", "waiting", "lease", true),
            ("A001", "called", "server", false),
            ("A500", "waiting", "lease", false),
            ("A501", "waiting", "lease", false),
        ],
        "{tickets:#?}"
    );
    let issued: Vec<&str> = ["M500", "A500", "A501"]
        .iter()
        .map(|number| {
            tickets.iter().find(|t| t["number"] == *number).unwrap()["issued_at"]
                .as_str()
                .unwrap()
        })
        .collect();
    // The server keeps whole seconds: tickets printed within one second tie (then the number orders them).
    assert!(
        issued.windows(2).all(|pair| pair[0] <= pair[1]),
        "offline issue times kept, in order: {issued:?}"
    );
    // Revoked in the scenario: the credential is useless now.
    let exchange = app
        .post_json(
            "/api/v1/auth/device-token",
            None,
            &serde_json::json!({"credential": credential}),
        )
        .await;
    assert_eq!(exchange.status(), StatusCode::UNAUTHORIZED);
}
