//! Authentication and account security: password hashing and policy, tokens, sessions, lockout, rate
//! limits, and the extractors that turn a request into an authorised actor.
//!
//! The flow of an authenticated request: [`extract`] reads the bearer token → [`tokens`] checks signature,
//! algorithm, audience, type and times → the session and user are loaded (one read) and must be live and
//! enabled → the typed extractor (`AdminUser`, `Staff`, …) checks the role. Deny by default: a handler
//! that takes no such extractor is public, and the public list is short and tested.

pub mod actor;
pub mod extract;
pub mod lockout;
pub mod password;
pub mod rate_limit;
pub mod service;
pub mod tokens;
