//! The server-made documents: each user's `index` (the documents they may open, so a tablet can discover
//! and cache its work) and the shared `directory` (the catalogue of areas and needs).
//!
//! - An index's id is reserved at the user's first login (`storage::index`); its content is built here
//!   when its owner first opens it on a sync connection ([`refresh`], the *full build*: the listing
//!   queries, reconciled into the document so that only real differences become changes).
//! - From then on it is kept current *incrementally* ([`updater`]): after each commit the changed
//!   documents' stored facts decide, per index kept current, which entries to upsert or remove
//!   ([`entries`]), and only those are edited ([`edit`]), in the background, off the sync message path.
//! - An index is kept current while some connection has it open (and for a grace period after). One that
//!   is not — nobody opened it since the server started, or it was closed a while ago, or its owner's role
//!   or areas changed — is built in full at its next open.
//! - Clients never write these documents (`rules::check_write` refuses it).
//! - An index *moves* to a new id, its owner's connections closed with `index_moved` (their tablets
//!   refresh their tokens, whose `index_doc` names the new id, and delete the old index:
//!   `docs/sync-protocol.md` §14.3):
//!   - every index after an erasure ([`move_all`]): the old one keeps the erased case's title in its
//!     history; the new one is built from scratch at its next open;
//!   - one index whose history has grown too long, at its full build ([`refresh`]): Automerge keeps
//!     every version, and an operator's index changes at every change of a case at the desk; the new
//!     one starts from its entries alone.

pub mod edit;
pub mod entries;
pub mod updater;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Instant;

use automerge::{AutoCommit, Automerge};
use sportello_schema::documents::{DirectoryDoc, DocKind, IndexDoc};
use sportello_schema::sync::DocumentId;
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, Role, UserId};
use tokio::sync::{Mutex, Notify};

use self::edit::Mirror;
use self::entries::Listing;
use super::SyncService;
use super::limits::INDEX_HISTORY_FACTOR;
use super::rules;
use crate::metrics::IndexMetrics;
use crate::storage::documents::{self, RawDocId, StoredFacts};
use crate::storage::{Storage, StorageError, StorageResult};

const DIRECTORY_KEY: &str = "directory_doc";

/// Whose index, with what the listing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOwner {
    pub user: UserId,
    pub role: Role,
    pub areas: Vec<AreaCode>,
}

/// An index kept current incrementally: built in full for `owner` (their role and areas then), edited
/// since through `mirror`.
#[derive(Debug)]
pub struct Tracked {
    pub owner: IndexOwner,
    pub doc: RawDocId,
    pub mirror: Mirror,
    /// Last time it was opened or found open: an index nobody has open is let go after a grace period.
    pub seen: Instant,
}

/// One user's slot: `None` while their index's incremental state is unknown.
pub type Slot = Arc<Mutex<Option<Tracked>>>;

#[derive(Debug)]
struct Inner {
    ids: StdMutex<HashMap<UserId, RawDocId>>,
    slots: StdMutex<HashMap<UserId, Slot>>,
    /// Documents committed since the updater last looked (coalesced: a burst on one document is one entry).
    changed: StdMutex<Changed>,
    wake: Notify,
    metrics: IndexMetrics,
}

#[derive(Debug, Default)]
struct Changed {
    docs: HashSet<RawDocId>,
    /// When the oldest of `docs` was committed.
    since: Option<Instant>,
}

/// The indexes' shared state: ids seen, the indexes kept current, and the changes waiting for the updater.
#[derive(Debug, Clone)]
pub struct Indexes {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Indexes {
    pub fn new(metrics: IndexMetrics) -> Self {
        Self {
            inner: Arc::new(Inner {
                ids: StdMutex::default(),
                slots: StdMutex::default(),
                changed: StdMutex::default(),
                wake: Notify::new(),
                metrics,
            }),
        }
    }

    /// Notes that `doc` was committed; the updater takes it from here. Never blocks.
    pub fn changed(&self, doc: RawDocId) {
        let mut changed = lock(&self.inner.changed);
        changed.docs.insert(doc);
        changed.since.get_or_insert_with(Instant::now);
        drop(changed);
        self.inner.wake.notify_one();
    }

    /// The documents committed since the last call, and when the oldest was.
    fn take_changed(&self) -> (Vec<RawDocId>, Option<Instant>) {
        let mut changed = lock(&self.inner.changed);
        let since = changed.since.take();
        (changed.docs.drain().collect(), since)
    }

    pub fn id_of(&self, user: UserId) -> Option<RawDocId> {
        lock(&self.inner.ids).get(&user).copied()
    }

    pub fn remember(&self, user: UserId, id: RawDocId) {
        lock(&self.inner.ids).insert(user, id);
    }

    fn slot(&self, user: UserId) -> Slot {
        Arc::clone(lock(&self.inner.slots).entry(user).or_default())
    }

    fn slots(&self) -> Vec<(UserId, Slot)> {
        lock(&self.inner.slots)
            .iter()
            .map(|(user, slot)| (*user, Arc::clone(slot)))
            .collect()
    }

    fn metrics(&self) -> &IndexMetrics {
        &self.inner.metrics
    }
}

fn corrupt(error: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(error.to_string())
}

fn timestamp(now: i64) -> Rfc3339Utc {
    let text = jiff::Timestamp::from_second(now)
        .map(|ts| ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into());
    Rfc3339Utc::parse(&text).expect("a formatted UTC time parses")
}

fn to_automerge<T: autosurgeon::Reconcile>(value: &T) -> Result<Automerge, StorageError> {
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, value).map_err(corrupt)?;
    Ok(doc.document().clone())
}

/// The shared directory document, created from the default catalogue on first start.
pub async fn ensure_directory(storage: &Storage, now: i64) -> StorageResult<RawDocId> {
    let directory = DirectoryDoc::with_defaults(&timestamp(now));
    let snapshot = to_automerge(&directory)?.save();
    storage
        .write(move |conn| {
            if let Some(id) = documents::meta_get(conn, DIRECTORY_KEY)? {
                return id
                    .try_into()
                    .map_err(|_| corrupt("directory id is not 16 bytes"));
            }
            let id = *DocumentId::new_random().as_bytes();
            documents::insert(
                conn,
                &id,
                &StoredFacts::of_kind(DocKind::Directory),
                &snapshot,
                now,
            )?;
            documents::meta_set(conn, DIRECTORY_KEY, &id)?;
            Ok(id)
        })
        .await
}

/// The shared directory document's id, once [`ensure_directory`] has made it. The catalogue's admin routes
/// (`crate::catalogue`) write it.
pub async fn directory_id(storage: &Storage) -> StorageResult<Option<RawDocId>> {
    storage
        .read(|conn| {
            documents::meta_get(conn, DIRECTORY_KEY)?
                .map(|raw| {
                    raw.as_slice()
                        .try_into()
                        .map_err(|_| corrupt("directory id is not 16 bytes"))
                })
                .transpose()
        })
        .await
}

/// The owner's index document id (reserved at login; reserved here if it was not).
pub async fn ensure_index(
    sync: &SyncService,
    storage: &Storage,
    owner: UserId,
    now: i64,
) -> StorageResult<RawDocId> {
    if let Some(id) = sync.indexes.id_of(owner) {
        return Ok(id);
    }
    let id = crate::storage::index::reserved(storage, owner, now).await?;
    sync.indexes.remember(owner, id);
    Ok(id)
}

/// What the owner may open, now, as index entries in list order, the directory last.
async fn listing(
    sync: &SyncService,
    storage: &Storage,
    owner: &IndexOwner,
    now: i64,
) -> StorageResult<Vec<Listing>> {
    let retained_since = now - sync.rules.operator_retention.as_secs() as i64;
    let owner = owner.clone();
    let (listed, directory) = storage
        .read(move |conn| {
            let listed = match owner.role {
                Role::Operator => documents::listed_for_operator(conn, owner.user, retained_since)?,
                Role::SocialWorker => documents::listed_for_areas(conn, &owner.areas)?,
                Role::Admin | Role::PrivacyOfficer => Vec::new(),
            };
            let mut directory = None;
            if let Some(raw) = documents::meta_get(conn, DIRECTORY_KEY)?
                && let Ok(id) = <RawDocId>::try_from(raw.as_slice())
                && let Some(row) = documents::find(conn, &id)?
            {
                directory = Some((id, row.updated_at));
            }
            Ok((listed, directory))
        })
        .await?;
    let mut listings: Vec<Listing> = listed
        .iter()
        .map(|listed| entries::from_listed(listed, &sync.rules))
        .collect();
    listings.extend(directory.map(|(id, updated_at)| entries::directory(id, updated_at)));
    listings.sort_by_key(|listing| listing.key);
    Ok(listings)
}

/// What opening an index came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// Kept current already, or built and found equal: nothing changed.
    Unchanged,
    /// Built in full: the change is stored and pushed to open peers.
    Built,
    /// Its history had grown past `SyncLimits::index_history_bytes`: it moved to a new id, with the
    /// entries as its first and only version. The opening peer is told `index_moved`.
    Moved,
}

/// Brings the owner's index up to date as they open it: nothing to do when it is being kept current for
/// the same role and areas, else a full build (which then starts incremental updates), or a move when its
/// history has grown too long.
pub async fn refresh(
    sync: &SyncService,
    storage: &Storage,
    owner: &IndexOwner,
    now: i64,
) -> StorageResult<Refreshed> {
    let slot = sync.indexes.slot(owner.user);
    let mut tracked = slot.lock().await;
    // Under the slot's lock: an index moving meanwhile ([`move_all`]) has named its new id by now.
    let id = ensure_index(sync, storage, owner.user, now).await?;
    if let Some(current) = tracked.as_mut()
        && current.owner == *owner
        && current.doc == id
    {
        current.seen = Instant::now();
        return Ok(Refreshed::Unchanged);
    }
    *tracked = None;
    let started = Instant::now();
    let (outcome, doc, mirror) = build(sync, storage, owner, id, now).await?;
    sync.indexes
        .metrics()
        .build
        .observe(started.elapsed().as_secs_f64());
    *tracked = Some(Tracked {
        owner: owner.clone(),
        doc,
        mirror,
        seen: Instant::now(),
    });
    drop(tracked);
    if outcome == Refreshed::Moved {
        sync.hub
            .close_user(owner.user, sportello_schema::sync::INDEX_MOVED);
    }
    Ok(outcome)
}

/// The full build: the listing reconciled into the stored document, or into a new one under a new id
/// when the stored history has grown too long. Returns what it did, the index's id now, and its mirror.
async fn build(
    sync: &SyncService,
    storage: &Storage,
    owner: &IndexOwner,
    id: RawDocId,
    now: i64,
) -> StorageResult<(Refreshed, RawDocId, Mirror)> {
    let listings = listing(sync, storage, owner, now).await?;
    let mirror = Mirror::of(&listings);
    let mut index = IndexDoc::new(owner.user);
    index.entries = listings.into_iter().map(|listing| listing.entry).collect();
    if let Some(fresh) = history_outgrown(sync, storage, id, &index).await? {
        let new = move_to_fresh(sync, storage, owner.user, fresh, now).await?;
        return Ok((Refreshed::Moved, new, mirror));
    }
    let Some(shared) = sync.store.open(id).await? else {
        return Err(corrupt("the index document is not stored"));
    };
    let mut entry = shared.lock().await;
    if let Ok(rules::Hydrated::Index(current)) = rules::hydrate(&entry.doc)
        && current == index
    {
        return Ok((Refreshed::Unchanged, id, mirror));
    }
    let before = entry.doc.get_heads();
    // Reconciled into a copy, in one transaction: the cached document changes only once the change is
    // durable.
    let mut updated = entry.doc.clone();
    updated
        .transact::<_, _, autosurgeon::ReconcileError>(|tx| autosurgeon::reconcile(tx, &index))
        .map_err(|failure| corrupt(failure.error))?;
    let chunk = updated.save_after(&before);
    let facts = index_facts(owner.user);
    storage
        .write(move |conn| documents::append_chunk(conn, &id, &chunk, &facts, now))
        .await?;
    entry.doc = updated;
    drop(entry);
    sync.hub.changed(id, 0);
    Ok((Refreshed::Built, id, mirror))
}

/// A fresh copy of `index` (saved), when the stored index `id` has outgrown it: past
/// `SyncLimits::index_history_bytes` and past [`INDEX_HISTORY_FACTOR`] times the fresh copy. The fresh
/// copy is only made once the first bound is passed.
async fn history_outgrown(
    sync: &SyncService,
    storage: &Storage,
    id: RawDocId,
    index: &IndexDoc,
) -> StorageResult<Option<Vec<u8>>> {
    let stored = storage
        .read(move |conn| Ok(documents::find(conn, &id)?.map_or(0, |row| row.stored_bytes)))
        .await?;
    let stored = usize::try_from(stored).unwrap_or(0);
    if stored <= sync.limits.index_history_bytes {
        return Ok(None);
    }
    let fresh = to_automerge(index)?.save();
    Ok((stored > INDEX_HISTORY_FACTOR.saturating_mul(fresh.len())).then_some(fresh))
}

/// Moves one user's index to a new id holding `fresh` (the caller holds the user's slot).
async fn move_to_fresh(
    sync: &SyncService,
    storage: &Storage,
    owner: UserId,
    fresh: Vec<u8>,
    now: i64,
) -> StorageResult<RawDocId> {
    let moved = storage
        .write(move |conn| crate::storage::index::move_index(conn, owner, &fresh, now))
        .await?;
    let Some((old, new)) = moved else {
        return Err(corrupt("the index to move is not stored"));
    };
    moved_in_memory(sync, owner, old, new);
    Ok(new)
}

/// After a move is durable: the new id is the one handed out, the old copy leaves memory.
fn moved_in_memory(sync: &SyncService, owner: UserId, old: RawDocId, new: RawDocId) {
    sync.indexes.remember(owner, new);
    sync.store.forget(&old);
    sync.indexes.metrics().moved.inc();
}

fn index_facts(owner: UserId) -> StoredFacts {
    let mut facts = StoredFacts::of_kind(DocKind::Index);
    facts.owner = Some(owner);
    facts
}

/// Moves every user's index to a new id, in one write, and tells their connections (`index_moved`). The
/// new indexes are built in full when their owners next open them. Returns how many moved.
///
/// Each user's slot is held from before the write until the new id is known in memory, so no full build
/// or incremental update writes to an index while it moves (one started before ends first; one waiting
/// finds the new id, or the old document gone and gives up).
pub async fn move_all(sync: &SyncService, storage: &Storage, now: i64) -> StorageResult<usize> {
    let mut owners = storage.read(crate::storage::index::owners).await?;
    owners.sort();
    let mut held = Vec::with_capacity(owners.len());
    for owner in &owners {
        let slot = sync.indexes.slot(*owner);
        held.push(slot.lock_owned().await);
    }
    let moves = storage
        .write(move |conn| {
            let mut moves = Vec::with_capacity(owners.len());
            for owner in owners {
                if let Some((old, new)) = crate::storage::index::move_index(conn, owner, &[], now)?
                {
                    moves.push((owner, old, new));
                }
            }
            crate::storage::index::clear_move_pending(conn)?;
            Ok(moves)
        })
        .await?;
    for (owner, old, new) in &moves {
        moved_in_memory(sync, *owner, *old, *new);
    }
    for tracked in &mut held {
        **tracked = None;
    }
    drop(held);
    for (owner, _, _) in &moves {
        sync.hub
            .close_user(*owner, sportello_schema::sync::INDEX_MOVED);
    }
    Ok(moves.len())
}
