//! The access layer: who is calling, and whether they may call this route.
//!
//! The flow of a request: [`gate`] (a middleware on the whole app, before routing) finds the route's row
//! in `sportello_schema::policy::routes`; if the rule needs a caller it reads the bearer token (or the
//! query token where the row allows it) and [`authenticate`] turns it into a [`Principal`] — a user or a
//! device, told apart by the token's `typ` claim, with its session checked live in the database; then the
//! table's verdict admits the caller or refuses it (401, `403 password_change_required`, or an audited
//! `403 forbidden` / `429`). Only then does the handler run, and its [`extract`]or hands it the admitted
//! caller under the rule its type names. Deny by default: a handler that takes no such extractor is public,
//! and the table has a row for every route (checked against the OpenAPI document by the role-matrix test).
//!
//! Nothing here depends on `AppState`: the gate takes its [`Gatekeeper`] (storage, token keys, clock,
//! denials, the metrics scrape token) from its own `web::Data`.

pub mod authenticate;
pub mod extract;
pub mod gate;
pub mod principal;

pub use authenticate::{Authenticator, Devices, still_live};
pub use extract::CaseStaffUser;
pub use extract::{
    AdminUser, BoardViewer, LinesReader, MetricsReader, PrivacyOfficer, QueueOperator, SignedIn,
    StatsReader, TicketIssuer, TotemDevice,
};
pub use gate::{Admission, Gatekeeper, bearer_token, gate};
pub use principal::{Actor, DeviceActor, Principal};
