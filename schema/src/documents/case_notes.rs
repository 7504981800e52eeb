//! The `case-notes` document (`sportello/case-notes@1`): the working notes of one service area on one
//! case.
//!
//! Notes are kept out of the case on purpose. The case is shared by the desk and by every area the person
//! was referred to; what a social worker of the housing area writes about the family is not for the desk
//! or for the elderly area. Since the document is the unit of access control (DESIGN.md §2, decision 3),
//! each area gets its own notes document per case, readable and writable only by that area's social
//! workers ([`crate::policy`]). So: at most one notes document per (case, area) is expected, but nothing
//! breaks if two exist (two social workers offline at once); clients list both from their index.
//!
//! A note is append-only in spirit: it has an author and a creation time, and its text is free text (a
//! Text object) so that its author can correct it.

use autosurgeon::{Hydrate, Reconcile};

use super::hydration;
use crate::{AreaCode, UserId, values::Rfc3339Utc};

/// The root of a `case-notes` document.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct CaseNotesDoc {
    /// Always [`CaseNotesDoc::SCHEMA`].
    #[autosurgeon(hydrate = "hydration::string")]
    pub schema: String,
    /// `automerge:` URL of the case these notes are about.
    #[autosurgeon(hydrate = "hydration::string")]
    pub case_url: String,
    /// The area whose social workers keep these notes.
    pub area: AreaCode,
    pub created_by: UserId,
    /// RFC 3339 UTC.
    #[autosurgeon(hydrate = "hydration::string")]
    pub created_at: String,
    #[autosurgeon(missing = "Vec::new")]
    pub notes: Vec<Note>,
}

/// One note.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Note {
    /// Unique within the document: 1 to 64 ASCII letters, digits, `-` or `_`.
    #[key]
    #[autosurgeon(hydrate = "hydration::string")]
    pub id: String,
    pub author: UserId,
    /// RFC 3339 UTC.
    #[autosurgeon(hydrate = "hydration::string")]
    pub created_at: String,
    #[autosurgeon(with = "hydration::text")]
    pub text: String,
}

impl CaseNotesDoc {
    pub const SCHEMA: &'static str = "sportello/case-notes@1";
    pub const KIND: super::DocKind = super::DocKind::CaseNotes;

    pub fn new(
        case_url: impl Into<String>,
        area: AreaCode,
        created_by: UserId,
        created_at: &Rfc3339Utc,
    ) -> Self {
        Self {
            schema: Self::SCHEMA.to_owned(),
            case_url: case_url.into(),
            area,
            created_by,
            created_at: created_at.as_str().to_owned(),
            notes: Vec::new(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use automerge::AutoCommit;
    use autosurgeon::{hydrate, reconcile};

    use super::*;
    use crate::documents::test_support::{as_javascript_writes_it, scalar_strings};

    pub(crate) fn notes() -> CaseNotesDoc {
        let worker = UserId::new_random();
        let mut doc = CaseNotesDoc::new(
            "automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu",
            AreaCode::parse("housing").unwrap(),
            worker,
            &Rfc3339Utc::parse("2026-11-28T10:00:00Z").unwrap(),
        );
        doc.notes.push(Note {
            id: "n-1".into(),
            author: worker,
            created_at: "2026-11-28T10:05:00Z".into(),
            text: "Colloquio fissato per giovedì.".into(),
        });
        doc
    }

    #[test]
    fn case_notes_survive_a_round_trip_in_either_string_form() {
        let notes = notes();
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &notes).unwrap();
        assert_eq!(hydrate::<_, CaseNotesDoc>(&doc).unwrap(), notes);
        let javascript = as_javascript_writes_it(&doc);
        assert_eq!(scalar_strings(&javascript), 0);
        assert_eq!(hydrate::<_, CaseNotesDoc>(&javascript).unwrap(), notes);
    }

    #[test]
    fn notes_added_on_two_tablets_both_survive_the_merge() {
        let mut first = AutoCommit::new();
        reconcile(&mut first, notes()).unwrap();
        let mut second = first.fork();
        for (doc, id) in [(&mut first, "n-2"), (&mut second, "n-3")] {
            let mut value: CaseNotesDoc = hydrate(doc).unwrap();
            let author = value.created_by;
            value.notes.push(Note {
                id: id.into(),
                author,
                created_at: "2026-11-29T09:00:00Z".into(),
                text: id.into(),
            });
            reconcile(doc, &value).unwrap();
        }
        first.merge(&mut second).unwrap();
        let merged: CaseNotesDoc = hydrate(&first).unwrap();
        let mut ids: Vec<&str> = merged.notes.iter().map(|n| n.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["n-1", "n-2", "n-3"]);
    }
}
