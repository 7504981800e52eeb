//! Authentication and account security: password hashing and policy, tokens, sessions, lockout and rate
//! limits. Turning a request's token into a caller and deciding whether it may call a route is the access
//! layer's job (`crate::access`), which uses [`tokens`] to check signature, algorithm, audience, type and
//! times.

pub mod lockout;
pub mod password;
pub mod rate_limit;
pub mod second_factor;
pub mod service;
pub mod tokens;
pub mod totp;
