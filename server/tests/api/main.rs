//! Integration tests of the server: each test starts the real application on port 0 with a temporary data
//! directory (a real SQLite database on disk) and drives it over HTTP with a real client.
//! One test binary for the whole crate keeps the build fast.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed: the panic is the report

// Shared with the end-to-end tests (`tests/src/lib.rs`), which use parts this suite does not.
#[allow(dead_code)]
#[path = "../support/harness.rs"]
mod harness;
mod helpers;

mod abuse;
mod admin_users;
mod architecture;
mod audit_log;
mod auth_flow;
mod case_stats;
mod catalogue;
mod cli;
mod continuity_of_care;
mod contract;
mod convergence;
mod four_eyes;
mod interop;
mod lockout;
mod operations;
mod privacy;
mod queue;
mod role_matrix;
mod second_factor;
mod sync;
mod sync_client;
mod sync_hardening;
mod sync_refused_recovery;
mod tablet_lifecycle;
mod token_rejection;
mod web_admin;
mod web_app;
mod web_browser;
mod web_catalogue;
mod web_departures;
mod web_display;
mod web_intake;
mod web_lifecycle;
mod web_privacy;
mod web_queue;
mod web_referrals;
mod web_second_factor;
mod web_statistics;
mod web_store;
mod web_totem;
