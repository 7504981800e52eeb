//! What a hostile caller must not be able to grow or hold: the metrics' label sets, the audit log, a
//! connection kept open by a request body that never comes.

use automerge::Automerge;
use automerge::sync::{State as SyncState, SyncDoc};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sportello_schema::sync::{DocSync, DocumentId, Message};

use crate::helpers::{TestApp, error_code, join_all, spawn_app, spawn_app_with};
use crate::queue::advance;
use crate::sync_client::Peer;

/// The label sets of `sportello_http_requests_total` in a scrape.
async fn request_label_sets(app: &TestApp) -> Vec<String> {
    let token = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();
    let response = app.get("/metrics", token.trim()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| line.starts_with("sportello_http_requests_total{"))
        .map(|line| {
            line.rsplit_once(' ')
                .map_or(line, |(labels, _)| labels)
                .to_owned()
        })
        .collect()
}

/// Sends requests with methods and paths nobody registered, numbered from `from`.
async fn invented_requests(app: &TestApp, from: usize, count: usize) {
    for i in from..from + count {
        let method = Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        for path in [
            format!("/no/such/path/{i}"),
            format!("/api/v1/admin/users/{i}"),
            "/api/v1/auth/login".to_owned(),
        ] {
            let response = app
                .request(method.clone(), &path, None)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_client_error(), "{method} {path}");
        }
        let response = app
            .request(Method::GET, &format!("/api/v1/unknown-{i}"), None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        // Outside the API an unknown path is an app route (the tablet app's fallback): still no new label.
        let response = app
            .request(Method::GET, &format!("/unknown-{i}"), None)
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::NOT_FOUND,
            "the app's fallback (or, with SPORTELLO_SKIP_WEB_BUILD, its not-built page)"
        );
    }
}

#[tokio::test]
async fn invented_methods_and_paths_add_no_metric_labels() {
    let app = spawn_app().await;
    invented_requests(&app, 0, 5).await;
    // A first scrape, so that the next ones find their own label set already there.
    request_label_sets(&app).await;
    let before = request_label_sets(&app).await;

    invented_requests(&app, 5, 300).await;
    let after = request_label_sets(&app).await;

    assert_eq!(after.len(), before.len(), "label sets: {after:#?}");
    assert!(
        after.iter().all(|line| !line.contains("INVENTED")
            && !line.contains("/no/such")
            && !line.contains("unknown-")),
        "{after:#?}"
    );
    assert!(
        after
            .iter()
            .any(|line| line.contains("method=\"other\"") && line.contains("route=\"unmatched\"")),
        "{after:#?}"
    );
}

/// The audit rows of `action` by `actor`, oldest first, as an admin reads them.
async fn audit_rows(app: &TestApp, admin: &str, action: &str, actor: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!("/api/v1/admin/audit?action={action}&actor_id={actor}&limit=500"),
            admin,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    let mut rows = page["entries"].as_array().unwrap().clone();
    rows.sort_by_key(|row| row["seq"].as_i64());
    rows
}

fn targets(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|row| row["target"].as_str().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn three_thousand_refusals_write_two_rows_and_slow_the_caller_down() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.curiosa", "operator", &[]).await;

    let mut statuses = Vec::new();
    for _ in 0..30 {
        let answers = join_all((0..100).map(|_| async {
            let response = app.get("/api/v1/admin/users", &operator).await;
            let retry_after = response.headers().get("retry-after").cloned();
            (response.status(), retry_after, error_code(response).await)
        }))
        .await;
        statuses.extend(answers);
    }
    let forbidden = statuses
        .iter()
        .filter(|(status, _, code)| *status == StatusCode::FORBIDDEN && code == "forbidden")
        .count();
    let limited = statuses
        .iter()
        .filter(|(status, retry_after, code)| {
            *status == StatusCode::TOO_MANY_REQUESTS
                && code == "too_many_denials"
                && retry_after.is_some()
        })
        .count();
    assert_eq!((forbidden, limited), (100, 2_900));
    // Only refusals are limited: what the operator may do still works.
    let me = app.get("/api/v1/me", &operator).await;
    assert_eq!(me.status(), StatusCode::OK);

    let rows = audit_rows(&app, &admin, "access.denied", &operator_id).await;
    assert_eq!(targets(&rows), ["/api/v1/admin/users"]);

    // The next refusal after the window writes the count of the repeats, then its own row.
    advance(&app, 60);
    let again = app.get("/api/v1/admin/audit", &operator).await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    let rows = audit_rows(&app, &admin, "access.denied", &operator_id).await;
    assert_eq!(
        targets(&rows),
        [
            "/api/v1/admin/users",
            "repeated:2999",
            "/api/v1/admin/audit"
        ]
    );
    assert!(
        rows.iter()
            .all(|row| row["outcome"] == "denied" && row["actor_role"] == "operator")
    );

    let (intact, line) = sportello_server::commands::audit_verify(app.data_dir())
        .await
        .unwrap();
    assert!(intact, "{line}");
}

#[tokio::test]
async fn a_sync_peer_asking_for_many_documents_it_may_not_have_is_counted_and_slowed_not_closed() {
    let app = spawn_app_with(|settings| settings.denials.max_per_window = 20).await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "op.curiosa", "operator", &[]).await;
    let mut peer = Peer::join(&app, &operator, "tablet-curiosa").await;
    let empty = Automerge::new()
        .generate_sync_message(&mut SyncState::new())
        .unwrap()
        .encode();
    for _ in 0..30 {
        peer.send(&Message::Request(DocSync {
            sender_id: peer.label.clone(),
            target_id: peer.server.clone().unwrap(),
            document_id: DocumentId::new_random(),
            data: empty.clone(),
        }))
        .await;
    }
    // Every request is answered, the ten past the limit more slowly; the connection stays open (a tablet
    // holding many documents it lost access to offers them at every reconnect: closing would loop).
    let mut unavailable = 0;
    while unavailable < 30 {
        match peer.recv().await {
            Some(Ok(Message::DocUnavailable(_))) => unavailable += 1,
            Some(Ok(_)) => {}
            Some(Err(close)) => panic!("closed after {unavailable} answers: {close:?}"),
            None => panic!("the server stopped answering after {unavailable}"),
        }
    }
    let rows = audit_rows(&app, &admin, "doc.denied", &operator_id).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    drop(peer);

    // A minute later the peer may ask again; the first answer brings the count of the last window.
    advance(&app, 60);
    let mut peer = Peer::join(&app, &operator, "tablet-curiosa").await;
    let missing = DocumentId::new_random();
    let outcome = peer
        .sync(missing, &mut Automerge::new(), &mut SyncState::new(), true)
        .await;
    assert!(
        outcome.unavailable && outcome.closed.is_none(),
        "{outcome:?}"
    );
    let rows = audit_rows(&app, &admin, "doc.denied", &operator_id).await;
    assert_eq!(
        targets(&rows)[1..],
        ["repeated:29", missing.to_string().as_str()]
    );

    let (intact, line) = sportello_server::commands::audit_verify(app.data_dir())
        .await
        .unwrap();
    assert!(intact, "{line}");
}

/// Sends `head` (a request declaring a body it never sends) on a raw TCP connection and returns everything
/// the server writes until it closes the connection. The bound only keeps a broken server from hanging the
/// test; the server's own deadline is a fraction of it.
async fn stalled_request(app: &TestApp, head: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        socket.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes a connection whose body never comes")
    .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_login_whose_body_never_comes_is_answered_408_and_its_connection_closed() {
    let app = spawn_app_with(|settings| {
        settings.request_body_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let answer = stalled_request(
        &app,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: sportello\r\nContent-Type: application/json\r\n\
         Content-Length: 200\r\n\r\n{\"username\": \"adm",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"request_timeout\""), "{answer}");

    // The server is unharmed: a login that sends its body goes through.
    let _ = app.admin_token().await;
}
