//! Statistics on a scenario driven with the test clock, so every figure is known in advance.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{FRIDAY_9AM, advance, call_next, desk_at, id_of, issue, move_ticket, try_move};
use crate::helpers::TestApp;

/// The scenario, on Friday 27 November 2026 from 09:00 local (T):
///
/// | T+     | what                                                                           |
/// |--------|--------------------------------------------------------------------------------|
/// | 0      | A001–A004 and M002 issued; M001 issued as a priority ticket                    |
/// | 10     | A004 cancelled while waiting                                                   |
/// | 30     | M002 transferred to A (it waits there, never called)                           |
/// | 60     | A001 called (waited 60 s) and started                                          |
/// | 120    | A002 called (waited 120 s) and started                                         |
/// | 180    | A001 finished (served 120 s)                                                   |
/// | 300    | A003 called (waited 300 s)                                                     |
/// | 360    | A003 no-show                                                                   |
/// | 400    | M002 cancelled (on A by now)                                                   |
/// | 420    | A002 finished (served 300 s)                                                   |
/// | 3600   | A005 issued (10:00 local), still waiting                                       |
///
/// Waits on A: 60, 120, 300 → median 120 (rank ⌈1.5⌉ = 2), p90 300 (rank ⌈2.7⌉ = 3).
/// Services on A: 120, 300 → median 120 (rank 1), p90 300 (rank ⌈1.8⌉ = 2).
async fn scenario() -> (TestApp, String, String) {
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let mut a = Vec::new();
    for _ in 0..4 {
        a.push(issue(&app, &totem, json!({"line": "A"})).await);
    }
    issue(&app, &totem, json!({"line": "M", "priority": true})).await;
    let m2 = issue(&app, &operator, json!({"line": "M"})).await;
    assert_eq!(m2["number"], "M002");

    advance(&app, 10);
    move_ticket(&app, &operator, &id_of(&a[3]), "cancel").await;
    advance(&app, 20);
    let moved = try_move(
        &app,
        &operator,
        &id_of(&m2),
        "transfer",
        json!({"line": "A"}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);
    advance(&app, 30);
    assert_eq!(
        call_next(&app, &operator, "1", &["A"]).await["id"],
        a[0]["id"]
    );
    move_ticket(&app, &operator, &id_of(&a[0]), "start").await;
    advance(&app, 60);
    assert_eq!(
        call_next(&app, &operator, "2", &["A"]).await["id"],
        a[1]["id"]
    );
    move_ticket(&app, &operator, &id_of(&a[1]), "start").await;
    advance(&app, 60);
    move_ticket(&app, &operator, &id_of(&a[0]), "finish").await;
    advance(&app, 120);
    assert_eq!(
        call_next(&app, &operator, "1", &["A"]).await["id"],
        a[2]["id"]
    );
    advance(&app, 60);
    move_ticket(&app, &operator, &id_of(&a[2]), "no-show").await;
    advance(&app, 40);
    move_ticket(&app, &operator, &id_of(&m2), "cancel").await;
    advance(&app, 20);
    move_ticket(&app, &operator, &id_of(&a[1]), "finish").await;
    advance(&app, 3600 - 420);
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A005"
    );
    (app, admin, operator)
}

fn expected_lines() -> Value {
    json!([
        {
            "line": "A", "issued": 5, "priority": 0, "done": 2, "no_show": 1, "cancelled": 2, "expired": 0,
            "transferred_out": 0,
            "waiting": {"count": 3, "median_s": 120, "p90_s": 300},
            "service": {"count": 2, "median_s": 120, "p90_s": 300},
        },
        {
            "line": "M", "issued": 2, "priority": 1, "done": 0, "no_show": 0, "cancelled": 0, "expired": 0,
            "transferred_out": 1,
            "waiting": {"count": 0, "median_s": null, "p90_s": null},
            "service": {"count": 0, "median_s": null, "p90_s": null},
        },
    ])
}

#[tokio::test]
async fn statistics_of_a_known_day_give_the_known_figures() {
    let (app, admin, operator) = scenario().await;
    let (_, social_worker) = app
        .create_user(&admin, "assistente", "social_worker", &["elderly"])
        .await;
    for token in [&admin, &social_worker] {
        let response = app
            .get("/api/v1/queue/stats?from=2026-11-27&to=2026-11-27", token)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let stats: Value = response.json().await.unwrap();
        assert_eq!(
            (&stats["from"], &stats["to"]),
            (&json!("2026-11-27"), &json!("2026-11-27"))
        );
        assert_eq!(stats["lines"], expected_lines());
        assert_eq!(
            stats["hours"],
            json!([
                {"line": "A", "hour": 9, "issued": 4},
                {"line": "A", "hour": 10, "issued": 1},
                {"line": "M", "hour": 9, "issued": 2},
            ])
        );
    }
    // Today is the default period; a longer period around it gives the same figures.
    let today: Value = app
        .get("/api/v1/queue/stats", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(today["lines"], expected_lines());
    assert_eq!(today["from"], "2026-11-27");
    let week: Value = app
        .get("/api/v1/queue/stats?from=2026-11-23&to=2026-11-29", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(week["lines"], expected_lines());
    // A day without tickets still lists every line, with nothing in it.
    let quiet: Value = app
        .get("/api/v1/queue/stats?from=2026-11-26&to=2026-11-26", &admin)
        .await
        .json()
        .await
        .unwrap();
    let issued: Vec<(&str, u64)> = quiet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_str().unwrap(), l["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(issued, [("A", 0), ("M", 0)]);
    assert_eq!(quiet["hours"], json!([]));
    assert_eq!(quiet["lines"][0]["waiting"]["median_s"], Value::Null);

    // Operators work the queue but do not read its statistics; neither do devices.
    let refused = app.get("/api/v1/queue/stats", &operator).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn statistics_as_csv_have_a_header_a_row_per_line_and_a_row_per_hour() {
    let (app, admin, _operator) = scenario().await;
    let response = app
        .get(
            "/api/v1/queue/stats?from=2026-11-27&to=2026-11-27&format=csv",
            &admin,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"sportello-queue-2026-11-27-2026-11-27.csv\""
    );
    let csv = response.text().await.unwrap();
    let expected = [
        "line,hour,issued,priority,done,no_show,cancelled,expired,transferred_out,\
         waiting_count,waiting_median_s,waiting_p90_s,service_count,service_median_s,service_p90_s",
        "A,,5,0,2,1,2,0,0,3,120,300,2,120,300",
        "M,,2,1,0,0,0,0,1,0,,,0,,",
        "A,9,4,,,,,,,,,,,,",
        "A,10,1,,,,,,,,,,,,",
        "M,9,2,,,,,,,,,,,,",
    ];
    let expected: String = expected.iter().map(|row| format!("{row}\r\n")).collect();
    assert_eq!(csv, expected);
}

#[tokio::test]
async fn bad_statistics_periods_are_refused() {
    let (app, admin, _operator, _totem) = desk_at(FRIDAY_9AM).await;
    for query in [
        "?from=2026-11-28&to=2026-11-27",
        "?from=27/11/2026",
        "?to=2026-13-01",
        "?from=2025-11-26&to=2026-11-27",
        "?from=2025-11-26",
        "?format=xml",
        "?day=2026-11-27",
    ] {
        let response = app
            .get(&format!("/api/v1/queue/stats{query}"), &admin)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    for (query, message) in [
        ("?from=27/11/2026", "from must be a date YYYY-MM-DD"),
        (
            "?from=2026-11-27&to=2026-13-01",
            "to must be a date YYYY-MM-DD",
        ),
        (
            "?from=2026-11-28&to=2026-11-27",
            "from must not be after to",
        ),
    ] {
        let response = app
            .get(&format!("/api/v1/queue/stats{query}"), &admin)
            .await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{query}");
        assert_eq!(body["message"], message, "{query}");
    }
    // 366 days, both ends included, is the longest period.
    let longest = app
        .get("/api/v1/queue/stats?from=2025-11-27&to=2026-11-27", &admin)
        .await;
    assert_eq!(longest.status(), StatusCode::OK);
}
