//! Sportello's shared vocabulary: the types that the server and the tablets both speak.
//!
//! This crate does no I/O (no tokio, actix or rusqlite), so a tablet, a tool and the server agree on one
//! definition of every value that crosses the wire. Values are parsed, not validated: a `Username` or an
//! `AreaCode` that exists is well-formed.
//!
//! - [`role`]: who someone is to the system (`operator`, `social_worker`, `admin`).
//! - [`ids`]: typed identifiers, so a user id cannot be passed where a session id is meant.
//! - [`username`]: the login name rule.
//! - [`catalogue`]: the default service areas and need codes, with their Italian labels.
//! - [`api`]: the JSON bodies of the REST API (contract v1, DESIGN.md §4).

pub mod api;
pub mod catalogue;
pub mod ids;
pub mod role;
pub mod username;

pub use catalogue::AreaCode;
pub use ids::{SessionId, UserId};
pub use role::Role;
pub use username::Username;
