//! Sportello's native client, for tablets and tools.
//!
//! - [`api`]: [`ApiClient`], the REST side — login, transparent refresh of expired access tokens, password
//!   change, logout, and authenticated JSON calls.
//! - `auth`: the authenticated session both [`ApiClient`] and [`Totem`] hold — the current access token,
//!   its renewal (a user's refresh token, a device's credential), one renewal at a time, one retry after it,
//!   and the wipe mark a `session_wiped` answer raises.
//! - [`store`]: the local SQLite document store (snapshots + chunks, durable, survives restarts) and what
//!   the tablet knows of each document's state on the server.
//! - [`sync`]: [`Tablet`], the offline-first document client speaking the automerge-repo protocol with the
//!   server's `/sync` endpoint: create and edit documents offline, sync in the background with back-off and
//!   reconnects, and a per-document [`DocStatus`]. It follows the user's index (the documents they may
//!   open), also when the server moves it to a new id after an erasure (`index_moved`). When an admin marks
//!   the session lost (`session_wiped` from the sync upgrade, the refresh or any REST call, or the wipe
//!   check after a restart) it pushes nothing more and deletes everything of the user from memory and from
//!   the store ([`Tablet::is_wiped`], [`TabletError::Wiped`]).
//! - [`totem`]: [`Totem`], the ticket kiosk's client: issues queue tickets online, keeps printing from leased
//!   blocks of numbers while the server is unreachable, and imports those tickets on reconnect.
//!
//! The load generator (`sportello-loadgen`, `src/bin/loadgen.rs`) drives many [`Tablet`]s at once.

// Tests may unwrap: a panic is how they fail. Library code is still linted.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
mod auth;
mod error;
pub mod store;
pub mod sync;
pub mod totem;

pub use api::{ApiClient, ClientError};
pub use store::Refusal;
pub use sync::{ConnectionState, DocStatus, Tablet, TabletError, TabletOptions};
pub use totem::{Totem, TotemError, TotemOptions, TotemTicket};
