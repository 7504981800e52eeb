//! The ticket totem through network outages: a real server, a `client-sync` [`Totem`] talking to it through
//! the fault proxy, and an operator (straight to the server) who lists and calls the tickets. The totem
//! leases numbers, prints through a cut (and a restart), imports on reconnect exactly once — also when the
//! import's answer is lost — and never mistakes a refusal from the server for an outage.

use sportello_schema::api::ErrorCode;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Value, json};
use sportello_client_sync::totem::{Issued, SyncSummary};
use sportello_client_sync::{ApiClient, ClientError, Totem, TotemError, TotemOptions};
use sportello_schema::DeviceId;
use sportello_schema::api::Secret;
use sportello_schema::api::queue::{
    EnrolDeviceRequest, EnrolledDevice, QueueSchedule, Ticket, TicketSource,
};
use sportello_schema::queue::{DeviceKind, LineCode, TicketNumber};
use sportello_server::clock::Clock;
use sportello_tests::{FaultProxy, STAFF_PASSWORD, TestServer};
use tempfile::TempDir;

/// Generous bound for any one wait; a healthy run takes a fraction of it.
const WAIT: Duration = Duration::from_secs(15);

/// A server, a proxy in front of it, an enrolled totem's credential and state directory, and an operator.
struct Kiosk {
    server: TestServer,
    proxy: FaultProxy,
    admin: ApiClient,
    /// Logged in straight to the server: the operator's view is never cut.
    operator: ApiClient,
    device: DeviceId,
    credential: Secret,
    dir: TempDir,
}

fn line_a() -> LineCode {
    LineCode::parse("A").unwrap()
}

fn number(raw: &str) -> TicketNumber {
    TicketNumber::parse(raw).unwrap()
}

fn seconds(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

impl Kiosk {
    async fn new() -> Kiosk {
        // The server's clock starts at 09:00 in Rome: scenarios stepping it by minutes stay in one day.
        let server = TestServer::start().await.unwrap();
        let proxy = FaultProxy::start(server.addr).await.unwrap();
        let admin = server.admin().await.unwrap();
        let enrolled: EnrolledDevice = admin
            .post(
                "/api/v1/admin/devices",
                &EnrolDeviceRequest {
                    kind: DeviceKind::Totem,
                    name: "Totem ingresso".into(),
                },
            )
            .await
            .unwrap();
        server
            .create_user(&admin, "op.anna", "operator", &[])
            .await
            .unwrap();
        let operator = ApiClient::new(&server.base_url, None);
        operator.login("op.anna", STAFF_PASSWORD).await.unwrap();
        Kiosk {
            server,
            proxy,
            admin,
            operator,
            device: enrolled.device.id,
            credential: enrolled.credential,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The totem (re)started on its state directory, through the proxy, on the server's clock.
    fn totem(&self) -> Totem {
        let clock = self.server.clock.clone();
        let options = TotemOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            clock: Arc::new(move || clock.now()),
        };
        Totem::open_with(
            self.dir.path(),
            self.proxy.url(),
            self.credential.clone(),
            vec![line_a()],
            options,
        )
        .unwrap()
    }

    fn tick(&self, seconds: i64) {
        self.server
            .clock
            .advance(SignedDuration::from_secs(seconds));
    }

    /// Today's tickets of line A, in call order, as the operator sees them.
    async fn tickets(&self) -> Vec<Ticket> {
        self.operator
            .get("/api/v1/queue/tickets?line=A")
            .await
            .unwrap()
    }

    async fn call_next(&self) -> Ticket {
        self.operator
            .post("/api/v1/queue/call-next", &json!({"desk": "Sportello 1"}))
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_totem_prints_through_an_outage_and_its_tickets_join_the_queue_exactly_once() {
    let kiosk = Kiosk::new().await;
    let totem = kiosk.totem();

    // Online: a block in reserve, and a ticket numbered by the server.
    let report = totem.top_up(5, 10).await.unwrap();
    assert_eq!(report.leased.len(), 1, "{report:?}");
    let lease = &report.leased[0];
    assert_eq!((lease.first, lease.last), (number("A500"), number("A509")));
    assert_eq!(lease.day, totem.today());
    assert!(
        totem.top_up(5, 10).await.unwrap().leased.is_empty(),
        "10 left: no top-up"
    );
    kiosk.tick(10);
    let a001 = totem.issue(line_a(), false).await.unwrap();
    assert_eq!(a001.number, number("A001"));
    assert!(!a001.is_offline());
    assert!(
        matches!(&a001.issued, Issued::Online { status_url, .. } if status_url.contains("/t/")),
        "{a001:?}"
    );

    // The network goes: the totem keeps printing from its block.
    kiosk.proxy.cut();
    let refused_before = kiosk.proxy.stats().refused;
    kiosk.tick(10);
    let a500 = totem.issue(line_a(), false).await.unwrap();
    kiosk.tick(10);
    let a501 = totem.issue(line_a(), true).await.unwrap();
    assert!(a500.is_offline() && a501.is_offline());
    assert_eq!((a500.number, a501.number), (number("A500"), number("A501")));
    assert!(a501.priority);
    assert!(
        kiosk.proxy.stats().refused > refused_before,
        "the totem tried the server first: {:?}",
        kiosk.proxy.stats()
    );
    assert_eq!(kiosk.tickets().await.len(), 1, "nothing reached the server");
    let error = totem.sync_pending().await.unwrap_err();
    assert!(
        matches!(&error, TotemError::Api(e) if e.is_retryable()),
        "{error}"
    );
    assert_eq!(totem.pending().await.len(), 2);

    // The totem restarts in the middle of the outage: it forgets nothing it printed.
    drop(totem);
    let totem = kiosk.totem();
    kiosk.tick(10);
    let a502 = totem.issue(line_a(), false).await.unwrap();
    assert_eq!(a502.number, number("A502"));
    assert_eq!(totem.pending().await.len(), 3);

    // The network returns; a later citizen gets a server number before the import runs.
    kiosk.proxy.heal();
    kiosk.tick(10);
    let a002 = totem.issue(line_a(), false).await.unwrap();
    assert_eq!(a002.number, number("A002"));
    assert!(!a002.is_offline());

    let summary = totem.sync_pending().await.unwrap();
    assert_eq!(
        summary,
        SyncSummary {
            imported: 3,
            ..SyncSummary::default()
        }
    );
    assert!(totem.pending().await.is_empty());

    // The operator sees them with the times they were printed: priority first, then by issue time.
    let listed = kiosk.tickets().await;
    let order: Vec<String> = listed.iter().map(|t| t.number.to_string()).collect();
    assert_eq!(order, ["A501", "A001", "A500", "A502", "A002"]);
    for printed in [&a500, &a501, &a502, &a001, &a002] {
        let ticket = listed.iter().find(|t| t.number == printed.number).unwrap();
        let source = if printed.is_offline() {
            TicketSource::Lease
        } else {
            TicketSource::Server
        };
        assert_eq!(ticket.source, source, "{}", printed.number);
        assert_eq!(
            seconds(&ticket.issued_at),
            seconds(&printed.issued_at),
            "{}",
            printed.number
        );
        assert_eq!(ticket.priority, printed.priority);
    }

    // Operators call them in that order: A500, printed offline, before A002, issued online after it.
    for expected in ["A501", "A001", "A500", "A502", "A002"] {
        assert_eq!(kiosk.call_next().await.number, number(expected));
    }

    // Syncing again sends nothing and duplicates nothing.
    assert_eq!(totem.sync_pending().await.unwrap(), SyncSummary::default());
    assert_eq!(kiosk.tickets().await.len(), 5);
}

/// Polls the operator's list (straight to the server) until it holds `count` tickets of `source`.
async fn wait_for_tickets(kiosk: &Kiosk, source: TicketSource, count: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = kiosk
            .tickets()
            .await
            .iter()
            .filter(|t| t.source == source)
            .count();
        if found == count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never had {count} {source:?} tickets (it has {found})"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_online_issue_whose_answer_is_lost_is_retried_with_the_same_op_id_then_printed_offline()
{
    let kiosk = Kiosk::new().await;
    let totem = Arc::new(kiosk.totem());
    totem.lease(line_a(), 5).await.unwrap();

    // The server issues the ticket, then the connection drops before the answer arrives; the network is
    // back at once (a blip), so the retry reaches the server.
    kiosk.proxy.set_delay(Duration::from_secs(1));
    let issuing = tokio::spawn({
        let totem = Arc::clone(&totem);
        async move { totem.issue(line_a(), false).await }
    });
    wait_for_tickets(&kiosk, TicketSource::Server, 1).await;
    // (The test runs on one thread: nothing else runs between the two calls.)
    kiosk.proxy.cut();
    kiosk.proxy.heal();
    let ticket = issuing.await.unwrap().unwrap();
    assert!(
        kiosk.proxy.stats().dropped >= 1,
        "{:?}",
        kiosk.proxy.stats()
    );

    // The retry got the ticket issued the first time: no second ticket, no offline one.
    assert!(!ticket.is_offline());
    assert_eq!(ticket.number, number("A001"));
    let listed = kiosk.tickets().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(matches!(ticket.issued, Issued::Online { id, .. } if id == listed[0].id));
    assert!(totem.pending().await.is_empty());
    assert_eq!(totem.remaining(line_a()).await, 5);

    // Now the network stays down after the answer is lost: the server has the ticket (A002, whose holder
    // never learns of it), the citizen gets a leased number, and that one imports under its own op id.
    let issuing = tokio::spawn({
        let totem = Arc::clone(&totem);
        async move { totem.issue(line_a(), false).await }
    });
    wait_for_tickets(&kiosk, TicketSource::Server, 2).await;
    kiosk.proxy.cut();
    let printed = issuing.await.unwrap().unwrap();
    assert!(printed.is_offline());
    assert_eq!(printed.number, number("A500"));
    kiosk.proxy.set_delay(Duration::ZERO);
    kiosk.proxy.heal();
    let summary = totem.sync_pending().await.unwrap();
    assert_eq!(
        summary,
        SyncSummary {
            imported: 1,
            ..SyncSummary::default()
        }
    );
    let numbers: Vec<String> = kiosk
        .tickets()
        .await
        .iter()
        .map(|t| t.number.to_string())
        .collect();
    assert_eq!(numbers, ["A001", "A002", "A500"]);
}

#[tokio::test]
async fn an_import_whose_answer_is_lost_is_sent_again_and_imported_once() {
    let kiosk = Kiosk::new().await;
    let totem = Arc::new(kiosk.totem());
    totem.lease(line_a(), 5).await.unwrap();
    kiosk.proxy.cut();
    kiosk.tick(5);
    totem.issue(line_a(), false).await.unwrap();
    kiosk.tick(5);
    totem.issue(line_a(), false).await.unwrap();
    kiosk.proxy.heal();

    // Every chunk is held for a while; once the server has committed the import, the network goes before
    // the answer gets through.
    kiosk.proxy.set_delay(Duration::from_secs(1));
    let syncing = tokio::spawn({
        let totem = Arc::clone(&totem);
        async move { totem.sync_pending().await }
    });
    wait_for_tickets(&kiosk, TicketSource::Lease, 2).await;
    kiosk.proxy.cut();
    let lost = syncing.await.unwrap();
    assert!(
        matches!(&lost, Err(TotemError::Api(ClientError::Network(_)))),
        "{lost:?}"
    );
    assert!(
        kiosk.proxy.stats().dropped >= 1,
        "{:?}",
        kiosk.proxy.stats()
    );
    assert_eq!(
        totem.pending().await.len(),
        2,
        "without the answer the totem cannot know: it keeps them"
    );

    kiosk.proxy.set_delay(Duration::ZERO);
    kiosk.proxy.heal();
    let summary = totem.sync_pending().await.unwrap();
    assert_eq!(
        summary,
        SyncSummary {
            already_imported: 2,
            ..SyncSummary::default()
        }
    );
    assert!(totem.pending().await.is_empty());
    let numbers: Vec<String> = kiosk
        .tickets()
        .await
        .iter()
        .map(|t| t.number.to_string())
        .collect();
    assert_eq!(numbers, ["A500", "A501"], "each imported exactly once");
}

#[tokio::test]
async fn refusals_from_the_server_are_errors_never_offline_tickets() {
    let kiosk = Kiosk::new().await;
    let totem = kiosk.totem();
    totem.lease(line_a(), 5).await.unwrap();

    // The desk is closed today: the totem says so instead of printing a leased number.
    let closed = QueueSchedule {
        hours: vec![],
        closed_dates: vec![totem.today()],
    };
    let _: Value = kiosk
        .admin
        .put("/api/v1/admin/queue/schedule", &closed)
        .await
        .unwrap();
    let refused = totem.issue(line_a(), false).await.unwrap_err();
    assert!(
        matches!(&refused, TotemError::Api(e) if e.code() == Some(&ErrorCode::DeskClosed)),
        "{refused:?}"
    );
    assert!(totem.pending().await.is_empty());
    assert_eq!(totem.remaining(line_a()).await, 5);

    // An unknown line is refused too.
    let unknown = totem
        .issue(LineCode::parse("Z").unwrap(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, TotemError::Api(e) if e.code() == Some(&ErrorCode::UnknownLine)),
        "{unknown:?}"
    );

    // Open again, then the admin revokes the totem: its token and its credential are refused, which is not
    // an outage either.
    let _: Value = kiosk
        .admin
        .put(
            "/api/v1/admin/queue/schedule",
            &QueueSchedule {
                hours: vec![],
                closed_dates: vec![],
            },
        )
        .await
        .unwrap();
    assert!(!totem.issue(line_a(), false).await.unwrap().is_offline());
    let _: Value = kiosk
        .admin
        .post(
            &format!("/api/v1/admin/devices/{}/revoke", kiosk.device),
            &json!({}),
        )
        .await
        .unwrap();
    let revoked = totem.issue(line_a(), false).await.unwrap_err();
    assert!(
        matches!(&revoked, TotemError::Api(e) if e.needs_login()),
        "{revoked:?}"
    );
    assert!(totem.pending().await.is_empty());
    assert_eq!(totem.remaining(line_a()).await, 5);
    assert_eq!(kiosk.tickets().await.len(), 1);
}

#[tokio::test]
async fn tickets_of_a_past_day_are_set_aside_and_reported_once_and_a_new_day_leases_afresh() {
    let kiosk = Kiosk::new().await;
    let totem = kiosk.totem();
    let first_day = totem.today();
    totem.lease(line_a(), 5).await.unwrap();
    kiosk.proxy.cut();
    kiosk.tick(5);
    let printed = totem.issue(line_a(), false).await.unwrap();
    assert!(printed.is_offline());

    // The outage outlasts the day — and the device session (30 days): the totem exchanges its credential
    // again, and the server refuses the numbers of a past day.
    kiosk.tick(31 * 24 * 60 * 60);
    kiosk.proxy.heal();
    assert_ne!(totem.today(), first_day);
    let summary = totem.sync_pending().await.unwrap();
    assert_eq!(summary.imported, 0);
    assert_eq!(summary.still_pending, 0);
    assert_eq!(summary.set_aside.len(), 1, "{summary:?}");
    assert_eq!(summary.set_aside[0].code, "lease_expired");
    assert_eq!(summary.set_aside[0].ticket.number, printed.number);
    assert_eq!(totem.unimportable().await.len(), 1);
    assert_eq!(
        totem.sync_pending().await.unwrap(),
        SyncSummary::default(),
        "not sent again"
    );

    // Topping up forgets the old block and leases one for the new day, which imports fine.
    let report = totem.top_up(5, 10).await.unwrap();
    assert_eq!(report.dropped, 1);
    assert_eq!(report.leased.len(), 1);
    assert_eq!(report.leased[0].day, totem.today());
    assert_eq!(report.leased[0].first, number("A500"));
    kiosk.proxy.cut();
    kiosk.tick(5);
    let next_day = totem.issue(line_a(), true).await.unwrap();
    assert_eq!(next_day.number, number("A500"));
    kiosk.proxy.heal();
    let summary = totem.sync_pending().await.unwrap();
    assert_eq!(summary.imported, 1);
    assert!(summary.set_aside.is_empty());
    let reported = totem.take_unimportable().await.unwrap();
    assert_eq!(reported.len(), 1);
    assert!(totem.unimportable().await.is_empty());
    // (The operator's session did not last the month.)
    kiosk
        .operator
        .login("op.anna", STAFF_PASSWORD)
        .await
        .unwrap();
    let listed = kiosk.tickets().await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].priority && listed[0].source == TicketSource::Lease);
}

/// A totem whose clock is a day off gets a clear error from `top_up` at the first block, instead of
/// leasing block after block (for every line) for a day it never issues on.
#[tokio::test]
async fn a_totem_whose_clock_is_a_day_off_is_told_so_at_every_top_up() {
    let kiosk = Kiosk::new().await;
    let clock = kiosk.server.clock.clone();
    let options = TotemOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        clock: Arc::new(move || clock.now() + SignedDuration::from_hours(24)),
    };
    let totem = Totem::open_with(
        kiosk.dir.path(),
        kiosk.proxy.url(),
        kiosk.credential.clone(),
        vec![line_a()],
        options,
    )
    .unwrap();
    match totem.top_up(5, 20).await {
        Err(TotemError::ClockSkew {
            server_day,
            totem_day,
        }) => assert_ne!(server_day, totem_day),
        other => panic!("expected a clock skew error, got {other:?}"),
    }
    // The block that showed the skew is not used for offline tickets, and the next top-up says so again.
    let second = totem.top_up(5, 20).await;
    assert!(matches!(second, Err(TotemError::ClockSkew { .. })));
}
