//! How strings are read from and written to documents, whichever library wrote them.
//!
//! The JS Automerge library (v3) stores every string as a collaborative **Text object** unless told
//! otherwise; the Rust library and `autosurgeon` store a `String` as a **scalar**. Every string field of
//! every document kind therefore hydrates from either form. Writing follows what the field is:
//!
//! - codes, enums, ids, timestamps, names, contact details: **scalar** strings ([`string`],
//!   [`optional_string`] and the [`string_value!`] types). Concurrent edits of a scalar resolve to one of
//!   the values; two concurrent edits of a Text would interleave their characters and turn `phone` and
//!   `email` into `phemailone`.
//! - free text written by people (`summary`, notes, reasons): **Text** objects ([`text`],
//!   [`optional_text`]), updated by diffing, so that two operators editing different sentences both keep
//!   their work.
//!
//! A Text object must hold characters only: a block marker or a value embedded in it (which reads as
//! U+FFFC) fails hydration, since no rule could see what it holds. What else a document may hold — no
//! unknown keys, no unexpected types, bounded strings — is [`crate::validate::shape`]'s to check, on the
//! document before it is hydrated.
//!
//! Absence: a required string key must exist (a scalar or a Text); an optional one may be absent or null;
//! free text may be absent, which reads as empty. Errors name the key and what was expected, and never
//! echo the value found (it may be personal data written into the wrong field; errors reach logs and other
//! peers): they say what kind of value it was and, for a string, how long.

use automerge::{ObjId, ObjType, ScalarValue, Value};
use autosurgeon::{HydrateError, Prop, ReadDoc, Reconciler, reconcile::TextReconciler};

/// What one property holds, seen as a string.
enum Raw {
    Absent,
    Null,
    Str(String),
    Other(&'static str),
}

fn read<D: ReadDoc>(doc: &D, obj: &ObjId, prop: &Prop<'_>) -> Result<Raw, HydrateError> {
    Ok(match doc.get(obj, prop)? {
        None => Raw::Absent,
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Str(s) => Raw::Str(s.to_string()),
            ScalarValue::Null => Raw::Null,
            ScalarValue::Boolean(_) => Raw::Other("a boolean"),
            ScalarValue::Int(_) | ScalarValue::Uint(_) | ScalarValue::F64(_) => {
                Raw::Other("a number")
            }
            ScalarValue::Counter(_) => Raw::Other("a counter"),
            ScalarValue::Timestamp(_) => Raw::Other("a timestamp"),
            ScalarValue::Bytes(_) => Raw::Other("bytes"),
            ScalarValue::Unknown { .. } => Raw::Other("an unknown scalar"),
        },
        Some((Value::Object(ObjType::Text), id)) => {
            let text = doc.text(&id)?;
            // Anything in a Text but characters (a block marker, an embedded value) reads as U+FFFC: data
            // that no rule could see. Refused here, where the text is read anyway.
            if text.contains(EMBEDDED) {
                Raw::Other("a text holding something other than characters")
            } else {
                Raw::Str(text)
            }
        }
        Some((Value::Object(ObjType::List), _)) => Raw::Other("a list"),
        Some((Value::Object(ObjType::Map | ObjType::Table), _)) => Raw::Other("a map"),
    })
}

/// What a Text object reads as where it holds an object or a value instead of a character.
pub(crate) const EMBEDDED: char = '\u{fffc}';

fn expected_string(prop: &Prop<'_>) -> String {
    format!("a string (scalar or text) at `{prop}`")
}

/// A short, safe rendering of an unexpected value for an error message.
pub(crate) fn quote_truncated(value: &str) -> String {
    let mut shown: String = value.chars().take(24).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// How an unexpected string is described in an error: by its length, never by its content.
pub(crate) fn describe_unexpected(value: &str) -> String {
    format!("another string ({} characters)", value.chars().count())
}

/// A required string: a scalar string or a Text object.
pub fn string<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<String, HydrateError> {
    match read(doc, obj, &prop)? {
        Raw::Str(s) => Ok(s),
        Raw::Absent => Err(HydrateError::unexpected(
            expected_string(&prop),
            "nothing".into(),
        )),
        Raw::Null => Err(HydrateError::unexpected(
            expected_string(&prop),
            "null".into(),
        )),
        Raw::Other(kind) => Err(HydrateError::unexpected(
            expected_string(&prop),
            kind.into(),
        )),
    }
}

/// An optional string: absent or null is `None`.
pub fn optional_string<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<String>, HydrateError> {
    match read(doc, obj, &prop)? {
        Raw::Str(s) => Ok(Some(s)),
        Raw::Absent | Raw::Null => Ok(None),
        Raw::Other(kind) => Err(HydrateError::unexpected(
            expected_string(&prop),
            kind.into(),
        )),
    }
}

/// A list of strings, each a scalar or a Text object; absent or null is the empty list.
pub fn string_list<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Vec<String>, HydrateError> {
    let list = match doc.get(obj, &prop)? {
        None => return Ok(Vec::new()),
        Some((Value::Scalar(scalar), _)) if matches!(scalar.as_ref(), ScalarValue::Null) => {
            return Ok(Vec::new());
        }
        Some((Value::Object(ObjType::List), id)) => id,
        Some(_) => {
            return Err(HydrateError::unexpected(
                format!("a list of strings at `{prop}`"),
                "something else".into(),
            ));
        }
    };
    (0..doc.length(&list))
        .map(|index| string(doc, &list, Prop::Index(index as u32)))
        .collect()
}

/// Free text, stored as a Text object; hydrates from either form, and absent reads as empty.
pub mod text {
    use super::*;

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &ObjId,
        prop: Prop<'_>,
    ) -> Result<String, HydrateError> {
        Ok(super::optional_string(doc, obj, prop)?.unwrap_or_default())
    }

    /// Updates the Text object in place by diffing (creating it, or replacing a scalar, if needed).
    pub fn reconcile<R: Reconciler>(value: &String, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.text()?.update(value)
    }
}

/// Optional free text: a Text object when present, null when absent.
pub mod optional_text {
    use super::*;

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &ObjId,
        prop: Prop<'_>,
    ) -> Result<Option<String>, HydrateError> {
        super::optional_string(doc, obj, prop)
    }

    pub fn reconcile<R: Reconciler>(
        value: &Option<String>,
        mut reconciler: R,
    ) -> Result<(), R::Error> {
        match value {
            Some(value) => reconciler.text()?.update(value),
            None => reconciler.none(),
        }
    }
}

/// Implements `Hydrate` (from a scalar string or a Text object) and `Reconcile` (as a scalar string) for a
/// type that is written as a string: `$parse` turns a `&str` into `Option<Self>`, `Display` writes it back.
/// Errors name the key and what was expected.
macro_rules! string_value {
    ($ty:ty, $expected:expr, $parse:expr) => {
        impl autosurgeon::Hydrate for $ty {
            fn hydrate<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
                prop: autosurgeon::Prop<'_>,
            ) -> Result<Self, autosurgeon::HydrateError> {
                let raw = $crate::documents::hydration::string(doc, obj, prop.clone())?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&raw).ok_or_else(|| {
                    autosurgeon::HydrateError::unexpected(
                        format!("{} at `{}`", $expected, prop),
                        $crate::documents::hydration::describe_unexpected(&raw),
                    )
                })
            }

            fn hydrate_string(raw: &str) -> Result<Self, autosurgeon::HydrateError> {
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(raw).ok_or_else(|| {
                    autosurgeon::HydrateError::unexpected(
                        $expected,
                        $crate::documents::hydration::describe_unexpected(raw),
                    )
                })
            }

            fn hydrate_text<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                Self::hydrate_string(&doc.text(obj)?)
            }
        }

        impl autosurgeon::Reconcile for $ty {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(
                &self,
                mut reconciler: R,
            ) -> Result<(), R::Error> {
                reconciler.str(self.to_string())
            }
        }
    };
}

pub(crate) use string_value;

/// Declares an enum stored as a snake_case string, with `ALL`, `as_str`, `Display`, `FromStr`, serde, and
/// the document traits from [`string_value!`].
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::documents::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    $crate::documents::UnknownValue {
                        what: $what,
                        allowed: concat!($($text, " "),+).trim_end(),
                    }
                })
            }
        }

        $crate::documents::hydration::string_value!(
            $name,
            concat!($what, ": one of ", $($text, " "),+).trim_end(),
            |s| s.parse().ok()
        );
    };
}

pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, ROOT, transaction::Transactable};

    use super::*;

    fn doc_with_both_forms() -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(&ROOT, "scalar", "plain").unwrap();
        let text = doc.put_object(&ROOT, "text", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "collaborative").unwrap();
        doc.put(&ROOT, "null", ScalarValue::Null).unwrap();
        doc.put(&ROOT, "number", 42_i64).unwrap();
        let list = doc.put_object(&ROOT, "list", ObjType::List).unwrap();
        doc.insert(&list, 0, "it").unwrap();
        let item = doc.insert_object(&list, 1, ObjType::Text).unwrap();
        doc.splice_text(&item, 0, 0, "ar").unwrap();
        doc
    }

    #[test]
    fn strings_hydrate_from_a_scalar_or_a_text_object() {
        let doc = doc_with_both_forms();
        assert_eq!(string(&doc, &ROOT, "scalar".into()).unwrap(), "plain");
        assert_eq!(string(&doc, &ROOT, "text".into()).unwrap(), "collaborative");
        assert_eq!(
            string_list(&doc, &ROOT, "list".into()).unwrap(),
            ["it", "ar"]
        );
    }

    #[test]
    fn a_missing_required_string_is_an_error_that_names_the_key() {
        let doc = doc_with_both_forms();
        for key in ["absent", "null", "number", "list"] {
            let message = string(&doc, &ROOT, key.into()).unwrap_err().to_string();
            assert!(message.contains(&format!("`{key}`")), "{message}");
        }
    }

    #[test]
    fn optional_strings_and_free_text_treat_absent_and_null_alike() {
        let doc = doc_with_both_forms();
        assert_eq!(optional_string(&doc, &ROOT, "absent".into()).unwrap(), None);
        assert_eq!(optional_string(&doc, &ROOT, "null".into()).unwrap(), None);
        assert_eq!(
            optional_string(&doc, &ROOT, "text".into())
                .unwrap()
                .as_deref(),
            Some("collaborative")
        );
        assert!(optional_string(&doc, &ROOT, "number".into()).is_err());
        assert_eq!(text::hydrate(&doc, &ROOT, "absent".into()).unwrap(), "");
        assert_eq!(
            string_list(&doc, &ROOT, "absent".into()).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            string_list(&doc, &ROOT, "null".into()).unwrap(),
            Vec::<String>::new()
        );
        assert!(string_list(&doc, &ROOT, "scalar".into()).is_err());
    }

    #[test]
    fn unexpected_values_are_quoted_short() {
        let long = "x".repeat(1000);
        let quoted = quote_truncated(&long);
        assert!(quoted.len() < 40, "{quoted}");
        assert_eq!(quote_truncated("fax"), "\"fax\"");
    }
}
