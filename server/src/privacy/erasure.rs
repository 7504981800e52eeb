//! Erasure (GDPR art. 17) under four eyes: one privacy officer asks, a second approves; the approval
//! erases the case and its case-notes documents in the same write.
//!
//! Invariants:
//! - The approver is an enabled privacy officer other than the requester (`403 self_approval`); a request
//!   no one could approve is refused at once (`409 approver_needed`); one pending request per case
//!   (`409 grant_pending`); a request expires after 24 hours (`409 grant_expired`); a decided one stays
//!   decided (`409 grant_decided`).
//! - Erasure ([`erase_in`]) deletes each document's snapshot, chunks, facts (the keyed hash included),
//!   reads and refused changes, records its id in `erased_documents` for ever and writes `doc.erased` per
//!   document, in the write of the approval (or of the retention round). The audit rows keep ids only.
//! - After the commit ([`after_erasure`]): the in-memory copies are dropped (their locks were held across
//!   the write, so no change lands meanwhile), every user's index moves to a new id and the old index
//!   documents are deleted (`sync::index::move_all`: an entry removed from an index would stay in its
//!   history, the person's name with it), and the WAL is checkpointed so the database file holds the
//!   zeroed pages (`secure_delete`), not the old ones. A `request` for an erased id is then
//!   `doc-unavailable` and a `sync` creating it again is refused (`sync::peer`).
//! - The audit targets of `privacy.erasure_request`, `_approve` and `_reject` are the case id, so a case's
//!   access report shows the requests made about it.

use sportello_schema::api::ErrorCode;
use sportello_schema::api::privacy::{
    ErasureApproved, ErasureAsk, ErasureFilter, ErasureList, ErasureRequest, ErasureStatus,
    REFERENCE_MAX_CHARS,
};
use sportello_schema::documents::DocKind;
use sportello_schema::{ErasureId, UserId};
use tokio::sync::OwnedMutexGuard;

use super::doc_text;
use crate::audit::Action;
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::audited::Change;
use crate::storage::documents::{self, RawDocId};
use crate::storage::privacy::{self as store, ErasureRow};
use crate::storage::{Storage, StorageResult};
use crate::sync::SyncService;
use crate::sync::store::DocEntry;

/// How long a request waits for its approval.
pub const REQUEST_LIFETIME_S: i64 = 24 * 3600;
/// At most this many requests in one listing (newest first).
pub const MAX_LIST: u32 = 500;

pub fn request_view(row: &ErasureRow, now: i64) -> ErasureRequest {
    let status = if row.is_expired_at(now) {
        ErasureStatus::Expired
    } else {
        row.status
    };
    ErasureRequest {
        id: row.id,
        case_id: doc_text(&row.case_id),
        reason: row.reason,
        reference: row.reference.clone(),
        status,
        requested_by: row.requested_by,
        requested_at: rfc3339_from_unix(row.requested_at),
        decided_by: row.decided_by,
        decided_at: row
            .decided_at
            .or((status == ErasureStatus::Expired).then_some(row.expires_at))
            .map(rfc3339_from_unix),
        expires_at: rfc3339_from_unix(row.expires_at),
    }
}

/// The reference, trimmed; empty is none. At most 64 characters, no control characters.
fn clean_reference(reference: Option<String>) -> ApiResult<Option<String>> {
    let Some(reference) = reference
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    if reference.chars().count() > REFERENCE_MAX_CHARS {
        return Err(ApiError::Validation(format!(
            "reference: at most {REFERENCE_MAX_CHARS} characters"
        )));
    }
    if reference.chars().any(char::is_control) {
        return Err(ApiError::Validation(
            "reference: no control characters".into(),
        ));
    }
    Ok(Some(reference))
}

fn is_case(conn: &rusqlite::Connection, case: &RawDocId) -> StorageResult<bool> {
    Ok(documents::find(conn, case)?.is_some_and(|row| row.facts.kind == DocKind::Case))
}

/// `POST /api/v1/privacy/cases/{case_id}/erasure` by the officer `requester`.
pub async fn request(
    storage: &Storage,
    ctx: &RequestContext,
    requester: UserId,
    case: RawDocId,
    ask: ErasureAsk,
) -> ApiResult<ErasureRequest> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::PrivacyErasureRequest, Some(doc_text(&case)));
    let reference = audited.check(clean_reference(ask.reference)).await?;
    let reason = ask.reason;
    let row = audited
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            store::expire_due(conn, now)?;
            if !is_case(conn, &case)? {
                return Err(ApiError::NotFound);
            }
            let could_approve = store::enabled_privacy_officers(conn)?
                .into_iter()
                .any(|officer| officer != requester);
            if !could_approve {
                return Err(ApiError::Conflict(
                    ErrorCode::ApproverNeeded,
                    "no other enabled privacy officer can approve this erasure: an admin must add one"
                        .into(),
                ));
            }
            let row = ErasureRow {
                id: ErasureId::new_random(),
                case_id: case,
                reason,
                reference,
                requested_by: requester,
                requested_at: now,
                expires_at: now + REQUEST_LIFETIME_S,
                status: ErasureStatus::Pending,
                decided_by: None,
                decided_at: None,
            };
            if !store::insert_request(conn, &row)? {
                return Err(ApiError::Conflict(
                    ErrorCode::GrantPending,
                    "an erasure of this case is already waiting for approval".into(),
                ));
            }
            change.audit(Action::PrivacyErasureRequest, doc_text(&case))?;
            Ok(row)
        })
        .await?;
    Ok(request_view(&row, ctx.now))
}

/// `GET /api/v1/privacy/erasures`.
pub async fn list(
    storage: &Storage,
    ctx: &RequestContext,
    filter: ErasureFilter,
) -> ApiResult<ErasureList> {
    let now = ctx.now;
    let rows = storage
        .read(move |conn| store::list_requests(conn, false, MAX_LIST))
        .await?;
    let requests = rows
        .iter()
        .map(|row| request_view(row, now))
        .filter(|request| filter == ErasureFilter::All || request.status == ErasureStatus::Pending)
        .collect();
    Ok(ErasureList { requests })
}

/// Why `approver` may not decide `row` now, if not.
fn decision_refused(row: &ErasureRow, now: i64) -> Option<ApiError> {
    if row.is_expired_at(now) {
        return Some(ApiError::Conflict(
            ErrorCode::GrantExpired,
            "this erasure request has expired: ask again".into(),
        ));
    }
    if row.status != ErasureStatus::Pending {
        return Some(ApiError::Conflict(
            ErrorCode::GrantDecided,
            format!("this erasure request was already {}", row.status),
        ));
    }
    None
}

async fn pending(
    storage: &Storage,
    id: ErasureId,
    now: i64,
    approver: Option<UserId>,
) -> ApiResult<ErasureRow> {
    let Some(row) = storage
        .read(move |conn| store::find_request(conn, id))
        .await?
    else {
        return Err(ApiError::NotFound);
    };
    if let Some(refused) = decision_refused(&row, now) {
        return Err(refused);
    }
    if approver == Some(row.requested_by) {
        return Err(ApiError::Refused(
            ErrorCode::SelfApproval,
            "an erasure must be approved by another privacy officer".into(),
        ));
    }
    Ok(row)
}

/// `POST /api/v1/privacy/erasures/{id}/reject`: any privacy officer, the requester included.
pub async fn reject(
    storage: &Storage,
    ctx: &RequestContext,
    officer: UserId,
    id: ErasureId,
) -> ApiResult<ErasureRequest> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::PrivacyErasureReject, Some(id.to_string()));
    let row = audited
        .check(pending(storage, id, ctx.now, None).await)
        .await?;
    let case = row.case_id;
    let decided = audited
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            if !store::decide_request(conn, id, ErasureStatus::Rejected, officer, now)? {
                return Err(ApiError::Conflict(
                    ErrorCode::GrantDecided,
                    "this erasure request was decided meanwhile".into(),
                ));
            }
            change.audit(Action::PrivacyErasureReject, doc_text(&case))?;
            store::find_request(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(request_view(&decided, ctx.now))
}

/// `POST /api/v1/privacy/erasures/{id}/approve`: a second privacy officer; the case and its notes are
/// erased in the same write.
pub async fn approve(
    storage: &Storage,
    sync: &SyncService,
    ctx: &RequestContext,
    approver: UserId,
    id: ErasureId,
) -> ApiResult<ErasureApproved> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::PrivacyErasureApprove, Some(id.to_string()));
    let row = audited
        .check(pending(storage, id, ctx.now, Some(approver)).await)
        .await?;
    let case = row.case_id;
    let locks = lock_loaded(storage, sync, case).await?;
    let result = audited
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            // Still an enabled officer's request to decide (the read above was outside the write).
            if !store::decide_request(conn, id, ErasureStatus::Approved, approver, now)? {
                return Err(ApiError::Conflict(
                    ErrorCode::GrantDecided,
                    "this erasure request was decided meanwhile".into(),
                ));
            }
            change.audit(Action::PrivacyErasureApprove, doc_text(&case))?;
            let erased = erase_in(change, &case)?;
            let decided = store::find_request(conn, id)?.ok_or(ApiError::NotFound)?;
            Ok((decided, erased))
        })
        .await;
    let (decided, erased) = match result {
        Ok(done) => done,
        Err(error) => {
            drop(locks);
            return Err(error);
        }
    };
    after_erasure(storage, sync, &erased, locks, ctx.now).await;
    Ok(ErasureApproved {
        request: request_view(&decided, ctx.now),
        erased_documents: erased.iter().map(doc_text).collect(),
    })
}

/// Inside a write: erases the case and its case notes, with a `doc.erased` row each. Returns the ids
/// erased (the case first).
pub fn erase_in(change: &Change<'_>, case: &RawDocId) -> ApiResult<Vec<RawDocId>> {
    let conn = change.conn();
    let mut ids = vec![*case];
    ids.extend(
        store::notes_of_case(conn, case)?
            .into_iter()
            .map(|(id, _)| id),
    );
    let erased = store::erase(conn, &ids, case, change.now())?;
    // Every index moves after this (`settle`); noted in the same write, so the move is made even if it is
    // postponed or the server stops first.
    crate::storage::index::note_move_pending(conn)?;
    for id in &erased {
        change.audit(Action::DocErased, doc_text(id))?;
    }
    Ok(erased)
}

/// The loaded copies of the case and its notes, locked: no change is committed to them while they are
/// being erased.
pub async fn lock_loaded(
    storage: &Storage,
    sync: &SyncService,
    case: RawDocId,
) -> ApiResult<Vec<OwnedMutexGuard<DocEntry>>> {
    let notes = storage
        .read(move |conn| store::notes_of_case(conn, &case))
        .await?;
    let mut locks = Vec::new();
    for id in std::iter::once(case).chain(notes.into_iter().map(|(id, _)| id)) {
        if let Some(entry) = sync.store.cached(&id) {
            locks.push(entry.lock_owned().await);
        }
    }
    Ok(locks)
}

/// After an erasure is durable: the copies leave memory and the indexes are told; then [`settle`].
pub async fn after_erasure(
    storage: &Storage,
    sync: &SyncService,
    erased: &[RawDocId],
    locks: Vec<OwnedMutexGuard<DocEntry>>,
    now: i64,
) {
    release(sync, erased, locks);
    settle(storage, sync, now).await;
}

/// The erased documents' copies leave memory (their locks are let go only then) and their entries are
/// noted for the index updater.
pub fn release(sync: &SyncService, erased: &[RawDocId], locks: Vec<OwnedMutexGuard<DocEntry>>) {
    for id in erased {
        sync.store.forget(id);
    }
    drop(locks);
    for id in erased {
        sync.index_changed(*id);
    }
}

/// After one or more erasures: every user's index moves to a new id (the old ones keep the erased titles
/// in their history, and are deleted), then the file is checkpointed. A failure is logged: the erasure
/// itself stands, and the move stays pending (`storage::index::move_pending`) for the next housekeeping
/// round ([`super::retention::run_once`]).
pub async fn settle(storage: &Storage, sync: &SyncService, now: i64) {
    match crate::sync::index::move_all(sync, storage, now).await {
        Ok(moved) => tracing::info!(moved, "after an erasure: the indexes moved to new ids"),
        Err(error) => tracing::warn!(%error, "after an erasure: could not move the indexes"),
    }
    checkpoint(storage).await;
}

/// Copies the WAL's pages into the database file and empties the WAL, so neither file keeps the erased
/// bytes (the pages written by the erasure are zeroed by `secure_delete`).
async fn checkpoint(storage: &Storage) {
    let path = storage.path().to_owned();
    let done = tokio::task::spawn_blocking(move || -> rusqlite::Result<()> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    })
    .await;
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "after an erasure: checkpoint failed"),
        Err(error) => tracing::warn!(%error, "after an erasure: checkpoint panicked"),
    }
}
