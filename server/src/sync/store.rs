//! Loaded documents: a bounded cache of `Automerge` values over the document tables.
//!
//! Invariants:
//! - At most one in-memory copy of a document exists: every user of a document goes through [`DocStore::open`],
//!   and an entry is evicted only while nobody holds it (its `Arc` is unshared). Two copies could otherwise
//!   each accept changes the other's peers would not hear about until a reload.
//! - Memory is bounded by `capacity` entries (least recently used go first) and idle entries are dropped
//!   by [`DocStore::evict_idle`]; a document is loaded again from its snapshot and chunks on demand.
//! - A document's entry is locked (tokio mutex) for the whole of applying, validating and committing a
//!   message, so writes to one document are serialised; different documents proceed in parallel and share
//!   group commits.

use std::collections::HashSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash};
use hashlink::LinkedHashMap;
use tokio::sync::Mutex;

use crate::storage::documents::{self, DocRow, RawDocId, StoredBytes};
use crate::storage::{Storage, StorageError, StorageResult};

/// A document in memory.
#[derive(Debug)]
pub struct DocEntry {
    pub doc: Automerge,
    /// The stored facts (kind, creator, referrals, …) as of the last commit: access is decided on these.
    pub row: DocRow,
    /// Changes refused before: offered again, they are refused at once and not audited twice.
    pub refused: HashSet<ChangeHash>,
    last_used: Instant,
}

impl DocEntry {
    pub fn new(doc: Automerge, row: DocRow) -> Self {
        Self {
            doc,
            row,
            refused: HashSet::new(),
            last_used: Instant::now(),
        }
    }

    pub fn touch(&mut self) {
        self.last_used = Instant::now();
    }
}

pub type SharedEntry = Arc<Mutex<DocEntry>>;

#[derive(Debug, Clone)]
pub struct DocStore {
    storage: Storage,
    cache: Arc<StdMutex<LinkedHashMap<RawDocId, SharedEntry>>>,
    capacity: usize,
}

fn load_bytes(bytes: &StoredBytes) -> Result<Automerge, StorageError> {
    let mut doc = Automerge::load(&bytes.snapshot)
        .map_err(|error| StorageError::Corrupt(format!("document snapshot: {error}")))?;
    for chunk in &bytes.chunks {
        doc.load_incremental(chunk)
            .map_err(|error| StorageError::Corrupt(format!("document chunk: {error}")))?;
    }
    Ok(doc)
}

impl DocStore {
    pub fn new(storage: Storage, capacity: usize) -> Self {
        Self {
            storage,
            cache: Arc::new(StdMutex::new(LinkedHashMap::new())),
            capacity: capacity.max(1),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LinkedHashMap<RawDocId, SharedEntry>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The document, loaded if needed; `None` when no document with this id is stored.
    pub async fn open(&self, id: RawDocId) -> StorageResult<Option<SharedEntry>> {
        if let Some(entry) = self.cache().to_back(&id) {
            return Ok(Some(Arc::clone(entry)));
        }
        let stored = self
            .storage
            .read(move |conn| {
                let Some(row) = documents::find(conn, &id)? else {
                    return Ok(None);
                };
                let refused = documents::refused(conn, &id)?;
                Ok(documents::load(conn, &id)?.map(|bytes| (row, bytes, refused)))
            })
            .await?;
        let Some((row, bytes, refused)) = stored else {
            return Ok(None);
        };
        let doc = load_bytes(&bytes)?;
        let entry = self.adopt(id, doc, row);
        if !refused.is_empty() {
            let mut locked = entry.lock().await;
            locked.refused.extend(refused.into_iter().map(ChangeHash));
        }
        Ok(Some(entry))
    }

    /// Puts a document (just created, or just loaded) in the cache; if another task got there first, its
    /// entry wins and is returned.
    pub fn adopt(&self, id: RawDocId, doc: Automerge, row: DocRow) -> SharedEntry {
        let mut cache = self.cache();
        if let Some(existing) = cache.to_back(&id) {
            return Arc::clone(existing);
        }
        let entry = Arc::new(Mutex::new(DocEntry::new(doc, row)));
        cache.insert(id, Arc::clone(&entry));
        Self::shrink(&mut cache, self.capacity);
        entry
    }

    /// Drops least-recently-used entries nobody holds until the cache fits (entries in use stay).
    fn shrink(cache: &mut LinkedHashMap<RawDocId, SharedEntry>, capacity: usize) {
        let mut attempts = cache.len();
        while cache.len() > capacity && attempts > 0 {
            attempts -= 1;
            let Some((id, entry)) = cache.pop_front() else {
                break;
            };
            if Arc::strong_count(&entry) > 1 {
                cache.insert(id, entry);
            }
        }
    }

    /// The in-memory copy of a document, if one is loaded (nothing is read from disk).
    pub fn cached(&self, id: &RawDocId) -> Option<SharedEntry> {
        self.cache().get(id).map(Arc::clone)
    }

    /// Forgets a document's in-memory copy (after a panic while it was being changed: the next user
    /// reloads it from disk).
    pub fn forget(&self, id: &RawDocId) {
        self.cache().remove(id);
    }

    /// Drops entries idle for longer than `idle` that nobody holds.
    pub fn evict_idle(&self, idle: Duration) -> usize {
        let mut cache = self.cache();
        let before = cache.len();
        let stale: Vec<RawDocId> = cache
            .iter()
            .filter(|(_, entry)| {
                Arc::strong_count(entry) == 1
                    && entry
                        .try_lock()
                        .map(|entry| entry.last_used.elapsed() > idle)
                        .unwrap_or(false)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            cache.remove(&id);
        }
        before - cache.len()
    }

    /// Folds the chunks of documents that have grown past `min_chunk_bytes` into a new snapshot, at most
    /// `limit` documents per call. Returns how many were compacted.
    pub async fn compact(&self, min_chunk_bytes: i64, limit: u32) -> StorageResult<usize> {
        let candidates = self
            .storage
            .read(move |conn| documents::needing_compaction(conn, min_chunk_bytes, limit))
            .await?;
        let mut compacted = 0;
        for id in candidates {
            let Some(entry) = self.open(id).await? else {
                continue;
            };
            // Held across the write: no chunk can be appended between the snapshot and the swap.
            let entry = entry.lock().await;
            let snapshot = entry.doc.save();
            self.storage
                .write(move |conn| documents::compact(conn, &id, &snapshot))
                .await?;
            compacted += 1;
        }
        Ok(compacted)
    }

    pub fn len(&self) -> usize {
        self.cache().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use sportello_schema::documents::DocKind;

    use super::*;
    use crate::storage::documents::StoredFacts;

    fn row(id: RawDocId) -> DocRow {
        DocRow {
            id,
            facts: StoredFacts::of_kind(DocKind::Directory),
            created_at: 0,
            updated_at: 0,
            stored_bytes: 0,
        }
    }

    fn store(capacity: usize) -> (DocStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(
            dir.path(),
            crate::storage::StorageOptions::default(),
            crate::metrics::DbMetrics::detached(),
        )
        .unwrap();
        (DocStore::new(storage, capacity), dir)
    }

    #[tokio::test]
    async fn the_cache_never_holds_more_than_its_capacity_of_unused_documents() {
        let (store, _dir) = store(3);
        for n in 0..10u8 {
            store.adopt([n; 16], Automerge::new(), row([n; 16]));
        }
        assert_eq!(store.len(), 3);
    }

    #[tokio::test]
    async fn documents_in_use_are_not_evicted_so_there_is_never_a_second_copy() {
        let (store, _dir) = store(2);
        let held = store.adopt([1; 16], Automerge::new(), row([1; 16]));
        for n in 2..10u8 {
            store.adopt([n; 16], Automerge::new(), row([n; 16]));
        }
        let again = store.adopt([1; 16], Automerge::new(), row([1; 16]));
        assert!(Arc::ptr_eq(&held, &again));
    }

    #[tokio::test]
    async fn idle_documents_are_dropped() {
        let (store, _dir) = store(10);
        store.adopt([1; 16], Automerge::new(), row([1; 16]));
        let _held = store.adopt([2; 16], Automerge::new(), row([2; 16]));
        assert_eq!(store.evict_idle(Duration::ZERO), 1);
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn compaction_folds_chunks_into_a_snapshot_that_loads_the_same_document() {
        use automerge::transaction::Transactable;
        let (store, _dir) = store(10);
        let id = [7; 16];
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "schema", "sportello/directory@1")
            .unwrap();
        let snapshot = doc.save();
        let facts = StoredFacts::of_kind(DocKind::Directory);
        let storage = store.storage.clone();
        storage
            .write(move |conn| documents::insert(conn, &id, &facts, &snapshot, 0).map(|_| ()))
            .await
            .unwrap();
        for n in 0..20_i64 {
            let before = doc.get_heads();
            doc.put(automerge::ROOT, "n", n).unwrap();
            let chunk = doc.document().save_after(&before);
            let facts = StoredFacts::of_kind(DocKind::Directory);
            storage
                .write(move |conn| documents::append_chunk(conn, &id, &chunk, &facts, 1))
                .await
                .unwrap();
        }
        assert_eq!(store.compact(1, 10).await.unwrap(), 1);
        let stored = storage
            .read(move |conn| documents::load(conn, &id))
            .await
            .unwrap()
            .unwrap();
        assert!(stored.chunks.is_empty());
        let reloaded = load_bytes(&stored).unwrap();
        assert_eq!(reloaded.get_heads(), doc.get_heads());
        assert_eq!(
            store.compact(1, 10).await.unwrap(),
            0,
            "nothing left to compact"
        );
    }

    #[tokio::test]
    async fn an_unknown_document_is_none() {
        let (store, _dir) = store(10);
        assert!(store.open([9; 16]).await.unwrap().is_none());
    }
}
