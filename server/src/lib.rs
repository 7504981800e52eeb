//! The Sportello server: an actix-web application over SQLite. `docs/architecture.md` is the map; in short:
//!
//! - [`startup`] builds and runs the app; [`config`] and [`cli`] say how it is configured.
//! - [`routes`] are thin HTTP handlers; the rules live in [`auth`], [`admin`], [`devices`], [`queue`] and
//!   [`sync`].
//! - [`storage`] owns every SQL statement, the single group-committing writer and the read pool.
//! - [`audit`] defines the hash-chained audit records written with each change.
//! - [`telemetry`] and [`metrics`] observe requests without recording personal data.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod case_stats;
pub mod catalogue;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod context;
pub mod devices;
pub mod error;
pub mod input;
pub mod lifecycle;
pub mod metrics;
pub mod openapi;
pub mod privacy;
pub mod queue;
pub mod request_body;
pub mod routes;
pub mod slots;
pub mod startup;
pub mod state;
pub mod storage;
pub mod sync;
pub mod telemetry;
