//! The extractor family: a handler names its route's rule by the type of caller it takes, and gets the
//! caller the gate admitted. The gate ([`super::gate`]) has already decided, from the route table, before
//! any input was read; an extractor only hands the caller over, and fails closed (`500`, logged) if the
//! gate did not admit this request under the extractor's rule — a handler whose route has no row, or a
//! row that names another rule, never runs for anyone.
//!
//! | extractor           | rule                          | gives                                   |
//! |---------------------|-------------------------------|-----------------------------------------|
//! | [`SignedIn`]        | `SignedIn`                    | the user, even with a pending change    |
//! | [`AdminUser`]       | `Admin`                       | an active admin                         |
//! | [`MetricsReader`]   | `Metrics`                     | an admin, or nobody (the scrape token)  |
//! | [`TicketIssuer`]    | `IssueTickets`                | the totem or an operator                |
//! | [`QueueOperator`]   | `OperateQueue`                | an operator                             |
//! | [`BoardViewer`]     | `WatchBoard`                  | the display, an operator or a social worker |
//! | [`TotemDevice`]     | `TotemOnly`                   | the totem                               |
//! | [`StatsReader`]     | `ReadStats`                   | an admin or a social worker             |
//! | [`LinesReader`]     | `ReadLines`                   | any active user, any device             |
//! | [`PrivacyOfficer`]  | `Privacy`                     | an active privacy officer               |
//! | [`CaseStaffUser`]   | `CaseStaff`                   | an operator or a social worker          |

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use sportello_schema::policy::routes::RouteRule;

use super::gate::Admission;
use super::principal::{Actor, DeviceActor, Principal};
use crate::error::{ApiError, ApiResult};

/// The caller the gate admitted under `rule`, or an internal error: the handler and the table disagree.
fn admitted(request: &HttpRequest, rule: RouteRule) -> ApiResult<Option<Principal>> {
    let extensions = request.extensions();
    match extensions.get::<Admission>() {
        Some(admission) if admission.rule == rule => Ok(admission.principal.clone()),
        other => Err(ApiError::internal(anyhow::anyhow!(
            "{} reached a handler for {rule:?} admitted as {:?}: its route table row is missing or wrong",
            request
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
            other.map(|admission| admission.rule),
        ))),
    }
}

macro_rules! caller_extractor {
    ($(#[$doc:meta])* $name:ident($inner:ty) = $rule:ident, $map:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<ApiResult<Self>>;

            fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
                let map: fn(Option<Principal>) -> Option<$inner> = $map;
                ready(admitted(request, RouteRule::$rule).and_then(|principal| {
                    map(principal).map($name).ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!(
                            "the gate admitted a caller {} cannot take",
                            stringify!($name)
                        ))
                    })
                }))
            }
        }
    };
}

fn user(principal: Option<Principal>) -> Option<Actor> {
    match principal? {
        Principal::User(actor) => Some(actor),
        Principal::Device(_) => None,
    }
}

fn device(principal: Option<Principal>) -> Option<DeviceActor> {
    match principal? {
        Principal::Device(device) => Some(device),
        Principal::User(_) => None,
    }
}

caller_extractor!(
    /// Any user with a live session, even one who must still change a one-time password.
    SignedIn(Actor) = SignedIn, user
);

caller_extractor!(
    /// An active admin. Admins manage accounts and settings and never read case contents.
    AdminUser(Actor) = Admin, user
);

caller_extractor!(
    /// An active admin (`Some`), or the metrics scrape token (`None`, no caller of its own).
    MetricsReader(Option<Actor>) = Metrics, |principal| match principal {
        None => Some(None),
        Some(principal) => user(Some(principal)).map(Some),
    }
);

caller_extractor!(
    /// The totem, or an operator issuing for a phone or e-mail contact.
    TicketIssuer(Principal) = IssueTickets, |principal| principal
);

caller_extractor!(
    /// An operator at a desk: calls and moves tickets.
    QueueOperator(Actor) = OperateQueue, user
);

caller_extractor!(
    /// The waiting-room display or staff: the board and its event stream.
    BoardViewer(Principal) = WatchBoard, |principal| principal
);

caller_extractor!(
    /// The totem: leases numbers and imports what it issued offline.
    TotemDevice(DeviceActor) = TotemOnly, device
);

caller_extractor!(
    /// Admins and social workers: aggregate statistics, no ticket-level data.
    StatsReader(Actor) = ReadStats, user
);

caller_extractor!(
    /// Anyone signed in, user or device: the list of lines (a totem draws its buttons from it).
    LinesReader(Principal) = ReadLines, |principal| principal
);

caller_extractor!(
    /// An active privacy officer: the citizen's rights (issue 12).
    PrivacyOfficer(Actor) = Privacy, user
);

caller_extractor!(
    /// The staff who open cases on a tablet — operators and social workers (issue 12: their tablets'
    /// openings of cases).
    CaseStaffUser(Actor) = CaseStaff, user
);
