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

use crate::storage::documents::{self, RawDocId, StoredBytes};
use crate::storage::{Storage, StorageError, StorageResult};

/// A document in memory.
#[derive(Debug)]
pub struct DocEntry {
    pub doc: Automerge,
    /// Changes refused before: offered again, they are refused at once and not audited twice.
    pub refused: HashSet<ChangeHash>,
    last_used: Instant,
}

impl DocEntry {
    pub fn new(doc: Automerge) -> Self {
        Self {
            doc,
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
        let Some(bytes) = self
            .storage
            .read(move |conn| documents::load(conn, &id))
            .await?
        else {
            return Ok(None);
        };
        let doc = load_bytes(&bytes)?;
        Ok(Some(self.adopt(id, doc)))
    }

    /// Puts a document (just created, or just loaded) in the cache; if another task got there first, its
    /// entry wins and is returned.
    pub fn adopt(&self, id: RawDocId, doc: Automerge) -> SharedEntry {
        let mut cache = self.cache();
        if let Some(existing) = cache.to_back(&id) {
            return Arc::clone(existing);
        }
        let entry = Arc::new(Mutex::new(DocEntry::new(doc)));
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

    pub fn len(&self) -> usize {
        self.cache().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            store.adopt([n; 16], Automerge::new());
        }
        assert_eq!(store.len(), 3);
    }

    #[tokio::test]
    async fn documents_in_use_are_not_evicted_so_there_is_never_a_second_copy() {
        let (store, _dir) = store(2);
        let held = store.adopt([1; 16], Automerge::new());
        for n in 2..10u8 {
            store.adopt([n; 16], Automerge::new());
        }
        let again = store.adopt([1; 16], Automerge::new());
        assert!(Arc::ptr_eq(&held, &again));
    }

    #[tokio::test]
    async fn idle_documents_are_dropped() {
        let (store, _dir) = store(10);
        store.adopt([1; 16], Automerge::new());
        let _held = store.adopt([2; 16], Automerge::new());
        assert_eq!(store.evict_idle(Duration::ZERO), 1);
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn an_unknown_document_is_none() {
        let (store, _dir) = store(10);
        assert!(store.open([9; 16]).await.unwrap().is_none());
    }
}
