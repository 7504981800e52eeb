//! The Automerge documents of contract v1 (DESIGN.md §3) as Rust types: [`CaseDoc`], [`CaseNotesDoc`],
//! [`IndexDoc`], [`DirectoryDoc`], and how to tell them apart ([`DocKind`], [`kind_of`]).
//!
//! Every type derives `autosurgeon`'s `Reconcile` and `Hydrate`, so `autosurgeon::hydrate(&doc)` reads one
//! and `autosurgeon::reconcile(&mut doc, &value)` writes one. The field layout is the wire contract shared
//! with the JS client: field names are English snake_case, enums are snake_case strings, ids are
//! hyphenated UUID strings, timestamps RFC 3339 UTC strings, dates `YYYY-MM-DD` strings. `docs/documents.md`
//! is the reference.
//!
//! Hydration is strict about shape and lenient about storage (see [`hydration`]): a string may be a scalar or
//! a Text object; optional fields may be absent or null; lists may be absent (empty); but a required key that
//! is missing, a value of the wrong type, an unknown enum value, a malformed user id or catalogue code all
//! fail hydration with a message naming the key. Whatever needs a catalogue, a clock or a judgement — fiscal
//! codes, phone numbers, dates, lengths, need and area codes in force, consent — is checked afterwards by
//! [`crate::validate`], which reports every problem with its path. Timestamps, dates, fiscal codes and contact
//! details are therefore kept as the strings written, so that validation can say what is wrong with them.
//!
//! Keyed lists (`referrals` by `id`, `needs` by `code`, `notes` by `id`, index `entries` by `url`, directory
//! `areas` and `needs` by `code`) reconcile item by item, so an insertion on one tablet and an edit on another
//! merge as such instead of as edits of whatever sits at the same index.

pub mod case;
pub mod case_notes;
pub mod directory;
pub mod hydration;
pub mod index;

use std::str::FromStr;

use automerge::{ObjType, ROOT, ScalarValue, Value};

pub use case::{
    CaseDoc, CaseStatus, Channel, Consent, Need, Person, Referral, ReferralStatus, Urgency,
};
pub use case_notes::{CaseNotesDoc, Note};
pub use directory::{DirectoryArea, DirectoryDoc, DirectoryNeed};
pub use index::{IndexDoc, IndexEntry};

use crate::{AreaCode, UserId, catalogue::NeedCode, values::Sex};

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: expected one of {allowed}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub allowed: &'static str,
}

hydration::string_enum! {
    /// The four kinds of document, named as in index entries (`kind`) and access entries.
    pub enum DocKind ("document kind") {
        Case = "case",
        CaseNotes = "case_notes",
        Index = "index",
        Directory = "directory",
    }
}

impl DocKind {
    /// The root `schema` string of this kind, version 1.
    pub fn schema(self) -> &'static str {
        match self {
            DocKind::Case => CaseDoc::SCHEMA,
            DocKind::CaseNotes => CaseNotesDoc::SCHEMA,
            DocKind::Index => IndexDoc::SCHEMA,
            DocKind::Directory => DirectoryDoc::SCHEMA,
        }
    }

    /// The kind whose `schema` string is exactly `schema` (no other version is known).
    pub fn from_schema(schema: &str) -> Option<DocKind> {
        DocKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.schema() == schema)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KindError {
    #[error("the document has no root `schema` string")]
    MissingSchema,
    #[error("the root `schema` is not a string")]
    NotAString,
    #[error("unknown document schema {0}")]
    UnknownSchema(String),
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
}

/// Longer than any root `schema` string of a known kind.
const SCHEMA_MAX_CHARS: usize = 64;

/// The kind of a document, from its root `schema` (a scalar string or a Text object).
pub fn kind_of(doc: &impl automerge::ReadDoc) -> Result<DocKind, KindError> {
    let schema = match doc.get(ROOT, "schema")? {
        None => return Err(KindError::MissingSchema),
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            _ => return Err(KindError::NotAString),
        },
        // No schema string is long: a long Text is not read at all.
        Some((Value::Object(ObjType::Text), id)) if doc.length(&id) > SCHEMA_MAX_CHARS => {
            return Err(KindError::UnknownSchema(format!(
                "(a text of {} characters)",
                doc.length(&id)
            )));
        }
        Some((Value::Object(ObjType::Text), id)) => doc.text(&id)?,
        Some((Value::Object(_), _)) => return Err(KindError::NotAString),
    };
    DocKind::from_schema(&schema)
        .ok_or_else(|| KindError::UnknownSchema(hydration::quote_truncated(&schema)))
}

hydration::string_value!(UserId, "a user id (hyphenated UUID)", |s| UserId::from_str(
    s
)
.ok());
hydration::string_value!(AreaCode, "an area code", |s| AreaCode::parse(s).ok());
hydration::string_value!(NeedCode, "a need code", |s| NeedCode::parse(s).ok());
hydration::string_value!(Sex, "sex: one of female male", |s| s.parse().ok());

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, transaction::Transactable};

    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_schema_and_its_name() {
        for &kind in DocKind::ALL {
            assert_eq!(DocKind::from_schema(kind.schema()), Some(kind));
            assert_eq!(kind.as_str().parse::<DocKind>(), Ok(kind));
        }
        assert_eq!(DocKind::Case.schema(), "sportello/case@1");
        assert_eq!(DocKind::CaseNotes.schema(), "sportello/case-notes@1");
        assert_eq!(DocKind::Index.schema(), "sportello/index@1");
        assert_eq!(DocKind::Directory.schema(), "sportello/directory@1");
    }

    #[test]
    fn other_versions_and_names_are_not_kinds() {
        for schema in [
            "sportello/case@2",
            "sportello/case",
            "case",
            "",
            "SPORTELLO/CASE@1",
        ] {
            assert_eq!(DocKind::from_schema(schema), None, "{schema}");
        }
        assert!("Case".parse::<DocKind>().is_err());
    }

    #[test]
    fn the_kind_is_read_from_a_scalar_or_a_text_schema() {
        let mut scalar = AutoCommit::new();
        scalar.put(ROOT, "schema", "sportello/index@1").unwrap();
        assert_eq!(kind_of(&scalar).unwrap(), DocKind::Index);

        let mut text = AutoCommit::new();
        let schema = text.put_object(ROOT, "schema", ObjType::Text).unwrap();
        text.splice_text(&schema, 0, 0, "sportello/case-notes@1")
            .unwrap();
        assert_eq!(kind_of(&text).unwrap(), DocKind::CaseNotes);
        assert_eq!(kind_of(text.document()).unwrap(), DocKind::CaseNotes);
    }

    #[test]
    fn documents_without_a_known_schema_have_no_kind() {
        let empty = AutoCommit::new();
        assert!(matches!(kind_of(&empty), Err(KindError::MissingSchema)));

        let mut number = AutoCommit::new();
        number.put(ROOT, "schema", 1_i64).unwrap();
        assert!(matches!(kind_of(&number), Err(KindError::NotAString)));

        let mut list = AutoCommit::new();
        list.put_object(ROOT, "schema", ObjType::List).unwrap();
        assert!(matches!(kind_of(&list), Err(KindError::NotAString)));

        let mut long = AutoCommit::new();
        let schema = long.put_object(ROOT, "schema", ObjType::Text).unwrap();
        long.splice_text(&schema, 0, 0, &"x".repeat(100_000))
            .unwrap();
        match kind_of(&long) {
            Err(KindError::UnknownSchema(shown)) => {
                assert_eq!(shown, "(a text of 100000 characters)")
            }
            other => panic!("{other:?}"),
        }

        let mut unknown = AutoCommit::new();
        unknown.put(ROOT, "schema", "sportello/case@2").unwrap();
        match kind_of(&unknown) {
            Err(KindError::UnknownSchema(shown)) => assert_eq!(shown, "\"sportello/case@2\""),
            other => panic!("{other:?}"),
        }
    }
}
