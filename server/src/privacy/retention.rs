//! Retention: closed cases are erased, with their case notes, once their closing is older than
//! `--closed-case-retention-days` (default 3650, at least 30). Run by the server's housekeeping each
//! minute, at most [`BATCH`] cases a round, each in its own write by the `system` actor
//! (`privacy.retention_erase` with the case id, then `doc.erased` per document).
//!
//! Invariants: only cases whose status is `closed` now and whose closing (`documents.closed_at`, set when
//! the status became `closed`, cleared if it is reopened) lies before the cut-off are erased; the time is
//! the server's clock (replaceable in tests).

use crate::audit::{Action, AuditActor};
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::storage::documents::RawDocId;
use crate::storage::{Storage, privacy as store};
use crate::sync::SyncService;
use jiff::Timestamp;

use super::doc_text;
use super::erasure::{erase_in, lock_loaded, release, settle};

pub const DEFAULT_DAYS: i64 = 3650;
pub const MIN_DAYS: i64 = 30;
/// At most this many cases erased per round.
pub const BATCH: u32 = 100;

/// One round: erases the closed cases past the retention period. Returns the cases erased.
pub async fn run_once(
    storage: &Storage,
    sync: &SyncService,
    now: Timestamp,
    retention_days: i64,
) -> Result<Vec<RawDocId>, ApiError> {
    let ctx = RequestContext::system(now);
    let cutoff = ctx.now - retention_days.max(MIN_DAYS) * 86_400;
    let due = storage
        .read(move |conn| store::closed_cases_due(conn, cutoff, BATCH))
        .await?;
    let backlog = due.len() >= BATCH as usize;
    let mut erased_cases = Vec::new();
    for case in due {
        let locks = lock_loaded(storage, sync, case).await?;
        let erased = storage
            .audited(&ctx.acting_as(AuditActor::system()))
            .run(move |change| {
                change.audit(Action::PrivacyRetentionErase, doc_text(&case))?;
                erase_in(change, &case)
            })
            .await?;
        release(sync, &erased, locks);
        erased_cases.push(case);
    }
    if !erased_cases.is_empty() {
        tracing::info!(cases = erased_cases.len(), "retention: erased closed cases");
    }
    let pending = storage.read(crate::storage::index::move_pending).await?;
    if moves_indexes_now(pending, backlog) {
        settle(storage, sync, ctx.now).await;
    }
    Ok(erased_cases)
}

/// Whether a round moves every index: when an erasure asks for it (this round's, or one whose move was
/// postponed or lost), unless more cases are due. A backlog (the first rounds after the period was
/// shortened, or after a migration) is erased a batch a minute; moving every index after each batch would
/// make every tablet fetch its index again each minute, so the move waits for the last batch.
fn moves_indexes_now(pending: bool, backlog: bool) -> bool {
    pending && !backlog
}

#[cfg(test)]
mod tests {
    use super::moves_indexes_now;

    #[test]
    fn the_indexes_move_once_the_due_cases_are_all_erased() {
        for (pending, backlog, moves) in [
            (true, false, true),
            (true, true, false),
            (false, false, false),
            (false, true, false),
        ] {
            assert_eq!(
                moves_indexes_now(pending, backlog),
                moves,
                "{pending} {backlog}"
            );
        }
    }
}
