//! Editing an index document in place: upsert or remove single entries in one Automerge transaction,
//! without reading or rewriting the rest of the list.
//!
//! A [`Mirror`] holds, in list order, the sort key of every entry of one index document (what the last full
//! build wrote plus every edit since), so an entry's position is found without walking the document. The
//! list stays in the order the full build writes (`SortKey`: newest first, the directory last), so a
//! later full build of the same facts finds nothing to change.

use std::collections::HashMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use sportello_schema::documents::IndexEntry;

use super::entries::{Listing, SortKey};
use crate::storage::documents::RawDocId;

/// The order of one index's entries, and when entries leave it by time alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mirror {
    keys: Vec<SortKey>,
    expiring: HashMap<RawDocId, i64>,
}

/// One change to an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The document is listed with this entry (added, moved or updated as needed).
    Upsert(Listing),
    /// The document is not listed (removed if it was).
    Remove(RawDocId),
}

impl Mirror {
    /// The mirror of a list written in `SortKey` order.
    pub fn of(listings: &[Listing]) -> Self {
        let mut keys: Vec<SortKey> = listings.iter().map(|l| l.key).collect();
        keys.sort();
        let expiring = listings
            .iter()
            .filter_map(|l| Some((l.key.id(), l.expires_at?)))
            .collect();
        Self { keys, expiring }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn contains(&self, id: &RawDocId) -> bool {
        self.position(id).is_some()
    }

    fn position(&self, id: &RawDocId) -> Option<usize> {
        self.keys.iter().position(|key| key.id() == *id)
    }

    /// The entries whose time ran out at `now`, as removals.
    pub fn expired(&self, now: i64) -> Vec<Edit> {
        self.expiring
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(id, _)| Edit::Remove(*id))
            .collect()
    }
}

fn entries_list(doc: &impl ReadDoc) -> Option<automerge::ObjId> {
    match doc.get(ROOT, "entries").ok()?? {
        (automerge::Value::Object(ObjType::List), id) => Some(id),
        _ => None,
    }
}

/// Applies `edits` to the index document as one change; `Ok(None)` when they changed nothing. On error
/// nothing is applied and the mirror is unchanged.
pub fn apply(
    doc: &mut Automerge,
    mirror: &mut Mirror,
    edits: &[Edit],
) -> Result<Option<ChangeHash>, String> {
    let Some(list) = entries_list(doc) else {
        return Err("the index has no entries list".into());
    };
    if doc.length(&list) != mirror.len() {
        return Err("the index and its mirror disagree".into());
    }
    let mut next = mirror.clone();
    let outcome = doc.transact::<_, _, String>(|tx| {
        for edit in edits {
            match edit {
                Edit::Remove(id) => {
                    next.expiring.remove(id);
                    if let Some(at) = next.position(id) {
                        tx.delete(&list, at).map_err(|e| e.to_string())?;
                        next.keys.remove(at);
                    }
                }
                Edit::Upsert(listing) => upsert(tx, &list, &mut next, listing)?,
            }
        }
        Ok(())
    });
    match outcome {
        Ok(success) => {
            *mirror = next;
            Ok(success.hash)
        }
        Err(failure) => Err(failure.error),
    }
}

fn upsert(
    tx: &mut automerge::transaction::Transaction<'_>,
    list: &automerge::ObjId,
    mirror: &mut Mirror,
    listing: &Listing,
) -> Result<(), String> {
    let id = listing.key.id();
    match listing.expires_at {
        Some(until) => mirror.expiring.insert(id, until),
        None => mirror.expiring.remove(&id),
    };
    let current = mirror.position(&id);
    if let Some(at) = current {
        let stored: Option<IndexEntry> = autosurgeon::hydrate_prop(tx, list, at).ok();
        if mirror.keys[at] == listing.key && stored.as_ref() == Some(&listing.entry) {
            return Ok(());
        }
        mirror.keys.remove(at);
    }
    let target = mirror.keys.partition_point(|key| *key < listing.key);
    match current {
        // Same place: only the fields that differ are written.
        Some(at) if at == target => {
            autosurgeon::reconcile_prop(tx, list, at, &listing.entry).map_err(|e| e.to_string())?
        }
        _ => {
            if let Some(at) = current {
                tx.delete(list, at).map_err(|e| e.to_string())?;
            }
            autosurgeon::reconcile_insert(tx, list.clone(), target, &listing.entry)
                .map_err(|e| e.to_string())?;
        }
    }
    mirror.keys.insert(target, listing.key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;
    use sportello_schema::UserId;
    use sportello_schema::documents::{DocKind, IndexDoc};

    use super::*;
    use crate::sync::index::entries;

    fn listing(id: u8, updated_at: i64, title: &str) -> Listing {
        let mut listing = entries::directory([id; 16], updated_at);
        listing.key = SortKey::new(DocKind::Case, updated_at, [id; 16]);
        listing.entry.kind = DocKind::Case;
        listing.entry.title = title.into();
        listing.entry.status = "open".into();
        listing
    }

    fn built(owner: UserId, listings: &[Listing]) -> (Automerge, Mirror) {
        let mut sorted = listings.to_vec();
        sorted.sort_by_key(|l| l.key);
        let mut index = IndexDoc::new(owner);
        index.entries = sorted.iter().map(|l| l.entry.clone()).collect();
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &index).unwrap();
        (doc.document().clone(), Mirror::of(&sorted))
    }

    fn titles(doc: &Automerge) -> Vec<String> {
        let index: IndexDoc = autosurgeon::hydrate(doc).unwrap();
        index.entries.into_iter().map(|e| e.title).collect()
    }

    #[test]
    fn edits_leave_the_list_a_full_build_of_the_same_facts_would_write() {
        let owner = UserId::new_random();
        let directory = entries::directory([0; 16], 1);
        let start = [
            listing(1, 10, "a"),
            listing(2, 20, "b"),
            listing(3, 30, "c"),
            directory.clone(),
        ];
        let (mut doc, mut mirror) = built(owner, &start);
        let edits = [
            Edit::Upsert(listing(1, 40, "a2")), // moves to the front
            Edit::Remove([2; 16]),              // leaves
            Edit::Upsert(listing(4, 35, "d")),  // arrives between
            Edit::Upsert(listing(3, 30, "c2")), // changes in place
            Edit::Remove([9; 16]),              // was never listed
        ];
        assert!(apply(&mut doc, &mut mirror, &edits).unwrap().is_some());
        let end = [
            listing(1, 40, "a2"),
            listing(4, 35, "d"),
            listing(3, 30, "c2"),
            directory,
        ];
        let (expected, expected_mirror) = built(owner, &end);
        assert_eq!(titles(&doc), titles(&expected));
        assert_eq!(titles(&doc), ["a2", "d", "c2", "Catalogo dei servizi"]);
        assert_eq!(mirror, expected_mirror);
    }

    #[test]
    fn an_edit_that_changes_nothing_makes_no_change() {
        let (mut doc, mut mirror) = built(UserId::new_random(), &[listing(1, 10, "a")]);
        let heads = doc.get_heads();
        let edits = [Edit::Upsert(listing(1, 10, "a")), Edit::Remove([5; 16])];
        assert_eq!(apply(&mut doc, &mut mirror, &edits), Ok(None));
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn entries_listed_for_a_time_expire_when_it_ends() {
        let mut kept = listing(1, 10, "kept");
        kept.expires_at = Some(1_000);
        let (mut doc, mut mirror) = built(UserId::new_random(), &[kept, listing(2, 5, "b")]);
        assert!(mirror.expired(999).is_empty());
        let expired = mirror.expired(1_000);
        assert_eq!(expired, [Edit::Remove([1; 16])]);
        apply(&mut doc, &mut mirror, &expired).unwrap();
        assert_eq!(titles(&doc), ["b"]);
        assert!(mirror.expired(5_000).is_empty());
    }

    #[test]
    fn a_mirror_that_disagrees_with_the_document_refuses_to_edit() {
        let (mut doc, _) = built(UserId::new_random(), &[listing(1, 10, "a")]);
        let mut wrong = Mirror::default();
        assert!(apply(&mut doc, &mut wrong, &[Edit::Remove([1; 16])]).is_err());
        assert_eq!(titles(&doc), ["a"]);
    }
}
