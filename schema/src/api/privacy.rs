//! The citizen's rights (issue 12): the JSON bodies of the privacy officer's routes (`docs/api.md` §3.13,
//! `docs/security.md` *The citizen's rights*).
//!
//! A privacy officer finds a person's cases by codice fiscale (the server matches a keyed hash, never the
//! code), reads who accessed a case and its notes (the audit log joined with the accounts), and erases a
//! case under four eyes: one officer asks ([`ErasureRequest`]), a second approves.

use serde::{Deserialize, Serialize};

use crate::documents::DocKind;
use crate::{AreaCode, ErasureId, SessionId, UserId};

/// `POST /api/v1/privacy/lookup`: in the body, never in a URL. Checked by the server (an invalid code is
/// `400 invalid_fiscal_code`, its message never repeating the code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    #[cfg_attr(feature = "openapi", schema(example = "RSSMRA85T10A562S"))]
    pub fiscal_code: String,
}

/// One case found by a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoundCase {
    /// The case's document id (bs58check, as in `automerge:<id>`).
    pub case_id: String,
    /// RFC 3339 UTC: when the server first stored it.
    pub created_at: String,
    /// `open`, `referred` or `closed`.
    pub status: String,
}

/// `200` of a lookup: the cases whose person has this codice fiscale, oldest first (none is an empty list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LookupAnswer {
    pub cases: Vec<FoundCase>,
}

/// A document of the case the report covers: the case itself and its notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDocument {
    pub document_id: String,
    /// `case` or `case_notes`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "case_notes"))]
    pub kind: DocKind,
    /// Case notes: the area they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub area: Option<AreaCode>,
}

/// One access: an audit row whose target is the case or one of its notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportEntry {
    /// RFC 3339 UTC, as the audit log holds it (for `doc.read_offline`, when the tablet opened the case).
    pub at: String,
    pub document_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "case"))]
    pub kind: DocKind,
    /// The audit action: `doc.read`, `doc.read_offline`, `doc.write`, `doc.create`, `doc.refused`,
    /// `doc.denied`, `privacy.access_report`, …
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Null for the server itself (`system`).
    pub actor_id: Option<UserId>,
    /// The account's username and display name now; null when the actor is not an account.
    pub actor_username: Option<String>,
    pub actor_display_name: Option<String>,
    /// The role the audit row recorded (the actor's role at the time).
    pub actor_role: Option<String>,
    pub session_id: Option<SessionId>,
}

/// `GET /api/v1/privacy/cases/{case_id}/access-report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessReport {
    pub case_id: String,
    pub generated_at: String,
    /// The comune's name as the installation sets it (`sportello serve --comune-name`, e.g.
    /// `Comune di Sassuolo`), for the printed heading; absent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Comune di Sassuolo", max_length = 120)
    )]
    pub comune: Option<String>,
    pub documents: Vec<ReportDocument>,
    /// Oldest first.
    pub entries: Vec<ReportEntry>,
}

/// Why a case is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// The person asked (GDPR art. 17).
    SubjectRequest,
    UnlawfulProcessing,
    ConsentWithdrawn,
    Other,
}

/// Where an erasure request stands. Only `pending` may be approved or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErasureStatus {
    Pending,
    Approved,
    Rejected,
    /// Not decided within its lifetime (24 h).
    Expired,
}

named!(ErasureReason, "erasure reason",
    SubjectRequest => "subject_request",
    UnlawfulProcessing => "unlawful_processing",
    ConsentWithdrawn => "consent_withdrawn",
    Other => "other",
);
named!(ErasureStatus, "erasure status",
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Expired => "expired",
);

/// The longest `reference` (a protocol number, say).
pub const REFERENCE_MAX_CHARS: usize = 64;

/// `POST /api/v1/privacy/cases/{case_id}/erasure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ErasureAsk {
    pub reason: ErasureReason,
    /// At most 64 characters, no control characters: e.g. the protocol number of the citizen's request.
    /// Never personal data.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub reference: Option<String>,
}

/// An erasure request as privacy officers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureRequest {
    pub id: ErasureId,
    pub case_id: String,
    pub reason: ErasureReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub status: ErasureStatus,
    pub requested_by: UserId,
    pub requested_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    pub expires_at: String,
}

/// `202` of an erasure request, `200` of a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureAnswer {
    pub request: ErasureRequest,
}

/// `200` of an approval: the case and its notes are erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureApproved {
    pub request: ErasureRequest,
    /// The ids erased: the case and its notes documents.
    pub erased_documents: Vec<String>,
}

/// `GET /api/v1/privacy/erasures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureList {
    /// Newest first.
    pub requests: Vec<ErasureRequest>,
}

/// `?status=` of the list: `pending` (the default) or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErasureFilter {
    #[default]
    Pending,
    All,
}

/// The query of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ErasureQuery {
    #[serde(default)]
    pub status: ErasureFilter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_statuses_travel_by_their_names() {
        for reason in ErasureReason::ALL {
            let json = serde_json::to_string(reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(reason.as_str().parse::<ErasureReason>(), Ok(*reason));
        }
        for status in ErasureStatus::ALL {
            assert_eq!(status.as_str().parse::<ErasureStatus>(), Ok(*status));
        }
    }

    #[test]
    fn an_erasure_ask_takes_a_reason_and_an_optional_reference_and_nothing_else() {
        let ask: ErasureAsk = serde_json::from_str(r#"{"reason":"subject_request"}"#).unwrap();
        assert_eq!(ask.reference, None);
        assert!(serde_json::from_str::<ErasureAsk>(r#"{"reason":"because"}"#).is_err());
        assert!(
            serde_json::from_str::<ErasureAsk>(r#"{"reason":"other","fiscal_code":"x"}"#).is_err()
        );
    }
}
