//! The `index` document (`sportello/index@1`): the documents one user may open, so that a tablet can
//! discover its work and keep it offline.
//!
//! One index per user; its id is returned at login. Only the server writes it (on every change of access:
//! a case created, referred, accepted, expired from an operator's retention window…) and only its user
//! reads it ([`crate::policy`]). Entries carry a title and a status so that a list can be drawn before any
//! document is fetched; titles may contain names, which is why the index is as private as the documents it
//! lists.

use autosurgeon::{Hydrate, Reconcile};

use super::{DocKind, hydration};
use crate::UserId;

/// The root of an `index` document.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct IndexDoc {
    /// Always [`IndexDoc::SCHEMA`].
    #[autosurgeon(hydrate = "hydration::string")]
    pub schema: String,
    /// The one user this index belongs to.
    pub user_id: UserId,
    #[autosurgeon(missing = "Vec::new")]
    pub entries: Vec<IndexEntry>,
}

/// One document the user may open.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct IndexEntry {
    /// `automerge:<id>`; unique within the index.
    #[key]
    #[autosurgeon(hydrate = "hydration::string")]
    pub url: String,
    pub kind: DocKind,
    /// What a list shows, e.g. "Rossi Mario — casa, lavoro".
    #[autosurgeon(hydrate = "hydration::string")]
    pub title: String,
    /// The document's own status when it has one (a case's `open`/`referred`/`closed`), else empty.
    #[autosurgeon(hydrate = "hydration::string")]
    pub status: String,
    /// RFC 3339 UTC: when the document last changed.
    #[autosurgeon(hydrate = "hydration::string")]
    pub updated_at: String,
}

impl IndexDoc {
    pub const SCHEMA: &'static str = "sportello/index@1";
    pub const KIND: DocKind = DocKind::Index;

    pub fn new(user_id: UserId) -> Self {
        Self {
            schema: Self::SCHEMA.to_owned(),
            user_id,
            entries: Vec::new(),
        }
    }

    pub fn entry(&self, url: &str) -> Option<&IndexEntry> {
        self.entries.iter().find(|e| e.url == url)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use automerge::AutoCommit;
    use autosurgeon::{hydrate, reconcile};

    use super::*;
    use crate::documents::test_support::as_javascript_writes_it;

    pub(crate) fn index() -> IndexDoc {
        let mut index = IndexDoc::new(UserId::new_random());
        index.entries.push(IndexEntry {
            url: "automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu".into(),
            kind: DocKind::Case,
            title: "Rossi Mario".into(),
            status: "open".into(),
            updated_at: "2026-11-27T12:00:00Z".into(),
        });
        index.entries.push(IndexEntry {
            url: "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ".into(),
            kind: DocKind::Directory,
            title: "Catalogo".into(),
            status: String::new(),
            updated_at: "2026-11-01T08:00:00Z".into(),
        });
        index
    }

    #[test]
    fn an_index_survives_a_round_trip_in_either_string_form() {
        let index = index();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &index).unwrap();
        assert_eq!(hydrate::<_, IndexDoc>(&doc).unwrap(), index);
        assert_eq!(
            hydrate::<_, IndexDoc>(&as_javascript_writes_it(&doc)).unwrap(),
            index
        );
        assert!(
            index
                .entry("automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ")
                .is_some()
        );
    }
}
