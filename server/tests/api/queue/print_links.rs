//! The totem's print link (issue 11): `print_url` on an issued or imported ticket opens the printed ticket
//! for a few minutes without a bearer header (a browser prints it from a frame), only that ticket, and
//! nothing else; and `GET /api/v1/queue/opening`, which tells the totem when a closed desk opens.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{FRIDAY_9AM, advance, desk_at, id_of, issue};
use crate::helpers::{TestApp, error_code};

/// A GET with no `Authorization` header at all.
async fn anonymous(app: &TestApp, path: &str) -> reqwest::Response {
    app.request(Method::GET, path, None).send().await.unwrap()
}

fn print_url(ticket: &Value) -> String {
    ticket["print_url"]
        .as_str()
        .expect("a print_url")
        .to_owned()
}

#[tokio::test]
async fn a_print_link_prints_its_ticket_without_a_bearer_header_until_it_expires() {
    let (app, _admin, _operator, totem) = desk_at(FRIDAY_9AM).await;
    let body = json!({"line": "A", "priority": true, "client_op_id": "totem-op-1"});
    let ticket = issue(&app, &totem, body.clone()).await;
    let link = print_url(&ticket);
    assert!(
        link.starts_with(&format!("/api/v1/queue/tickets/{}/print/", id_of(&ticket))),
        "a path on this server, bound to the ticket: {link}"
    );

    let printed = anonymous(&app, &link).await;
    assert_eq!(printed.status(), StatusCode::OK);
    let policy = printed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert_eq!(printed.headers()["cache-control"], "no-store");
    let html = printed.text().await.unwrap();
    for expected in ["A001", "Accoglienza", "PRIORITÀ", "<svg"] {
        assert!(html.contains(expected), "{expected}");
    }

    // Five minutes long: still good a second before, gone at the end.
    advance(&app, 299);
    assert_eq!(anonymous(&app, &link).await.status(), StatusCode::OK);
    advance(&app, 1);
    let expired = anonymous(&app, &link).await;
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(expired).await, "not_found");

    // A retry of the same client_op_id answers the same ticket with a fresh link.
    let again = app
        .post_json("/api/v1/queue/tickets", Some(&totem), &body)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], ticket["id"]);
    assert_ne!(print_url(&again), link);
    assert_eq!(
        anonymous(&app, &print_url(&again)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_tampered_or_another_tickets_print_link_is_not_found() {
    let (app, admin, operator, totem) = desk_at(FRIDAY_9AM).await;
    let first = issue(&app, &totem, json!({"line": "A"})).await;
    let second = issue(&app, &operator, json!({"line": "M"})).await;
    let link = print_url(&first);
    let token = link.rsplit('/').next().unwrap().to_owned();
    let (expires, mac) = token.split_once('.').unwrap();

    let mut flipped = mac.as_bytes().to_vec();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let later: i64 = expires.parse::<i64>().unwrap() + 3600;
    let base = format!("/api/v1/queue/tickets/{}/print", id_of(&first));
    let refused = [
        // The first ticket's link on the second ticket.
        format!("/api/v1/queue/tickets/{}/print/{token}", id_of(&second)),
        format!("{base}/{expires}.{flipped}"),
        format!("{base}/{later}.{mac}"),
        format!("{base}/{expires}"),
        format!("{base}/not-a-link"),
        format!("/api/v1/queue/tickets/nope/print/{token}"),
    ];
    for path in &refused {
        let response = anonymous(&app, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(response).await, "not_found", "{path}");
    }
    // Each ticket's own link works, whoever issued it; and the link needs no header, whoever sends one
    // (a display's token does not turn it into a refusal, nor an admin's into anything more).
    let (_, display) = app.device(&admin, "display", "Sala").await;
    for caller in [None, Some(display.as_str()), Some(admin.as_str())] {
        for ticket in [&first, &second] {
            let response = app
                .request(Method::GET, &print_url(ticket), caller)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{caller:?}");
        }
    }
    // The bearer route itself still wants its token.
    assert_eq!(
        anonymous(&app, &base).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn imported_offline_tickets_come_back_with_print_links() {
    let (app, _admin, _operator, totem) = desk_at(FRIDAY_9AM).await;
    let lease = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "A", "size": 5}),
        )
        .await;
    assert_eq!(lease.status(), StatusCode::CREATED);
    let lease: Value = lease.json().await.unwrap();
    let imported = app
        .post_json(
            "/api/v1/queue/tickets/import",
            Some(&totem),
            &json!({"lease_id": lease["lease_id"], "tickets": [{
                "number": "A500",
                "issued_at": app.clock_rfc3339(0),
                "priority": false,
                "client_op_id": "offline-1",
            }]}),
        )
        .await;
    assert_eq!(imported.status(), StatusCode::OK);
    let imported: Value = imported.json().await.unwrap();
    let ticket = &imported["tickets"][0];
    let printed = anonymous(&app, &print_url(ticket)).await;
    assert_eq!(printed.status(), StatusCode::OK);
    assert!(printed.text().await.unwrap().contains("A500"));
}

#[tokio::test]
async fn the_totem_learns_whether_the_desk_is_open_and_when_it_opens_next() {
    // Friday 27 November 2026, 09:00 in Rome.
    let (app, admin, _operator, totem) = desk_at(FRIDAY_9AM).await;
    let opening = |token: String| {
        let app = &app;
        async move {
            let response = app.get("/api/v1/queue/opening", &token).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    // No hours: always open.
    assert_eq!(
        opening(totem.clone()).await,
        json!({"open": true, "next_opening": null})
    );
    // Friday afternoon and Monday morning only: at 09:00 on Friday it opens at 14:00 (13:00 UTC).
    let put = app
        .put_json(
            "/api/v1/admin/queue/schedule",
            Some(&admin),
            &json!({"hours": [
                {"weekday": 1, "opens": "08:30", "closes": "12:30"},
                {"weekday": 5, "opens": "14:00", "closes": "16:00"},
            ]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        opening(totem.clone()).await,
        json!({"open": false, "next_opening": "2026-11-27T13:00:00.000Z"})
    );
    advance(&app, 5 * 3600);
    assert_eq!(
        opening(totem.clone()).await,
        json!({"open": true, "next_opening": null})
    );
    // After 16:00 on Friday: Monday at 08:30 (07:30 UTC).
    advance(&app, 2 * 3600);
    assert_eq!(
        opening(totem.clone()).await,
        json!({"open": false, "next_opening": "2026-11-30T07:30:00.000Z"})
    );
    // Without a token it is a 401 like the lines.
    assert_eq!(
        anonymous(&app, "/api/v1/queue/opening").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
