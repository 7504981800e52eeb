//! JSON bodies of the tablet's data lifecycle (issue 12): the offline lease setting, the remote-wipe check
//! and the upload of the case openings a tablet recorded (offline or not). The rules behind them are in
//! `docs/security.md` ("Offline lease", "Remote wipe", "Reads on the tablet").

use serde::{Deserialize, Serialize};

use crate::SessionId;

/// The offline lease's bounds and default, in hours.
pub const OFFLINE_LEASE_HOURS_MIN: u32 = 1;
pub const OFFLINE_LEASE_HOURS_MAX: u32 = 720;
pub const OFFLINE_LEASE_HOURS_DEFAULT: u32 = 72;

/// At most this many session ids per wipe check.
pub const WIPE_CHECK_MAX_IDS: usize = 16;

/// At most this many openings per upload.
pub const READS_MAX_PER_REQUEST: usize = 500;
/// Openings older than this (or in the future) are ignored.
pub const READS_MAX_AGE_DAYS: i64 = 90;

/// `GET|PUT /api/v1/admin/settings/tablets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TabletSettings {
    /// How long a tablet may be unlocked offline after its last contact with the server (1..=720).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    #[serde(deserialize_with = "super::contract::whole::number")]
    pub offline_lease_hours: u32,
}

/// `POST /api/v1/auth/wipe-check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WipeCheckRequest {
    /// The sessions that opened the tablet's local stores (at most 16).
    #[cfg_attr(feature = "openapi", schema(max_items = 16))]
    pub session_ids: Vec<SessionId>,
}

/// The answer of `POST /api/v1/auth/wipe-check`: of the ids given, those an admin marked lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WipeCheckAnswer {
    pub wipe: Vec<SessionId>,
}

/// One opening of a document on a tablet. Fields are checked one by one on the server: a malformed
/// entry is counted as ignored rather than refusing the whole upload (a tablet must not get stuck on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadEvent {
    /// A random UUID made by the tablet when the document was opened: the upload's idempotency key.
    pub event_id: String,
    /// The document's id (bs58check, as in its `automerge:` URL).
    pub document_id: String,
    /// When the document was opened, RFC 3339.
    pub opened_at: String,
}

/// `POST /api/v1/me/reads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadsUpload {
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub reads: Vec<ReadEvent>,
}

/// What became of an upload: every entry is exactly one of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadsRecorded {
    /// Appended to the audit log now.
    pub recorded: u32,
    /// Already recorded by an earlier upload (the same event id).
    pub duplicates: u32,
    /// Unknown or erased documents, documents that are not cases or case notes, malformed entries,
    /// times in the future or older than 90 days.
    pub ignored: u32,
}
