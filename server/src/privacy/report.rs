//! Finding a person's cases and reporting who accessed them (GDPR art. 15).
//!
//! - [`lookup`]: the codice fiscale is parsed (normalised) and hashed with the server's key; the cases whose
//!   stored hash matches are listed. The code is never stored, logged or audited: the `privacy.lookup` row
//!   has no target.
//! - [`access_report`]: every audit row whose target is the case or one of its case-notes documents, oldest
//!   first, with the account each names (username and display name as they are now, the role as the row
//!   recorded it). The report's own `privacy.access_report` row is written in the same write, before the
//!   rows are read, so the report lists itself. It names the comune as the installation sets it
//!   (`--comune-name`), for the heading of the document given to the citizen.

use sportello_schema::FiscalCode;
use sportello_schema::api::ErrorCode;
use sportello_schema::api::privacy::{
    AccessReport, FoundCase, LookupAnswer, ReportDocument, ReportEntry,
};
use sportello_schema::documents::DocKind;

use super::doc_text;
use super::key::FiscalCodeKey;
use crate::audit::{Action, Outcome};
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::documents::{self, RawDocId};
use crate::storage::{Storage, privacy as store};

/// `POST /api/v1/privacy/lookup`.
pub async fn lookup(
    storage: &Storage,
    key: &FiscalCodeKey,
    ctx: &RequestContext,
    fiscal_code: &str,
) -> ApiResult<LookupAnswer> {
    let audited = storage.audited(ctx).refusals(Action::PrivacyLookup, None);
    let parsed = FiscalCode::parse(fiscal_code).map_err(|error| {
        // The error names a position or the expected check letter, never the code.
        ApiError::Refused(
            ErrorCode::InvalidFiscalCode,
            format!("not a valid codice fiscale: {error}"),
        )
    });
    let code = audited.check(parsed).await?;
    let hash = key.hash(&code);
    drop(code);
    let found = audited
        .run(move |change| {
            let found = store::cases_by_fiscal_code(change.conn(), &hash)?;
            change.append(
                &change
                    .context()
                    .record(Action::PrivacyLookup, Outcome::Success),
            )?;
            Ok::<_, ApiError>(found)
        })
        .await?;
    Ok(LookupAnswer {
        cases: found
            .into_iter()
            .map(|case| FoundCase {
                case_id: doc_text(&case.id),
                created_at: rfc3339_from_unix(case.created_at),
                status: case.status.unwrap_or_default(),
            })
            .collect(),
    })
}

/// `GET /api/v1/privacy/cases/{case_id}/access-report`. An unknown or erased case is `404 not_found`.
/// `comune` is the installation's name for the comune (`--comune-name`), carried into the answer as is.
pub async fn access_report(
    storage: &Storage,
    ctx: &RequestContext,
    case: RawDocId,
    comune: Option<&str>,
) -> ApiResult<AccessReport> {
    let case_text = doc_text(&case);
    let generated_at = ctx.at.clone();
    let (documents, rows) = storage
        .audited(ctx)
        .refusals(Action::PrivacyAccessReport, Some(case_text.clone()))
        .run(move |change| {
            let conn = change.conn();
            match documents::find(conn, &case)? {
                Some(row) if row.facts.kind == DocKind::Case => {}
                _ => return Err(ApiError::NotFound),
            }
            change.audit(Action::PrivacyAccessReport, doc_text(&case))?;
            let mut listed = vec![ReportDocument {
                document_id: doc_text(&case),
                kind: DocKind::Case,
                area: None,
            }];
            for (notes, area) in store::notes_of_case(conn, &case)? {
                listed.push(ReportDocument {
                    document_id: doc_text(&notes),
                    kind: DocKind::CaseNotes,
                    area,
                });
            }
            let targets: Vec<String> = listed.iter().map(|d| d.document_id.clone()).collect();
            let rows = store::audit_about(conn, &targets)?;
            Ok((listed, rows))
        })
        .await?;
    let kind_of = |target: &str| {
        documents
            .iter()
            .find(|d| d.document_id == target)
            .map_or(DocKind::Case, |d| d.kind)
    };
    let entries = rows
        .into_iter()
        .map(|row| ReportEntry {
            at: row.at,
            kind: kind_of(&row.target),
            document_id: row.target,
            action: row.action,
            outcome: row.outcome,
            actor_id: row.actor_id.as_deref().and_then(|id| id.parse().ok()),
            actor_username: row.username,
            actor_display_name: row.display_name,
            actor_role: row.actor_role,
            session_id: row.session_id.as_deref().and_then(|id| id.parse().ok()),
        })
        .collect();
    Ok(AccessReport {
        case_id: case_text,
        generated_at,
        comune: comune.map(str::to_owned),
        documents,
        entries,
    })
}
