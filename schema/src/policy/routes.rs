//! Who may call which route of the REST API: every route is one row of [`ROUTES`] naming its
//! [`RouteRule`], and [`verdict`] says, for each kind of caller and each rule, whether the call goes on.
//! The server's access layer (`server/src/access`) looks the row up and evaluates the verdict before a
//! handler parses anything; nothing else decides who may call a route.
//!
//! The rules, and why:
//!
//! - **Deny by default.** [`verdict`] matches exhaustively over callers and rules: adding a role, a kind
//!   of device or a rule forces a decision here. A route with no row is not guarded by the table, and a
//!   handler that needs a caller then refuses to run (the server's extractors fail closed); the server's
//!   tests check that every route of the OpenAPI document has a row.
//! - **A device token is no user's token.** On a route for users only ([`RouteRule::SignedIn`],
//!   [`RouteRule::Admin`], [`RouteRule::Metrics`], [`RouteRule::CaseStaff`]) a totem or a display is [`Verdict::Unauthenticated`],
//!   as if it had sent no token. On a queue route a device is a known caller, so one the route is not for
//!   is [`Verdict::Forbidden`] (audited).
//! - **A pending password change** closes every route but the public ones and [`RouteRule::SignedIn`]
//!   (`/me`, `/me/password`, logout: how the user gets out of it), and it is told before the role: a
//!   pending operator on an admin route hears `password_change_required`, not `forbidden`.
//! - **A pending second-factor enrolment** (issue 12: the role requires a second factor and the user has
//!   none) closes the same routes as a pending password change, and is told after it: the password
//!   comes first, then the enrolment (`/me/second-factor/*` are [`RouteRule::SignedIn`] routes).
//! - **Admins manage, they do not serve.** They read the queue's statistics and its lines, never the
//!   board, the tickets or the calls.
//!
//! Besides the rows, [`GUARDED_SCOPES`] gives a rule to every other path under a prefix: an unknown path
//! or method under `/api/v1/admin` is still an admin route, so only an admin learns that it does not exist.

use crate::Role;
use crate::queue::DeviceKind;

/// The rule of a route: which callers it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteRule {
    /// Anyone, with or without a token (the token is not even read): health, the OpenAPI document, login,
    /// refresh, the device-token exchange, the printed ticket's status page, and the sync WebSocket, which
    /// checks its token inside its own protocol.
    Public,
    /// Any user with a live session, even one who must still change a one-time password.
    SignedIn,
    /// An active admin: accounts, sessions, grants, the audit log, devices, the queue's settings.
    Admin,
    /// An active admin, or the metrics scrape token (which is no caller of its own).
    Metrics,
    /// The totem, or an operator issuing for a phone or e-mail contact: issue and print tickets.
    IssueTickets,
    /// An operator at a desk: calls, moves and the list of tickets.
    OperateQueue,
    /// The waiting-room display, operators and social workers: the board and its event stream.
    WatchBoard,
    /// The totem: leases numbers and imports what it issued offline.
    TotemOnly,
    /// Admins and social workers: aggregate statistics, no ticket-level data.
    ReadStats,
    /// Any active user and any device: the list of lines (a totem draws its buttons from it).
    ReadLines,
    /// Privacy officers only: the citizen's rights (lookup by codice fiscale, access reports, erasure).
    Privacy,
    /// The staff who open cases on a tablet — operators and social workers: uploading the openings of
    /// cases their tablets recorded (issue 12).
    CaseStaff,
}

impl RouteRule {
    pub const ALL: [RouteRule; 12] = [
        RouteRule::Public,
        RouteRule::SignedIn,
        RouteRule::Admin,
        RouteRule::Metrics,
        RouteRule::IssueTickets,
        RouteRule::OperateQueue,
        RouteRule::WatchBoard,
        RouteRule::TotemOnly,
        RouteRule::ReadStats,
        RouteRule::ReadLines,
        RouteRule::Privacy,
        RouteRule::CaseStaff,
    ];

    /// Whether any kind of device may be admitted: for the others a device's token is no token at all
    /// (an expired one included).
    pub fn admits_devices(self) -> bool {
        DeviceKind::ALL
            .into_iter()
            .any(|kind| verdict(Caller::Device(kind), self) != Verdict::Unauthenticated)
    }
}

/// Who is calling, as far as the route table cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No token (or, for the table, any caller of a public route).
    Anonymous,
    /// A user with a live session; `password_change_pending` while a one-time password must be changed,
    /// `second_factor_pending` while the role requires a second factor and none is enrolled.
    User {
        role: Role,
        password_change_pending: bool,
        second_factor_pending: bool,
    },
    /// An enrolled device with a live device session.
    Device(DeviceKind),
}

/// What the caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The handler runs.
    Admit,
    /// `401 unauthenticated`: no token, or a token of a kind the route does not take.
    Unauthenticated,
    /// `403 password_change_required`: the user must change a one-time password first.
    PasswordChangeRequired,
    /// `403 second_factor_enrolment_required`: the user must enrol a second factor first.
    SecondFactorEnrolmentRequired,
    /// `403 forbidden`, audited as `access.denied`.
    Forbidden,
}

/// The decision for `caller` on a route with `rule`.
pub fn verdict(caller: Caller, rule: RouteRule) -> Verdict {
    use RouteRule::*;
    let (role, pending, enrolling) = match caller {
        _ if rule == Public => return Verdict::Admit,
        Caller::Anonymous => return Verdict::Unauthenticated,
        Caller::Device(kind) => return device_verdict(kind, rule),
        Caller::User {
            role,
            password_change_pending,
            second_factor_pending,
        } => (role, password_change_pending, second_factor_pending),
    };
    if pending && rule != SignedIn {
        return Verdict::PasswordChangeRequired;
    }
    if enrolling && rule != SignedIn {
        return Verdict::SecondFactorEnrolmentRequired;
    }
    let admitted = match rule {
        Public | SignedIn => true,
        // Privacy officers call only their own routes (and their account's).
        ReadLines => role != Role::PrivacyOfficer,
        Admin | Metrics => role == Role::Admin,
        IssueTickets | OperateQueue => role == Role::Operator,
        WatchBoard | CaseStaff => matches!(role, Role::Operator | Role::SocialWorker),
        TotemOnly => false,
        ReadStats => matches!(role, Role::Admin | Role::SocialWorker),
        Privacy => role == Role::PrivacyOfficer,
    };
    if admitted {
        Verdict::Admit
    } else {
        Verdict::Forbidden
    }
}

fn device_verdict(kind: DeviceKind, rule: RouteRule) -> Verdict {
    use RouteRule::*;
    let admitted = match rule {
        Public | ReadLines => true,
        SignedIn | Admin | Metrics | Privacy | CaseStaff => return Verdict::Unauthenticated,
        IssueTickets | TotemOnly => kind == DeviceKind::Totem,
        WatchBoard => kind == DeviceKind::Display,
        OperateQueue | ReadStats => false,
    };
    if admitted {
        Verdict::Admit
    } else {
        Verdict::Forbidden
    }
}

/// Where a route takes its access token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenFrom {
    /// `Authorization: Bearer` only.
    Header,
    /// The header, or else the `access_token` query parameter: for `EventSource`, which cannot set headers.
    HeaderOrQuery,
}

/// One route: its method, its path as the OpenAPI document writes it, its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub rule: RouteRule,
    pub token: TokenFrom,
}

const fn route(method: &'static str, path: &'static str, rule: RouteRule) -> Route {
    Route {
        method,
        path,
        rule,
        token: TokenFrom::Header,
    }
}

/// Every route of the API and its rule.
pub const ROUTES: &[Route] = {
    use RouteRule::*;
    &[
        route("GET", "/healthz", Public),
        route("GET", "/api/v1/openapi.json", Public),
        route("GET", "/t/{token}", Public),
        route("GET", "/sync", Public),
        route("POST", "/api/v1/auth/login", Public),
        route("POST", "/api/v1/auth/refresh", Public),
        route("POST", "/api/v1/auth/device-token", Public),
        route("POST", "/api/v1/auth/logout", SignedIn),
        route("GET", "/api/v1/me", SignedIn),
        route("POST", "/api/v1/me/password", SignedIn),
        route("GET", "/metrics", Metrics),
        // The queue.
        route("POST", "/api/v1/queue/tickets", IssueTickets),
        route("GET", "/api/v1/queue/tickets/{id}/print", IssueTickets),
        route("GET", "/api/v1/queue/tickets", OperateQueue),
        route("POST", "/api/v1/queue/call-next", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/recall", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/start", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/finish", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/no-show", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/cancel", OperateQueue),
        route("POST", "/api/v1/queue/tickets/{id}/transfer", OperateQueue),
        route("GET", "/api/v1/queue/board", WatchBoard),
        Route {
            token: TokenFrom::HeaderOrQuery,
            ..route("GET", "/api/v1/queue/events", WatchBoard)
        },
        route("POST", "/api/v1/queue/leases", TotemOnly),
        route("POST", "/api/v1/queue/tickets/import", TotemOnly),
        route("GET", "/api/v1/queue/stats", ReadStats),
        route("GET", "/api/v1/queue/lines", ReadLines),
        // The totem's print link and opening times (issue 11): the link is its own permission.
        route("GET", "/api/v1/queue/tickets/{id}/print/{link}", Public),
        route("GET", "/api/v1/queue/opening", ReadLines),
        // Administration.
        route("GET", "/api/v1/admin/users", Admin),
        route("POST", "/api/v1/admin/users", Admin),
        route("GET", "/api/v1/admin/users/{id}", Admin),
        route("PATCH", "/api/v1/admin/users/{id}", Admin),
        route("POST", "/api/v1/admin/users/{id}/reset-password", Admin),
        route("DELETE", "/api/v1/admin/users/{id}/sessions", Admin),
        route("GET", "/api/v1/admin/sessions", Admin),
        route("DELETE", "/api/v1/admin/sessions/{id}", Admin),
        route("GET", "/api/v1/admin/grants", Admin),
        route("POST", "/api/v1/admin/grants/{id}/approve", Admin),
        route("POST", "/api/v1/admin/grants/{id}/reject", Admin),
        route("GET", "/api/v1/admin/audit", Admin),
        route("GET", "/api/v1/admin/devices", Admin),
        route("POST", "/api/v1/admin/devices", Admin),
        route("POST", "/api/v1/admin/devices/{id}/revoke", Admin),
        route("PUT", "/api/v1/admin/queue/lines/{code}", Admin),
        route("GET", "/api/v1/admin/queue/schedule", Admin),
        route("PUT", "/api/v1/admin/queue/schedule", Admin),
        route("GET", "/api/v1/admin/queue/display", Admin),
        route("PUT", "/api/v1/admin/queue/display", Admin),
        // The catalogue of areas and needs (the directory document).
        route("GET", "/api/v1/admin/catalogue", Admin),
        route("PUT", "/api/v1/admin/catalogue/areas/{code}", Admin),
        route("PUT", "/api/v1/admin/catalogue/needs/{code}", Admin),
        route("GET", "/api/v1/admin/case-stats", Admin),
        // The citizen's rights (issue 12): privacy officers only.
        route("POST", "/api/v1/privacy/lookup", Privacy),
        route(
            "GET",
            "/api/v1/privacy/cases/{case_id}/access-report",
            Privacy,
        ),
        route("POST", "/api/v1/privacy/cases/{case_id}/erasure", Privacy),
        route("GET", "/api/v1/privacy/erasures", Privacy),
        route("POST", "/api/v1/privacy/erasures/{id}/approve", Privacy),
        route("POST", "/api/v1/privacy/erasures/{id}/reject", Privacy),
        // The second factor (issue 12): enrolment is how a user gets out of a pending enrolment.
        route("POST", "/api/v1/me/second-factor/setup", SignedIn),
        route("POST", "/api/v1/me/second-factor/confirm", SignedIn),
        route(
            "POST",
            "/api/v1/admin/users/{id}/reset-second-factor",
            Admin,
        ),
        // Issue 12: the tablet's data lifecycle.
        route("GET", "/api/v1/admin/settings/tablets", Admin),
        route("PUT", "/api/v1/admin/settings/tablets", Admin),
        route("POST", "/api/v1/admin/sessions/{id}/wipe", Admin),
        route("POST", "/api/v1/auth/wipe-check", Public),
        route("POST", "/api/v1/me/reads", CaseStaff),
    ]
};

/// Path prefixes whose every other path and method (unknown ones included) has a rule too.
pub const GUARDED_SCOPES: &[(&str, RouteRule)] = &[
    ("/api/v1/admin", RouteRule::Admin),
    ("/api/v1/privacy", RouteRule::Privacy),
];

/// The row of `method` on `path` (a route pattern, as the OpenAPI document writes it).
pub fn route_for(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES
        .iter()
        .find(|route| route.method == method && route.path == path)
}

/// The rule of a request: its route's row, else the rule of a guarded scope the path lies in, else none
/// (not an API route: the web app, or a path nothing serves). `pattern` is the matched route pattern, if
/// any; `path` the request's path.
pub fn rule_for(method: &str, pattern: Option<&str>, path: &str) -> Option<(RouteRule, TokenFrom)> {
    if let Some(route) = pattern.and_then(|pattern| route_for(method, pattern)) {
        return Some((route.rule, route.token));
    }
    GUARDED_SCOPES
        .iter()
        .find(|(prefix, _)| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .map(|&(_, rule)| (rule, TokenFrom::Header))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Verdict = Verdict::Admit;
    const U: Verdict = Verdict::Unauthenticated;
    const P: Verdict = Verdict::PasswordChangeRequired;
    const F: Verdict = Verdict::Forbidden;

    const fn user(role: Role) -> Caller {
        Caller::User {
            role,
            password_change_pending: false,
            second_factor_pending: false,
        }
    }

    const fn pending(role: Role) -> Caller {
        Caller::User {
            role,
            password_change_pending: true,
            second_factor_pending: false,
        }
    }

    /// The callers of the columns below.
    const CALLERS: [Caller; 9] = [
        Caller::Anonymous,
        user(Role::Operator),
        user(Role::SocialWorker),
        user(Role::Admin),
        pending(Role::Operator),
        pending(Role::SocialWorker),
        pending(Role::Admin),
        Caller::Device(DeviceKind::Totem),
        Caller::Device(DeviceKind::Display),
    ];

    #[test]
    fn every_caller_gets_what_the_rules_say_on_every_rule() {
        use RouteRule::*;
        #[rustfmt::skip]
        let table: [(RouteRule, [Verdict; 9]); 12] = [
            //              anon  op  sw  adm  op* sw* adm* totem display   (* = password change pending)
            (Public,       [A,    A,  A,  A,   A,  A,  A,   A,    A]),
            (SignedIn,     [U,    A,  A,  A,   A,  A,  A,   U,    U]),
            (Admin,        [U,    F,  F,  A,   P,  P,  P,   U,    U]),
            (Metrics,      [U,    F,  F,  A,   P,  P,  P,   U,    U]),
            (IssueTickets, [U,    A,  F,  F,   P,  P,  P,   A,    F]),
            (OperateQueue, [U,    A,  F,  F,   P,  P,  P,   F,    F]),
            (WatchBoard,   [U,    A,  A,  F,   P,  P,  P,   F,    A]),
            (TotemOnly,    [U,    F,  F,  F,   P,  P,  P,   A,    F]),
            (ReadStats,    [U,    F,  A,  A,   P,  P,  P,   F,    F]),
            (ReadLines,    [U,    A,  A,  A,   P,  P,  P,   A,    A]),
            (Privacy,      [U,    F,  F,  F,   P,  P,  P,   U,    U]),
            (CaseStaff,    [U,    A,  A,  F,   P,  P,  P,   U,    U]),
        ];
        let mut failures = Vec::new();
        for (rule, expected) in table {
            for (caller, expected) in CALLERS.into_iter().zip(expected) {
                let got = verdict(caller, rule);
                if got != expected {
                    failures.push(format!(
                        "{caller:?} on {rule:?}: {got:?}, expected {expected:?}"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
        assert_eq!(
            table.map(|(rule, _)| rule),
            RouteRule::ALL,
            "every rule has its row"
        );
    }

    #[test]
    fn a_pending_enrolment_closes_what_a_pending_password_change_closes_and_comes_after_it() {
        for role in Role::ALL {
            for rule in RouteRule::ALL {
                let enrolling = Caller::User {
                    role,
                    password_change_pending: false,
                    second_factor_pending: true,
                };
                let both = Caller::User {
                    role,
                    password_change_pending: true,
                    second_factor_pending: true,
                };
                let expected = if matches!(rule, RouteRule::Public | RouteRule::SignedIn) {
                    verdict(user(role), rule)
                } else {
                    Verdict::SecondFactorEnrolmentRequired
                };
                assert_eq!(verdict(enrolling, rule), expected, "{role:?} on {rule:?}");
                assert_eq!(
                    verdict(both, rule),
                    verdict(pending(role), rule),
                    "{role:?} on {rule:?}: the password first"
                );
            }
        }
        for path in [
            "/api/v1/me/second-factor/setup",
            "/api/v1/me/second-factor/confirm",
        ] {
            assert_eq!(
                route_for("POST", path).map(|route| route.rule),
                Some(RouteRule::SignedIn)
            );
        }
    }

    #[test]
    fn only_the_queue_rules_take_a_device_token_at_all() {
        let takes_devices: Vec<RouteRule> = RouteRule::ALL
            .into_iter()
            .filter(|rule| rule.admits_devices())
            .collect();
        use RouteRule::*;
        assert_eq!(
            takes_devices,
            [
                Public,
                IssueTickets,
                OperateQueue,
                WatchBoard,
                TotemOnly,
                ReadStats,
                ReadLines
            ]
        );
    }

    #[test]
    fn no_route_has_two_rows_and_every_path_is_absolute() {
        for (index, route) in ROUTES.iter().enumerate() {
            assert!(route.path.starts_with('/'), "{route:?}");
            assert!(
                ROUTES[index + 1..]
                    .iter()
                    .all(|other| (other.method, other.path) != (route.method, route.path)),
                "{} {} has two rows",
                route.method,
                route.path
            );
        }
    }

    #[test]
    fn only_the_event_stream_takes_its_token_from_the_query() {
        let from_query: Vec<&str> = ROUTES
            .iter()
            .filter(|route| route.token == TokenFrom::HeaderOrQuery)
            .map(|route| route.path)
            .collect();
        assert_eq!(from_query, ["/api/v1/queue/events"]);
    }

    #[test]
    fn a_request_takes_its_rows_rule_else_its_guarded_scopes_else_none() {
        let header = |rule| Some((rule, TokenFrom::Header));
        assert_eq!(
            rule_for(
                "GET",
                Some("/api/v1/admin/users/{id}"),
                "/api/v1/admin/users/x"
            ),
            header(RouteRule::Admin)
        );
        assert_eq!(
            rule_for(
                "POST",
                Some("/api/v1/queue/tickets"),
                "/api/v1/queue/tickets"
            ),
            header(RouteRule::IssueTickets)
        );
        assert_eq!(
            rule_for(
                "GET",
                Some("/api/v1/queue/tickets"),
                "/api/v1/queue/tickets"
            ),
            header(RouteRule::OperateQueue)
        );
        // An unknown method or path under the admin scope is still an admin route.
        assert_eq!(
            rule_for("DELETE", Some("/api/v1/admin/users"), "/api/v1/admin/users"),
            header(RouteRule::Admin)
        );
        assert_eq!(
            rule_for("GET", None, "/api/v1/admin/nowhere"),
            header(RouteRule::Admin)
        );
        assert_eq!(
            rule_for("GET", None, "/api/v1/admin"),
            header(RouteRule::Admin)
        );
        // Elsewhere, no row is no rule: the method is not allowed, or the path is the web app's.
        assert_eq!(rule_for("GET", None, "/api/v1/administrators"), None);
        assert_eq!(
            rule_for(
                "DELETE",
                Some("/api/v1/queue/tickets"),
                "/api/v1/queue/tickets"
            ),
            None
        );
        assert_eq!(rule_for("GET", None, "/app/index.html"), None);
        assert_eq!(
            rule_for("GET", Some("/api/v1/queue/events"), "/api/v1/queue/events"),
            Some((RouteRule::WatchBoard, TokenFrom::HeaderOrQuery))
        );
    }

    #[test]
    fn privacy_officers_are_admitted_to_their_own_routes_and_their_account_only() {
        use RouteRule::*;
        let officer = user(Role::PrivacyOfficer);
        let admitted: Vec<RouteRule> = RouteRule::ALL
            .into_iter()
            .filter(|rule| verdict(officer, *rule) == Verdict::Admit)
            .collect();
        assert_eq!(admitted, [Public, SignedIn, Privacy]);
        for rule in RouteRule::ALL {
            let expected = match rule {
                Public => A,
                SignedIn => A,
                _ => P,
            };
            assert_eq!(
                verdict(pending(Role::PrivacyOfficer), rule),
                expected,
                "{rule:?}"
            );
        }
        // Unknown paths under the scope are privacy routes too.
        assert_eq!(
            rule_for("GET", None, "/api/v1/privacy/nothing-here"),
            Some((Privacy, TokenFrom::Header))
        );
        assert_eq!(rule_for("GET", None, "/api/v1/privacyx"), None);
    }
}
