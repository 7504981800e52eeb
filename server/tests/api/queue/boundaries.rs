//! Where the queue meets its edges: a board with many desks, a line taken out of service with people
//! still waiting, yesterday's leftovers, the last leasable numbers, and status links that a request header
//! must not redirect.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{FRIDAY_9AM, advance, call_next, desk, desk_at, id_of, issue, move_ticket, try_move};
use crate::helpers::error_code;

fn board_numbers(board: &Value, field: &str) -> Vec<String> {
    board[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_ticket_still_called_stays_on_the_board_however_many_calls_follow() {
    let (app, _admin, operator, totem) = desk().await;
    for _ in 0..13 {
        issue(&app, &totem, json!({"line": "A"})).await;
    }
    // Desk 1 calls A001 and waits for the person; twelve more calls follow at desk 2, each served.
    assert_eq!(
        call_next(&app, &operator, "Sportello 1", &[]).await["number"],
        "A001"
    );
    for _ in 0..12 {
        advance(&app, 1);
        let ticket = call_next(&app, &operator, "Sportello 2", &[]).await;
        move_ticket(&app, &operator, &id_of(&ticket), "start").await;
    }
    let board = super::board(&app, &operator).await;
    assert_eq!(board_numbers(&board, "now_calling"), ["A001"]);
    assert_eq!(board_numbers(&board, "last_calls").len(), 10);
    assert!(!board_numbers(&board, "last_calls").contains(&"A001".to_owned()));
}

#[tokio::test]
async fn people_waiting_on_a_line_taken_out_of_service_are_still_called_and_shown() {
    let (app, admin, operator, totem) = desk().await;
    issue(&app, &totem, json!({"line": "M"})).await;
    let response = app
        .request(Method::PUT, "/api/v1/admin/queue/lines/M", Some(&admin))
        .json(
            &json!({"name_it": "Migranti e Intercultura", "name_en": "Migrants", "active": false}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let refused = app
        .post_json("/api/v1/queue/tickets", Some(&totem), &json!({"line": "M"}))
        .await;
    assert_eq!(error_code(refused).await, "line_inactive");

    let board = super::board(&app, &operator).await;
    let m = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["code"] == "M")
        .expect("M stays on the board while someone waits");
    assert_eq!(m["waiting"], 1);
    // A desk that names no lines calls from every line, the inactive one included.
    assert_eq!(
        call_next(&app, &operator, "Sportello 1", &[]).await["number"],
        "M001"
    );
    let board = super::board(&app, &operator).await;
    assert!(
        board["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|line| line["code"] != "M"),
        "nobody waits on M any more: {board}"
    );
}

#[tokio::test]
async fn yesterdays_leftovers_can_be_closed_but_not_called_or_moved_again() {
    let (app, _admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    for _ in 0..2 {
        issue(&app, &totem, json!({"line": "A"})).await;
    }
    let serving = call_next(&app, &operator, "Sportello 1", &[]).await;
    move_ticket(&app, &operator, &id_of(&serving), "start").await;
    let called = call_next(&app, &operator, "Sportello 2", &[]).await;
    advance(&app, 24 * 3600);

    for (ticket, step, body) in [
        (&called, "recall", json!({})),
        (&called, "start", json!({})),
        (&called, "transfer", json!({"line": "M"})),
        (&serving, "transfer", json!({"line": "M"})),
    ] {
        let refused = try_move(&app, &operator, &id_of(ticket), step, body).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT, "{step}");
        assert_eq!(error_code(refused).await, "invalid_transition", "{step}");
    }
    assert_eq!(
        move_ticket(&app, &operator, &id_of(&serving), "finish").await["status"],
        "done"
    );
    assert_eq!(
        move_ticket(&app, &operator, &id_of(&called), "no-show").await["status"],
        "no_show"
    );
}

#[tokio::test]
async fn the_last_leasable_numbers_come_as_a_smaller_block() {
    let (app, _admin, _operator, totem) = desk().await;
    let lease = |size: u16| {
        app.request(Method::POST, "/api/v1/queue/leases", Some(&totem))
            .json(&json!({"line": "A", "size": size}))
            .send()
    };
    for _ in 0..4 {
        assert_eq!(lease(100).await.unwrap().status(), StatusCode::CREATED); // A500..A899
    }
    let tail: Value = lease(100).await.unwrap().json().await.unwrap(); // 100 asked, 99 left
    assert_eq!(
        (&tail["first"], &tail["last"]),
        (&json!("A900"), &json!("A999"))
    );
    let none = lease(1).await.unwrap();
    assert_eq!(none.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(none).await, "line_full");
}

#[tokio::test]
async fn a_forwarded_host_does_not_redirect_printed_status_links() {
    let (app, _admin, _operator, totem) = desk().await;
    let ticket: Value = app
        .request(Method::POST, "/api/v1/queue/tickets", Some(&totem))
        .header("X-Forwarded-Host", "evil.example")
        .header("Forwarded", "host=evil.example;proto=https")
        .json(&json!({"line": "A"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = ticket["status_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/t/", app.address)), "{url}");
}
