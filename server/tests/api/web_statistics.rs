//! The console's statistics in a real browser (`web/tests/browser/statistics.mjs`): tickets issued, called,
//! marked no-show and transferred here through the queue API on 25 November 2026 (the test clock); cases
//! created by the scenario itself with the stock JS client; then the page's charts, its "< 5" cells, its
//! CSV files against the JSON answers, axe, and no WebAssembly.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, spawn_app};
use crate::web_browser::{browser_available, run_browser_scenario};

#[tokio::test]
async fn the_statistics_page_draws_the_seeded_figures_and_its_csv_matches_the_json() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app
        .create_user(&admin, "op.statistiche", "operator", &[])
        .await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    for line in ["A", "A", "A", "M", "M"] {
        let response = app
            .post_json(
                "/api/v1/queue/tickets",
                Some(&totem),
                &json!({"line": line}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // Two calls from line A after 4 and 9 minutes: a no-show, then a transfer to M.
    let call = || async {
        let response = app
            .post_json(
                "/api/v1/queue/call-next",
                Some(&operator),
                &json!({"desk": "Sportello 1", "lines": ["A"]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let ticket: Value = response.json().await.unwrap();
        ticket["id"].as_str().unwrap().to_owned()
    };
    app.clock.advance(SignedDuration::from_mins(4));
    let first = call().await;
    let response = app
        .post_json(
            &format!("/api/v1/queue/tickets/{first}/no-show"),
            Some(&operator),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.clock.advance(SignedDuration::from_mins(5));
    let second = call().await;
    let response = app
        .post_json(
            &format!("/api/v1/queue/tickets/{second}/transfer"),
            Some(&operator),
            &json!({"line": "M"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    run_browser_scenario(
        "statistics.mjs",
        &app.address,
        &[
            ("SPORTELLO_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("SPORTELLO_OPERATOR", "op.statistiche"),
            ("SPORTELLO_OPERATOR_PASSWORD", STRONG_PASSWORD),
        ],
    )
    .await;

    // The page's reads were audited, with the period only.
    let response = app
        .get(
            "/api/v1/admin/audit?action=admin.case_stats_read&limit=50",
            &admin,
        )
        .await;
    let page: Value = response.json().await.unwrap();
    let targets: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["target"].as_str().unwrap_or_default())
        .collect();
    assert!(targets.contains(&"2026-11-01..2026-11-30"), "{targets:?}");
}
