//! The queue over HTTP: a totem and operators on a real server. The two tests here follow a ticket through
//! a desk and a lease through an outage; the submodules take one subject each.

mod boundaries;
mod calling;
mod devices;
mod display;
mod events;
mod issuing;
mod leases;
mod print_links;
mod stats;

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_at};

/// A Friday morning in Rome (09:00 local, UTC+1 in November): tests that move the clock start here.
pub const FRIDAY_9AM: &str = "2026-11-27T08:00:00Z";

/// An app with an admin, an operator and an enrolled totem; returns (app, admin, operator, totem) tokens.
pub async fn desk() -> (TestApp, String, String, String) {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "operatrice", "operator", &[]).await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    (app, admin, operator, totem)
}

pub async fn issue(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .post_json("/api/v1/queue/tickets", Some(token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "issue {body}");
    response.json().await.unwrap()
}

/// Like [`desk`], on an app whose clock starts at `start` and whose user sessions outlive the days the test
/// steps over (so a clock moved by hours does not log the operator out).
pub async fn desk_at(start: &str) -> (TestApp, String, String, String) {
    let app = spawn_app_at(start, long_sessions).await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "operatrice", "operator", &[]).await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    (app, admin, operator, totem)
}

pub fn long_sessions(settings: &mut sportello_server::config::Settings) {
    settings.access_token_ttl = Duration::from_secs(4 * 24 * 3600);
    settings.session_max_age = Duration::from_secs(4 * 24 * 3600);
}

/// The board as `token` (a display or staff) sees it.
pub async fn board(app: &TestApp, token: &str) -> Value {
    let response = app.get("/api/v1/queue/board", token).await;
    assert_eq!(response.status(), StatusCode::OK, "board");
    response.json().await.unwrap()
}

/// Moves the app's clock forward by `seconds`.
pub fn advance(app: &TestApp, seconds: i64) {
    app.clock.advance(jiff::SignedDuration::from_secs(seconds));
}

pub async fn try_issue(app: &TestApp, token: &str, body: Value) -> Response {
    app.post_json("/api/v1/queue/tickets", Some(token), &body)
        .await
}

pub async fn try_call_next(app: &TestApp, operator: &str, desk: &str, lines: &[&str]) -> Response {
    let body = if lines.is_empty() {
        json!({"desk": desk})
    } else {
        json!({"desk": desk, "lines": lines})
    };
    app.post_json("/api/v1/queue/call-next", Some(operator), &body)
        .await
}

/// Calls the next ticket to `desk`, failing the test unless one is called.
pub async fn call_next(app: &TestApp, operator: &str, desk: &str, lines: &[&str]) -> Value {
    let response = try_call_next(app, operator, desk, lines).await;
    assert_eq!(response.status(), StatusCode::OK, "call-next {lines:?}");
    response.json().await.unwrap()
}

/// `POST /api/v1/queue/tickets/{id}/{step}` (recall, start, finish, no-show, cancel; transfer with a body).
pub async fn try_move(
    app: &TestApp,
    operator: &str,
    id: &str,
    step: &str,
    body: Value,
) -> Response {
    app.post_json(
        &format!("/api/v1/queue/tickets/{id}/{step}"),
        Some(operator),
        &body,
    )
    .await
}

/// A move that must succeed; returns the ticket.
pub async fn move_ticket(app: &TestApp, operator: &str, id: &str, step: &str) -> Value {
    let response = try_move(app, operator, id, step, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK, "{step} {id}");
    response.json().await.unwrap()
}

/// Today's tickets in call order, as an operator lists them (`query` like `"?line=A&status=waiting"`).
pub async fn list(app: &TestApp, operator: &str, query: &str) -> Vec<Value> {
    let response = app
        .get(&format!("/api/v1/queue/tickets{query}"), operator)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "list {query}");
    response.json().await.unwrap()
}

/// The numbers of `tickets`, in order.
pub fn numbers(tickets: &[Value]) -> Vec<String> {
    tickets
        .iter()
        .map(|ticket| ticket["number"].as_str().unwrap().to_owned())
        .collect()
}

pub fn id_of(ticket: &Value) -> String {
    ticket["id"].as_str().expect("a ticket id").to_owned()
}

/// The path (`/t/…`) of a ticket's public status page.
pub fn status_path(ticket: &Value) -> String {
    let url = ticket["status_url"].as_str().expect("a status_url");
    url[url.find("/t/").expect("a /t/ link")..].to_owned()
}

#[tokio::test]
async fn a_ticket_goes_from_the_totem_through_a_desk_to_done() {
    let (app, _admin, operator, totem) = desk().await;
    let first = issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(first["number"], "A001");
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["position"], 1);
    let second = issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(second["number"], "A002");
    assert_eq!(second["position"], 2);
    assert!(second["estimated_wait_s"].as_u64().unwrap() > 0);

    let called = app
        .post_json(
            "/api/v1/queue/call-next",
            Some(&operator),
            &json!({"desk": "Sportello 1"}),
        )
        .await;
    assert_eq!(called.status(), StatusCode::OK);
    let called: Value = called.json().await.unwrap();
    assert_eq!(called["number"], "A001");
    assert_eq!(called["status"], "called");
    assert_eq!(called["desk"], "Sportello 1");

    let board = board(&app, &operator).await;
    assert_eq!(board["now_calling"][0]["number"], "A001");
    assert_eq!(board["lines"][0]["waiting"], 1);

    let id = called["id"].as_str().unwrap();
    for (step, status) in [("start", "serving"), ("finish", "done")] {
        let response = app
            .post_json(
                &format!("/api/v1/queue/tickets/{id}/{step}"),
                Some(&operator),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
        let ticket: Value = response.json().await.unwrap();
        assert_eq!(ticket["status"], status);
    }
    let again = app
        .post_json(
            &format!("/api/v1/queue/tickets/{id}/start"),
            Some(&operator),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "invalid_transition");

    // The public page of the second ticket says one person is... nobody: A001 is done, A002 is next.
    let url = second["status_url"].as_str().unwrap();
    let path = &url[url.find("/t/").unwrap()..];
    let page = app.request(Method::GET, path, None).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("script"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("A002"));

    let print = app
        .get(
            &format!(
                "/api/v1/queue/tickets/{}/print",
                second["id"].as_str().unwrap()
            ),
            &totem,
        )
        .await;
    assert_eq!(print.status(), StatusCode::OK);
    assert!(print.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn a_totem_leases_numbers_and_imports_what_it_issued_offline() {
    let (app, _admin, operator, totem) = desk().await;
    let lease = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "A", "size": 5}),
        )
        .await;
    assert_eq!(lease.status(), StatusCode::CREATED);
    let lease: Value = lease.json().await.unwrap();
    assert_eq!(lease["first"], "A500");
    assert_eq!(lease["last"], "A504");
    // The outage comes later in the morning.
    app.clock.advance(jiff::SignedDuration::from_mins(14));

    let online = issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(online["number"], "A001");

    let earlier = app.clock_rfc3339(-600);
    let body = json!({
        "lease_id": lease["lease_id"],
        "tickets": [{"number": "A500", "issued_at": earlier, "client_op_id": "offline-1"}],
    });
    let imported = app
        .post_json("/api/v1/queue/tickets/import", Some(&totem), &body)
        .await;
    assert_eq!(imported.status(), StatusCode::OK);
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(imported["imported"], 1);
    let again: Value = app
        .post_json("/api/v1/queue/tickets/import", Some(&totem), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_imported"], 1);
    assert_eq!(again["tickets"][0]["id"], imported["tickets"][0]["id"]);

    // Issued ten minutes before A001, the offline ticket is called first.
    let called: Value = app
        .post_json(
            "/api/v1/queue/call-next",
            Some(&operator),
            &json!({"desk": "1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(called["number"], "A500");
}
