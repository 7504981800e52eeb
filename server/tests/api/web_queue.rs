//! The operator's queue panel in a real browser (`web/tests/browser/queue.mjs`): an operator chooses the
//! desk and its line, calls the tickets a totem issued, recalls, starts, finishes, marks a no-show, sees a
//! ticket issued meanwhile arrive live, transfers one; the panel works at 390×844, says offline that the
//! queue needs the network, and closes its event stream at logout. Then the server's own list of tickets
//! must show what the browser did.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn an_operator_calls_serves_and_transfers_tickets_from_the_queue_panel_with_live_updates() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.coda", "operator", &[]).await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    for _ in 0..2 {
        let response = app
            .post_json("/api/v1/queue/tickets", Some(&totem), &json!({"line": "A"}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    run_browser_scenario(
        "queue.mjs",
        &app.address,
        &[
            ("SPORTELLO_USERNAME", "op.coda"),
            ("SPORTELLO_PASSWORD", STRONG_PASSWORD),
            ("SPORTELLO_TOTEM_TOKEN", &totem),
        ],
    )
    .await;

    // What the browser did is what the server holds.
    let response = app.get("/api/v1/queue/tickets", &operator).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tickets: Vec<Value> = response.json().await.unwrap();
    let seen: Vec<(&str, &str, &str, Option<&str>)> = tickets
        .iter()
        .map(|ticket| {
            (
                ticket["number"].as_str().unwrap(),
                ticket["line"].as_str().unwrap(),
                ticket["status"].as_str().unwrap(),
                ticket["desk"].as_str(),
            )
        })
        .collect();
    for expected in [
        ("A001", "A", "done", Some("Sportello 2")),
        ("A002", "A", "no_show", Some("Sportello 2")),
        ("A003", "M", "waiting", None),
    ] {
        assert!(seen.contains(&expected), "{expected:?} in {seen:?}");
    }
    let first = tickets.iter().find(|t| t["number"] == "A001").unwrap();
    assert_eq!(first["recalls"], 1, "the recall reached the server");
}
