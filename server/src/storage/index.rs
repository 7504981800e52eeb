//! Where each user's index document lives: its id, reserved at the first login so that the login answer
//! can name it (`index_doc`), and kept until the index *moves*.
//!
//! A reserved index is a document row of kind `index` owned by the user, with an empty snapshot (an empty
//! Automerge document). Its content is the sync side's job (`sync::index`): it is built in full when its
//! owner first opens it, then kept current incrementally.
//!
//! An index moves ([`move_index`]) after an erasure: Automerge keeps history, so an entry removed from an
//! index (an erased case's title, a person's name) would stay in its past versions. The old document is
//! deleted and its id kept in `retired_indexes` with its owner only, so that a tablet still following it
//! can be told where it went (`index_moved`); a new empty index takes its place under a new id.

use rusqlite::{Connection, OptionalExtension};
use sportello_schema::UserId;
use sportello_schema::documents::DocKind;
use sportello_schema::sync::DocumentId;

use super::documents::{self, RawDocId, StoredFacts};
use super::{Storage, StorageResult};

/// The id of `owner`'s index document, reserving one (an empty document) if they have none yet.
pub fn reserve(conn: &Connection, owner: UserId, now: i64) -> StorageResult<RawDocId> {
    if let Some(id) = documents::index_of(conn, owner)? {
        return Ok(id);
    }
    insert(conn, owner, &[], now)
}

/// A new index document for `owner`, under a random id.
fn insert(conn: &Connection, owner: UserId, snapshot: &[u8], now: i64) -> StorageResult<RawDocId> {
    let id = *DocumentId::new_random().as_bytes();
    let mut facts = StoredFacts::of_kind(DocKind::Index);
    facts.owner = Some(owner);
    documents::insert(conn, &id, &facts, snapshot, now)?;
    Ok(id)
}

/// [`reserve`] as its own write, unless the index exists already (then only a read).
pub async fn reserved(storage: &Storage, owner: UserId, now: i64) -> StorageResult<RawDocId> {
    if let Some(id) = storage
        .read(move |conn| documents::index_of(conn, owner))
        .await?
    {
        return Ok(id);
    }
    storage.write(move |conn| reserve(conn, owner, now)).await
}

/// Moves `owner`'s index to a new id: the old document (snapshot, chunks, read marks, refused changes) is
/// deleted, its id retired, and a new index stored with `snapshot` (empty: built at its next open).
/// `None` when the user had no index. Returns `(old, new)`.
pub fn move_index(
    conn: &Connection,
    owner: UserId,
    snapshot: &[u8],
    now: i64,
) -> StorageResult<Option<(RawDocId, RawDocId)>> {
    let Some(old) = documents::index_of(conn, owner)? else {
        return Ok(None);
    };
    documents::delete(conn, &old)?;
    conn.prepare_cached(
        "INSERT INTO retired_indexes (id, owner, retired_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(rusqlite::params![old.as_slice(), owner.to_string(), now])?;
    let new = insert(conn, owner, snapshot, now)?;
    Ok(Some((old, new)))
}

const MOVE_PENDING_KEY: &str = "indexes_move_pending";

/// Notes, in an erasure's write, that every index must move (cleared by the write that moves them): so a
/// move postponed (a retention backlog) or lost (a crash after the erasure's commit) is still made.
pub fn note_move_pending(conn: &Connection) -> StorageResult<()> {
    documents::meta_set(conn, MOVE_PENDING_KEY, b"1")
}

/// Whether an erasure since the last move of every index asks for one.
pub fn move_pending(conn: &Connection) -> StorageResult<bool> {
    Ok(documents::meta_get(conn, MOVE_PENDING_KEY)?.is_some_and(|value| value == b"1"))
}

/// Clears the note of [`note_move_pending`], in the write that moves every index.
pub fn clear_move_pending(conn: &Connection) -> StorageResult<()> {
    documents::meta_set(conn, MOVE_PENDING_KEY, b"0")
}

/// The users who have an index, in no particular order.
pub fn owners(conn: &Connection) -> StorageResult<Vec<UserId>> {
    let mut statement = conn
        .prepare_cached("SELECT owner FROM documents WHERE kind = 'index' AND owner IS NOT NULL")?;
    let owners = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    owners
        .iter()
        .map(|text| {
            text.parse().map_err(|_| {
                super::StorageError::Corrupt("documents.owner is not a user id".into())
            })
        })
        .collect()
}

/// Forgets the indexes retired before `before`: once no session opened before their move can still be
/// live, no tablet needs to be told where they went (a login names the new index). Returns how many.
pub fn prune_retired(conn: &Connection, before: i64) -> StorageResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM retired_indexes WHERE retired_at < ?1")?
        .execute([before])?)
}

/// Whose index `id` was, if it is a retired index.
pub fn retired_owner(conn: &Connection, id: &RawDocId) -> StorageResult<Option<UserId>> {
    let owner: Option<String> = conn
        .prepare_cached("SELECT owner FROM retired_indexes WHERE id = ?1")?
        .query_row([id.as_slice()], |row| row.get(0))
        .optional()?;
    owner
        .map(|text| {
            text.parse().map_err(|_| {
                super::StorageError::Corrupt("retired_indexes.owner is not a user id".into())
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_keeps_one_index_id_and_its_document_starts_empty() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&mut conn).unwrap();
        let owner = UserId::new_random();
        let first = reserve(&conn, owner, 10).unwrap();
        assert_eq!(reserve(&conn, owner, 20).unwrap(), first);
        assert_ne!(reserve(&conn, UserId::new_random(), 20).unwrap(), first);
        let row = documents::find(&conn, &first).unwrap().unwrap();
        assert_eq!(
            (row.facts.kind, row.facts.owner),
            (DocKind::Index, Some(owner))
        );
        let bytes = documents::load(&conn, &first).unwrap().unwrap();
        assert!(bytes.snapshot.is_empty() && bytes.chunks.is_empty());
        assert!(automerge::Automerge::load(&bytes.snapshot).is_ok());
    }

    #[test]
    fn a_moved_index_leaves_no_row_behind_and_its_old_id_names_its_owner() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&mut conn).unwrap();
        let owner = UserId::new_random();
        let other = UserId::new_random();
        let old = reserve(&conn, owner, 10).unwrap();
        let others = reserve(&conn, other, 10).unwrap();
        let mut facts = StoredFacts::of_kind(DocKind::Index);
        facts.owner = Some(owner);
        documents::append_chunk(&conn, &old, b"a change naming somebody", &facts, 11).unwrap();

        let (moved_from, new) = move_index(&conn, owner, &[], 20).unwrap().unwrap();

        assert_eq!(moved_from, old);
        assert_ne!(new, old);
        assert_eq!(documents::index_of(&conn, owner).unwrap(), Some(new));
        assert!(documents::find(&conn, &old).unwrap().is_none());
        let chunks: i64 = conn
            .query_row(
                "SELECT count(*) FROM document_chunks WHERE doc_id = ?1",
                [old.as_slice()],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(chunks, 0, "the old index's chunks go with it");
        assert_eq!(retired_owner(&conn, &old).unwrap(), Some(owner));
        assert_eq!(retired_owner(&conn, &new).unwrap(), None);
        assert_eq!(retired_owner(&conn, &others).unwrap(), None);
        assert_eq!(documents::index_of(&conn, other).unwrap(), Some(others));
        let mut all = owners(&conn).unwrap();
        all.sort();
        let mut expected = vec![owner, other];
        expected.sort();
        assert_eq!(all, expected);
        assert!(
            move_index(&conn, UserId::new_random(), &[], 30)
                .unwrap()
                .is_none()
        );
        // Forgotten once no session from before the move can be live.
        assert_eq!(prune_retired(&conn, 20).unwrap(), 0);
        assert_eq!(prune_retired(&conn, 21).unwrap(), 1);
        assert_eq!(retired_owner(&conn, &old).unwrap(), None);
    }
}
