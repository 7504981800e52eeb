//! Limits of the REST bodies, and the OpenAPI schemas that a derive cannot state.
//!
//! The OpenAPI document must describe exactly what the server accepts (an outside fuzzer checks both
//! ways: a request the document allows must not be refused as malformed, a request it forbids must be
//! refused). The limits live here so the server's checks and the document read the same numbers; the
//! schema functions are used with `#[schema(schema_with = …)]`.

/// A desk as the board shows it ("Sportello 2").
pub const DESK_MAX_CHARS: usize = 32;
/// A device's name ("Totem ingresso").
pub const DEVICE_NAME_MAX_CHARS: usize = 64;
/// The label of a session ("Tablet 3"), given at login.
pub const SESSION_LABEL_MAX_CHARS: usize = 64;
/// A user's display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// A service line's name, in Italian or English.
pub const LINE_NAME_MAX_CHARS: usize = 60;
/// A `client_op_id`: 1 to this many characters of `A-Z a-z 0-9 - _`.
pub const CLIENT_OP_ID_MAX_CHARS: usize = 64;

/// What `char::is_whitespace` (the server's `trim`) strips, as a regular-expression class body. Written
/// out, because `\s` means different things in the regex dialects of clients and fuzzers.
const WHITESPACE: &str = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What `char::is_control` refuses (Unicode category Cc).
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";

/// The regular expression of a label: surrounding whitespace (which the server trims away), then 1 to
/// `max_chars` characters with no control character, neither first nor last a space. `optional`: the
/// trimmed label may also be empty (the server then takes it as absent).
pub fn label_pattern(max_chars: usize, optional: bool) -> String {
    assert!(max_chars >= 2, "a label holds at least two characters");
    let edge = format!("[^{CONTROL}{WHITESPACE}]");
    let core = format!("{edge}(?:[^{CONTROL}]{{0,{}}}{edge})?", max_chars - 2);
    let core = if optional {
        format!("(?:{core})?")
    } else {
        core
    };
    format!("^[{WHITESPACE}]*{core}[{WHITESPACE}]*$")
}

/// The regular expression of a `client_op_id`.
pub fn client_op_id_pattern() -> String {
    format!("^[A-Za-z0-9_-]{{1,{CLIENT_OP_ID_MAX_CHARS}}}$")
}

/// Values whose `Deserialize` checks a rule of their own (parse, don't validate), where the answer to a bad
/// one has always been `422 validation_failed` with a message naming the field, not the `400` of malformed
/// JSON. Their serde error carries this marker; the server's JSON error handler finds it with
/// [`broken_rule::message`] and answers `422` with the message alone. Everything else serde refuses stays
/// `400 invalid_request`.
pub mod broken_rule {
    use std::fmt::Display;

    use serde::de;

    /// Starts the text of every broken-rule error.
    pub const MARKER: &str = "broken rule: ";

    /// The error a `Deserialize` returns when `message` (which names the field) describes what is wrong.
    pub fn error<E: de::Error>(message: impl Display) -> E {
        E::custom(format_args!("{MARKER}{message}"))
    }

    /// The message of a broken rule, from a deserializer's error text: without the marker, and without the
    /// position serde_json appends (` at line 1 column 9`). `None` for any other error.
    pub fn message(error_text: &str) -> Option<&str> {
        let rest = error_text.strip_prefix(MARKER)?;
        Some(
            rest.rsplit_once(" at line ")
                .map_or(rest, |(message, _)| message),
        )
    }

    /// The same broken rule, named as an entry of the list `field` (`tickets[3].client_op_id …`); any other
    /// error unchanged. For the `deserialize_with` of a list whose entries hold such values.
    pub fn in_list<E: de::Error>(field: &str, index: usize, error: E) -> E {
        match message(&error.to_string()) {
            Some(inner) => self::error(format_args!("{field}[{index}].{inner}")),
            None => error,
        }
    }
}

/// Integers as JSON Schema counts them: `47`, `47.0` and `4.7e1` are the same integer, and a document
/// that says `type: integer` promises to take each. serde alone refuses `47.0` for a `u16`; these
/// functions take any whole number in the target's range and refuse fractions, text and other types.
/// Use with `#[serde(deserialize_with = "…")]`.
pub mod whole {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{self, Deserializer, Visitor};

    /// A whole number in a JSON body.
    pub fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128>,
    {
        deserializer.deserialize_any(Whole::<T>::new(false))
    }

    /// An optional whole number in a JSON body (absent or `null`: `None`).
    pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128>,
    {
        deserializer.deserialize_option(Optional(Whole::<T>::new(false)))
    }

    /// An optional whole number in a query string, where every value is text (`limit=47.0`).
    pub fn optional_in_query<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128>,
    {
        deserializer.deserialize_option(Optional(Whole::<T>::new(true)))
    }

    struct Whole<T> {
        from_text: bool,
        target: PhantomData<T>,
    }

    impl<T> Whole<T> {
        fn new(from_text: bool) -> Self {
            Self {
                from_text,
                target: PhantomData,
            }
        }
    }

    /// The largest magnitude an `f64` holds exactly as a whole number is far beyond every target here;
    /// anything that does not fit the target is refused by its `TryFrom`.
    fn from_float<E: de::Error>(value: f64) -> Result<i128, E> {
        if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e30 {
            Ok(value as i128)
        } else {
            Err(E::custom(format!("expected a whole number, got {value}")))
        }
    }

    impl<'de, T: TryFrom<i128>> Visitor<'de> for Whole<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            self.visit_i128(i128::from(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            self.visit_i128(i128::from(value))
        }

        fn visit_i128<E: de::Error>(self, value: i128) -> Result<T, E> {
            T::try_from(value).map_err(|_| E::custom(format!("{value} is out of range")))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
            self.visit_i128(from_float(value)?)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            if !self.from_text {
                return Err(E::invalid_type(de::Unexpected::Str(text), &self));
            }
            let value = match text.parse::<i128>() {
                Ok(value) => value,
                Err(_) => from_float(
                    text.parse::<f64>()
                        .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))?,
                )?,
            };
            self.visit_i128(value)
        }
    }

    struct Optional<V>(V);

    impl<'de, V: Visitor<'de>> Visitor<'de> for Optional<V> {
        type Value = Option<V::Value>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self.0).map(Some)
        }
    }
}

#[cfg(feature = "openapi")]
pub mod schemas {
    //! `schema_with` functions for the fields whose rule a derive cannot state.

    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};

    use super::*;
    use crate::catalogue::DEFAULT_AREAS;

    fn label(max_chars: usize, optional: bool, description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(label_pattern(max_chars, optional)))
            .description(Some(description))
    }

    fn nullable(schema: ObjectBuilder) -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(schema)
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    }

    pub fn desk() -> RefOr<Schema> {
        label(
            DESK_MAX_CHARS,
            false,
            "1 to 32 characters once trimmed, no control characters",
        )
        .examples(["Sportello 2"])
        .into()
    }

    pub fn device_name() -> RefOr<Schema> {
        label(
            DEVICE_NAME_MAX_CHARS,
            false,
            "1 to 64 characters once trimmed, no control characters",
        )
        .examples(["Totem ingresso"])
        .into()
    }

    pub fn line_name() -> RefOr<Schema> {
        label(
            LINE_NAME_MAX_CHARS,
            false,
            "1 to 60 characters once trimmed, no control characters",
        )
        .into()
    }

    pub fn display_name() -> RefOr<Schema> {
        nullable(label(
            DISPLAY_NAME_MAX_CHARS,
            false,
            "1 to 100 characters once trimmed, no control characters",
        ))
    }

    pub fn session_label() -> RefOr<Schema> {
        nullable(label(
            SESSION_LABEL_MAX_CHARS,
            true,
            "At most 64 characters once trimmed, no control characters; blank is taken as absent",
        ))
    }

    pub fn client_op_id() -> RefOr<Schema> {
        nullable(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(client_op_id_pattern())),
        )
    }

    pub fn required_client_op_id() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(client_op_id_pattern()))
            .into()
    }

    /// The areas a social worker may be given: those of the catalogue with staff behind them.
    pub fn staffed_area() -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                DEFAULT_AREAS
                    .iter()
                    .filter(|area| area.has_staff)
                    .map(|area| area.code),
            ))
    }

    /// A list of staffed areas, at least one (duplicates are merged).
    pub fn staffed_areas() -> ArrayBuilder {
        ArrayBuilder::new().items(staffed_area()).min_items(Some(1))
    }

    /// No areas at all (every role but `social_worker`).
    pub fn no_areas() -> ArrayBuilder {
        ArrayBuilder::new().items(staffed_area()).max_items(Some(0))
    }

    /// A reference to a named component schema.
    pub fn component(name: &str) -> RefOr<Schema> {
        Ref::from_schema_name(name).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "whole::number")]
        size: u16,
        #[serde(default, deserialize_with = "whole::optional")]
        cap: Option<u16>,
    }

    #[test]
    fn whole_numbers_are_taken_however_json_writes_them_and_nothing_else_is() {
        for (text, size) in [
            (r#"{"size": 47}"#, 47),
            (r#"{"size": 47.0}"#, 47),
            (r#"{"size": 4.7e1}"#, 47),
            (r#"{"size": 0}"#, 0),
        ] {
            let body: Body = serde_json::from_str(text).unwrap();
            assert_eq!(body.size, size, "{text}");
            assert_eq!(body.cap, None, "{text}");
        }
        let body: Body = serde_json::from_str(r#"{"size": 1, "cap": 999.0}"#).unwrap();
        assert_eq!(body.cap, Some(999));
        let body: Body = serde_json::from_str(r#"{"size": 1, "cap": null}"#).unwrap();
        assert_eq!(body.cap, None);
        for refused in [
            r#"{"size": 47.5}"#,
            r#"{"size": "47"}"#,
            r#"{"size": -1}"#,
            r#"{"size": 65536}"#,
            r#"{"size": 1e300}"#,
            r#"{"size": true}"#,
            r#"{"size": null}"#,
            r#"{"size": 1, "cap": "2"}"#,
        ] {
            assert!(serde_json::from_str::<Body>(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_label_pattern_bounds_the_trimmed_length() {
        let pattern = label_pattern(32, false);
        assert!(pattern.starts_with('^') && pattern.ends_with('$'));
        assert!(pattern.contains("{0,30}"), "{pattern}");
        assert!(
            label_pattern(64, true).contains(")?["),
            "the core is optional"
        );
    }
}
