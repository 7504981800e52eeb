//! The tablet's local document store: one SQLite file in a directory the app chooses, holding every document
//! the tablet has (as a compacted snapshot plus incremental chunks, as the server keeps them), what the tablet
//! knows of each document's state on the server, and a few settings (the tablet's peer label, its owner,
//! the index it follows).
//!
//! Invariants:
//! - A write is durable when [`StoreWriter::submit`]'s ticket resolves: WAL, `synchronous=FULL`, one
//!   transaction per batch. Writes are applied in the order they were submitted, and writes submitted while a
//!   batch commits share the next commit (group commit), so a tablet receiving hundreds of documents does not
//!   pay one fsync each.
//! - A document's bytes are a snapshot (possibly absent: a document the tablet asked for and has not
//!   received) followed by chunks in insertion order; loading replays them. Chunks never overlap what the
//!   snapshot or earlier chunks hold except harmlessly (Automerge ignores changes it already has), and a new
//!   snapshot deletes the chunks it covers in the same transaction.
//! - A deleted document leaves nothing behind: its row and chunks go in one transaction, SQLite overwrites
//!   the freed pages (`secure_delete`), and the WAL is checkpointed and truncated after the commit, so its
//!   bytes are in neither file.
//! - A wipe ([`Write::WipeAll`], an admin marked the session lost) leaves nothing of the user: every
//!   document row and chunk and every setting but the device's own labels go in one transaction, with the
//!   same `secure_delete` and WAL truncation as a deleted document.
//! - Nothing here interprets documents: [`crate::sync`] decides what to write.
//!
//! Schema changes are append-only steps keyed by `PRAGMA user_version`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::{Automerge, ChangeHash};
use rusqlite::{Connection, OptionalExtension, params};
use sportello_schema::sync::DocumentId;
use tokio::sync::{mpsc, oneshot};

/// The file name inside the directory given to [`Store::open`].
pub const FILE_NAME: &str = "sportello-tablet.db";

const MIGRATIONS: &[&str] = &[
    // 1: documents, their chunks, settings.
    "CREATE TABLE documents (
        id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
        snapshot BLOB,
        wanted INTEGER NOT NULL DEFAULT 0,
        created_locally INTEGER NOT NULL DEFAULT 0,
        server_heads BLOB NOT NULL DEFAULT x'',
        unavailable INTEGER NOT NULL DEFAULT 0,
        refusal_code TEXT,
        refusal_reason TEXT,
        refused_at BLOB
    ) STRICT;
    CREATE TABLE chunks (
        seq INTEGER PRIMARY KEY,
        doc BLOB NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        data BLOB NOT NULL
    ) STRICT;
    CREATE INDEX chunks_by_doc ON chunks (doc, seq);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
    // 2: whether the user's index has listed the document (then leaving the index deletes it).
    "ALTER TABLE documents ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store directory {path}: {source}")]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("document {id} in the local store cannot be loaded: {reason}")]
    Corrupt { id: String, reason: String },
    #[error(
        "the local store was written by a newer version (schema {found}, this build knows {known})"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the local store's writer has stopped")]
    WriterGone,
}

/// Why the server refused a document's changes, as it said on the document's ephemeral channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A stable code, e.g. `invalid_document`, `read_only`, `not_allowed`.
    pub code: String,
    /// Safe to show: names fields and rules, never values.
    pub reason: String,
}

/// What the tablet knows about a document besides its content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocMeta {
    /// The user asked for it (from a link or the index): keep requesting it until it arrives.
    pub wanted: bool,
    /// Made on this tablet (perhaps offline); the server learns of it from its first `sync`.
    pub created_locally: bool,
    /// The heads of the last sync message the server sent about it.
    pub server_heads: Vec<ChangeHash>,
    /// The server said it does not have it, or will not let this user have it.
    pub unavailable: bool,
    /// The server's last refusal of changes to it, and the local heads when that refusal came.
    pub refusal: Option<(Refusal, Vec<ChangeHash>)>,
    /// The user's index has listed it: once it leaves the index, it leaves the tablet.
    pub listed: bool,
}

/// A document as loaded at start-up.
#[derive(Debug)]
pub struct StoredDoc {
    pub id: DocumentId,
    /// Empty for a document that was asked for and has not arrived.
    pub doc: Automerge,
    pub meta: DocMeta,
    /// Chunks stored after the snapshot: the caller compacts when there are many.
    pub chunks: usize,
}

/// One change to the store. A batch of them is applied in one transaction, in order.
#[derive(Debug, Clone)]
pub enum Write {
    /// Creates the document's row if needed and replaces its metadata.
    Meta(DocumentId, DocMeta),
    /// Replaces the document's bytes with a full save (dropping its chunks). The row must exist.
    Snapshot(DocumentId, Vec<u8>),
    /// Appends changes (an Automerge incremental save). The row must exist.
    Chunk(DocumentId, Vec<u8>),
    /// Removes the document: its row, snapshot and chunks, leaving none of its bytes in the files.
    Delete(DocumentId),
    Setting(String, String),
    /// Removes every document (rows, snapshots, chunks) and every setting except those named in
    /// `keep_settings`, leaving none of their bytes in the files (a remote wipe).
    WipeAll {
        keep_settings: Vec<String>,
    },
}

/// The store itself: blocking calls on one connection. Async code uses it through [`StoreWriter`].
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
            path: dir.to_owned(),
            source,
        })?;
        let conn = Connection::open(dir.join(FILE_NAME))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", step as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Every document, loaded.
    pub fn load_documents(&self) -> Result<Vec<StoredDoc>, StoreError> {
        let mut docs = Vec::new();
        let mut rows = self.conn.prepare(
            "SELECT id, snapshot, wanted, created_locally, server_heads, unavailable, refusal_code,
                    refusal_reason, refused_at, listed
             FROM documents ORDER BY rowid",
        )?;
        let mut chunks = self
            .conn
            .prepare("SELECT data FROM chunks WHERE doc = ?1 ORDER BY seq")?;
        let mut rows = rows.query([])?;
        while let Some(row) = rows.next()? {
            let raw_id: Vec<u8> = row.get(0)?;
            let id = document_id(&raw_id)?;
            let corrupt = |reason: String| StoreError::Corrupt {
                id: id.to_string(),
                reason,
            };
            let snapshot: Option<Vec<u8>> = row.get(1)?;
            let mut doc = match snapshot {
                Some(bytes) => Automerge::load(&bytes).map_err(|e| corrupt(e.to_string()))?,
                None => Automerge::new(),
            };
            let mut count = 0;
            let mut chunk_rows = chunks.query([&raw_id])?;
            while let Some(chunk) = chunk_rows.next()? {
                let data: Vec<u8> = chunk.get(0)?;
                doc.load_incremental(&data)
                    .map_err(|e| corrupt(e.to_string()))?;
                count += 1;
            }
            let refusal = match (
                row.get::<_, Option<String>>(6)?,
                row.get::<_, Option<String>>(7)?,
            ) {
                (Some(code), Some(reason)) => {
                    let at: Option<Vec<u8>> = row.get(8)?;
                    let at = heads_from_bytes(&at.unwrap_or_default()).map_err(corrupt)?;
                    Some((Refusal { code, reason }, at))
                }
                _ => None,
            };
            let server_heads: Vec<u8> = row.get(4)?;
            let meta = DocMeta {
                wanted: row.get(2)?,
                created_locally: row.get(3)?,
                server_heads: heads_from_bytes(&server_heads).map_err(corrupt)?,
                unavailable: row.get(5)?,
                refusal,
                listed: row.get(9)?,
            };
            docs.push(StoredDoc {
                id,
                doc,
                meta,
                chunks: count,
            });
        }
        Ok(docs)
    }

    /// Applies `batches` in one transaction, in order.
    pub fn apply(&mut self, batches: &[Vec<Write>]) -> Result<(), StoreError> {
        let deletes = batches
            .iter()
            .flatten()
            .any(|write| matches!(write, Write::Delete(_) | Write::WipeAll { .. }));
        let tx = self.conn.transaction()?;
        for write in batches.iter().flatten() {
            match write {
                Write::Meta(id, meta) => {
                    let (code, reason, at) = match &meta.refusal {
                        Some((refusal, at)) => (
                            Some(refusal.code.as_str()),
                            Some(refusal.reason.as_str()),
                            Some(heads_to_bytes(at)),
                        ),
                        None => (None, None, None),
                    };
                    tx.execute(
                        "INSERT INTO documents (id, wanted, created_locally, server_heads, unavailable,
                                                refusal_code, refusal_reason, refused_at, listed)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                         ON CONFLICT (id) DO UPDATE SET wanted = excluded.wanted,
                             created_locally = excluded.created_locally,
                             server_heads = excluded.server_heads, unavailable = excluded.unavailable,
                             refusal_code = excluded.refusal_code, refusal_reason = excluded.refusal_reason,
                             refused_at = excluded.refused_at, listed = excluded.listed",
                        params![
                            id.as_bytes().as_slice(),
                            meta.wanted,
                            meta.created_locally,
                            heads_to_bytes(&meta.server_heads),
                            meta.unavailable,
                            code,
                            reason,
                            at,
                            meta.listed,
                        ],
                    )?;
                }
                Write::Snapshot(id, bytes) => {
                    tx.execute(
                        "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
                        params![id.as_bytes().as_slice(), bytes],
                    )?;
                    tx.execute(
                        "DELETE FROM chunks WHERE doc = ?1",
                        [id.as_bytes().as_slice()],
                    )?;
                }
                Write::Chunk(id, bytes) => {
                    tx.execute(
                        "INSERT INTO chunks (doc, data) VALUES (?1, ?2)",
                        params![id.as_bytes().as_slice(), bytes],
                    )?;
                }
                Write::Delete(id) => {
                    tx.execute(
                        "DELETE FROM chunks WHERE doc = ?1",
                        [id.as_bytes().as_slice()],
                    )?;
                    tx.execute(
                        "DELETE FROM documents WHERE id = ?1",
                        [id.as_bytes().as_slice()],
                    )?;
                }
                Write::Setting(key, value) => {
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![key, value],
                    )?;
                }
                Write::WipeAll { keep_settings } => {
                    tx.execute("DELETE FROM chunks", [])?;
                    tx.execute("DELETE FROM documents", [])?;
                    let keys = tx
                        .prepare("SELECT key FROM settings")?
                        .query_map([], |r| r.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    for key in keys.iter().filter(|key| !keep_settings.contains(key)) {
                        tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
                    }
                }
            }
        }
        tx.commit()?;
        if deletes {
            // The WAL still holds the pages as they were before the delete: copy the zeroed pages into the
            // database and empty the WAL.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// How many rows the store keeps in all: documents, chunks, settings. For checks that a wipe left
    /// nothing.
    pub fn row_counts(&self) -> Result<(usize, usize, usize), StoreError> {
        let count = |table: &str| -> Result<usize, StoreError> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as usize)
        };
        Ok((count("documents")?, count("chunks")?, count("settings")?))
    }

    /// How many rows the store keeps for a document: its own (0 or 1) and its chunks. For checks that a
    /// deletion left nothing.
    pub fn rows_of(&self, id: DocumentId) -> Result<(usize, usize), StoreError> {
        let count = |sql: &str| -> Result<usize, StoreError> {
            Ok(self
                .conn
                .query_row(sql, [id.as_bytes().as_slice()], |r| r.get::<_, i64>(0))?
                as usize)
        };
        Ok((
            count("SELECT count(*) FROM documents WHERE id = ?1")?,
            count("SELECT count(*) FROM chunks WHERE doc = ?1")?,
        ))
    }
}

fn document_id(raw: &[u8]) -> Result<DocumentId, StoreError> {
    let bytes: [u8; 16] = raw.try_into().map_err(|_| StoreError::Corrupt {
        id: "?".into(),
        reason: "a document id is not 16 bytes".into(),
    })?;
    Ok(DocumentId::from_bytes(bytes))
}

fn heads_to_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn heads_from_bytes(bytes: &[u8]) -> Result<Vec<ChangeHash>, String> {
    if !bytes.len().is_multiple_of(32) {
        return Err("stored heads are not a list of 32-byte hashes".into());
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|chunk| {
            let mut hash = [0; 32];
            hash.copy_from_slice(chunk);
            ChangeHash(hash)
        })
        .collect())
}

type Job = (Vec<Write>, oneshot::Sender<Result<(), String>>);

/// The async face of a [`Store`]: writes are queued in order and committed in groups on the blocking pool.
#[derive(Debug, Clone)]
pub struct StoreWriter {
    queue: mpsc::UnboundedSender<Job>,
}

/// Resolves when the writes it stands for are durable.
#[derive(Debug)]
pub struct Ticket(oneshot::Receiver<Result<(), String>>);

impl Ticket {
    pub async fn wait(self) -> Result<(), StoreError> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::Corrupt {
                id: "-".into(),
                reason: format!("the write failed: {reason}"),
            }),
            Err(_) => Err(StoreError::WriterGone),
        }
    }
}

/// Most batches committed in one transaction.
const MAX_GROUP: usize = 512;

impl StoreWriter {
    /// Starts the writer task for `store` on the current tokio runtime. It ends when every
    /// [`StoreWriter`] clone is dropped and the queue is drained.
    pub fn spawn(store: Store) -> StoreWriter {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            let mut store = Some(store);
            while let Some(first) = jobs.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match jobs.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                let (batches, acks): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                let Some(mut taken) = store.take() else {
                    break;
                };
                let outcome = tokio::task::spawn_blocking(move || {
                    let outcome = taken.apply(&batches);
                    (taken, outcome)
                })
                .await;
                let result = match outcome {
                    Ok((back, outcome)) => {
                        store = Some(back);
                        outcome.map_err(|e| e.to_string())
                    }
                    Err(panic) => Err(format!("the writer panicked: {panic}")),
                };
                if let Err(reason) = &result {
                    tracing::error!(%reason, "local store: a write failed");
                }
                for ack in acks {
                    let _ = ack.send(result.clone());
                }
                if store.is_none() {
                    break;
                }
            }
        });
        StoreWriter { queue }
    }

    /// Queues `writes` (applied after everything submitted before). Never blocks.
    pub fn submit(&self, writes: Vec<Write>) -> Ticket {
        let (ack, done) = oneshot::channel();
        if let Err(mpsc::error::SendError((_, ack))) = self.queue.send((writes, ack)) {
            drop(ack);
        }
        Ticket(done)
    }
}

/// Settings as a map, for start-up.
pub fn settings(store: &Store) -> Result<HashMap<String, String>, StoreError> {
    let mut statement = store.conn.prepare("SELECT key, value FROM settings")?;
    let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};

    use super::*;

    fn doc_with(key: &str, value: &str) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, key, value).unwrap();
        tx.commit();
        doc
    }

    #[test]
    fn documents_snapshots_chunks_and_metadata_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let id = DocumentId::new_random();
        let wanted = DocumentId::new_random();
        let mut doc = doc_with("a", "1");
        let first = doc.get_heads();
        {
            let mut store = Store::open(dir.path()).unwrap();
            let meta = DocMeta {
                created_locally: true,
                server_heads: first.clone(),
                refusal: Some((
                    Refusal {
                        code: "invalid_document".into(),
                        reason: "person.fiscal_code: wrong check character".into(),
                    },
                    first.clone(),
                )),
                listed: true,
                ..DocMeta::default()
            };
            store
                .apply(&[vec![
                    Write::Meta(id, meta),
                    Write::Snapshot(id, doc.save()),
                    Write::Meta(
                        wanted,
                        DocMeta {
                            wanted: true,
                            unavailable: true,
                            ..DocMeta::default()
                        },
                    ),
                    Write::Setting("peer".into(), "tablet-1".into()),
                ]])
                .unwrap();
            let mut tx = doc.transaction();
            tx.put(ROOT, "b", "2").unwrap();
            tx.commit();
            store
                .apply(&[vec![Write::Chunk(id, doc.save_after(&first))]])
                .unwrap();
        }

        let store = Store::open(dir.path()).unwrap();
        let docs = store.load_documents().unwrap();
        assert_eq!(docs.len(), 2);
        let loaded = docs.iter().find(|d| d.id == id).unwrap();
        assert_eq!(loaded.doc.get_heads(), doc.get_heads());
        assert_eq!(loaded.chunks, 1);
        assert!(loaded.doc.get(ROOT, "b").unwrap().is_some());
        assert!(loaded.meta.created_locally);
        assert_eq!(loaded.meta.server_heads, first);
        let (refusal, at) = loaded.meta.refusal.clone().unwrap();
        assert_eq!(refusal.code, "invalid_document");
        assert_eq!(at, first);
        assert!(loaded.meta.listed);
        let asked = docs.iter().find(|d| d.id == wanted).unwrap();
        assert!(asked.meta.wanted && asked.meta.unavailable);
        assert!(asked.doc.get_heads().is_empty());
        assert_eq!(store.setting("peer").unwrap().as_deref(), Some("tablet-1"));
    }

    /// Whether `needle` stands in the store's database file or its WAL (deleted bytes must not).
    fn bytes_on_disk(dir: &Path, needle: &[u8]) -> bool {
        ["", "-wal"].iter().any(|suffix| {
            let path = dir.join(format!("{FILE_NAME}{suffix}"));
            std::fs::read(path)
                .unwrap_or_default()
                .windows(needle.len())
                .any(|window| window == needle)
        })
    }

    #[test]
    fn a_deleted_documents_bytes_are_in_neither_the_database_nor_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let (gone, kept) = (DocumentId::new_random(), DocumentId::new_random());
        let marker = |tag: u8| -> Vec<u8> { (0..200u8).map(|i| i.wrapping_mul(7) ^ tag).collect() };
        store
            .apply(&[vec![
                Write::Meta(gone, DocMeta::default()),
                Write::Snapshot(gone, marker(0x5a)),
                Write::Chunk(gone, marker(0xa5)),
                Write::Meta(kept, DocMeta::default()),
                Write::Chunk(kept, marker(0x3c)),
            ]])
            .unwrap();
        let on_disk = |needle: &[u8]| bytes_on_disk(dir.path(), needle);
        assert!(on_disk(&marker(0x5a)) && on_disk(&marker(0xa5)), "written");

        store.apply(&[vec![Write::Delete(gone)]]).unwrap();

        assert_eq!(store.rows_of(gone).unwrap(), (0, 0));
        assert_eq!(store.rows_of(kept).unwrap(), (1, 1));
        assert!(!on_disk(&marker(0x5a)), "the snapshot's bytes are gone");
        assert!(!on_disk(&marker(0xa5)), "the chunk's bytes are gone");
        assert!(on_disk(&marker(0x3c)), "the other document is untouched");
    }

    #[test]
    fn a_wipe_leaves_no_document_chunk_or_setting_but_the_kept_ones_and_none_of_their_bytes() {
        // Arrange: two documents (a snapshot and chunks each), the user's settings and a device label.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let (a, b) = (DocumentId::new_random(), DocumentId::new_random());
        let marker =
            |tag: u8| -> Vec<u8> { (0..200u8).map(|i| i.wrapping_mul(11) ^ tag).collect() };
        let owner = "{\"username\":\"op.anna-marker-owner\"}";
        store
            .apply(&[vec![
                Write::Meta(a, DocMeta::default()),
                Write::Snapshot(a, marker(0x11)),
                Write::Chunk(a, marker(0x22)),
                Write::Meta(b, DocMeta::default()),
                Write::Chunk(b, marker(0x33)),
                Write::Setting("owner".into(), owner.into()),
                Write::Setting("index".into(), "automerge:marker-index".into()),
                Write::Setting("peer_id".into(), "tablet-1".into()),
            ]])
            .unwrap();
        let on_disk = |needle: &[u8]| bytes_on_disk(dir.path(), needle);
        assert!(
            on_disk(&marker(0x11)) && on_disk(owner.as_bytes()),
            "written"
        );

        // Act
        store
            .apply(&[vec![Write::WipeAll {
                keep_settings: vec!["peer_id".into()],
            }]])
            .unwrap();

        // Assert: no row of the user's, the device label kept, no byte of theirs in either file.
        assert_eq!(store.row_counts().unwrap(), (0, 0, 1));
        assert_eq!(store.rows_of(a).unwrap(), (0, 0));
        assert_eq!(store.rows_of(b).unwrap(), (0, 0));
        assert_eq!(
            store.setting("peer_id").unwrap().as_deref(),
            Some("tablet-1")
        );
        assert_eq!(store.setting("owner").unwrap(), None);
        assert_eq!(store.setting("index").unwrap(), None);
        for (what, bytes) in [
            ("snapshot", marker(0x11)),
            ("chunk", marker(0x22)),
            ("other chunk", marker(0x33)),
            ("owner", owner.as_bytes().to_vec()),
            ("index", b"automerge:marker-index".to_vec()),
        ] {
            assert!(!on_disk(&bytes), "the {what}'s bytes are gone");
        }
        drop(store);
        let reopened = Store::open(dir.path()).unwrap();
        assert!(reopened.load_documents().unwrap().is_empty());
    }

    #[test]
    fn a_snapshot_replaces_the_chunks_and_delete_removes_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = DocumentId::new_random();
        let doc = doc_with("a", "1");
        store
            .apply(&[vec![
                Write::Meta(id, DocMeta::default()),
                Write::Chunk(id, doc.save_after(&[])),
                Write::Chunk(id, doc.save_after(&[])),
            ]])
            .unwrap();
        assert_eq!(store.load_documents().unwrap()[0].chunks, 2);
        store
            .apply(&[vec![Write::Snapshot(id, doc.save())]])
            .unwrap();
        let docs = store.load_documents().unwrap();
        assert_eq!(docs[0].chunks, 0);
        assert_eq!(docs[0].doc.get_heads(), doc.get_heads());
        store.apply(&[vec![Write::Delete(id)]]).unwrap();
        assert!(store.load_documents().unwrap().is_empty());
        let chunks: i64 = store
            .conn
            .query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(chunks, 0);
    }

    #[test]
    fn a_failed_batch_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = DocumentId::new_random();
        // A chunk for a document without a row violates the foreign key: the whole batch rolls back.
        let outcome = store.apply(&[vec![
            Write::Setting("k".into(), "v".into()),
            Write::Chunk(id, vec![1, 2, 3]),
        ]]);
        assert!(outcome.is_err());
        assert_eq!(store.setting("k").unwrap(), None);
    }

    #[tokio::test]
    async fn the_writer_commits_in_submission_order() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::spawn(Store::open(dir.path()).unwrap());
        let tickets: Vec<_> = (0..20)
            .map(|i| writer.submit(vec![Write::Setting("k".into(), i.to_string())]))
            .collect();
        for ticket in tickets {
            ticket.wait().await.unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.setting("k").unwrap().as_deref(), Some("19"));
    }
}
