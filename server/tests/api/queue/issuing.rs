//! Issuing tickets: numbering under concurrency, idempotent retries, opening hours and the lines' settings.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{FRIDAY_9AM, advance, desk, desk_at, issue, list, numbers, try_issue};
use crate::helpers::{error_code, join_all};

#[tokio::test]
async fn a_hundred_concurrent_issues_get_a_hundred_consecutive_numbers() {
    let (app, admin, operator, totem) = desk().await;
    let (_, second_totem) = app.device(&admin, "totem", "Totem piano terra").await;
    let issuers = [&totem, &second_totem, &operator];
    let responses = join_all((0..100).map(|i| {
        let token = issuers[i % issuers.len()].clone();
        let app = &app;
        async move { try_issue(app, &token, json!({"line": "A"})).await }
    }))
    .await;

    let mut tickets = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        tickets.push(response.json::<Value>().await.unwrap());
    }
    let mut issued: Vec<String> = numbers(&tickets);
    issued.sort();
    let expected: Vec<String> = (1..=100).map(|n| format!("A{n:03}")).collect();
    assert_eq!(issued, expected, "distinct and without gaps");
    let ids: HashSet<&str> = tickets.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 100);
    // Each issue saw exactly the tickets numbered before it: the writes really were one after the other.
    for ticket in &tickets {
        let sequence: u64 = ticket["number"].as_str().unwrap()[1..].parse().unwrap();
        assert_eq!(ticket["position"], sequence, "{ticket}");
    }
    let listed = list(&app, &operator, "?line=A&status=waiting").await;
    assert_eq!(numbers(&listed), expected, "listed in call order");

    // The next one follows on.
    let next = issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(next["number"], "A101");
}

#[tokio::test]
async fn a_retry_with_the_same_client_op_id_gets_the_same_ticket() {
    let (app, _admin, operator, totem) = desk().await;
    let body = json!({"line": "A", "client_op_id": "tap-7f3a"});
    let first = try_issue(&app, &totem, body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["number"], "A001");

    let retry = try_issue(&app, &totem, body.clone()).await;
    assert_eq!(retry.status(), StatusCode::OK, "a retry is not a creation");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    assert_eq!(retry["number"], "A001");
    assert_eq!(retry["status_url"], first["status_url"]);

    // The same id for another ticket is refused, whatever differs.
    for other in [
        json!({"line": "M", "client_op_id": "tap-7f3a"}),
        json!({"line": "A", "priority": true, "client_op_id": "tap-7f3a"}),
    ] {
        let refused = try_issue(&app, &totem, other.clone()).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT, "{other}");
        assert_eq!(error_code(refused).await, "client_op_id_reused");
    }
    // Nothing was numbered by the retry or the refusals: the next ticket is A002, and M has none.
    let next = issue(
        &app,
        &totem,
        json!({"line": "A", "client_op_id": "tap-7f3b"}),
    )
    .await;
    assert_eq!(next["number"], "A002");
    assert_eq!(numbers(&list(&app, &operator, "").await), ["A001", "A002"]);

    // Ten retries of one tap racing each other: one creation, nine answers with the same ticket.
    let racing = json!({"line": "M", "client_op_id": "tap-race"});
    let responses = join_all((0..10).map(|_| try_issue(&app, &totem, racing.clone()))).await;
    let mut created = 0;
    let mut ids = HashSet::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
        let ticket: Value = response.json().await.unwrap();
        assert_eq!(ticket["number"], "M001");
        ids.insert(ticket["id"].as_str().unwrap().to_owned());
    }
    assert_eq!((created, ids.len()), (1, 1));
    assert_eq!(list(&app, &operator, "?line=M").await.len(), 1);
}

#[tokio::test]
async fn client_op_ids_are_checked_and_belong_to_their_issuer() {
    let (app, admin, operator, totem) = desk().await;
    for bad in [
        json!(""),
        json!("has space"),
        json!("x".repeat(65)),
        json!("perché"),
        json!("semi;colon"),
    ] {
        let response = try_issue(&app, &totem, json!({"line": "A", "client_op_id": bad})).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "validation_failed");
        assert_eq!(
            body["message"], "client_op_id must be 1 to 64 characters of A-Z a-z 0-9 - _",
            "{bad}"
        );
    }
    let longest = "a-Z_9".repeat(12) + "abcd";
    assert_eq!(longest.len(), 64);
    issue(&app, &totem, json!({"line": "A", "client_op_id": longest})).await;

    // Two totems (and an operator) counting their taps from 1 each get their own tickets.
    let (_, other_totem) = app.device(&admin, "totem", "Totem secondo").await;
    let mine = issue(&app, &totem, json!({"line": "A", "client_op_id": "1"})).await;
    let theirs = issue(
        &app,
        &other_totem,
        json!({"line": "A", "client_op_id": "1"}),
    )
    .await;
    let phone = issue(&app, &operator, json!({"line": "A", "client_op_id": "1"})).await;
    assert_eq!(
        numbers(&[mine.clone(), theirs.clone(), phone.clone()]),
        ["A002", "A003", "A004"]
    );
    // And each one's retry finds its own.
    for (token, ticket) in [
        (&totem, &mine),
        (&other_totem, &theirs),
        (&operator, &phone),
    ] {
        let retry = try_issue(&app, token, json!({"line": "A", "client_op_id": "1"})).await;
        assert_eq!(retry.status(), StatusCode::OK);
        assert_eq!(retry.json::<Value>().await.unwrap()["id"], ticket["id"]);
    }
    // An unknown or malformed line is refused before anything is numbered.
    let unknown = try_issue(&app, &totem, json!({"line": "Q"})).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(unknown).await, "unknown_line");
    let malformed = try_issue(&app, &totem, json!({"line": "a"})).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(list(&app, &operator, "").await.len(), 4);
}

fn hours(intervals: &[(u8, &str, &str)]) -> Value {
    Value::Array(
        intervals
            .iter()
            .map(|(weekday, opens, closes)| {
                json!({"weekday": weekday, "opens": opens, "closes": closes})
            })
            .collect(),
    )
}

#[tokio::test]
async fn outside_opening_hours_the_totem_is_refused_but_an_operator_still_issues() {
    // Friday 27 November 2026, 09:00 in Rome.
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let schedule = "/api/v1/admin/queue/schedule";
    let unset: Value = app.get(schedule, &admin).await.json().await.unwrap();
    assert_eq!(unset, json!({"hours": [], "closed_dates": []}));
    // No hours set: always open.
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A001"
    );

    // Friday afternoon only (and Monday morning): at 09:00 the desk is closed.
    let put = app
        .put_json(
            schedule,
            Some(&admin),
            &json!({"hours": hours(&[(5, "14:00", "16:00"), (1, "08:30", "12:30")])}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let stored: Value = put.json().await.unwrap();
    assert_eq!(
        stored["hours"],
        hours(&[(1, "08:30", "12:30"), (5, "14:00", "16:00")]),
        "stored sorted"
    );
    assert_eq!(
        app.get(schedule, &admin)
            .await
            .json::<Value>()
            .await
            .unwrap(),
        stored
    );

    let closed = try_issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(closed.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(closed).await, "desk_closed");
    let board = super::board(&app, &operator).await;
    assert_eq!(board["open"], false);
    // A phone call is answered at any hour; the refused totem took no number.
    assert_eq!(
        issue(&app, &operator, json!({"line": "A"})).await["number"],
        "A002"
    );

    // 14:00 local (13:00 UTC) opens the desk; 16:00 closes it again.
    advance(&app, 5 * 3600);
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A003"
    );
    let board = super::board(&app, &operator).await;
    assert_eq!(board["open"], true);
    advance(&app, 2 * 3600 - 1);
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A004"
    );
    advance(&app, 1);
    let late = try_issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(error_code(late).await, "desk_closed");

    // A closed date closes the desk even with no hours at all.
    let holiday = app
        .put_json(
            schedule,
            Some(&admin),
            &json!({"closed_dates": ["2026-12-25", "2026-11-27"]}),
        )
        .await;
    assert_eq!(holiday.status(), StatusCode::OK);
    let holiday: Value = holiday.json().await.unwrap();
    assert_eq!(holiday["closed_dates"], json!(["2026-11-27", "2026-12-25"]));
    let refused = try_issue(&app, &totem, json!({"line": "A"})).await;
    assert_eq!(error_code(refused).await, "desk_closed");
    // The next day is not a closed date, and with no hours it is open all day.
    advance(&app, 8 * 3600);
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A001"
    );
}

#[tokio::test]
async fn bad_schedules_are_refused_and_change_nothing() {
    let (app, admin, operator, _totem) = desk().await;
    let schedule = "/api/v1/admin/queue/schedule";
    let good = json!({"hours": hours(&[(2, "09:00", "12:00")]), "closed_dates": ["2026-08-15"]});
    assert_eq!(
        app.put_json(schedule, Some(&admin), &good).await.status(),
        StatusCode::OK
    );
    for bad in [
        json!({"hours": hours(&[(0, "09:00", "12:00")])}),
        json!({"hours": hours(&[(8, "09:00", "12:00")])}),
        json!({"hours": hours(&[(1, "9:00", "12:00")])}),
        json!({"hours": hours(&[(1, "12:00", "09:00")])}),
        json!({"hours": hours(&[(1, "09:00", "09:00")])}),
        json!({"hours": hours(&[(1, "24:00", "24:00")])}),
        json!({"hours": hours(&[(1, "08:00", "12:00"), (1, "11:59", "13:00")])}),
        json!({"closed_dates": ["2026-02-30"]}),
        json!({"closed_dates": ["25/12/2026"]}),
    ] {
        let response = app.put_json(schedule, Some(&admin), &bad).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_code(response).await, "validation_failed");
    }
    let unknown_field = app
        .put_json(
            schedule,
            Some(&admin),
            &json!({"hours": [], "holidays": []}),
        )
        .await;
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    let kept: Value = app.get(schedule, &admin).await.json().await.unwrap();
    assert_eq!(kept, good);

    // Back-to-back intervals are fine, and 24:00 closes a day.
    let split = json!({"hours": hours(&[(6, "08:00", "12:00"), (6, "12:00", "24:00")])});
    assert_eq!(
        app.put_json(schedule, Some(&admin), &split).await.status(),
        StatusCode::OK
    );
    // Only admins set the schedule.
    let operator_put = app.put_json(schedule, Some(&operator), &good).await;
    assert_eq!(operator_put.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_add_lines_switch_them_off_and_cap_them() {
    let (app, admin, operator, totem) = desk().await;
    let line_b = json!({"name_it": "Casa", "name_en": "Housing"});
    let created = app
        .put_json("/api/v1/admin/queue/lines/B", Some(&admin), &line_b)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created,
        json!({"code": "B", "name_it": "Casa", "name_en": "Housing", "active": true, "daily_cap": null})
    );
    let again = app
        .put_json("/api/v1/admin/queue/lines/B", Some(&admin), &line_b)
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a replacement, not a creation"
    );

    // Every principal reads the lines (the totem draws its buttons from them), B after the defaults.
    let lines: Vec<Value> = app
        .get("/api/v1/queue/lines", &totem)
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["A", "M", "B"]);
    assert_eq!(
        issue(&app, &totem, json!({"line": "B"})).await["number"],
        "B001"
    );

    // Out of service: nobody issues on it, and a transfer to it is refused.
    let off = app
        .put_json(
            "/api/v1/admin/queue/lines/B",
            Some(&admin),
            &json!({"name_it": "Casa", "name_en": "Housing", "active": false}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    for token in [&totem, &operator] {
        let refused = try_issue(&app, token, json!({"line": "B"})).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert_eq!(error_code(refused).await, "line_inactive");
    }
    let on_a = issue(&app, &totem, json!({"line": "A"})).await;
    let transfer = super::try_move(
        &app,
        &operator,
        on_a["id"].as_str().unwrap(),
        "transfer",
        json!({"line": "B"}),
    )
    .await;
    assert_eq!(error_code(transfer).await, "line_inactive");

    // A daily cap of 2 on M: the third ticket is refused, and a raised cap lets it through.
    let capped = |cap: u16| json!({"name_it": "Migranti e Intercultura", "name_en": "Migrants", "daily_cap": cap});
    let response = app
        .put_json("/api/v1/admin/queue/lines/M", Some(&admin), &capped(2))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["daily_cap"], 2);
    issue(&app, &totem, json!({"line": "M"})).await;
    issue(&app, &operator, json!({"line": "M"})).await;
    for token in [&totem, &operator] {
        let full = try_issue(&app, token, json!({"line": "M"})).await;
        assert_eq!(full.status(), StatusCode::CONFLICT);
        assert_eq!(error_code(full).await, "line_full");
    }
    app.put_json("/api/v1/admin/queue/lines/M", Some(&admin), &capped(3))
        .await;
    assert_eq!(
        issue(&app, &totem, json!({"line": "M"})).await["number"],
        "M003"
    );

    // Bad lines.
    for (code, body, status) in [
        (
            "C",
            json!({"name_it": " ", "name_en": "Empty"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "C",
            json!({"name_it": "x".repeat(61), "name_en": "Long"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "C",
            json!({"name_it": "Zero", "name_en": "Zero", "daily_cap": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "C",
            json!({"name_it": "Big", "name_en": "Big", "daily_cap": 1000}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "c",
            json!({"name_it": "Lower", "name_en": "Lower"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "CC",
            json!({"name_it": "Two", "name_en": "Two"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let response = app
            .put_json(
                &format!("/api/v1/admin/queue/lines/{code}"),
                Some(&admin),
                &body,
            )
            .await;
        assert_eq!(response.status(), status, "{code} {body}");
    }
    let operator_put = app
        .put_json("/api/v1/admin/queue/lines/C", Some(&operator), &line_b)
        .await;
    assert_eq!(operator_put.status(), StatusCode::FORBIDDEN);
    let lines: Vec<Value> = app
        .get("/api/v1/queue/lines", &operator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lines.len(), 3, "no line C was made");
}
