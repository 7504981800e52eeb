//! Number leases and the import of tickets a totem issued offline: blocks that never overlap, imports that
//! are idempotent, and refusals that leave nothing behind.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{FRIDAY_9AM, advance, desk, desk_at, issue, list, numbers};
use crate::helpers::{TestApp, error_code};

async fn try_lease(app: &TestApp, totem: &str, line: &str, size: u16) -> Response {
    app.post_json(
        "/api/v1/queue/leases",
        Some(totem),
        &json!({"line": line, "size": size}),
    )
    .await
}

async fn lease(app: &TestApp, totem: &str, line: &str, size: u16) -> Value {
    let response = try_lease(app, totem, line, size).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "lease {line} {size}"
    );
    response.json().await.unwrap()
}

async fn import(app: &TestApp, totem: &str, lease: &Value, tickets: Value) -> Response {
    app.post_json(
        "/api/v1/queue/tickets/import",
        Some(totem),
        &json!({"lease_id": lease["lease_id"], "tickets": tickets}),
    )
    .await
}

fn offline(number: &str, issued_at: &str, op: &str) -> Value {
    json!({"number": number, "issued_at": issued_at, "client_op_id": op})
}

#[tokio::test]
async fn leased_blocks_start_at_500_and_never_overlap() {
    let (app, admin, _operator, totem) = desk_at(FRIDAY_9AM).await;
    let (_, other_totem) = app.device(&admin, "totem", "Totem secondo").await;
    let first = lease(&app, &totem, "A", 5).await;
    assert_eq!(
        (
            &first["line"],
            &first["day"],
            &first["first"],
            &first["last"]
        ),
        (
            &json!("A"),
            &json!("2026-11-27"),
            &json!("A500"),
            &json!("A504")
        )
    );
    // The lease ends at local midnight (23:00 UTC in November).
    assert_eq!(first["expires_at"], "2026-11-27T23:00:00.000Z");
    let second = lease(&app, &other_totem, "A", 10).await;
    assert_eq!(
        (&second["first"], &second["last"]),
        (&json!("A505"), &json!("A514"))
    );
    let third = lease(&app, &totem, "A", 1).await;
    assert_eq!(
        (&third["first"], &third["last"]),
        (&json!("A515"), &json!("A515"))
    );
    assert_ne!(first["lease_id"], third["lease_id"]);
    // Each line counts on its own, and server-issued numbers are untouched by leases.
    assert_eq!(lease(&app, &totem, "M", 1).await["first"], "M500");
    assert_eq!(
        issue(&app, &totem, json!({"line": "A"})).await["number"],
        "A001"
    );

    // Sizes are 1 to 100; lines must exist.
    for (line, size, status) in [
        ("A", 0, StatusCode::UNPROCESSABLE_ENTITY),
        ("A", 101, StatusCode::UNPROCESSABLE_ENTITY),
        ("Q", 5, StatusCode::NOT_FOUND),
    ] {
        let refused = try_lease(&app, &totem, line, size).await;
        assert_eq!(refused.status(), status, "{line} {size}");
    }
    // 500 leasable numbers a day per line: M501..M999 is 499 more, then the line is full.
    for expected_first in ["M501", "M601", "M701", "M801"] {
        assert_eq!(lease(&app, &totem, "M", 100).await["first"], expected_first);
    }
    let last = lease(&app, &totem, "M", 99).await;
    assert_eq!(
        (&last["first"], &last["last"]),
        (&json!("M901"), &json!("M999"))
    );
    let full = try_lease(&app, &totem, "M", 1).await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(full).await, "line_full");
    // The next day counts from 500 again.
    advance(&app, 24 * 3600);
    let tomorrow = lease(&app, &totem, "M", 1).await;
    assert_eq!(
        (&tomorrow["day"], &tomorrow["first"]),
        (&json!("2026-11-28"), &json!("M500"))
    );
}

#[tokio::test]
async fn importing_twice_brings_each_ticket_in_once() {
    let (app, _admin, operator, totem) = desk().await;
    let block = lease(&app, &totem, "A", 5).await;
    // The outage starts some time after the lease was taken.
    advance(&app, 14 * 60); // (access tokens live 15 minutes)
    let body = json!([
        offline("A500", &app.clock_rfc3339(-900), "off-1"),
        {"number": "A501", "issued_at": app.clock_rfc3339(-600), "priority": true, "client_op_id": "off-2"},
    ]);
    let first = import(&app, &totem, &block, body.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (&first["imported"], &first["already_imported"]),
        (&json!(2), &json!(0))
    );
    assert_eq!(
        numbers(first["tickets"].as_array().unwrap()),
        ["A500", "A501"]
    );
    assert_eq!(first["tickets"][1]["priority"], true);
    assert_eq!(first["tickets"][1]["position"], 1, "priority first");
    assert_eq!(first["tickets"][0]["position"], 2);

    let second: Value = import(&app, &totem, &block, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&second["imported"], &second["already_imported"]),
        (&json!(0), &json!(2))
    );
    assert_eq!(
        second["tickets"], first["tickets"],
        "the same tickets, in request order"
    );

    // A retry that also carries a ticket issued since brings in just that one.
    let more = import(
        &app,
        &totem,
        &block,
        json!([
            offline("A502", &app.clock_rfc3339(-60), "off-3"),
            offline("A500", &app.clock_rfc3339(-900), "off-1"),
        ]),
    )
    .await;
    let more: Value = more.json().await.unwrap();
    assert_eq!(
        (&more["imported"], &more["already_imported"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(more["tickets"][1]["id"], first["tickets"][0]["id"]);
    let listed = list(&app, &operator, "").await;
    assert_eq!(numbers(&listed), ["A501", "A500", "A502"]);
    assert!(listed.iter().all(|t| t["source"] == "lease"));
}

#[tokio::test]
async fn refused_imports_change_nothing() {
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let (_, other_totem) = app.device(&admin, "totem", "Totem secondo").await;
    let mine = lease(&app, &totem, "A", 5).await; // A500..A504
    let theirs = lease(&app, &other_totem, "A", 5).await; // A505..A509
    advance(&app, 14 * 60); // (access tokens live 15 minutes)
    let earlier = app.clock_rfc3339(-600);
    let imported = import(
        &app,
        &totem,
        &mine,
        json!([offline("A500", &earlier, "off-1")]),
    )
    .await;
    assert_eq!(imported.status(), StatusCode::OK);
    let before = list(&app, &operator, "").await;
    assert_eq!(numbers(&before), ["A500"]);

    let good = offline("A501", &earlier, "off-2");
    let unknown_lease = json!({"lease_id": "00000000-0000-4000-8000-000000000000"});
    let cases: Vec<(&str, &Value, Value, StatusCode, &str)> = vec![
        (
            "outside the lease",
            &mine,
            json!([good, offline("A505", &earlier, "off-x")]),
            StatusCode::CONFLICT,
            "outside_lease",
        ),
        (
            "another line",
            &mine,
            json!([good, offline("M500", &earlier, "off-x")]),
            StatusCode::CONFLICT,
            "outside_lease",
        ),
        (
            "another totem's lease",
            &theirs,
            json!([offline("A505", &earlier, "off-x")]),
            StatusCode::NOT_FOUND,
            "unknown_lease",
        ),
        (
            "an unknown lease",
            &unknown_lease,
            json!([good]),
            StatusCode::NOT_FOUND,
            "unknown_lease",
        ),
        (
            "issued yesterday",
            &mine,
            json!([
                good,
                offline("A502", &app.clock_rfc3339(-10 * 3600), "off-x")
            ]),
            StatusCode::CONFLICT,
            "outside_lease",
        ),
        (
            "issued before its lease was taken (beyond 5 minutes of clock skew)",
            &mine,
            json!([good, offline("A502", &app.clock_rfc3339(-25 * 60), "off-x")]),
            StatusCode::CONFLICT,
            "outside_lease",
        ),
        (
            "issued in an hour",
            &mine,
            json!([good, offline("A502", &app.clock_rfc3339(3600), "off-x")]),
            StatusCode::CONFLICT,
            "outside_lease",
        ),
        (
            "not a time",
            &mine,
            json!([good, offline("A502", "this morning", "off-x")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "a bad client_op_id",
            &mine,
            json!([good, offline("A502", &earlier, "off x")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        // Repeats within one request meet the same checks as repeats of an earlier import.
        (
            "a number twice",
            &mine,
            json!([good, offline("A501", &earlier, "off-x")]),
            StatusCode::CONFLICT,
            "number_taken",
        ),
        (
            "an op id twice",
            &mine,
            json!([good, offline("A502", &earlier, "off-2")]),
            StatusCode::CONFLICT,
            "client_op_id_reused",
        ),
        (
            "a number taken by another op",
            &mine,
            json!([good, offline("A500", &earlier, "off-x")]),
            StatusCode::CONFLICT,
            "number_taken",
        ),
        (
            "an op id used for another number",
            &mine,
            json!([good, offline("A502", &earlier, "off-1")]),
            StatusCode::CONFLICT,
            "client_op_id_reused",
        ),
        (
            "nothing",
            &mine,
            json!([]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (what, lease, tickets, status, code) in cases {
        let response = import(&app, &totem, lease, tickets).await;
        assert_eq!(response.status(), status, "{what}");
        assert_eq!(error_code(response).await, code, "{what}");
        let after = list(&app, &operator, "").await;
        assert_eq!(after, before, "{what}: nothing imported");
    }
    // A malformed field is named by its place in the list.
    let response = import(
        &app,
        &totem,
        &mine,
        json!([good, offline("A502", &earlier, "off x")]),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "tickets[1].client_op_id must be 1 to 64 characters of A-Z a-z 0-9 - _"
    );
    let too_many: Vec<Value> = (0..101)
        .map(|i| offline(&format!("A{:03}", 500 + i), &earlier, &format!("bulk-{i}")))
        .collect();
    let response = import(&app, &totem, &mine, Value::Array(too_many)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The good ticket alone goes in; a totem's clock a minute ahead of the server's is tolerated.
    let alone = import(
        &app,
        &totem,
        &mine,
        json!([good, offline("A502", &app.clock_rfc3339(60), "off-3")]),
    )
    .await;
    assert_eq!(alone.status(), StatusCode::OK);
    assert_eq!(
        numbers(&list(&app, &operator, "").await),
        ["A500", "A501", "A502"]
    );

    // After midnight yesterday's lease is over, whatever the tickets say.
    advance(&app, 15 * 3600);
    let late = import(
        &app,
        &totem,
        &mine,
        json!([offline("A503", &app.clock_rfc3339(-60), "off-4")]),
    )
    .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(late).await, "lease_expired");
    let late = import(
        &app,
        &totem,
        &mine,
        json!([offline("A503", &earlier, "off-4")]),
    )
    .await;
    assert_eq!(error_code(late).await, "lease_expired");
    assert!(list(&app, &operator, "").await.is_empty(), "nothing today");
    let stats: Value = app
        .get("/api/v1/queue/stats?from=2026-11-27&to=2026-11-27", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["lines"][0]["issued"], 3, "yesterday kept its three");
}

/// A lease taken at 23:50 in Rome belongs to that day: what the totem issued offline comes in until local
/// midnight, and after it the lease is of another day (`409 lease_expired`, nothing imported) while a new
/// lease counts from 500 again — in winter (UTC+1) and in summer (UTC+2) alike.
#[tokio::test]
async fn a_lease_taken_at_ten_to_midnight_imports_until_midnight_and_is_expired_after_it() {
    for (start, day, next_day, midnight) in [
        (
            "2026-11-27T22:50:00Z",
            "2026-11-27",
            "2026-11-28",
            "2026-11-27T23:00:00.000Z",
        ),
        (
            "2026-07-10T21:50:00Z",
            "2026-07-10",
            "2026-07-11",
            "2026-07-10T22:00:00.000Z",
        ),
    ] {
        let (app, _admin, operator, totem) = desk_at(start).await;
        let block = lease(&app, &totem, "A", 5).await;
        assert_eq!(
            (&block["day"], &block["first"], &block["expires_at"]),
            (&json!(day), &json!("A500"), &json!(midnight)),
            "{start}"
        );
        advance(&app, 5 * 60);
        let at_23_55 = app.clock_rfc3339(0);
        advance(&app, 3 * 60);
        let at_23_58 = app.clock_rfc3339(0);

        // 23:59: still the lease's day.
        advance(&app, 60);
        let before = import(
            &app,
            &totem,
            &block,
            json!([offline("A500", &at_23_55, "night-1")]),
        )
        .await;
        assert_eq!(before.status(), StatusCode::OK, "{start}");
        assert_eq!(numbers(&list(&app, &operator, "").await), ["A500"]);

        // 00:10: the lease is of yesterday, whatever time its tickets carry.
        advance(&app, 11 * 60);
        let after = import(
            &app,
            &totem,
            &block,
            json!([offline("A501", &at_23_58, "night-2")]),
        )
        .await;
        assert_eq!(after.status(), StatusCode::CONFLICT, "{start}");
        assert_eq!(error_code(after).await, "lease_expired");
        assert!(
            list(&app, &operator, "").await.is_empty(),
            "{start}: nothing of yesterday in today's queue"
        );
        let today = lease(&app, &totem, "A", 5).await;
        assert_eq!(
            (&today["day"], &today["first"]),
            (&json!(next_day), &json!("A500")),
            "{start}"
        );
    }
}
