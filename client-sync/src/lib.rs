//! Sportello's native client, for tablets and tools.
//!
//! Today: [`ApiClient`], the REST side — login, transparent refresh of expired access tokens, password
//! change, logout, and authenticated JSON calls. Next (the sync issue): the local document store and the
//! automerge-repo sync client, which take their access token from [`ApiClient::access_token`].

pub mod api;

pub use api::{ApiClient, ClientError};
