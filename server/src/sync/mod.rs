//! Offline-first document sync: the automerge-repo protocol server at `GET /sync`, the loaded-document
//! cache, and the rules that decide who may read, write and create each document.
//!
//! - [`store`]: the bounded cache of loaded documents over `storage::documents`.
//! - [`rules`]: hydrate, derive facts, decide access, check writes (pure).

pub mod hub;
pub mod rules;
pub mod store;
