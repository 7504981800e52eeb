//! The background task that keeps indexes current incrementally, off the sync message path.
//!
//! A commit notes its document in `Indexes::changed` (a coalescing set: a burst of commits to one
//! document is one entry) and wakes this task. Each round takes every document noted so far, reads their
//! stored facts once, and for each index kept current works out the entries to upsert or remove
//! (`entries::of_document`, the access policy), plus the entries whose retention window ended. Every index
//! then gets at most one change for the whole round, written durably (the affected indexes' writes share
//! one group commit) and pushed to the connections that have it open.
//!
//! An index nobody has had open for [`LET_GO_AFTER`] is let go (its next open builds it in full); so is
//! one whose edit or write failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use futures_util::future::join_all;

use super::edit::{self, Edit};
use super::{Slot, entries, index_facts};
use crate::clock::SharedClock;
use crate::storage::Storage;
use crate::storage::documents::{self, DocRow, RawDocId};
use crate::sync::SyncService;

/// How long an index nobody has open is still kept current (a tablet reconnecting finds it ready).
pub const LET_GO_AFTER: Duration = Duration::from_secs(60);

type Rows = Arc<Vec<(RawDocId, Option<DocRow>)>>;

/// Runs rounds until aborted: at each noted commit, and every `tick` (for retention windows that end).
pub async fn run(sync: SyncService, storage: Storage, clock: SharedClock, tick: Duration) {
    let mut ticker = tokio::time::interval(tick);
    loop {
        tokio::select! {
            () = sync.indexes.inner.wake.notified() => {}
            _ = ticker.tick() => {}
        }
        round(&sync, &storage, clock.unix_seconds()).await;
    }
}

/// One round; returns how many index documents changed.
pub async fn round(sync: &SyncService, storage: &Storage, now: i64) -> usize {
    let (changed, since) = sync.indexes.take_changed();
    let rows: Rows = if changed.is_empty() {
        Arc::new(Vec::new())
    } else {
        let ids = changed.clone();
        let read = storage
            .read(move |conn| {
                ids.into_iter()
                    .map(|id| Ok((id, documents::find(conn, &id)?)))
                    .collect()
            })
            .await;
        match read {
            Ok(rows) => Arc::new(rows),
            Err(error) => {
                tracing::warn!(%error, "index update: could not read the changed documents");
                // Noted again: the next round retries them.
                for doc in changed {
                    sync.indexes.changed(doc);
                }
                return 0;
            }
        }
    };
    let updates = sync
        .indexes
        .slots()
        .into_iter()
        .map(|(_, slot)| update_one(sync, storage, slot, Arc::clone(&rows), now));
    let updated = join_all(updates).await.into_iter().filter(|u| *u).count();
    if updated > 0 {
        let metrics = sync.indexes.metrics();
        metrics.updated.inc_by(updated as u64);
        if let Some(since) = since {
            metrics.update.observe(since.elapsed().as_secs_f64());
        }
    }
    updated
}

/// Brings one kept-current index up to date with `rows`; true when its document changed.
async fn update_one(
    sync: &SyncService,
    storage: &Storage,
    slot: Slot,
    rows: Rows,
    now: i64,
) -> bool {
    let mut guard = slot.lock().await;
    let Some(tracked) = guard.as_mut() else {
        return false;
    };
    if sync.hub.has_subscribers(&tracked.doc) {
        tracked.seen = Instant::now();
    } else if tracked.seen.elapsed() > LET_GO_AFTER {
        *guard = None;
        return false;
    }
    let mut edits = tracked.mirror.expired(now);
    for (id, row) in rows.iter() {
        let listing = row
            .as_ref()
            .and_then(|row| entries::of_document(&tracked.owner, row, now, &sync.rules));
        match listing {
            Some(listing) => edits.push(Edit::Upsert(listing)),
            None if tracked.mirror.contains(id) => edits.push(Edit::Remove(*id)),
            None => {}
        }
    }
    if edits.is_empty() {
        return false;
    }
    let id = tracked.doc;
    let shared = match sync.store.open(id).await {
        Ok(Some(shared)) => shared,
        Ok(None) | Err(_) => {
            *guard = None;
            return false;
        }
    };
    let mut entry = shared.lock().await;
    let hash = match edit::apply(&mut entry.doc, &mut tracked.mirror, &edits) {
        Ok(Some(hash)) => hash,
        Ok(None) => return false,
        Err(error) => {
            tracing::warn!(%error, "index update: built again at the next open");
            *guard = None;
            return false;
        }
    };
    let Some(chunk) = entry
        .doc
        .get_change_by_hash(&hash)
        .map(|change| change.raw_bytes().to_vec())
    else {
        *guard = None;
        return false;
    };
    let facts = index_facts(tracked.owner.user);
    let written = storage
        .write(move |conn| documents::append_chunk(conn, &id, &chunk, &facts, now))
        .await;
    if let Err(error) = written {
        // The cached copy holds a change that is not stored: dropped (before anyone else sees it), it
        // reloads from disk, and the next open builds the index in full.
        tracing::warn!(%error, "index update: could not store the change");
        sync.store.forget(&id);
        *guard = None;
        return false;
    }
    drop(entry);
    sync.hub.changed(id, 0);
    true
}
