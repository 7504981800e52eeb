//! The queue's server-sent events: frames as sent, resumption with `Last-Event-ID` (from memory and, after a
//! restart, from the database), and who may listen.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{call_next, desk, id_of, issue, move_ticket};
use crate::helpers::{TestApp, error_code, spawn_app_in, spawn_app_with};

/// How long a test waits for a frame it expects (the server sends it within milliseconds).
const FRAME_WAIT: Duration = Duration::from_secs(10);

/// One server-sent event with an id.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    id: i64,
    kind: String,
    data: Value,
}

/// One frame as read off the wire: its `field: value` lines.
#[derive(Debug, Default)]
struct Frame {
    id: Option<i64>,
    event: Option<String>,
    data: Option<String>,
    retry: Option<u64>,
    comment: bool,
}

/// Reads an event stream frame by frame.
struct EventReader {
    response: Response,
    buffer: String,
}

impl EventReader {
    fn new(response: Response) -> Self {
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// Opens `/api/v1/queue/events` with the token in the header, resuming after `last` if given.
    async fn open(app: &TestApp, token: &str, last: Option<i64>) -> Self {
        let mut request = app.request(Method::GET, "/api/v1/queue/events", Some(token));
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last.to_string());
        }
        Self::new(request.send().await.unwrap())
    }

    /// The next frame, or `None` when the server ended the stream.
    async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let text: String = self.buffer.drain(..end + 2).collect();
                let mut frame = Frame::default();
                for line in text.lines().filter(|line| !line.is_empty()) {
                    if line.starts_with(':') {
                        frame.comment = true;
                        continue;
                    }
                    let (field, value) = line.split_once(": ").expect("field: value");
                    match field {
                        "id" => frame.id = Some(value.parse().unwrap()),
                        "event" => frame.event = Some(value.to_owned()),
                        "data" => {
                            assert!(frame.data.is_none(), "one data line per event");
                            frame.data = Some(value.to_owned());
                        }
                        "retry" => frame.retry = Some(value.parse().unwrap()),
                        other => panic!("unexpected field {other}"),
                    }
                }
                return Some(frame);
            }
            let chunk = tokio::time::timeout(FRAME_WAIT, self.response.chunk())
                .await
                .expect("a frame within the wait")
                .expect("the stream reads");
            match chunk {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => {
                    assert!(
                        self.buffer.is_empty(),
                        "a frame cut short: {:?}",
                        self.buffer
                    );
                    return None;
                }
            }
        }
    }

    /// The next event with an id (skipping the `retry` advice and keep-alive comments).
    async fn next_event(&mut self) -> Event {
        loop {
            let frame = self.next_frame().await.expect("the stream is open");
            if let Some(id) = frame.id {
                let data: Value = serde_json::from_str(frame.data.as_deref().unwrap()).unwrap();
                return Event {
                    id,
                    kind: frame.event.expect("an event name"),
                    data,
                };
            }
        }
    }

    async fn next_events(&mut self, count: usize) -> Vec<Event> {
        let mut events = Vec::with_capacity(count);
        for _ in 0..count {
            events.push(self.next_event().await);
        }
        events
    }
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|event| event.kind.as_str()).collect()
}

fn ticket_numbers(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.data["ticket"]["number"].as_str().unwrap())
        .collect()
}

/// Ids that follow on from `first` without gaps.
fn assert_consecutive(events: &[Event], first: i64) {
    let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
    let expected: Vec<i64> = (first..first + events.len() as i64).collect();
    assert_eq!(ids, expected);
    for event in events {
        assert_eq!(event.data["seq"], event.id, "data.seq is the id");
        assert_eq!(
            event.data["kind"],
            event.kind.as_str(),
            "data.kind is the event name"
        );
    }
}

async fn board_last_event(app: &TestApp, token: &str) -> i64 {
    let board = super::board(app, token).await;
    board["last_event_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_stream_sends_every_change_and_resumes_after_the_last_event_seen() {
    let (app, _admin, operator, totem) = desk().await;
    // Issued before anyone listens. A client loads the board, then follows the events after it; what the
    // board already shows is not sent again.
    issue(&app, &totem, json!({"line": "A"})).await;
    let shown = board_last_event(&app, &operator).await;

    let mut stream = EventReader::open(&app, &operator, Some(shown)).await;
    let advice = stream.next_frame().await.unwrap();
    assert_eq!(
        (advice.retry, advice.id),
        (Some(3000), None),
        "reconnect advice first"
    );
    let second = issue(&app, &totem, json!({"line": "A"})).await;
    issue(&app, &operator, json!({"line": "M", "priority": true})).await;
    let called = call_next(&app, &operator, "Sportello 4", &["A"]).await;
    let seen = stream.next_events(3).await;
    assert_eq!(
        kinds(&seen),
        ["ticket.issued", "ticket.issued", "ticket.call"]
    );
    assert_eq!(ticket_numbers(&seen), ["A002", "M001", "A001"]);
    assert_consecutive(&seen, shown + 1);
    assert_eq!(seen[0].data["ticket"]["id"], second["id"]);
    assert_eq!(seen[1].data["ticket"]["priority"], true);
    let call = &seen[2].data;
    assert_eq!(call["ticket"]["id"], called["id"]);
    assert_eq!(call["ticket"]["status"], "called");
    assert_eq!(call["ticket"]["desk"], "Sportello 4");
    assert!(
        call["ticket"].get("operator_id").is_none(),
        "events do not say who serves"
    );
    // The board says which event it reflects.
    let board = super::board(&app, &operator).await;
    assert_eq!(board["last_event_id"], seen[2].id);
    assert_eq!(call["day"], board["day"]);
    drop(stream);

    // Changes while nobody listens…
    move_ticket(&app, &operator, &id_of(&called), "start").await;
    move_ticket(&app, &operator, &id_of(&called), "finish").await;
    let last_seen = seen[2].id;

    // …are sent on reconnection, in order, and then the stream goes on live.
    let mut resumed = EventReader::open(&app, &operator, Some(last_seen)).await;
    let missed = resumed.next_events(2).await;
    assert_eq!(kinds(&missed), ["ticket.start", "ticket.finish"]);
    assert_consecutive(&missed, last_seen + 1);
    issue(&app, &totem, json!({"line": "A"})).await;
    let live = resumed.next_event().await;
    assert_eq!(
        (live.id, live.kind.as_str()),
        (last_seen + 3, "ticket.issued")
    );
    assert_eq!(live.data["ticket"]["number"], "A003");
    drop(resumed);

    // From an earlier id, everything after it, whether sent before or not; `last_event_id` in the query
    // does the same for clients that cannot set headers.
    let from = seen[0].id;
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/queue/events?last_event_id={from}"),
            Some(&operator),
        )
        .send()
        .await
        .unwrap();
    let mut again = EventReader::new(response);
    let replay = again.next_events(5).await;
    assert_consecutive(&replay, from + 1);
    assert_eq!(replay[..2], seen[1..]);
    assert_eq!(replay[2..4], missed[..]);
    assert_eq!(replay[4], live);
    drop(again);

    // An id this server never sent (another database, a restore): a reset to reload the board, then live.
    let mut future = EventReader::open(&app, &operator, Some(last_seen + 1_000)).await;
    let reset = future.next_event().await;
    assert_eq!((reset.kind.as_str(), reset.id), ("reset", last_seen + 3));
    let cancelled = issue(&app, &totem, json!({"line": "M"})).await;
    move_ticket(&app, &operator, &id_of(&cancelled), "cancel").await;
    let after_reset = future.next_events(2).await;
    assert_eq!(kinds(&after_reset), ["ticket.issued", "ticket.cancel"]);
    assert_consecutive(&after_reset, last_seen + 4);
}

#[tokio::test]
async fn after_a_restart_a_stream_resumes_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let clock = crate::helpers::test_clock();
    let app = spawn_app_in(dir.path(), clock.clone(), |_| {}).await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Sala d'attesa").await;
    let (_, totem) = app.device(&admin, "totem", "Totem").await;
    for _ in 0..3 {
        issue(&app, &totem, json!({"line": "M"})).await;
    }
    let last = board_last_event(&app, &display).await;
    app.stop().await;

    // A new process: its memory holds no events, the database does.
    let app = spawn_app_in(dir.path(), clock, |_| {}).await;
    let mut stream = EventReader::open(&app, &display, Some(last - 2)).await;
    let missed = stream.next_events(2).await;
    assert_consecutive(&missed, last - 1);
    assert_eq!(ticket_numbers(&missed), ["M002", "M003"]);
    issue(&app, &totem, json!({"line": "M"})).await;
    let live = stream.next_event().await;
    assert_eq!(
        (live.id, ticket_numbers(std::slice::from_ref(&live))[0]),
        (last + 1, "M004")
    );
}

#[tokio::test]
async fn displays_and_staff_listen_with_a_header_or_a_query_token_and_totems_do_not() {
    let (app, admin, operator, totem) = desk().await;
    let (display_id, display) = app.device(&admin, "display", "Sala d'attesa").await;
    let (_, social_worker) = app
        .create_user(&admin, "assistente", "social_worker", &["elderly"])
        .await;
    let by_query = |token: &str| {
        app.request(
            Method::GET,
            &format!("/api/v1/queue/events?access_token={token}"),
            None,
        )
        .send()
    };

    let mut display_header = EventReader::open(&app, &display, None).await;
    let mut display_query = EventReader::new(by_query(&display).await.unwrap());
    let mut operator_query = EventReader::new(by_query(&operator).await.unwrap());
    let mut social_worker_header = EventReader::open(&app, &social_worker, None).await;
    issue(&app, &totem, json!({"line": "A"})).await;
    let expected = display_header.next_event().await;
    assert_eq!(expected.kind, "ticket.issued");
    for stream in [
        &mut display_query,
        &mut operator_query,
        &mut social_worker_header,
    ] {
        assert_eq!(stream.next_event().await, expected);
    }

    // A totem has nothing to show: refused by header and by query; no token at all is unauthenticated.
    let totem_header = app.get("/api/v1/queue/events", &totem).await;
    assert_eq!(totem_header.status(), StatusCode::FORBIDDEN);
    let totem_query = by_query(&totem).await.unwrap();
    assert_eq!(totem_query.status(), StatusCode::FORBIDDEN);
    let nobody = app
        .request(Method::GET, "/api/v1/queue/events", None)
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
    let garbage = by_query("not-a-token").await.unwrap();
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    // A revoked display cannot open a new stream, by header or by query.
    let revoked = app
        .post_json(
            &format!("/api/v1/admin/devices/{display_id}/revoke"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let header = app.get("/api/v1/queue/events", &display).await;
    assert_eq!(header.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        by_query(&display).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/queue/board", &display).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn streams_beyond_the_limit_are_refused_as_busy() {
    let app = spawn_app_with(|settings| settings.max_event_streams = 1).await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Sala").await;
    let _open = EventReader::open(&app, &display, None).await;
    let second = app.get("/api/v1/queue/events", &display).await;
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(second).await, "busy");
}

/// Revocation reaches streams already open: a revoked display's stream ends at its next check, however
/// busy it is, and a keep-alive comment comes meanwhile when it is idle.
#[tokio::test]
async fn a_revoked_display_stream_ends_at_its_next_check() {
    let app = spawn_app_with(|settings| {
        settings.event_stream_keepalive = Duration::from_millis(300);
    })
    .await;
    let admin = app.admin_token().await;
    let (display_id, display) = app.device(&admin, "display", "Sala").await;
    let mut stream = EventReader::open(&app, &display, None).await;
    // Idle: keep-alive comments arrive while the display is live.
    let mut comments = 0;
    while comments < 2 {
        let frame = tokio::time::timeout(FRAME_WAIT, stream.next_frame())
            .await
            .expect("a frame within the wait")
            .expect("the stream is still open");
        comments += usize::from(frame.comment);
    }
    let revoked = app
        .post_json(
            &format!("/api/v1/admin/devices/{display_id}/revoke"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let ended = tokio::time::timeout(FRAME_WAIT, async {
        while stream.next_frame().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the revoked display's stream did not end");
}

/// One caller cannot take every stream slot: past its quota it gets `429 too_many_streams`, other callers
/// still get theirs, and a closed stream gives its slot back.
#[tokio::test]
async fn each_caller_has_a_quota_of_streams_and_gets_a_slot_back_when_one_closes() {
    let app = spawn_app_with(|settings| {
        settings.max_event_streams_per_caller = 2;
        settings.event_stream_keepalive = Duration::from_millis(200);
    })
    .await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Sala").await;
    let (_, other) = app.device(&admin, "display", "Corridoio").await;
    let first = EventReader::open(&app, &display, None).await;
    let _second = EventReader::open(&app, &display, None).await;
    let third = app.get("/api/v1/queue/events", &display).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(third).await, "too_many_streams");
    let _elsewhere = EventReader::open(&app, &other, None).await;

    // Closing a stream frees its slot once the server notices (at its next keep-alive write at the latest).
    drop(first);
    let deadline = tokio::time::Instant::now() + FRAME_WAIT;
    loop {
        let again = app.get("/api/v1/queue/events", &display).await;
        if again.status() == StatusCode::OK {
            break;
        }
        assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream's slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The board reads the newest event from the database, the hub publishes it a moment later: a stream
/// resumed from an id the database has but the hub has not published yet waits for it, never `reset`s.
#[tokio::test]
async fn a_stream_resumed_from_an_event_not_yet_published_waits_instead_of_resetting() {
    let (app, _admin, operator, totem) = desk().await;
    // An event committed without poking the hub (its pump would see it within a second).
    let seq = app
        .state
        .storage
        .write(|conn| {
            let seq = sportello_server::storage::queue::next_event_seq(conn)?;
            let payload = json!({
                "seq": seq, "kind": "lines.changed", "at": "2026-11-27T08:00:00.000Z",
                "day": "2026-11-27", "ticket": null,
            });
            sportello_server::storage::queue::append_event(conn, seq, 0, &payload.to_string())?;
            Ok(seq)
        })
        .await
        .unwrap();
    assert!(app.state.queue.hub.latest() < seq, "published too early");
    let mut stream = EventReader::open(&app, &operator, Some(seq)).await;
    issue(&app, &totem, json!({"line": "A"})).await;
    let next = stream.next_event().await;
    assert_eq!((next.id, next.kind.as_str()), (seq + 1, "ticket.issued"));
}
