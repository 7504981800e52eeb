//! Where each user's index document lives: its id, reserved at the first login so that the login answer
//! can name it (`index_doc`), and never changed after.
//!
//! A reserved index is a document row of kind `index` owned by the user, with an empty snapshot (an empty
//! Automerge document). Its content is the sync side's job (`sync::index`): it is built in full when its
//! owner first opens it, then kept current incrementally.

use rusqlite::Connection;
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
    let id = *DocumentId::new_random().as_bytes();
    let mut facts = StoredFacts::of_kind(DocKind::Index);
    facts.owner = Some(owner);
    documents::insert(conn, &id, &facts, &[], now)?;
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
}
