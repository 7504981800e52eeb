//! Calling tickets: the order, concurrent operators, moves and their refusals, transfers, and the end of
//! the day.

use std::collections::{HashMap, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    FRIDAY_9AM, advance, call_next, desk, desk_at, id_of, issue, list, long_sessions, move_ticket,
    numbers, status_path, try_call_next, try_move,
};
use crate::helpers::{error_code, join_all, spawn_app_at};

#[tokio::test]
async fn priority_first_then_by_time_of_issue_across_lines() {
    let (app, _admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let empty = try_call_next(&app, &operator, "Sportello 1", &[]).await;
    assert_eq!(empty.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(empty).await, "queue_empty");

    // Issued ten seconds apart, in this order; M001 comes first although "A" sorts before "M".
    let mut issued = Vec::new();
    for (line, priority) in [
        ("M", false),
        ("A", false),
        ("A", true),
        ("M", false),
        ("A", false),
        ("M", true),
    ] {
        issued.push(issue(&app, &totem, json!({"line": line, "priority": priority})).await);
        advance(&app, 10);
    }
    assert_eq!(
        numbers(&issued),
        ["M001", "A001", "A002", "M002", "A003", "M003"]
    );
    // The priority ticket on A went ahead of the one issued before it.
    assert_eq!(issued[2]["position"], 1);
    assert_eq!(issued[4]["position"], 3);

    // A desk serving only M: its priority ticket, then its others by time.
    let m = call_next(&app, &operator, "Sportello 2", &["M"]).await;
    assert_eq!(
        (m["number"].as_str(), m["desk"].as_str()),
        (Some("M003"), Some("Sportello 2"))
    );
    // All lines: A002 (priority), then M001, A001, M002, A003 by time of issue.
    let mut order = Vec::new();
    loop {
        let response = try_call_next(&app, &operator, "Sportello 1", &[]).await;
        if response.status() == StatusCode::NOT_FOUND {
            assert_eq!(error_code(response).await, "queue_empty");
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
        let ticket: Value = response.json().await.unwrap();
        assert_eq!(ticket["status"], "called");
        order.push(ticket["number"].as_str().unwrap().to_owned());
    }
    assert_eq!(order, ["A002", "M001", "A001", "M002", "A003"]);

    // A line filter with nothing waiting on it is empty even when other lines wait; unknown lines refused.
    issue(&app, &totem, json!({"line": "A"})).await;
    let none_on_m = try_call_next(&app, &operator, "Sportello 2", &["M"]).await;
    assert_eq!(error_code(none_on_m).await, "queue_empty");
    let unknown = try_call_next(&app, &operator, "Sportello 2", &["Q"]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(unknown).await, "unknown_line");
    for desk in ["", "   ", &"x".repeat(33)] {
        let bad_desk = try_call_next(&app, &operator, desk, &[]).await;
        assert_eq!(
            bad_desk.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{desk:?}"
        );
    }
    assert_eq!(
        call_next(&app, &operator, "Sportello 2", &["A", "M"]).await["number"],
        "A004"
    );
}

#[tokio::test]
async fn twenty_operators_calling_at_once_never_share_a_ticket() {
    let (app, admin, _operator, totem) = desk().await;
    // One after the other: each account costs a few password hashes, which the server queues.
    let mut operators = Vec::new();
    for i in 0..20 {
        let (_, token) = app
            .create_user(&admin, &format!("operatore{i:02}"), "operator", &[])
            .await;
        operators.push(token);
    }
    for _ in 0..20 {
        issue(&app, &totem, json!({"line": "A"})).await;
    }

    let calls = join_all(operators.iter().enumerate().map(|(i, operator)| {
        let app = &app;
        async move {
            let desk = format!("Sportello {i}");
            let response = try_call_next(app, operator, &desk, &[]).await;
            (desk, response)
        }
    }))
    .await;
    let mut desk_of = HashMap::new();
    for (desk, response) in calls {
        assert_eq!(response.status(), StatusCode::OK, "{desk}");
        let ticket: Value = response.json().await.unwrap();
        assert_eq!(ticket["desk"], desk.as_str());
        let earlier = desk_of.insert(id_of(&ticket), desk);
        assert!(
            earlier.is_none(),
            "ticket {} called twice",
            ticket["number"]
        );
    }
    assert_eq!(desk_of.len(), 20);

    // What is stored agrees: twenty called tickets, each at the desk that was told it got it.
    let called = list(&app, &operators[0], "?status=called").await;
    assert_eq!(called.len(), 20);
    for ticket in &called {
        assert_eq!(ticket["desk"], desk_of[&id_of(ticket)].as_str());
    }
    let last = try_call_next(&app, &operators[7], "Sportello 21", &[]).await;
    assert_eq!(last.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(last).await, "queue_empty");
}

#[tokio::test]
async fn a_transferred_ticket_keeps_its_number_and_its_place() {
    let (app, _admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let a1 = issue(&app, &totem, json!({"line": "A"})).await;
    advance(&app, 60);
    let m1 = issue(&app, &totem, json!({"line": "M"})).await;
    advance(&app, 60);
    let m2 = issue(&app, &totem, json!({"line": "M"})).await;
    advance(&app, 60);
    assert_eq!(m1["position"], 1);

    // A001 is called and served at the welcome desk, then sent on to the migrants' desk.
    let called = call_next(&app, &operator, "Sportello 1", &["A"]).await;
    assert_eq!(called["id"], a1["id"]);
    move_ticket(&app, &operator, &id_of(&a1), "start").await;
    let moved = try_move(
        &app,
        &operator,
        &id_of(&a1),
        "transfer",
        json!({"line": "M"}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["number"], "A001", "it keeps its number");
    assert_eq!(moved["line"], "M");
    assert_eq!(moved["status"], "waiting");
    assert_eq!(moved["transfers"], 1);
    assert_eq!(moved["issued_at"], a1["issued_at"], "and its time of issue");
    assert_eq!(moved["desk"], Value::Null);

    // Issued before M001 and M002, it goes ahead of them on M.
    let waiting_m = list(&app, &operator, "?line=M&status=waiting").await;
    assert_eq!(numbers(&waiting_m), ["A001", "M001", "M002"]);
    let page = app
        .request(Method::GET, &status_path(&m2), None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<dd>2</dd>"), "two ahead of M002: {page}");
    assert_eq!(list(&app, &operator, "?line=A").await.len(), 0);
    let board = super::board(&app, &operator).await;
    let waiting: HashMap<&str, &Value> = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| (line["code"].as_str().unwrap(), &line["waiting"]))
        .collect();
    assert_eq!((waiting["A"], waiting["M"]), (&json!(0), &json!(3)));

    // Refused transfers change nothing.
    for (case, body, status) in [
        ("the same line", json!({"line": "M"}), StatusCode::CONFLICT),
        (
            "an unknown line",
            json!({"line": "Q"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "a malformed line",
            json!({"line": "mm"}),
            StatusCode::BAD_REQUEST,
        ),
        ("no line", json!({}), StatusCode::BAD_REQUEST),
    ] {
        let refused = try_move(&app, &operator, &id_of(&a1), "transfer", body).await;
        assert_eq!(refused.status(), status, "{case}");
    }

    let next = call_next(&app, &operator, "Sportello 3", &["M"]).await;
    assert_eq!(next["number"], "A001");
    assert_eq!(next["transfers"], 1);
    // A done ticket moves no more.
    move_ticket(&app, &operator, &id_of(&a1), "start").await;
    move_ticket(&app, &operator, &id_of(&a1), "finish").await;
    let done = try_move(
        &app,
        &operator,
        &id_of(&a1),
        "transfer",
        json!({"line": "A"}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(done).await, "invalid_transition");
}

#[tokio::test]
async fn moves_that_do_not_fit_the_status_are_refused() {
    let (app, _admin, operator, totem) = desk().await;
    // (how to bring a fresh ticket into the status, the status, the refused moves)
    let setups: [(&[&str], &str, &[&str]); 6] = [
        (&[], "waiting", &["recall", "start", "finish", "no-show"]),
        (&["call"], "called", &["finish"]),
        (
            &["call", "start"],
            "serving",
            &["recall", "start", "no-show", "cancel"],
        ),
        (
            &["call", "start", "finish"],
            "done",
            &["recall", "start", "finish", "no-show", "cancel", "transfer"],
        ),
        (
            &["call", "no-show"],
            "no_show",
            &["recall", "start", "cancel", "transfer"],
        ),
        (
            &["cancel"],
            "cancelled",
            &["recall", "start", "finish", "cancel", "transfer"],
        ),
    ];
    for (steps, status, refused) in setups {
        let ticket = issue(&app, &totem, json!({"line": "A"})).await;
        let id = id_of(&ticket);
        for step in steps {
            if *step == "call" {
                assert_eq!(
                    call_next(&app, &operator, "1", &[]).await["id"],
                    ticket["id"]
                );
            } else {
                move_ticket(&app, &operator, &id, step).await;
            }
        }
        for step in refused {
            let response = try_move(&app, &operator, &id, step, json!({"line": "M"})).await;
            assert_eq!(
                response.status(),
                StatusCode::CONFLICT,
                "{step} when {status}"
            );
            assert_eq!(error_code(response).await, "invalid_transition");
        }
        let stored = list(&app, &operator, "").await;
        let stored = stored.iter().find(|t| t["id"] == ticket["id"]).unwrap();
        assert_eq!(stored["status"], status, "refusals changed nothing");
        assert_eq!(stored["line"], "A");
        assert_eq!(stored["recalls"], 0);
        if status == "waiting" {
            // Out of the way of the next setup's call.
            move_ticket(&app, &operator, &id, "cancel").await;
        }
    }
    // The allowed moves of a called ticket: recall counts, cancel ends it.
    let ticket = issue(&app, &totem, json!({"line": "A"})).await;
    call_next(&app, &operator, "1", &[]).await;
    let recalled = move_ticket(&app, &operator, &id_of(&ticket), "recall").await;
    assert_eq!(
        (recalled["status"].as_str(), recalled["recalls"].as_u64()),
        (Some("called"), Some(1))
    );
    let cancelled = move_ticket(&app, &operator, &id_of(&ticket), "cancel").await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["ended_at"].is_string());

    // Unknown and malformed ids are not found.
    for id in ["00000000-0000-4000-8000-000000000000", "not-an-id"] {
        let response = try_move(&app, &operator, id, "start", json!({})).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
    }
}

#[tokio::test]
async fn at_the_end_of_the_day_waiting_tickets_expire_and_numbering_starts_again() {
    // Friday 27 November 2026, 22:00 in Rome.
    let app = spawn_app_at("2026-11-27T21:00:00Z", long_sessions).await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "operatrice", "operator", &[]).await;
    let (_, totem) = app.device(&admin, "totem", "Totem").await;
    let first = issue(&app, &totem, json!({"line": "A"})).await;
    let second = issue(&app, &totem, json!({"line": "A"})).await;
    let third = issue(&app, &totem, json!({"line": "M"})).await;
    assert_eq!(
        numbers(&[first.clone(), second.clone(), third.clone()]),
        ["A001", "A002", "M001"]
    );
    let called = call_next(&app, &operator, "Sportello 1", &[]).await;
    assert_eq!(called["id"], first["id"]);
    let board = super::board(&app, &operator).await;
    assert_eq!(board["day"], "2026-11-27");

    // 23:30 UTC is already 00:30 on Saturday in Rome: a new day.
    advance(&app, 2 * 3600 + 30 * 60);
    let board = super::board(&app, &operator).await;
    assert_eq!(board["day"], "2026-11-28");
    assert!(
        board["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["waiting"] == 0)
    );
    assert_eq!(board["now_calling"], json!([]));
    let empty = try_call_next(&app, &operator, "Sportello 1", &[]).await;
    assert_eq!(
        error_code(empty).await,
        "queue_empty",
        "yesterday's queue is not called today"
    );

    let today = issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(today["number"], "A001");
    assert_eq!(today["position"], 1);
    assert_eq!(numbers(&list(&app, &operator, "").await), ["A001"]);
    assert_eq!(list(&app, &operator, "").await[0]["day"], "2026-11-28");

    // Yesterday's waiting tickets expired; the one at a desk did not.
    let status_of = |ticket: &Value| {
        let path = status_path(ticket);
        let app = &app;
        async move {
            app.request(Method::GET, &path, None)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(status_of(&second).await.contains("status-expired"));
    assert!(status_of(&third).await.contains("status-expired"));
    assert!(status_of(&first).await.contains("status-called"));
    let stats: Value = app
        .get("/api/v1/queue/stats?from=2026-11-27&to=2026-11-27", &admin)
        .await
        .json()
        .await
        .unwrap();
    let expired: Vec<(&str, u64)> = stats["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_str().unwrap(), l["expired"].as_u64().unwrap()))
        .collect();
    assert_eq!(expired, [("A", 1), ("M", 1)]);

    // One expiry record for the day, by the system, naming no ticket.
    let audit: Value = app
        .get("/api/v1/admin/audit?action=queue.expire", &admin)
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor_role"], "system");
    assert_eq!(entries[0]["target"], "day:2026-11-27:2");

    // The ticket called yesterday can still be finished; nothing else of yesterday changes.
    move_ticket(&app, &operator, &id_of(&first), "no-show").await;
    let ids: HashSet<String> = list(&app, &operator, "").await.iter().map(id_of).collect();
    assert_eq!(ids, HashSet::from([id_of(&today)]));
}

/// The board's calls (number and desk, newest first) and its lines (waiting, estimated wait).
async fn board(
    app: &crate::helpers::TestApp,
    token: &str,
) -> (Vec<String>, Vec<String>, Vec<(String, u64, u64)>) {
    let board = super::board(app, token).await;
    let calls = |key: &str| {
        board[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|call| {
                format!(
                    "{}@{}",
                    call["number"].as_str().unwrap(),
                    call["desk"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    let lines = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["code"].as_str().unwrap().to_owned(),
                line["waiting"].as_u64().unwrap(),
                line["estimated_wait_s"].as_u64().unwrap(),
            )
        })
        .collect();
    (calls("now_calling"), calls("last_calls"), lines)
}

fn line(code: &str, waiting: u64, estimated_wait_s: u64) -> (String, u64, u64) {
    (code.to_owned(), waiting, estimated_wait_s)
}

#[tokio::test]
async fn the_board_shows_the_calls_and_a_wait_from_the_day_s_pace() {
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let (_, display) = app.device(&admin, "display", "Sala d'attesa").await;
    let mut a = Vec::new();
    for _ in 0..4 {
        a.push(issue(&app, &totem, json!({"line": "A"})).await);
    }
    issue(&app, &totem, json!({"line": "M"})).await;
    // Nobody served yet: 8 minutes a person, one desk at least.
    let (now, last, lines) = board(&app, &display).await;
    assert!(now.is_empty() && last.is_empty());
    assert_eq!(lines, [line("A", 4, 4 * 480), line("M", 1, 480)]);
    assert_eq!(a[3]["estimated_wait_s"], 3 * 480);

    call_next(&app, &operator, "Sportello 1", &["A"]).await;
    move_ticket(&app, &operator, &id_of(&a[0]), "start").await;
    advance(&app, 300);
    move_ticket(&app, &operator, &id_of(&a[0]), "finish").await;
    // One served in 5 minutes at one desk: 3 waiting × 300 s.
    assert_eq!(board(&app, &display).await.2[0], line("A", 3, 900));
    call_next(&app, &operator, "Sportello 2", &["A"]).await;
    move_ticket(&app, &operator, &id_of(&a[1]), "start").await;
    // Two desks work A now: 2 × 300 s ÷ 2.
    let (now, last, lines) = board(&app, &display).await;
    assert!(
        now.is_empty(),
        "A001 is done and A002 being served: nobody is being called"
    );
    assert_eq!(last, ["A002@Sportello 2", "A001@Sportello 1"]);
    assert_eq!(lines[0], line("A", 2, 300));

    advance(&app, 10);
    call_next(&app, &operator, "Sportello 1", &["M"]).await;
    advance(&app, 10);
    call_next(&app, &operator, "Sportello 3", &["A"]).await;
    let (now, last, lines) = board(&app, &display).await;
    assert_eq!(now, ["A003@Sportello 3", "M001@Sportello 1"]);
    assert_eq!(
        last,
        [
            "A003@Sportello 3",
            "M001@Sportello 1",
            "A002@Sportello 2",
            "A001@Sportello 1"
        ]
    );
    assert_eq!(lines, [line("A", 1, 100), line("M", 0, 0)]);
    // A recall brings the number back to the top.
    advance(&app, 10);
    let m1 = list(&app, &operator, "?line=M").await;
    move_ticket(&app, &operator, &id_of(&m1[0]), "recall").await;
    let (now, last, _) = board(&app, &display).await;
    assert_eq!(now, ["M001@Sportello 1", "A003@Sportello 3"]);
    assert_eq!(last[..2], ["M001@Sportello 1", "A003@Sportello 3"]);

    // Desks that have not called for an hour no longer count as working the line.
    advance(&app, 3600);
    assert_eq!(board(&app, &display).await.2[0], line("A", 1, 300));
}
