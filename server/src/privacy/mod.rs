//! The citizen's rights (issue 12): what the privacy officer's routes do, and the server's own retention.
//!
//! - [`key`]: the keyed hash of the codice fiscale (the key file; `HMAC-SHA256` of the normalised code).
//! - [`backfill`]: at start-up, the hash (and a case-notes document's case) for documents stored before
//!   they were kept, or under another key.
//! - [`report`]: finding a person's cases by codice fiscale, and the access report of a case.
//! - [`erasure`]: erasure requests under four eyes, and erasure itself (storage, cache, indexes, the file).
//! - [`retention`]: housekeeping that erases closed cases past the retention period.
//!
//! Invariants: every act is one audited write (`privacy.*`, and `doc.erased` per erased document) whose
//! rows hold ids only — never a code, a name or content; the codice fiscale never leaves the request body
//! and the case document (not in URLs, logs or the audit).

pub mod backfill;
pub mod erasure;
pub mod key;
pub mod report;
pub mod retention;

use sportello_schema::sync::DocumentId;

use crate::error::ApiError;
use crate::storage::documents::RawDocId;

/// A case id as a path gives it: the bs58check id, or an `automerge:` URL. Anything else is not found.
pub fn parse_case_id(text: &str) -> Result<RawDocId, ApiError> {
    let text = text.strip_prefix("automerge:").unwrap_or(text);
    DocumentId::parse(text)
        .map(|id| *id.as_bytes())
        .map_err(|_| ApiError::NotFound)
}

/// The id as the audit log and the API write it.
pub fn doc_text(id: &RawDocId) -> String {
    DocumentId::from_bytes(*id).to_string()
}
