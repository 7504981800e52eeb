//! Devices (enrolment, tokens, revocation), the audit trail of queue changes, the printed ticket and the
//! public status page.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    FRIDAY_9AM, advance, call_next, desk, desk_at, id_of, issue, move_ticket, status_path,
    try_issue, try_move,
};
use crate::helpers::{TestApp, error_code};

async fn exchange(app: &TestApp, credential: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/device-token",
        None,
        &json!({"credential": credential}),
    )
    .await
}

#[tokio::test]
async fn a_revoked_device_is_shut_out_at_its_next_request() {
    let (app, admin, operator, _totem) = desk().await;
    let (id, credential) = app.enrol_device(&admin, "totem", "Totem atrio").await;
    // Each exchange opens a session of its own; both work.
    let first = app.device_token(&credential).await;
    let second = app.device_token(&credential).await;
    assert_ne!(first, second);
    for token in [&first, &second] {
        try_issue(&app, token, json!({"line": "A"}))
            .await
            .error_for_status()
            .unwrap();
    }
    let (_, other) = app.device(&admin, "totem", "Totem secondo").await;

    let devices: Vec<Value> = app
        .get("/api/v1/admin/devices", &admin)
        .await
        .json()
        .await
        .unwrap();
    let listed = devices.iter().find(|d| d["id"] == id.as_str()).unwrap();
    assert_eq!(
        (&listed["kind"], &listed["name"], &listed["revoked_at"]),
        (&json!("totem"), &json!("Totem atrio"), &Value::Null)
    );
    assert!(listed["last_seen_at"].is_string());
    assert!(
        listed.get("credential").is_none(),
        "the credential is shown once"
    );

    let revoke_path = format!("/api/v1/admin/devices/{id}/revoke");
    let revoked = app.post_json(&revoke_path, Some(&admin), &json!({})).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked: Value = revoked.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    // Both sessions end at once, on every route.
    for token in [&first, &second] {
        let refused = try_issue(&app, token, json!({"line": "A"})).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(refused).await, "unauthenticated");
        let lines = app.get("/api/v1/queue/lines", token).await;
        assert_eq!(lines.status(), StatusCode::UNAUTHORIZED);
    }
    // The credential is dead too, and says no more than a garbage one.
    let again = exchange(&app, &credential).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(again).await, "unauthenticated");
    for garbage in ["", "not-a-credential", &credential[..credential.len() - 1]] {
        let response = exchange(&app, garbage).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{garbage:?}");
    }
    // Revoking again is harmless and keeps the first time; unknown devices are not found.
    let twice: Value = app
        .post_json(&revoke_path, Some(&admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(twice["revoked_at"], revoked["revoked_at"]);
    for unknown in ["00000000-0000-4000-8000-000000000000", "nope"] {
        let response = app
            .post_json(
                &format!("/api/v1/admin/devices/{unknown}/revoke"),
                Some(&admin),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{unknown}");
    }
    // The other totem carries on.
    assert_eq!(
        issue(&app, &other, json!({"line": "A"})).await["number"],
        "A003"
    );

    // Only admins manage devices.
    let enrol = json!({"kind": "display", "name": "Sala"});
    let by_operator = app
        .post_json("/api/v1/admin/devices", Some(&operator), &enrol)
        .await;
    assert_eq!(by_operator.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/admin/devices", &operator).await.status(),
        StatusCode::FORBIDDEN
    );
    let revoke_other = app
        .post_json(&revoke_path, Some(&operator), &json!({}))
        .await;
    assert_eq!(revoke_other.status(), StatusCode::FORBIDDEN);
    for (body, status) in [
        (
            json!({"kind": "printer", "name": "Stampante"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"kind": "totem", "name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"kind": "totem", "name": "x".repeat(65)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let response = app
            .post_json("/api/v1/admin/devices", Some(&admin), &body)
            .await;
        assert_eq!(response.status(), status, "{body}");
    }

    // The admin's trail: the enrolment, the revocation (once), the refused exchanges.
    let audit = |action: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let page: Value = app
                .get(&format!("/api/v1/admin/audit?action={action}"), admin)
                .await
                .json()
                .await
                .unwrap();
            page["entries"].as_array().unwrap().clone()
        }
    };
    let revocations = audit("admin.device_revoke").await;
    assert_eq!(revocations.len(), 1);
    assert_eq!(revocations[0]["target"], id.as_str());
    let exchanges = audit("device.token").await;
    let failed = exchanges
        .iter()
        .filter(|e| e["outcome"] == "failure")
        .count();
    assert_eq!(failed, 4);
}

#[tokio::test]
async fn devices_never_pass_for_users() {
    let (app, admin, _operator, totem) = desk().await;
    let (_, display) = app.device(&admin, "display", "Sala").await;
    for token in [&totem, &display] {
        for path in ["/api/v1/me", "/api/v1/admin/users", "/api/v1/admin/devices"] {
            let response = app.get(path, token).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
    }
    // Each device kind does its own job only.
    let by_display = try_issue(&app, &display, json!({"line": "A"})).await;
    assert_eq!(by_display.status(), StatusCode::FORBIDDEN);
    let totem_calls = app
        .post_json(
            "/api/v1/queue/call-next",
            Some(&totem),
            &json!({"desk": "1"}),
        )
        .await;
    assert_eq!(totem_calls.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/queue/board", &display).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/queue/board", &totem).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn queue_changes_are_audited_by_ticket_id_never_by_number() {
    let (app, admin, operator, totem) = desk().await;
    let totem_ticket = issue(&app, &totem, json!({"line": "A"})).await;
    let phone_ticket = issue(&app, &operator, json!({"line": "M"})).await;
    let called = call_next(&app, &operator, "Sportello 1", &[]).await;
    assert_eq!(called["id"], totem_ticket["id"]);
    let id = id_of(&called);
    move_ticket(&app, &operator, &id, "start").await;
    let moved = try_move(&app, &operator, &id, "transfer", json!({"line": "M"})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let refused = try_move(&app, &operator, &id, "finish", json!({})).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let lease: Value = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "A", "size": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    let imported: Value = app
        .post_json(
            "/api/v1/queue/tickets/import",
            Some(&totem),
            &json!({"lease_id": lease["lease_id"], "tickets": [
                {"number": "A500", "issued_at": app.clock_rfc3339(-60), "client_op_id": "off-1"}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let imported_id = imported["tickets"][0]["id"].as_str().unwrap().to_owned();

    let page: Value = app
        .get("/api/v1/admin/audit?limit=500", &admin)
        .await
        .json()
        .await
        .unwrap();
    let entries = page["entries"].as_array().unwrap();
    let of = |action: &str| -> Vec<&Value> {
        let mut rows: Vec<&Value> = entries.iter().filter(|e| e["action"] == action).collect();
        rows.reverse(); // oldest first
        rows
    };
    let issues = of("queue.ticket_issue");
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["target"], totem_ticket["id"]);
    assert_eq!(issues[0]["actor_role"], "totem");
    assert_eq!(issues[1]["target"], phone_ticket["id"]);
    assert_eq!(issues[1]["actor_role"], "operator");
    let updates: Vec<&str> = of("queue.ticket_update")
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        updates,
        [
            format!("{id}:call"),
            format!("{id}:start"),
            format!("{id}:transfer")
        ],
        "one row per change, none for the refused move"
    );
    let imports = of("queue.ticket_import");
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0]["target"], imported_id.as_str());
    let leases = of("queue.lease");
    assert_eq!(leases.len(), 1);
    assert!(
        leases[0]["target"]
            .as_str()
            .unwrap()
            .starts_with(lease["lease_id"].as_str().unwrap())
    );
    // No row names a ticket by its number or carries its status link.
    let tokens: Vec<String> = [&totem_ticket, &phone_ticket]
        .iter()
        .map(|t| status_path(t)["/t/".len()..].to_owned())
        .collect();
    for entry in entries {
        let text = entry.to_string();
        for number in ["A001", "M001", "A500"] {
            assert!(!text.contains(number), "{number} in {text}");
        }
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "a status token in {text}");
        }
    }
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.request(Method::GET, path, None).send().await.unwrap();
    let status = response.status();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{path}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_public_page_shows_a_ticket_and_nothing_more() {
    let (app, _admin, operator, totem) = desk().await;
    let tickets = [
        issue(&app, &totem, json!({"line": "A"})).await,
        issue(&app, &totem, json!({"line": "A"})).await,
        issue(&app, &totem, json!({"line": "A"})).await,
    ];
    let (status, third) = page(&app, &status_path(&tickets[2])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(third.contains("A003"));
    assert!(third.contains("Persone prima di te"));
    assert!(third.contains("<dd>2</dd>"), "two ahead");
    assert!(
        third.contains("http-equiv=\"refresh\""),
        "a waiting page refreshes"
    );
    for other in ["A001", "A002"] {
        assert!(!third.contains(other), "another ticket's number");
    }

    call_next(&app, &operator, "Sportello 5", &[]).await;
    let (_, third) = page(&app, &status_path(&tickets[2])).await;
    assert!(
        third.contains("<dd>1</dd>"),
        "one ahead once A001 is called"
    );
    let (_, first) = page(&app, &status_path(&tickets[0])).await;
    assert!(first.contains("status-called"));
    assert!(
        first.contains("Sportello 5"),
        "a called ticket is told where to go"
    );
    assert!(!first.contains("Persone prima di te"));
    move_ticket(&app, &operator, &id_of(&tickets[0]), "start").await;
    move_ticket(&app, &operator, &id_of(&tickets[0]), "finish").await;
    let (_, first) = page(&app, &status_path(&tickets[0])).await;
    assert!(first.contains("status-done"));
    assert!(
        !first.contains("Sportello 5"),
        "the desk is gone once served"
    );
    assert!(
        !first.contains("http-equiv=\"refresh\""),
        "a final status stops refreshing"
    );

    // Unknown and malformed tokens: one 404 page, whatever was tried.
    let unknown = "A".repeat(22);
    for path in [
        format!("/t/{unknown}"),
        "/t/short".to_owned(),
        format!("/t/{}", "x".repeat(200)),
        format!("/t/{}.", &unknown[..21]),
        format!("{}%27", status_path(&tickets[1])),
    ] {
        let (status, body) = page(&app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("Numero non trovato"), "{path}");
        assert!(!body.contains("A00"), "{path}");
    }
}

#[tokio::test]
async fn a_totem_prints_its_own_tickets_of_today() {
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let (_, other_totem) = app.device(&admin, "totem", "Totem secondo").await;
    let (_, display) = app.device(&admin, "display", "Sala").await;
    issue(&app, &totem, json!({"line": "A"})).await;
    let ticket = issue(&app, &totem, json!({"line": "A", "priority": true})).await;
    let path = format!("/api/v1/queue/tickets/{}/print", id_of(&ticket));

    let printed = app.get(&path, &totem).await;
    assert_eq!(printed.status(), StatusCode::OK);
    assert!(
        printed.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = printed.text().await.unwrap();
    for expected in [
        "A002",
        "Accoglienza",
        "27/11/2026 09:00",
        "PRIORITÀ",
        "<svg",
        "lang=\"fr\"",
        "lang=\"ar\"",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(
        html.contains("<dd>0</dd>"),
        "a priority ticket has nobody ahead"
    );

    // Another totem's ticket is not found; an operator prints any of today's; a display prints nothing.
    let by_other = app.get(&path, &other_totem).await;
    assert_eq!(by_other.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&path, &operator).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&path, &display).await.status(),
        StatusCode::FORBIDDEN
    );
    for id in ["00000000-0000-4000-8000-000000000000", "nope"] {
        let response = app
            .get(&format!("/api/v1/queue/tickets/{id}/print"), &totem)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
    }
    // Yesterday's tickets are not printed any more.
    advance(&app, 24 * 3600);
    assert_eq!(app.get(&path, &totem).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&path, &operator).await.status(),
        StatusCode::NOT_FOUND
    );
}
