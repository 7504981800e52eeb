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
    let applied: Vec<Instant> = join_all(updates).await.into_iter().flatten().collect();
    if let (Some(since), Some(last)) = (since, applied.iter().max()) {
        let metrics = sync.indexes.metrics();
        metrics.updated.inc_by(applied.len() as u64);
        metrics
            .apply
            .observe(last.saturating_duration_since(since).as_secs_f64());
        metrics.update.observe(since.elapsed().as_secs_f64());
    }
    applied.len()
}

/// Brings one kept-current index up to date with `rows`; when its document changed, the moment the change
/// was applied to the cached document (it was stored and pushed after).
async fn update_one(
    sync: &SyncService,
    storage: &Storage,
    slot: Slot,
    rows: Rows,
    now: i64,
) -> Option<Instant> {
    let mut guard = slot.lock().await;
    let tracked = guard.as_mut()?;
    if sync.hub.has_subscribers(&tracked.doc) {
        tracked.seen = Instant::now();
    } else if tracked.seen.elapsed() > LET_GO_AFTER {
        *guard = None;
        return None;
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
        return None;
    }
    let id = tracked.doc;
    let shared = match sync.store.open(id).await {
        Ok(Some(shared)) => shared,
        Ok(None) | Err(_) => {
            *guard = None;
            return None;
        }
    };
    let mut entry = shared.lock().await;
    let hash = match edit::apply(&mut entry.doc, &mut tracked.mirror, &edits) {
        Ok(Some(hash)) => hash,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "index update: built again at the next open");
            *guard = None;
            return None;
        }
    };
    let applied = Instant::now();
    let Some(chunk) = entry
        .doc
        .get_change_by_hash(&hash)
        .map(|change| change.raw_bytes().to_vec())
    else {
        *guard = None;
        return None;
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
        return None;
    }
    drop(entry);
    sync.hub.changed(id, 0);
    Some(applied)
}

#[cfg(test)]
mod tests {
    use sportello_schema::documents::{CaseStatus, DocKind, IndexDoc};
    use sportello_schema::sync::{DocumentId, StorageId};
    use sportello_schema::{Role, UserId};

    use super::*;
    use crate::metrics::{IndexMetrics, Metrics};
    use crate::storage::StorageOptions;
    use crate::storage::documents::StoredFacts;
    use crate::sync::index::{self, IndexOwner};
    use crate::sync::rules::RuleSettings;
    use crate::sync::store::DocStore;
    use crate::sync::{SyncLimits, SyncService};

    const NOW: i64 = 1_800_000_000;

    struct Desk {
        _dir: tempfile::TempDir,
        storage: Storage,
        sync: SyncService,
    }

    async fn desk() -> Desk {
        desk_with(SyncLimits::default()).await
    }

    async fn desk_with(limits: SyncLimits) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(
            dir.path(),
            StorageOptions::default(),
            Metrics::new().db.clone(),
        )
        .unwrap();
        index::ensure_directory(&storage, NOW - 100).await.unwrap();
        let sync = SyncService::new(
            DocStore::new(storage.clone(), 100),
            RuleSettings::default(),
            limits,
            StorageId::parse("test-storage").unwrap(),
            IndexMetrics::detached(),
        );
        Desk {
            _dir: dir,
            storage,
            sync,
        }
    }

    fn case(created_by: UserId, title: &str, at_desk: bool) -> StoredFacts {
        let mut facts = StoredFacts::of_kind(DocKind::Case);
        facts.created_by = Some(created_by);
        facts.case_status = Some(if at_desk {
            CaseStatus::Open
        } else {
            CaseStatus::Closed
        });
        facts.at_desk = Some(at_desk);
        facts.title = Some(title.into());
        facts
    }

    impl Desk {
        /// Stores a case (or its new facts) as a commit through sync would, and notes the commit.
        async fn commit(&self, id: RawDocId, facts: StoredFacts, at: i64) {
            self.storage
                .write(move |conn| {
                    if !documents::insert(conn, &id, &facts, &[], at)? {
                        documents::append_chunk(conn, &id, &[], &facts, at)?;
                    }
                    Ok(())
                })
                .await
                .unwrap();
            self.sync.index_changed(id);
        }

        async fn titles(&self, owner: UserId) -> Vec<String> {
            let id = self.sync.indexes.id_of(owner).unwrap();
            let entry = self.sync.store.open(id).await.unwrap().unwrap();
            let index: IndexDoc = autosurgeon::hydrate(&entry.lock().await.doc).unwrap();
            index.entries.into_iter().map(|e| e.title).collect()
        }

        /// What a full build lists now, without touching the index document.
        async fn full_build(&self, owner: &IndexOwner, now: i64) -> Vec<String> {
            index::listing(&self.sync, &self.storage, owner, now)
                .await
                .unwrap()
                .into_iter()
                .map(|l| l.entry.title)
                .collect()
        }
    }

    fn operator() -> IndexOwner {
        IndexOwner {
            user: UserId::new_random(),
            role: Role::Operator,
            areas: Vec::new(),
        }
    }

    #[tokio::test]
    async fn incremental_updates_leave_each_index_as_a_full_build_would_list_it() {
        let desk = desk().await;
        let (me, colleague) = (operator(), operator());
        let (mine, theirs, later) = ([1; 16], [2; 16], [3; 16]);
        desk.commit(mine, case(me.user, "Mia", true), NOW - 50)
            .await;
        desk.commit(theirs, case(colleague.user, "Loro", true), NOW - 40)
            .await;
        for owner in [&me, &colleague] {
            index::refresh(&desk.sync, &desk.storage, owner, NOW)
                .await
                .unwrap();
        }
        round(&desk.sync, &desk.storage, NOW).await;
        assert_eq!(
            desk.titles(me.user).await,
            ["Loro", "Mia", "Catalogo dei servizi"]
        );

        // My case leaves the desk (I keep it for the retention window), theirs is renamed, a new one
        // arrives: one round updates both indexes.
        desk.commit(mine, case(me.user, "Mia", false), NOW + 10)
            .await;
        desk.commit(theirs, case(colleague.user, "Loro bis", true), NOW + 20)
            .await;
        desk.commit(later, case(colleague.user, "Nuova", true), NOW + 30)
            .await;
        assert_eq!(round(&desk.sync, &desk.storage, NOW + 30).await, 2);
        for owner in [&me, &colleague] {
            assert_eq!(
                desk.titles(owner.user).await,
                desk.full_build(owner, NOW + 30).await
            );
        }
        assert_eq!(
            desk.titles(me.user).await,
            ["Nuova", "Loro bis", "Mia", "Catalogo dei servizi"]
        );
        assert_eq!(
            desk.titles(colleague.user).await,
            ["Nuova", "Loro bis", "Catalogo dei servizi"]
        );

        // The retention window ends: the case leaves my index by itself.
        let ended = NOW + 10 + RuleSettings::default().operator_retention.as_secs() as i64;
        assert_eq!(round(&desk.sync, &desk.storage, ended - 1).await, 0);
        assert_eq!(round(&desk.sync, &desk.storage, ended).await, 1);
        assert_eq!(
            desk.titles(me.user).await,
            desk.full_build(&me, ended).await
        );
        assert!(!desk.titles(me.user).await.contains(&"Mia".to_owned()));
    }

    #[tokio::test]
    async fn an_index_nobody_opened_is_not_touched_and_an_open_one_is_not_built_again() {
        let desk = desk().await;
        let (me, absent) = (operator(), operator());
        let absent_index = index::ensure_index(&desk.sync, &desk.storage, absent.user, NOW)
            .await
            .unwrap();
        assert_eq!(
            index::refresh(&desk.sync, &desk.storage, &me, NOW)
                .await
                .unwrap(),
            index::Refreshed::Built
        );
        desk.commit([1; 16], case(me.user, "Mia", true), NOW).await;
        assert_eq!(round(&desk.sync, &desk.storage, NOW).await, 1);
        // Kept current: opening it again builds nothing.
        assert_eq!(
            index::refresh(&desk.sync, &desk.storage, &me, NOW)
                .await
                .unwrap(),
            index::Refreshed::Unchanged
        );
        // The other user's index stays as reserved (empty) until they open it.
        let stored = desk
            .storage
            .read(move |conn| documents::load(conn, &absent_index))
            .await
            .unwrap()
            .unwrap();
        assert!(stored.snapshot.is_empty() && stored.chunks.is_empty());
        let url = DocumentId::from_bytes([1; 16]).to_url().to_string();
        assert_eq!(
            index::refresh(&desk.sync, &desk.storage, &absent, NOW)
                .await
                .unwrap(),
            index::Refreshed::Built
        );
        let entry = desk.sync.store.open(absent_index).await.unwrap().unwrap();
        let index: IndexDoc = autosurgeon::hydrate(&entry.lock().await.doc).unwrap();
        assert_eq!(index.entries[0].url, url);
    }

    #[tokio::test]
    async fn an_index_whose_history_outgrew_its_entries_moves_at_its_next_full_build() {
        let desk = desk_with(SyncLimits {
            index_history_bytes: 4 * 1024,
            ..SyncLimits::default()
        })
        .await;
        let me = operator();
        let titles = ["Uno", "Due"];
        for (n, title) in titles.iter().enumerate() {
            desk.commit([n as u8 + 1; 16], case(me.user, title, true), NOW)
                .await;
        }
        let refresh = || index::refresh(&desk.sync, &desk.storage, &me, NOW + 1_000);
        assert_eq!(refresh().await.unwrap(), index::Refreshed::Built);
        let first = desk.sync.indexes.id_of(me.user).unwrap();
        // Each change of a case moves its entry to the front: the history grows, the list does not.
        for step in 1..=200 {
            let n = step % 2;
            desk.commit(
                [n as u8 + 1; 16],
                case(me.user, titles[n], true),
                NOW + step as i64,
            )
            .await;
            round(&desk.sync, &desk.storage, NOW + step as i64).await;
        }
        // Kept current, it is not built, so it does not move.
        assert_eq!(refresh().await.unwrap(), index::Refreshed::Unchanged);
        assert_eq!(desk.sync.indexes.id_of(me.user), Some(first));

        // Nobody keeps it current any more (as after a restart): its next open builds it in full, and it
        // moves.
        *desk.sync.indexes.slot(me.user).lock().await = None;
        assert_eq!(refresh().await.unwrap(), index::Refreshed::Moved);
        let second = desk.sync.indexes.id_of(me.user).unwrap();
        assert_ne!(second, first);
        let full = desk.full_build(&me, NOW + 1_000).await;
        assert_eq!(desk.titles(me.user).await, full);
        let entry = desk.sync.store.open(second).await.unwrap().unwrap();
        assert_eq!(entry.lock().await.doc.get_changes(&[]).len(), 1);
        let (old_row, retired_by) = desk
            .storage
            .read(move |conn| {
                Ok((
                    documents::find(conn, &first)?,
                    crate::storage::index::retired_owner(conn, &first)?,
                ))
            })
            .await
            .unwrap();
        assert!(old_row.is_none());
        assert_eq!(retired_by, Some(me.user));
        // Kept current from its new id: opened again, nothing to do; and a short history never moves.
        assert_eq!(refresh().await.unwrap(), index::Refreshed::Unchanged);
        *desk.sync.indexes.slot(me.user).lock().await = None;
        assert_eq!(refresh().await.unwrap(), index::Refreshed::Unchanged);
        assert_eq!(desk.sync.indexes.id_of(me.user), Some(second));
    }
}
