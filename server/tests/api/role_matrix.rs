//! Who may call what: every documented route against every kind of caller: anonymous, the three user
//! roles (operator, social worker, admin) and the two kinds of device (totem, display).
//!
//! The route list is not written twice: [`the_matrix_covers_exactly_the_routes_of_the_openapi_document`]
//! compares [`MATRIX`] with the paths and methods of the app's own OpenAPI document, so a route added
//! without a matrix row fails here; [`every_documented_route_has_a_row_in_the_route_table`] does the same
//! for the route table of `schema::policy::routes`, which the server's access gate evaluates; and
//! [`the_matrix_agrees_with_the_route_table`] checks every cell's refusal against the table's verdict, so
//! the matrix, written by hand, and the table can only change together.
//!
//! A device token is not a user token at all: on a route that needs a user (`/api/v1/me`, the admin
//! routes, `/metrics`, logout) a device gets `401 unauthenticated`, never a `403`. On a queue route the
//! device is a known principal, so a device the route is not for gets an audited `403 forbidden`.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sportello_schema::Role;
use sportello_schema::policy::routes::{self, Caller, RouteRule, Verdict};
use sportello_schema::queue::DeviceKind;
use sportello_schema::sync::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{STRONG_PASSWORD, TestApp, access, error_code, spawn_app};
use crate::sync_client::Peer;

/// What a caller must get: a status, and for errors the stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Refused(u16, &'static str),
}

use Expect::{Refused, Status};

const UNAUTHENTICATED: Expect = Refused(401, "unauthenticated");
const FORBIDDEN: Expect = Refused(403, "forbidden");

/// The callers, in the order of a row's columns.
const CALLERS: [&str; 6] = [
    "anonymous",
    "operator",
    "social_worker",
    "admin",
    "totem",
    "display",
];

/// One route and what each caller gets. Order matters only for side effects: rows that end something
/// (reset a password, end sessions, revoke a device, log out) come after the rows that need it alive, the
/// ticket moves come after the call that makes them valid, and logout is last.
struct Row {
    method: &'static str,
    path: &'static str,
    anonymous: Expect,
    operator: Expect,
    social_worker: Expect,
    admin: Expect,
    totem: Expect,
    display: Expect,
}

impl Row {
    /// The expectations in the order of [`CALLERS`].
    fn expected(&self) -> [Expect; 6] {
        [
            self.anonymous,
            self.operator,
            self.social_worker,
            self.admin,
            self.totem,
            self.display,
        ]
    }
}

const fn row(
    method: &'static str,
    path: &'static str,
    [anonymous, operator, social_worker, admin, totem, display]: [Expect; 6],
) -> Row {
    Row {
        method,
        path,
        anonymous,
        operator,
        social_worker,
        admin,
        totem,
        display,
    }
}

/// An admin-only route: a device token is no user's token, so devices are unauthenticated there.
const fn admin_only(success: Expect) -> [Expect; 6] {
    [
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        success,
        UNAUTHENTICATED,
        UNAUTHENTICATED,
    ]
}

const ADMIN_ONLY_200: [Expect; 6] = admin_only(Status(200));

/// A privacy officer's route (issue 12): no other role, and no device, gets past the gate.
const PRIVACY_ONLY: [Expect; 6] = [
    UNAUTHENTICATED,
    FORBIDDEN,
    FORBIDDEN,
    FORBIDDEN,
    UNAUTHENTICATED,
    UNAUTHENTICATED,
];

/// A queue route for operators only (calls, moves, the ticket list).
const fn operator_only(answer: Expect) -> [Expect; 6] {
    [
        UNAUTHENTICATED,
        answer,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ]
}

/// A queue route for the totem only (leases, import).
const fn totem_only(answer: Expect) -> [Expect; 6] {
    [
        UNAUTHENTICATED,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        answer,
        FORBIDDEN,
    ]
}

/// The board and its events: the display and the staff at the desks, not admins, not the totem.
const BOARD_VIEWERS: [Expect; 6] = [
    UNAUTHENTICATED,
    Status(200),
    Status(200),
    FORBIDDEN,
    FORBIDDEN,
    Status(200),
];

const MATRIX: &[Row] = &[
    // Public.
    row("GET", "/healthz", [Status(200); 6]),
    row("GET", "/api/v1/openapi.json", [Status(200); 6]),
    // The status page of a real ticket (the token printed on it): public, whoever asks.
    row("GET", "/t/{token}", [Status(200); 6]),
    // Public, sent a well-formed but wrong body: the answer is about the body, never about a missing token.
    row(
        "POST",
        "/api/v1/auth/login",
        [Refused(401, "invalid_credentials"); 6],
    ),
    row(
        "POST",
        "/api/v1/auth/refresh",
        [Refused(401, "invalid_refresh_token"); 6],
    ),
    row("POST", "/api/v1/auth/device-token", [UNAUTHENTICATED; 6]),
    // Admins, or the scrape token (see its own test); a device's token is neither.
    row("GET", "/metrics", ADMIN_ONLY_200),
    // The WebSocket endpoint: a plain GET is not an upgrade, whoever sends it. Who may do what over the
    // protocol itself is tested in `sync.rs` (and a device's upgrade below).
    row("GET", "/sync", [Refused(400, "invalid_request"); 6]),
    // Any signed-in user; a device is not one.
    row(
        "GET",
        "/api/v1/me",
        [
            UNAUTHENTICATED,
            Status(200),
            Status(200),
            Status(200),
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
    row(
        "POST",
        "/api/v1/me/password",
        [
            UNAUTHENTICATED,
            Refused(403, "wrong_password"),
            Refused(403, "wrong_password"),
            Refused(403, "wrong_password"),
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
    // The queue. Issuing and printing: the totem, or an operator (phone and e-mail contacts).
    row(
        "POST",
        "/api/v1/queue/tickets",
        [
            UNAUTHENTICATED,
            Status(201),
            FORBIDDEN,
            FORBIDDEN,
            Status(201),
            FORBIDDEN,
        ],
    ),
    row(
        "GET",
        "/api/v1/queue/tickets/{id}/print",
        [
            UNAUTHENTICATED,
            Status(200),
            FORBIDDEN,
            FORBIDDEN,
            Status(200),
            FORBIDDEN,
        ],
    ),
    row("GET", "/api/v1/queue/tickets", operator_only(Status(200))),
    row("GET", "/api/v1/queue/board", BOARD_VIEWERS),
    row("GET", "/api/v1/queue/events", BOARD_VIEWERS),
    // Anyone signed in, user or device (the totem draws its buttons from it).
    row(
        "GET",
        "/api/v1/queue/lines",
        [
            UNAUTHENTICATED,
            Status(200),
            Status(200),
            Status(200),
            Status(200),
            Status(200),
        ],
    ),
    // The totem's print link (issue 11): public, the link is the permission; a made-up one is 404 for all.
    row(
        "GET",
        "/api/v1/queue/tickets/{id}/print/{link}",
        [Refused(404, "not_found"); 6],
    ),
    // When the desk opens: anyone signed in, like the lines (the totem's closed screen).
    row(
        "GET",
        "/api/v1/queue/opening",
        [
            UNAUTHENTICATED,
            Status(200),
            Status(200),
            Status(200),
            Status(200),
            Status(200),
        ],
    ),
    row(
        "GET",
        "/api/v1/queue/stats",
        [
            UNAUTHENTICATED,
            FORBIDDEN,
            Status(200),
            Status(200),
            FORBIDDEN,
            FORBIDDEN,
        ],
    ),
    row("POST", "/api/v1/queue/leases", totem_only(Status(201))),
    row(
        "POST",
        "/api/v1/queue/tickets/import",
        totem_only(Status(200)),
    ),
    // Calls and moves. Only line A is called, and the only ticket ever waiting there is the setup's first:
    // the call picks it, and the moves below take it through the desk.
    row(
        "POST",
        "/api/v1/queue/call-next",
        operator_only(Status(200)),
    ),
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/recall",
        operator_only(Status(200)),
    ),
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/start",
        operator_only(Status(200)),
    ),
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/finish",
        operator_only(Status(200)),
    ),
    // The same ticket, now done: a no-show is a domain refusal, and only an operator gets that far.
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/no-show",
        operator_only(Refused(409, "invalid_transition")),
    ),
    // Two more tickets of the setup, waiting on line M.
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/cancel",
        operator_only(Status(200)),
    ),
    row(
        "POST",
        "/api/v1/queue/tickets/{id}/transfer",
        operator_only(Status(200)),
    ),
    // Admins only.
    row("GET", "/api/v1/admin/users", ADMIN_ONLY_200),
    // Four eyes: creating an account, a new role or new areas, and a reset are requests (202) that a second
    // admin approves.
    row("POST", "/api/v1/admin/users", admin_only(Status(202))),
    row("GET", "/api/v1/admin/users/{id}", ADMIN_ONLY_200),
    row("PATCH", "/api/v1/admin/users/{id}", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/sessions", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/grants", ADMIN_ONLY_200),
    // Requests of the second admin: the admin of the columns may decide them.
    row(
        "POST",
        "/api/v1/admin/grants/{id}/approve",
        admin_only(Status(200)),
    ),
    row(
        "POST",
        "/api/v1/admin/grants/{id}/reject",
        admin_only(Status(200)),
    ),
    row("GET", "/api/v1/admin/audit", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/devices", ADMIN_ONLY_200),
    row("POST", "/api/v1/admin/devices", admin_only(Status(201))),
    // A device enrolled only to be revoked here, never the totem or the display of the columns.
    row("POST", "/api/v1/admin/devices/{id}/revoke", ADMIN_ONLY_200),
    row(
        "PUT",
        "/api/v1/admin/queue/lines/{code}",
        admin_only(Status(201)),
    ),
    row("GET", "/api/v1/admin/queue/schedule", ADMIN_ONLY_200),
    // No hours: still always open, so the totem's rows are not disturbed.
    row("PUT", "/api/v1/admin/queue/schedule", ADMIN_ONLY_200),
    row("GET", "/api/v1/admin/queue/display", ADMIN_ONLY_200),
    row("PUT", "/api/v1/admin/queue/display", ADMIN_ONLY_200),
    // The catalogue (the directory document): read and edited by admins only.
    row("GET", "/api/v1/admin/catalogue", ADMIN_ONLY_200),
    row(
        "PUT",
        "/api/v1/admin/catalogue/areas/{code}",
        admin_only(Status(201)),
    ),
    row(
        "PUT",
        "/api/v1/admin/catalogue/needs/{code}",
        admin_only(Status(201)),
    ),
    // Issue 11: aggregate case figures, admins only.
    row("GET", "/api/v1/admin/case-stats", ADMIN_ONLY_200),
    // Issue 12: the citizen's rights, privacy officers only (their answers: `privacy_officer_matrix`).
    row("POST", "/api/v1/privacy/lookup", PRIVACY_ONLY),
    row(
        "GET",
        "/api/v1/privacy/cases/{case_id}/access-report",
        PRIVACY_ONLY,
    ),
    row(
        "POST",
        "/api/v1/privacy/cases/{case_id}/erasure",
        PRIVACY_ONLY,
    ),
    row("GET", "/api/v1/privacy/erasures", PRIVACY_ONLY),
    row(
        "POST",
        "/api/v1/privacy/erasures/{id}/approve",
        PRIVACY_ONLY,
    ),
    row("POST", "/api/v1/privacy/erasures/{id}/reject", PRIVACY_ONLY),
    row(
        "POST",
        "/api/v1/admin/users/{id}/reset-password",
        admin_only(Status(202)),
    ),
    row(
        "DELETE",
        "/api/v1/admin/users/{id}/sessions",
        ADMIN_ONLY_200,
    ),
    row(
        "DELETE",
        "/api/v1/admin/sessions/{id}",
        admin_only(Status(204)),
    ),
    // Issue 12: the second factor. Enrolment is any signed-in user's (a bogus code is refused by the
    // handler); the reset is admins' (the target has no factor: nothing to reset).
    row(
        "POST",
        "/api/v1/me/second-factor/setup",
        [
            UNAUTHENTICATED,
            Status(200),
            Status(200),
            Status(200),
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
    row(
        "POST",
        "/api/v1/me/second-factor/confirm",
        [
            UNAUTHENTICATED,
            Refused(401, "invalid_second_factor"),
            Refused(401, "invalid_second_factor"),
            Refused(401, "invalid_second_factor"),
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
    row(
        "POST",
        "/api/v1/admin/users/{id}/reset-second-factor",
        admin_only(Refused(409, "second_factor_not_enrolled")),
    ),
    // Issue 12: the tablet's data lifecycle. The wipe marks the spare session the row above ended.
    row("GET", "/api/v1/admin/settings/tablets", ADMIN_ONLY_200),
    row("PUT", "/api/v1/admin/settings/tablets", ADMIN_ONLY_200),
    row(
        "POST",
        "/api/v1/admin/sessions/{id}/wipe",
        admin_only(Status(204)),
    ),
    row("POST", "/api/v1/auth/wipe-check", [Status(200); 6]),
    row(
        "POST",
        "/api/v1/me/reads",
        [
            UNAUTHENTICATED,
            Status(200),
            Status(200),
            FORBIDDEN,
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
    // Last: it ends each user's session. A device has no user session to end.
    row(
        "POST",
        "/api/v1/auth/logout",
        [
            UNAUTHENTICATED,
            Status(204),
            Status(204),
            Status(204),
            UNAUTHENTICATED,
            UNAUTHENTICATED,
        ],
    ),
];

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn documented_routes(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.keys()
                .filter(|key| HTTP_METHODS.contains(&key.as_str()))
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn the_matrix_covers_exactly_the_routes_of_the_openapi_document() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();

    let documented = documented_routes(&document);
    let in_matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|row| (row.method.to_owned(), row.path.to_owned()))
        .collect();
    assert_eq!(
        in_matrix.len(),
        MATRIX.len(),
        "no route appears twice in the matrix"
    );
    let missing: Vec<_> = documented.difference(&in_matrix).collect();
    let stale: Vec<_> = in_matrix.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "documented routes without a matrix row: {missing:?}; matrix rows not in the document: {stale:?}"
    );
}

#[tokio::test]
async fn every_documented_route_has_a_row_in_the_route_table() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();

    let documented = documented_routes(&document);
    let in_table: BTreeSet<(String, String)> = routes::ROUTES
        .iter()
        .map(|route| (route.method.to_owned(), route.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "documented routes without a rule: {missing:?}; rules of no documented route: {stale:?}"
    );
}

/// The caller of each column of [`CALLERS`], as the route table sees it.
const TABLE_CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::User {
        role: Role::Operator,
        password_change_pending: false,
        second_factor_pending: false,
    },
    Caller::User {
        role: Role::SocialWorker,
        password_change_pending: false,
        second_factor_pending: false,
    },
    Caller::User {
        role: Role::Admin,
        password_change_pending: false,
        second_factor_pending: false,
    },
    Caller::Device(DeviceKind::Totem),
    Caller::Device(DeviceKind::Display),
];

/// The table's rule of a matrix row.
fn rule_of(row: &Row) -> RouteRule {
    routes::route_for(row.method, row.path)
        .unwrap_or_else(|| panic!("{} {} has no row in the route table", row.method, row.path))
        .rule
}

#[test]
fn the_matrix_agrees_with_the_route_table() {
    let mut failures = Vec::new();
    for row in MATRIX {
        let rule = rule_of(row);
        for ((caller, table_caller), expected) in
            CALLERS.iter().zip(TABLE_CALLERS).zip(row.expected())
        {
            let verdict = routes::verdict(table_caller, rule);
            // A refusal of the gate is exactly the table's; an admitted caller meets the handler, which
            // may refuse it for its own reasons (a wrong password, a bogus credential) but never as the
            // gate would, except on a public route, whose handler may well say `unauthenticated`.
            let agrees = match verdict {
                Verdict::Unauthenticated => expected == UNAUTHENTICATED,
                Verdict::Forbidden => expected == FORBIDDEN,
                Verdict::PasswordChangeRequired => {
                    expected == Refused(403, "password_change_required")
                }
                Verdict::SecondFactorEnrolmentRequired => {
                    expected == Refused(403, "second_factor_enrolment_required")
                }
                Verdict::Admit => {
                    expected != FORBIDDEN
                        && (rule == RouteRule::Public || expected != UNAUTHENTICATED)
                }
            };
            if !agrees {
                failures.push(format!(
                    "{caller} {} {}: the matrix says {expected:?}, the table ({rule:?}) {verdict:?}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The ids the rows act on, made in the setup so that every allowed caller gets a real answer.
struct Ids {
    /// A user created for the admin rows to read, edit and reset (never one of the callers).
    target: String,
    /// A live session made only to be ended by `DELETE /api/v1/admin/sessions/{id}`.
    spare_session: String,
    /// Issued by the totem on line A, the only ticket ever waiting there: printed, called, recalled,
    /// started, finished, then refused a no-show.
    called: String,
    /// Waiting on line M: cancelled.
    to_cancel: String,
    /// Waiting on line M: transferred to line A (after the call, so the call cannot pick it).
    to_transfer: String,
    /// The status-page token printed on `called`.
    status_token: String,
    /// A lease of the totem on line M and its first number, for the import row.
    lease: String,
    lease_first: String,
    /// The app's clock at setup (RFC 3339): when the offline ticket was issued.
    now: String,
    /// A device enrolled only to be revoked by `POST /api/v1/admin/devices/{id}/revoke`.
    spare_device: String,
    /// Requests of the second admin, for the admin of the columns to approve and to reject.
    grant_to_approve: String,
    grant_to_reject: String,
}

impl Ids {
    /// Ids for callers refused before any id is looked at: every one is `id`.
    fn all(id: &str) -> Self {
        Self {
            target: id.to_owned(),
            spare_session: id.to_owned(),
            called: id.to_owned(),
            to_cancel: id.to_owned(),
            to_transfer: id.to_owned(),
            status_token: id.to_owned(),
            lease: id.to_owned(),
            lease_first: "M900".to_owned(),
            now: "2026-01-01T10:00:00Z".to_owned(),
            spare_device: id.to_owned(),
            grant_to_approve: id.to_owned(),
            grant_to_reject: id.to_owned(),
        }
    }
}

/// The line the admin's `PUT /api/v1/admin/queue/lines/{code}` creates.
const NEW_LINE: &str = "Z";

/// The area or need the admin's `PUT /api/v1/admin/catalogue/…/{code}` creates.
const NEW_CATALOGUE_CODE: &str = "matrix_code";

fn concrete_path(template: &str, ids: &Ids) -> String {
    if template.starts_with("/api/v1/admin/catalogue/") {
        return template.replace("{code}", NEW_CATALOGUE_CODE);
    }
    let id = match template {
        "/api/v1/queue/tickets/{id}/cancel" => &ids.to_cancel,
        "/api/v1/queue/tickets/{id}/transfer" => &ids.to_transfer,
        _ if template.starts_with("/api/v1/queue/tickets/") => &ids.called,
        _ if template.starts_with("/api/v1/admin/sessions/") => &ids.spare_session,
        _ if template.starts_with("/api/v1/admin/devices/") => &ids.spare_device,
        "/api/v1/admin/grants/{id}/approve" => &ids.grant_to_approve,
        "/api/v1/admin/grants/{id}/reject" => &ids.grant_to_reject,
        _ => &ids.target,
    };
    template
        .replace("{id}", id)
        .replace("{case_id}", &ids.target)
        .replace("{token}", &ids.status_token)
        .replace("{code}", NEW_LINE)
        .replace("{link}", "1767261600.bm90LWEtbWFj")
}

fn body_for(method: &str, path: &str, caller: &str, ids: &Ids) -> Option<Value> {
    match (method, path) {
        ("POST", "/api/v1/auth/login") => {
            Some(json!({"username": "nobody.here", "password": "not-the-password"}))
        }
        ("POST", "/api/v1/auth/refresh") => Some(json!({"refresh_token": "sprt_bogus"})),
        ("POST", "/api/v1/auth/device-token") => {
            Some(json!({"credential": "not-a-device-credential"}))
        }
        ("POST", "/api/v1/me/second-factor/confirm") => Some(json!({"code": "not-a-code"})),
        ("POST", "/api/v1/me/password") => Some(json!({
            "current_password": "not-the-current-password",
            "new_password": "pioggia-lampione-ciliegia-31",
        })),
        // On line M: line A holds only the ticket the call-next row must pick.
        ("POST", "/api/v1/queue/tickets") => Some(json!({
            "line": "M",
            "client_op_id": format!("matrix-{caller}"),
        })),
        ("POST", "/api/v1/queue/leases") => Some(json!({"line": "M", "size": 5})),
        ("POST", "/api/v1/queue/tickets/import") => Some(json!({
            "lease_id": ids.lease,
            "tickets": [{
                "number": ids.lease_first,
                "issued_at": ids.now,
                "priority": false,
                "client_op_id": format!("offline-{caller}"),
            }],
        })),
        ("POST", "/api/v1/queue/call-next") => Some(json!({"desk": "Sportello 1", "lines": ["A"]})),
        ("POST", "/api/v1/queue/tickets/{id}/transfer") => Some(json!({"line": "A"})),
        // A distinct name per caller, so that a caller wrongly let through could not hide behind a
        // `username_taken` answer.
        ("POST", "/api/v1/admin/users") => Some(json!({
            "username": format!("made.by.{caller}"),
            "role": "operator",
        })),
        ("PATCH", "/api/v1/admin/users/{id}") => {
            Some(json!({"display_name": format!("Renamed by {caller}")}))
        }
        ("POST", "/api/v1/admin/devices") => Some(json!({
            "kind": "display",
            "name": format!("Made by {caller}"),
        })),
        ("PUT", "/api/v1/admin/queue/lines/{code}") => Some(json!({
            "name_it": format!("Linea di {caller}"),
            "name_en": format!("Line of {caller}"),
        })),
        ("PUT", "/api/v1/admin/queue/schedule") => Some(json!({"hours": [], "closed_dates": []})),
        ("PUT", "/api/v1/admin/queue/display") => Some(json!({"announce_languages": ["en"]})),
        (
            "PUT",
            "/api/v1/admin/catalogue/areas/{code}" | "/api/v1/admin/catalogue/needs/{code}",
        ) => Some(json!({"label_it": format!("Voce di {caller}")})),
        ("PUT", "/api/v1/admin/settings/tablets") => Some(json!({"offline_lease_hours": 48})),
        ("POST", "/api/v1/auth/wipe-check") => Some(json!({"session_ids": []})),
        ("POST", "/api/v1/me/reads") => Some(json!({"reads": []})),
        ("POST" | "PUT", _) => Some(json!({})),
        _ => None,
    }
}

async fn call(
    app: &TestApp,
    row: &Row,
    ids: &Ids,
    caller: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut request = app.request(method, &concrete_path(row.path, ids), token);
    if let Some(body) = body_for(row.method, row.path, caller, ids) {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn assert_answer(response: reqwest::Response, expected: Expect, case: &str) {
    let status = response.status().as_u16();
    match expected {
        Status(code) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            // An event stream never ends: its status and type are the answer; dropping it closes it.
            let text = if content_type.starts_with("text/event-stream") {
                String::new()
            } else {
                response.text().await.unwrap_or_default()
            };
            assert_eq!(status, code, "{case}: status (body {text})");
        }
        Refused(code, error) => {
            assert_eq!(status, code, "{case}: status");
            assert_eq!(error_code(response).await, error, "{case}: error code");
        }
    }
}

async fn session_id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["session_id"].as_str().unwrap().to_owned()
}

/// Issues a ticket as `token` and returns the answer's body (201 expected).
async fn issue(app: &TestApp, token: &str, line: &str) -> Value {
    let response = app
        .post_json("/api/v1/queue/tickets", Some(token), &json!({"line": line}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "issue on {line}");
    response.json().await.unwrap()
}

/// Every audit row of `action` (at most 500: these tests make far fewer).
async fn audit_rows(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(admin))
        .query(&[("action", action), ("limit", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert!(page["next_before"].is_null(), "one page holds them all");
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, operator) = app.create_user(&admin, "op.matrix", "operator", &[]).await;
    let (_, social_worker) = app
        .create_user(&admin, "sw.matrix", "social_worker", &["elderly"])
        .await;
    let (target, _) = app
        .create_user_approved(
            &admin,
            &json!({"username": "target.matrix", "role": "operator"}),
        )
        .await;
    let second_admin = app.second_admin_token().await;
    let mut grants = Vec::new();
    for username in ["approve.matrix", "reject.matrix"] {
        let requested = app
            .post_json(
                "/api/v1/admin/users",
                Some(&second_admin),
                &json!({"username": username, "role": "operator"}),
            )
            .await;
        assert_eq!(requested.status(), StatusCode::ACCEPTED);
        let requested: Value = requested.json().await.unwrap();
        grants.push(requested["grant"]["id"].as_str().unwrap().to_owned());
    }
    let spare = access(&app.login_ok("op.matrix", STRONG_PASSWORD).await);
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let (_, display) = app.device(&admin, "display", "Schermo sala d'attesa").await;
    let (spare_device, spare_device_token) =
        app.device(&admin, "display", "Schermo da revocare").await;

    let called = issue(&app, &totem, "A").await;
    let to_cancel = issue(&app, &totem, "M").await;
    let to_transfer = issue(&app, &totem, "M").await;
    let lease = app
        .post_json(
            "/api/v1/queue/leases",
            Some(&totem),
            &json!({"line": "M", "size": 5}),
        )
        .await;
    assert_eq!(lease.status(), StatusCode::CREATED);
    let lease: Value = lease.json().await.unwrap();
    let status_url = called["status_url"].as_str().unwrap();
    let text = |value: &Value| value.as_str().unwrap().to_owned();
    let ids = Ids {
        target,
        spare_session: session_id_of(&app, &spare).await,
        called: text(&called["id"]),
        to_cancel: text(&to_cancel["id"]),
        to_transfer: text(&to_transfer["id"]),
        status_token: status_url.rsplit_once("/t/").unwrap().1.to_owned(),
        lease: text(&lease["lease_id"]),
        lease_first: text(&lease["first"]),
        now: app.clock_rfc3339(0),
        spare_device,
        grant_to_approve: grants[0].clone(),
        grant_to_reject: grants[1].clone(),
    };

    let tokens: [Option<&str>; 6] = [
        None,
        Some(&operator),
        Some(&social_worker),
        Some(&admin),
        Some(&totem),
        Some(&display),
    ];
    for row in MATRIX {
        for ((caller, token), expect) in CALLERS.iter().zip(tokens).zip(row.expected()) {
            let response = call(&app, row, &ids, caller, token).await;
            assert_answer(
                response,
                expect,
                &format!("{caller} {} {}", row.method, row.path),
            )
            .await;
        }
    }

    // Each logout in the last row ended its user's session; the devices are untouched by it, and only
    // the revoked spare device is refused now.
    for (caller, token) in CALLERS.iter().zip(tokens).skip(1).take(3) {
        let me = app.get("/api/v1/me", token.unwrap()).await;
        assert_eq!(
            me.status(),
            StatusCode::UNAUTHORIZED,
            "{caller} after logout"
        );
    }
    assert_eq!(
        app.get("/api/v1/queue/lines", &totem).await.status(),
        StatusCode::OK
    );
    let lines = app.get("/api/v1/queue/lines", &display).await;
    assert_eq!(lines.status(), StatusCode::OK);
    let revoked = app.get("/api/v1/queue/lines", &spare_device_token).await;
    assert_answer(revoked, UNAUTHENTICATED, "the revoked spare device").await;

    // The refused callers changed nothing: only the admin's user, device and line were created, and only
    // the admin's rename took effect.
    let lines: Value = lines.json().await.unwrap();
    let new_line = lines
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["code"] == NEW_LINE)
        .expect("the admin's new line");
    assert_eq!(new_line["name_it"], "Linea di admin");
    let admin_again = access(&app.login_ok("admin", crate::helpers::ADMIN_PASSWORD).await);
    let users: Value = app
        .get("/api/v1/admin/users", &admin_again)
        .await
        .json()
        .await
        .unwrap();
    let names: BTreeSet<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap())
        .collect();
    // The admin's account waits for approval; nobody else's was even asked for.
    assert!(names.contains("approve.matrix") && !names.contains("reject.matrix"));
    let grants: Value = app
        .get("/api/v1/admin/grants?status=pending", &admin_again)
        .await
        .json()
        .await
        .unwrap();
    let asked: BTreeSet<&str> = grants
        .as_array()
        .unwrap()
        .iter()
        .map(|grant| grant["username"].as_str().unwrap())
        .collect();
    assert!(asked.contains("made.by.admin"), "{asked:?}");
    for refused in CALLERS.iter().filter(|caller| **caller != "admin") {
        let name = format!("made.by.{refused}");
        assert!(
            !names.contains(name.as_str()) && !asked.contains(name.as_str()),
            "{name} must not exist"
        );
    }
    let target_now: Value = app
        .get(&format!("/api/v1/admin/users/{}", ids.target), &admin_again)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(target_now["display_name"], "Renamed by admin");
    let devices: Value = app
        .get("/api/v1/admin/devices", &admin_again)
        .await
        .json()
        .await
        .unwrap();
    let device_names: BTreeSet<&str> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|device| device["name"].as_str().unwrap())
        .filter(|name| name.starts_with("Made by"))
        .collect();
    assert_eq!(device_names, BTreeSet::from(["Made by admin"]));

    // Tickets were issued by the totem (three in the setup, one in its row) and the operator only.
    let mut issuers: Vec<String> = audit_rows(&app, &admin_again, "queue.ticket_issue")
        .await
        .iter()
        .map(|entry| text(&entry["actor_role"]))
        .collect();
    issuers.sort();
    assert_eq!(issuers, ["operator", "totem", "totem", "totem", "totem"]);

    // Every 403 `forbidden` of the matrix was audited once, as its caller's refusal; nothing else was:
    // each caller's first as a row, the rest in the count written when the window has closed.
    close_denial_windows(&app).await;
    let denied = audit_rows(&app, &admin_again, "access.denied").await;
    for (column, caller) in CALLERS.iter().enumerate() {
        let expected = MATRIX
            .iter()
            .filter(|row| row.expected()[column] == FORBIDDEN)
            .count();
        let of_caller: Vec<Value> = denied
            .iter()
            .filter(|entry| entry["actor_role"] == *caller)
            .cloned()
            .collect();
        assert_eq!(
            accounted(&of_caller),
            expected,
            "audited refusals of the {caller}"
        );
    }
    let forbidden_cells = MATRIX
        .iter()
        .flat_map(|row| row.expected())
        .filter(|expect| *expect == FORBIDDEN)
        .count();
    assert_eq!(accounted(&denied), forbidden_cells, "{denied:?}");
}

#[tokio::test]
async fn an_admin_with_a_pending_password_change_is_refused_on_admin_and_queue_routes_but_sees_me()
{
    let app = spawn_app().await;
    let one_time = app.bootstrap_password.clone().unwrap();
    let token = access(&app.login_ok("admin", &one_time).await);

    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["must_change_password"], true);
    assert_eq!(me["user"]["role"], "admin");
    let mut ids = Ids::all(me["user"]["id"].as_str().unwrap());
    ids.spare_session = me["session_id"].as_str().unwrap().to_owned();

    // The rows the table closes to a pending admin; their number is counted below by hand.
    let pending_admin = Caller::User {
        role: Role::Admin,
        password_change_pending: true,
        second_factor_pending: false,
    };
    let guarded_rows = MATRIX.iter().filter(|row| {
        routes::verdict(pending_admin, rule_of(row)) == Verdict::PasswordChangeRequired
    });
    let mut checked = 0;
    for row in guarded_rows {
        let response = call(&app, row, &ids, "pending", Some(&token)).await;
        let case = format!("pending admin {} {}", row.method, row.path);
        assert_answer(response, Refused(403, "password_change_required"), &case).await;
        checked += 1;
    }
    assert_eq!(
        checked, 53,
        "28 admin routes, 17 queue routes, /metrics, 6 privacy routes and /me/reads"
    );

    // Nothing happened: the session is still live and the user still exists with the same one-time
    // password pending.
    let me_again = app.get("/api/v1/me", &token).await;
    assert_eq!(me_again.status(), StatusCode::OK);
    let me_again: Value = me_again.json().await.unwrap();
    assert_eq!(me_again["user"]["must_change_password"], true);
}

#[tokio::test]
async fn an_operator_refused_on_an_admin_route_is_recorded_in_the_audit_log() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;

    let refused = app.get("/api/v1/admin/users", &operator).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "forbidden");

    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[("action", "access.denied")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "exactly one refusal so far: {entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["actor_id"], operator_id.as_str());
    assert_eq!(entry["actor_role"], "operator");
    assert_eq!(entry["action"], "access.denied");
    assert_eq!(entry["outcome"], "denied");
    assert_eq!(entry["target"], "/api/v1/admin/users", "the route pattern");
}

#[tokio::test]
async fn metrics_answer_the_scrape_token_without_a_user() {
    let app = spawn_app().await;
    // Serve one request first so the request counter has a sample.
    let health = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let scrape = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();

    let response = app.get("/metrics", scrape.trim()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(text.contains("sportello_http_requests_total"), "{text}");

    let wrong = app.get("/metrics", &format!("{}x", scrape.trim())).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "unauthenticated");
}

#[tokio::test]
async fn an_operator_is_forbidden_on_admin_routes_whatever_the_path_body_or_query() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;

    // The role decides first: input that would be malformed for an admin must not turn an operator's
    // refusal into a 400 or 404 (which would also go unaudited).
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("GET", "/api/v1/admin/users/not-a-uuid", None),
        (
            "PATCH",
            "/api/v1/admin/users/not-a-uuid",
            Some(r#"{"display_name":"X"}"#),
        ),
        ("DELETE", "/api/v1/admin/sessions/not-a-uuid", None),
        ("POST", "/api/v1/admin/users", Some("{not json")),
        (
            "POST",
            "/api/v1/admin/users",
            Some(r#"{"username":"Bad Name","role":"operator"}"#),
        ),
        ("GET", "/api/v1/admin/sessions?colour=blue", None),
    ];
    for (method, path, body) in cases {
        let mut request = app.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            Some(&operator),
        );
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        assert_answer(response, FORBIDDEN, &format!("operator {method} {path}")).await;
    }

    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(&admin))
        .query(&[
            ("action", "access.denied"),
            ("actor_id", operator_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["entries"].as_array().unwrap().len(), 1, "one row");
    close_denial_windows(&app).await;
    let refusals = denials_of(&app, &admin, &operator_id).await;
    assert_eq!(
        accounted(&refusals),
        cases.len(),
        "every refusal is audited"
    );
}

/// The gate decides before any input is read on every guarded route, not only the admin and queue ones: an
/// anonymous caller and a device on a user's route get `401` whatever malformed path, query or body they
/// send (`POST /api/v1/me/password` once parsed its body alongside the token check and could answer `400`).
#[tokio::test]
async fn a_caller_without_a_valid_token_hears_401_on_every_guarded_route_whatever_it_sent() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Schermo sala").await;
    let ids = Ids::all("not-a-uuid");
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in MATRIX
        .iter()
        .filter(|row| rule_of(row) != RouteRule::Public)
    {
        let user_only = !rule_of(row).admits_devices();
        let callers = [("anonymous", None), ("display", Some(display.as_str()))];
        for (caller, token) in callers
            .into_iter()
            .filter(|(caller, _)| *caller == "anonymous" || user_only)
        {
            let method = Method::from_bytes(row.method.as_bytes()).unwrap();
            let path = format!("{}?colour=blue", concrete_path(row.path, &ids));
            let response = app
                .request(method, &path, token)
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let code = error_code(response).await;
            if (status, code.as_str()) != (401, "unauthenticated") {
                failures.push(format!(
                    "{caller} {} {}: {status} {code}",
                    row.method, row.path
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked > 40, "{checked} requests");
}

/// Closes every caller's window of refusals (a minute passes) and has the housekeeping write their counts.
async fn close_denial_windows(app: &TestApp) {
    app.clock.advance(jiff::SignedDuration::from_secs(60));
    sportello_server::audit::denials::flush_closed(&app.state.denial_log())
        .await
        .unwrap();
}

/// How many refusals `rows` account for: one per row, except a count (`repeated:<n>`) which stands for n.
fn accounted(rows: &[Value]) -> usize {
    rows.iter()
        .map(|row| {
            let target = row["target"].as_str().unwrap_or_default();
            target
                .strip_prefix("repeated:")
                .map_or(1, |count| count.parse().unwrap())
        })
        .sum()
}

/// The refusals of `access.denied` recorded for one actor (a user's or a device's id).
async fn denials_of(app: &TestApp, admin: &str, actor_id: &str) -> Vec<Value> {
    let page = app
        .request(Method::GET, "/api/v1/admin/audit", Some(admin))
        .query(&[("action", "access.denied"), ("actor_id", actor_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    page["entries"].as_array().unwrap().clone()
}

/// The issue's own cases: a totem cannot call, a display cannot issue, an operator cannot enrol devices;
/// each refusal is an audited `access.denied` naming the caller's role (or device kind) and the route.
#[tokio::test]
async fn a_totem_cannot_call_a_display_cannot_issue_an_operator_cannot_enrol_devices() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app
        .create_user(&admin, "mario.rossi", "operator", &[])
        .await;
    let (totem_id, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let (display_id, display) = app.device(&admin, "display", "Schermo sala").await;
    // Someone is waiting, so a call let through would have a ticket to take.
    let waiting = issue(&app, &totem, "A").await;

    let call = app
        .post_json(
            "/api/v1/queue/call-next",
            Some(&totem),
            &json!({"desk": "Sportello 1"}),
        )
        .await;
    assert_answer(call, FORBIDDEN, "totem POST /api/v1/queue/call-next").await;
    let issued = app
        .post_json(
            "/api/v1/queue/tickets",
            Some(&display),
            &json!({"line": "A"}),
        )
        .await;
    assert_answer(issued, FORBIDDEN, "display POST /api/v1/queue/tickets").await;
    let enrolled = app
        .post_json(
            "/api/v1/admin/devices",
            Some(&operator),
            &json!({"kind": "totem", "name": "Totem abusivo"}),
        )
        .await;
    assert_answer(enrolled, FORBIDDEN, "operator POST /api/v1/admin/devices").await;

    for (actor_id, role, route) in [
        (&totem_id, "totem", "/api/v1/queue/call-next"),
        (&display_id, "display", "/api/v1/queue/tickets"),
        (&operator_id, "operator", "/api/v1/admin/devices"),
    ] {
        let entries = denials_of(&app, &admin, actor_id).await;
        assert_eq!(entries.len(), 1, "one refusal of the {role}: {entries:?}");
        let entry = &entries[0];
        assert_eq!(entry["actor_id"], actor_id.as_str());
        assert_eq!(entry["actor_role"], role);
        assert_eq!(entry["action"], "access.denied");
        assert_eq!(entry["outcome"], "denied");
        assert_eq!(entry["target"], route, "the route pattern");
    }

    // Nothing happened: the ticket still waits, uncalled; the display issued nothing; the operator
    // enrolled no device.
    let tickets: Value = app
        .get("/api/v1/queue/tickets", &operator)
        .await
        .json()
        .await
        .unwrap();
    let tickets = tickets.as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["id"], waiting["id"]);
    assert_eq!(tickets[0]["status"], "waiting");
    let devices: Value = app
        .get("/api/v1/admin/devices", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");
}

/// A device's token is no user's token: the WebSocket of case documents refuses it inside the protocol,
/// as it refuses a forged token.
#[tokio::test]
async fn a_device_token_opens_no_sync_connection() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for kind in ["totem", "display"] {
        let (_, token) = app.device(&admin, kind, &format!("Device {kind}")).await;
        let mut peer = Peer::connect(&app, Some(&token), kind).await;
        match peer.recv().await {
            Some(Ok(Message::Error(error))) => {
                assert_eq!(error.message, "unauthenticated", "{kind}")
            }
            other => panic!("{kind}: expected an error message, got {other:?}"),
        }
        match peer.recv().await {
            Some(Err((code, _))) => assert_eq!(code, CloseCode::Policy, "{kind}"),
            other => panic!("{kind}: expected a close, got {other:?}"),
        }
    }
}

/// Whose token an expired token was is read from its claims: a device's expired token is `token_expired` on
/// a queue route (the device should fetch a new one) but still no token at all on a user's route.
#[tokio::test]
async fn an_expired_device_token_is_token_expired_on_queue_routes_and_no_token_on_user_routes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, display) = app.device(&admin, "display", "Schermo sala").await;
    app.clock.advance(jiff::SignedDuration::from_hours(31 * 24));

    for path in ["/api/v1/queue/lines", "/api/v1/queue/board"] {
        let response = app.get(path, &display).await;
        assert_answer(response, Refused(401, "token_expired"), path).await;
    }
    for path in ["/api/v1/me", "/api/v1/admin/devices", "/metrics"] {
        let response = app.get(path, &display).await;
        assert_answer(response, UNAUTHENTICATED, path).await;
    }
}

/// `access_token` in the query is taken only by the event stream (for `EventSource`), with the same rules
/// as the header; anywhere else, the board included, it is no token at all.
#[tokio::test]
async fn a_query_token_opens_the_event_stream_only_and_only_for_its_viewers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, totem) = app.device(&admin, "totem", "Totem ingresso").await;
    let (_, display) = app.device(&admin, "display", "Schermo sala").await;
    let with_query = |path: &str, token: &str| {
        app.request(Method::GET, path, None)
            .query(&[("access_token", token)])
            .send()
    };

    let events = with_query("/api/v1/queue/events", &display).await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let content_type = events.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    drop(events);
    for (who, token) in [("totem", &totem), ("admin", &admin)] {
        let refused = with_query("/api/v1/queue/events", token).await.unwrap();
        assert_answer(refused, FORBIDDEN, &format!("{who} events, query token")).await;
    }
    for (path, token) in [
        ("/api/v1/queue/board", &display),
        ("/api/v1/queue/lines", &display),
        ("/api/v1/queue/stats", &admin),
        ("/api/v1/me", &admin),
        ("/api/v1/admin/devices", &admin),
    ] {
        let ignored = with_query(path, token).await.unwrap();
        assert_answer(
            ignored,
            UNAUTHENTICATED,
            &format!("GET {path}, query token"),
        )
        .await;
    }
}

/// As on the admin routes, the queue's access rule decides before any input is parsed: a refused caller
/// gets its audited 403 whatever body, path or query it sent, never a 400, 404 or 422 that would tell it
/// about the input (and go unaudited).
#[tokio::test]
async fn refused_callers_are_forbidden_on_queue_routes_whatever_the_body_path_or_query() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (display_id, display) = app.device(&admin, "display", "Schermo sala").await;
    let (totem_id, totem) = app.device(&admin, "totem", "Totem ingresso").await;

    let cases: [(&str, &str, &str, Option<&str>); 10] = [
        (
            "display",
            "POST",
            "/api/v1/queue/tickets",
            Some("{not json"),
        ),
        (
            "display",
            "POST",
            "/api/v1/queue/tickets",
            Some(r#"{"line":"lowercase"}"#),
        ),
        ("display", "POST", "/api/v1/queue/call-next", Some("[]")),
        ("display", "GET", "/api/v1/queue/tickets?colour=blue", None),
        ("display", "GET", "/api/v1/queue/stats?format=xml", None),
        (
            "display",
            "POST",
            "/api/v1/queue/tickets/not-a-uuid/transfer",
            Some("{}"),
        ),
        (
            "display",
            "GET",
            "/api/v1/queue/tickets/not-a-uuid/print",
            None,
        ),
        (
            "display",
            "POST",
            "/api/v1/queue/leases",
            Some(r#"{"size":-1}"#),
        ),
        ("totem", "GET", "/api/v1/queue/events?last_event_id=x", None),
        (
            "totem",
            "POST",
            "/api/v1/queue/tickets/not-a-uuid/cancel",
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (who, method, path, body) in cases {
        let token = if who == "totem" { &totem } else { &display };
        let mut request = app.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            Some(token),
        );
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if status != 403 || !text.contains("\"forbidden\"") {
            failures.push(format!("{who} {method} {path}: {status} {text}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    close_denial_windows(&app).await;
    let audited = accounted(&denials_of(&app, &admin, &display_id).await)
        + accounted(&denials_of(&app, &admin, &totem_id).await);
    assert_eq!(audited, cases.len(), "every refusal is audited");
}

/// Issue 12: what a privacy officer gets on every route of the matrix — its own routes and its account's,
/// nothing else (no queue, no lines, no admin). Any answer from a handler counts as admitted (a `404` for a
/// made-up id, a `400` for an empty body); only the gate's refusals say it was kept out.
mod privacy_officer_matrix {
    use super::*;

    fn gate_refusal(status: u16, code: &str) -> bool {
        matches!(
            (status, code),
            (401, "unauthenticated") | (403, "forbidden") | (403, "password_change_required")
        )
    }

    #[tokio::test]
    async fn a_privacy_officer_is_admitted_to_its_own_routes_and_its_account_only() {
        let app = spawn_app().await;
        let admin = app.admin_token().await;
        let (_, officer) = app
            .create_user(&admin, "dpo.matrix", "privacy_officer", &[])
            .await;
        let officer_caller = Caller::User {
            role: Role::PrivacyOfficer,
            password_change_pending: false,
            second_factor_pending: false,
        };
        let ids = Ids::all("00000000-0000-4000-8000-000000000000");
        let mut failures = Vec::new();
        for row in MATRIX {
            let rule = rule_of(row);
            // Public routes answer for themselves; logout would end the session the rows use.
            if rule == RouteRule::Public || row.path == "/api/v1/auth/logout" {
                continue;
            }
            let response = call(&app, row, &ids, "privacy_officer", Some(&officer)).await;
            let status = response.status().as_u16();
            let code = if status >= 400 {
                error_code(response).await
            } else {
                String::new()
            };
            let admitted = !gate_refusal(status, &code);
            let expected = routes::verdict(officer_caller, rule) == Verdict::Admit;
            if admitted != expected {
                failures.push(format!(
                    "{} {}: {status} {code}, the table says {:?}",
                    row.method,
                    row.path,
                    routes::verdict(officer_caller, rule)
                ));
            }
            if expected != matches!(rule, RouteRule::SignedIn | RouteRule::Privacy) {
                failures.push(format!(
                    "{} {}: admitted under {rule:?}",
                    row.method, row.path
                ));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
        // An unknown path under the scope is a privacy route too: the officer learns it does not exist,
        // an operator only that it is not theirs.
        let unknown = app
            .request(Method::GET, "/api/v1/privacy/nothing-here", Some(&officer))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let (_, operator) = app.create_user(&admin, "op.matrix", "operator", &[]).await;
        let refused = app
            .request(Method::GET, "/api/v1/privacy/nothing-here", Some(&operator))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(refused).await, "forbidden");
    }
}
