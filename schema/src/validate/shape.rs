//! The shape check: the Automerge document itself, before anything is hydrated.
//!
//! Hydration reads the keys the Rust types name and ignores every other one, so a rule that looks at the
//! hydrated value cannot see data stored under a key it does not know (`person.health`), in a value the
//! type skips (a mark on the summary, a block inside a Text), or in the losing side of a conflict. This
//! check walks the whole visible document against the layout of its kind ([`LAYOUT`]s below, the same as
//! `docs/documents.md`) and refuses:
//!
//! - a key the layout does not name, in any map (the error names the map and the key's length, never the
//!   key: an unknown key may itself be personal data);
//! - a value of another type than the layout's: a string is a scalar string or a Text object (the JS
//!   library writes Text, the Rust one scalars: both are fine), a flag a boolean, a record a map (not a
//!   table), a list a list; numbers, counters, timestamps and bytes appear nowhere in the layout;
//! - a string longer than its bound (every string has one, [`SHORT_MAX_CHARS`] for formatted values such as
//!   ids, codes, timestamps, dates), a list longer than its bound;
//! - a Text object carrying marks.
//!
//! Null is accepted anywhere: it holds nothing, and hydration decides whether a key may be null. Every
//! value of a conflict is checked, not only the one that wins. Presence of required keys, enum values and
//! formats are hydration's and the field rules' business, and so is one thing about Text: a Text object
//! holding anything but characters (a block, an embedded value: both read as U+FFFC) is refused by
//! [`crate::documents::hydration`] as it reads the text, since reading every Text object twice would
//! double the cost. Run both — `sportello-server`'s `rules::hydrate` and the tablets' checked writes do.
//!
//! It is cheap: one walk over the visible values, no string copied, Text lengths read from the index
//! (about a tenth of the cost of hydrating the same document). Errors are capped at [`MAX_REPORTED`].

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value, ValueRef};

use super::{
    CASE_NOTE_MAX_CHARS, Errors, INDEX_STATUS_MAX_CHARS, LABEL_MAX_CHARS, MAX_CASE_NOTES,
    MAX_CATALOGUE_ENTRIES, MAX_INDEX_ENTRIES, MAX_LANGUAGES, MAX_NEEDS, MAX_REFERRALS,
    NAME_MAX_CHARS, SUMMARY_MAX_CHARS, TEXT_MAX_CHARS, TITLE_MAX_CHARS, ValidationErrors,
};
use crate::{documents::DocKind, values::EMAIL_MAX_LEN};

/// The bound of every formatted string that has no tighter one of its own: `schema`, ids (user ids in any
/// form a UUID parser takes, item ids), catalogue codes, enum values, timestamps, dates, the ticket, the
/// fiscal code, citizenship, languages, the phone number. Each is then checked by its own parser or rule.
pub const SHORT_MAX_CHARS: usize = 64;
/// `automerge:` and a base58 document id (the field rules accept ids of 16 to 64 characters).
pub const URL_MAX_CHARS: usize = 80;
/// At most this many problems are listed; one more entry says how many were left out.
pub const MAX_REPORTED: usize = 50;

/// What a key of the layout holds.
#[derive(Debug)]
pub(crate) enum Shape {
    /// A scalar string or a Text object of at most this many characters.
    Str(usize),
    Bool,
    /// A map with exactly these keys (each optional here: hydration requires what is required).
    Map(&'static [(&'static str, Shape)]),
    /// A list of at most `max` items of one shape.
    List(usize, &'static Shape),
}

use Shape::{Bool, List, Map, Str};

const SHORT: Shape = Str(SHORT_MAX_CHARS);

const NEED: Shape = Map(&[("code", SHORT), ("note", Str(TEXT_MAX_CHARS))]);
const LANGUAGE: Shape = SHORT;
const REFERRAL: Shape = Map(&[
    ("id", SHORT),
    ("area", SHORT),
    ("reason", Str(TEXT_MAX_CHARS)),
    ("status", SHORT),
    ("created_by", SHORT),
    ("created_at", SHORT),
    ("decided_by", SHORT),
    ("decided_at", SHORT),
    ("note", Str(TEXT_MAX_CHARS)),
]);

/// `sportello/case@1`.
pub(crate) const CASE: Shape = Map(&[
    ("schema", SHORT),
    ("created_at", SHORT),
    ("created_by", SHORT),
    ("channel", SHORT),
    ("ticket", SHORT),
    (
        "person",
        Map(&[
            ("given_name", Str(NAME_MAX_CHARS)),
            ("family_name", Str(NAME_MAX_CHARS)),
            ("fiscal_code", SHORT),
            ("birth_date", SHORT),
            ("sex", SHORT),
            ("citizenship", SHORT),
            ("languages", List(MAX_LANGUAGES, &LANGUAGE)),
            ("phone", SHORT),
            ("email", Str(EMAIL_MAX_LEN)),
        ]),
    ),
    ("needs", List(MAX_NEEDS, &NEED)),
    ("summary", Str(SUMMARY_MAX_CHARS)),
    ("urgency", SHORT),
    (
        "consent",
        Map(&[
            ("privacy_notice", Bool),
            ("data_sharing", Bool),
            ("recorded_at", SHORT),
        ]),
    ),
    ("referrals", List(MAX_REFERRALS, &REFERRAL)),
    ("status", SHORT),
]);

const NOTE: Shape = Map(&[
    ("id", SHORT),
    ("author", SHORT),
    ("created_at", SHORT),
    ("text", Str(CASE_NOTE_MAX_CHARS)),
]);

/// `sportello/case-notes@1`.
pub(crate) const CASE_NOTES: Shape = Map(&[
    ("schema", SHORT),
    ("case_url", Str(URL_MAX_CHARS)),
    ("area", SHORT),
    ("created_by", SHORT),
    ("created_at", SHORT),
    ("notes", List(MAX_CASE_NOTES, &NOTE)),
]);

const INDEX_ENTRY: Shape = Map(&[
    ("url", Str(URL_MAX_CHARS)),
    ("kind", SHORT),
    ("title", Str(TITLE_MAX_CHARS)),
    ("status", Str(INDEX_STATUS_MAX_CHARS)),
    ("updated_at", SHORT),
]);

/// `sportello/index@1`.
pub(crate) const INDEX: Shape = Map(&[
    ("schema", SHORT),
    ("user_id", SHORT),
    ("entries", List(MAX_INDEX_ENTRIES, &INDEX_ENTRY)),
]);

const DIRECTORY_AREA: Shape = Map(&[
    ("code", SHORT),
    ("label_it", Str(LABEL_MAX_CHARS)),
    ("label_en", Str(LABEL_MAX_CHARS)),
    ("has_staff", Bool),
    ("active", Bool),
]);
const DIRECTORY_NEED: Shape = Map(&[
    ("code", SHORT),
    ("label_it", Str(LABEL_MAX_CHARS)),
    ("label_en", Str(LABEL_MAX_CHARS)),
    ("active", Bool),
]);

/// `sportello/directory@1`.
pub(crate) const DIRECTORY: Shape = Map(&[
    ("schema", SHORT),
    ("areas", List(MAX_CATALOGUE_ENTRIES, &DIRECTORY_AREA)),
    ("needs", List(MAX_CATALOGUE_ENTRIES, &DIRECTORY_NEED)),
    ("updated_at", SHORT),
]);

/// The layout of a kind.
pub(crate) fn layout(kind: DocKind) -> &'static Shape {
    match kind {
        DocKind::Case => &CASE,
        DocKind::CaseNotes => &CASE_NOTES,
        DocKind::Index => &INDEX,
        DocKind::Directory => &DIRECTORY,
    }
}

/// Checks that `doc` holds nothing but what the layout of `kind` names, of the types it names, within
/// bounds (see the module documentation). Run it on the document as it would be stored, before hydrating
/// it; [`crate::documents::kind_of`] tells the kind.
pub fn shape(doc: &impl ReadDoc, kind: DocKind) -> Result<(), ValidationErrors> {
    let mut walk = Walk {
        doc,
        path: Vec::new(),
        errors: Errors::default(),
        reported: 0,
    };
    let Map(fields) = layout(kind) else {
        unreachable!("every layout is a map")
    };
    walk.map(&ROOT, fields);
    if walk.reported > MAX_REPORTED {
        let more = walk.reported - MAX_REPORTED;
        walk.errors
            .add("…", format!("{more} more problems not listed"));
    }
    walk.errors.finish()
}

/// One step of a path: a key of the layout or a list index.
#[derive(Clone, Copy)]
enum Step {
    Key(&'static str),
    Index(usize),
}

/// A value found, as far as the shape check cares.
enum Found<'v> {
    Str(&'v str),
    Null,
    Bool,
    Other(&'static str),
    Object(ObjType),
}

impl<'v> Found<'v> {
    fn of_ref(value: &'v ValueRef<'_>) -> Self {
        match value {
            ValueRef::Object(kind) => Found::Object(*kind),
            ValueRef::Scalar(scalar) => {
                use automerge::ScalarValueRef as S;
                match scalar {
                    S::Str(s) => Found::Str(s),
                    S::Null => Found::Null,
                    S::Boolean(_) => Found::Bool,
                    S::Int(_) | S::Uint(_) | S::F64(_) => Found::Other("a number"),
                    S::Counter(_) => Found::Other("a counter"),
                    S::Timestamp(_) => Found::Other("a timestamp"),
                    S::Bytes(_) => Found::Other("bytes"),
                    S::Unknown { .. } => Found::Other("a value of an unknown type"),
                }
            }
        }
    }

    fn of_value(value: &'v Value<'_>) -> Self {
        match value {
            Value::Object(kind) => Found::Object(*kind),
            Value::Scalar(scalar) => match scalar.as_ref() {
                ScalarValue::Str(s) => Found::Str(s),
                ScalarValue::Null => Found::Null,
                ScalarValue::Boolean(_) => Found::Bool,
                ScalarValue::Int(_) | ScalarValue::Uint(_) | ScalarValue::F64(_) => {
                    Found::Other("a number")
                }
                ScalarValue::Counter(_) => Found::Other("a counter"),
                ScalarValue::Timestamp(_) => Found::Other("a timestamp"),
                ScalarValue::Bytes(_) => Found::Other("bytes"),
                ScalarValue::Unknown { .. } => Found::Other("a value of an unknown type"),
            },
        }
    }

    /// How the value is described in an error: its type, never its content.
    fn describe(&self) -> &'static str {
        match self {
            Found::Str(_) => "a string",
            Found::Null => "null",
            Found::Bool => "a boolean",
            Found::Other(kind) => kind,
            Found::Object(ObjType::Map) => "a map",
            Found::Object(ObjType::Table) => "a table",
            Found::Object(ObjType::List) => "a list",
            Found::Object(ObjType::Text) => "a text",
        }
    }
}

struct Walk<'d, D> {
    doc: &'d D,
    path: Vec<Step>,
    errors: Errors,
    /// Problems found, listed or not.
    reported: usize,
}

impl<D: ReadDoc> Walk<'_, D> {
    fn path(&self) -> String {
        let mut path = String::new();
        for step in &self.path {
            match step {
                Step::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Index(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
            }
        }
        if path.is_empty() {
            path.push_str("(root)");
        }
        path
    }

    fn add(&mut self, reason: impl std::fmt::Display) {
        self.reported += 1;
        if self.reported <= MAX_REPORTED {
            let path = self.path();
            self.errors.add(path, reason);
        }
    }

    /// The keys of the map `obj` against `fields`.
    fn map(&mut self, obj: &ObjId, fields: &'static [(&'static str, Shape)]) {
        let mut unknown = 0_usize;
        for item in self.doc.map_range(obj, ..) {
            let Some((key, field)) = fields.iter().find(|(key, _)| *key == item.key) else {
                unknown += 1;
                continue;
            };
            self.path.push(Step::Key(key));
            if item.conflict {
                self.conflicts(obj, automerge::Prop::Map((*key).into()), field);
            } else {
                self.value(Found::of_ref(&item.value), || item.id(), field);
            }
            self.path.pop();
        }
        if unknown > 0 {
            let allowed: Vec<&str> = fields.iter().map(|(key, _)| *key).collect();
            self.add(format_args!(
                "{unknown} unknown key{}: only {} are allowed here",
                if unknown == 1 { "" } else { "s" },
                allowed.join(", ")
            ));
        }
    }

    /// Every value of a conflicted key or index, the losing ones included.
    fn conflicts(&mut self, obj: &ObjId, prop: automerge::Prop, shape: &'static Shape) {
        match self.doc.get_all(obj, prop) {
            Ok(values) => {
                for (value, id) in &values {
                    self.value(Found::of_value(value), || id.clone(), shape);
                }
            }
            Err(_) => self.add("cannot be read"),
        }
    }

    fn value(&mut self, found: Found<'_>, id: impl FnOnce() -> ObjId, shape: &'static Shape) {
        match (shape, found) {
            (_, Found::Null) => {}
            (Str(max), Found::Str(s)) => {
                // Bytes bound characters from above: most strings need no counting.
                if s.len() > *max && s.chars().count() > *max {
                    self.add(format_args!("at most {max} characters"));
                }
            }
            (Str(max), Found::Object(ObjType::Text)) => self.text(&id(), *max),
            (Str(_), found) => self.add(format_args!(
                "must be a string (scalar or text), not {}",
                found.describe()
            )),
            (Bool, Found::Bool) => {}
            (Bool, found) => self.add(format_args!("must be a boolean, not {}", found.describe())),
            (Map(fields), Found::Object(ObjType::Map)) => self.map(&id(), fields),
            (Map(_), found) => self.add(format_args!("must be a map, not {}", found.describe())),
            (List(max, item), Found::Object(ObjType::List)) => self.list(&id(), *max, item),
            (List(..), found) => self.add(format_args!("must be a list, not {}", found.describe())),
        }
    }

    fn list(&mut self, obj: &ObjId, max: usize, shape: &'static Shape) {
        if self.doc.length(obj) > max {
            self.add(format_args!("at most {max} entries"));
        }
        for item in self.doc.list_range(obj, ..max) {
            self.path.push(Step::Index(item.index));
            if item.conflict {
                self.conflicts(obj, automerge::Prop::Seq(item.index), shape);
            } else {
                self.value(Found::of_ref(&item.value), || item.id(), shape);
            }
            self.path.pop();
        }
    }

    /// A Text object: at most `max` characters, no marks. (Anything in it but characters — a block, an
    /// embedded value — reads as U+FFFC, which hydration refuses where it reads the text anyway: reading
    /// every Text here too would cost as much as hydrating the document.)
    fn text(&mut self, obj: &ObjId, max: usize) {
        // From the index, without reading the text: an embedded object or value counts as one character.
        if self.doc.length(obj) > max {
            self.add(format_args!("at most {max} characters"));
        }
        if !self.doc.marks(obj).is_ok_and(|marks| marks.is_empty()) {
            self.add("may not carry marks");
        }
    }
}
