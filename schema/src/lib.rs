//! Sportello's shared vocabulary: the types that the server and the tablets both speak.
//!
//! This crate does no I/O (no tokio, actix or rusqlite), so a tablet, a tool and the server agree on one
//! definition of every value that crosses the wire. Values are parsed, not validated: a `Username` or an
//! `AreaCode` that exists is well-formed.
//!
//! - [`role`]: who someone is to the system (`operator`, `social_worker`, `admin`).
//! - [`ids`]: typed identifiers, so a user id cannot be passed where a session id is meant.
//! - [`username`]: the login name rule.
//! - [`catalogue`]: the default service areas and need codes, with their Italian labels, and the catalogue
//!   in force that validation checks codes against.
//! - [`api`]: the JSON bodies of the REST API (contract v1, DESIGN.md §4).
//! - [`fiscal_code`]: the Italian *codice fiscale* of a person.
//! - [`values`]: phone numbers, e-mail addresses, dates, UTC timestamps, sex.
//! - [`desk_time`]: the desk's time zone (Europe/Rome), its civil day (`DeskDay`) and REST times (`UtcTime`).
//! - [`documents`]: the Automerge documents (case, case notes, index, directory) as Rust types.
//! - [`validate`]: field rules for documents and the referral status machine.
//! - [`policy`]: who may read, write and create which document.
//! - [`queue`]: service lines, ticket numbers and the ticket status machine (the queue, issue 4).
//! - [`sync`]: the automerge-repo network protocol (version "1") that tablets sync documents with.

// Tests may unwrap: a panic is how they fail. Library code is still linted (the non-test build of this crate
// has no such allowance), and `clippy --all-targets` checks both.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod catalogue;
pub mod desk_time;
pub mod documents;
pub mod fiscal_code;
pub mod ids;
pub mod policy;
pub mod queue;
pub mod role;
pub mod sync;
pub mod username;
pub mod validate;
pub mod values;

pub use catalogue::{AreaCode, Catalogue, NeedCode};
pub use documents::DocKind;
pub use fiscal_code::FiscalCode;
pub use ids::{
    DeviceId, DeviceSessionId, ErasureId, GrantId, LeaseId, SessionId, TicketId, UserId,
};
pub use role::Role;
pub use username::Username;
