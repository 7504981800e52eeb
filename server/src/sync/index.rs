//! The server-made documents: each user's `index` (the documents they may open, so a tablet can discover
//! and cache its work) and the shared `directory` (the catalogue of areas and needs).
//!
//! - An index is created at first login and rebuilt from the access facts in storage (never by loading the
//!   documents themselves): at login, when its owner opens it, and — debounced — after any document
//!   changed, for the indexes someone has open. Entries appear and disappear as access changes.
//! - Rebuilding reconciles the new list into the existing document, so only real differences become
//!   changes, and those are stored and pushed like any other change.
//! - Clients never write these documents (`rules::check_write` refuses it).

use std::sync::atomic::Ordering;
use std::time::Duration;

use automerge::{AutoCommit, Automerge};
use sportello_schema::documents::{DirectoryDoc, DocKind, IndexDoc, IndexEntry};
use sportello_schema::sync::DocumentId;
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, Role, UserId};

use super::SyncService;
use super::rules;
use crate::clock::rfc3339_from_unix;
use crate::storage::documents::{self, Listed, RawDocId, StoredFacts};
use crate::storage::{Storage, StorageError, StorageResult};

const DIRECTORY_KEY: &str = "directory_doc";

/// Whose index, with what the listing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOwner {
    pub user: UserId,
    pub role: Role,
    pub areas: Vec<AreaCode>,
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

/// The owner's index document, created empty on first use.
pub async fn ensure_index(
    sync: &SyncService,
    storage: &Storage,
    owner: UserId,
    now: i64,
) -> StorageResult<RawDocId> {
    if let Some(id) = sync.index_of(owner) {
        return Ok(id);
    }
    let snapshot = to_automerge(&IndexDoc::new(owner))?.save();
    let id = storage
        .write(move |conn| {
            if let Some(id) = documents::index_of(conn, owner)? {
                return Ok(id);
            }
            let id = *DocumentId::new_random().as_bytes();
            let mut facts = StoredFacts::of_kind(DocKind::Index);
            facts.owner = Some(owner);
            documents::insert(conn, &id, &facts, &snapshot, now)?;
            Ok(id)
        })
        .await?;
    sync.remember_index(owner, id);
    Ok(id)
}

fn entry(listed: &Listed) -> IndexEntry {
    IndexEntry {
        url: DocumentId::from_bytes(listed.id).to_url().to_string(),
        kind: listed.kind,
        title: listed.title.clone().unwrap_or_default(),
        status: listed.status.clone().unwrap_or_default(),
        updated_at: rfc3339_from_unix(listed.updated_at),
    }
}

/// What the owner may open, now, as index entries (newest first), the directory included.
async fn listing(
    sync: &SyncService,
    storage: &Storage,
    owner: &IndexOwner,
    now: i64,
) -> StorageResult<Vec<IndexEntry>> {
    let retained_since = now - sync.rules.operator_retention.as_secs() as i64;
    let owner = owner.clone();
    let listed = storage
        .read(move |conn| {
            let mut listed = match owner.role {
                Role::Operator => documents::listed_for_operator(conn, owner.user, retained_since)?,
                Role::SocialWorker => documents::listed_for_areas(conn, &owner.areas)?,
                Role::Admin => Vec::new(),
            };
            if let Some(directory) = documents::meta_get(conn, DIRECTORY_KEY)?
                && let Ok(id) = <RawDocId>::try_from(directory.as_slice())
                && let Some(row) = documents::find(conn, &id)?
            {
                listed.push(Listed {
                    id,
                    kind: DocKind::Directory,
                    title: Some("Catalogo dei servizi".into()),
                    status: None,
                    updated_at: row.updated_at,
                });
            }
            Ok(listed)
        })
        .await?;
    Ok(listed.iter().map(entry).collect())
}

/// Rebuilds the owner's index; true when it changed (the change is stored and pushed to open peers).
pub async fn refresh(
    sync: &SyncService,
    storage: &Storage,
    owner: &IndexOwner,
    now: i64,
) -> StorageResult<bool> {
    let id = ensure_index(sync, storage, owner.user, now).await?;
    let entries = listing(sync, storage, owner, now).await?;
    let Some(shared) = sync.store.open(id).await? else {
        return Ok(false);
    };
    let mut entry = shared.lock().await;
    let mut index = IndexDoc::new(owner.user);
    index.entries = entries;
    if let Ok(rules::Hydrated::Index(current)) = rules::hydrate(&entry.doc)
        && current == index
    {
        return Ok(false);
    }
    let before = entry.doc.get_heads();
    // Reconciled in place, in one transaction: no save and reload of what may be a long list.
    let mut updated = entry.doc.clone();
    updated
        .transact::<_, _, autosurgeon::ReconcileError>(|tx| autosurgeon::reconcile(tx, &index))
        .map_err(|failure| corrupt(failure.error))?;
    let chunk = updated.save_after(&before);
    let mut facts = StoredFacts::of_kind(DocKind::Index);
    facts.owner = Some(owner.user);
    storage
        .write(move |conn| documents::append_chunk(conn, &id, &chunk, &facts, now))
        .await?;
    entry.doc = updated;
    drop(entry);
    sync.hub.changed(id, 0);
    Ok(true)
}

/// Rebuilds, every `every`, the indexes someone has open, when documents changed since the last round.
pub async fn keep_fresh(
    sync: SyncService,
    storage: Storage,
    clock: crate::clock::SharedClock,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if !sync.indexes_stale.swap(false, Ordering::AcqRel) {
            continue;
        }
        for owner_id in sync.open_index_owners() {
            let found = storage
                .read(move |conn| crate::storage::users::find_by_id(conn, owner_id))
                .await;
            let Ok(Some(user)) = found else { continue };
            let owner = IndexOwner {
                user: user.id,
                role: user.role,
                areas: user.areas,
            };
            if let Err(error) = refresh(&sync, &storage, &owner, clock.unix_seconds()).await {
                tracing::warn!(%error, "index refresh failed");
            }
        }
    }
}
