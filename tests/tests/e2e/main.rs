//! End-to-end scenarios with the real `client-sync` client against a real server: one test binary, one
//! module per theme.

#![allow(clippy::unwrap_used)] // a panic is the failure report

mod access;
mod accounts;
mod catalogue;
mod departure;
mod desk;
mod discovery;
mod offline;
mod refusal;
mod restart;
mod sessions;
mod totem;
mod wipe;
