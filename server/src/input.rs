//! Input rules shared by every route.
//!
//! - Short free-text labels typed by people (a display name, a device's name, a desk, a line's name): one
//!   rule for all of them, so every label is trimmed, non-empty, bounded and free of control characters
//!   (which could break a log line, a CSV cell or the board). The OpenAPI document states the same rule
//!   as a regular expression (`sportello_schema::api::contract::label_pattern`); a test keeps them equal.
//! - Every JSON body is an object ([`json_objects_only`]): serde would also read a struct from a JSON
//!   array of its fields in order (`["A", true]` for `{"line": "A", "priority": true}`), which no client
//!   means and the document does not allow.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, mime};
use futures_util::Stream;

use crate::error::{ApiError, ApiResult};

/// What the JSON extractor answers when a body is not an object (`400 invalid_request`).
pub const NOT_AN_OBJECT: &str = "a JSON body must be an object";

/// Middleware: a body sent as JSON (the content types the JSON extractor takes) must start with `{`. The
/// body is checked as it streams in, so nothing is buffered here; a refusal surfaces as an unreadable
/// body, which the JSON extractor answers with `400 invalid_request`.
pub async fn json_objects_only(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_json = matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON)
    );
    if is_json {
        let inner = request.take_payload();
        let checked: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(ObjectFirst {
                inner,
                decided: false,
            });
        request.set_payload(Payload::from(checked));
    }
    next.call(request).await
}

/// A body stream that fails if its first byte that is not JSON whitespace is not `{`.
struct ObjectFirst {
    inner: Payload,
    decided: bool,
}

impl Stream for ObjectFirst {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled
            && !this.decided
            && let Some(first) = chunk
                .iter()
                .find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
        {
            this.decided = true;
            if *first != b'{' {
                let refused = io::Error::new(io::ErrorKind::InvalidData, NOT_AN_OBJECT);
                return Poll::Ready(Some(Err(PayloadError::Io(refused))));
            }
        }
        polled
    }
}

/// The trimmed label, or `422 validation_failed` naming `field`.
pub fn label(raw: &str, field: &str, max_chars: usize) -> ApiResult<String> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > max_chars || label.chars().any(char::is_control)
    {
        return Err(ApiError::Validation(format!(
            "{field} must be 1 to {max_chars} printable characters"
        )));
    }
    Ok(label.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sportello_schema::api::contract::label_pattern;

    /// Characters where trimming, control characters and regular-expression dialects disagree most.
    const TRICKY: &[char] = &[
        'a', 'Z', 'é', '😀', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{7f}', '\u{85}',
        '\u{9f}', '\u{a0}', '\u{1680}', '\u{180e}', '\u{2000}', '\u{200a}', '\u{200b}', '\u{2028}',
        '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}', '\u{0}',
    ];

    proptest! {
        /// The OpenAPI document states the label rule as a regular expression: it must accept exactly
        /// the labels the server accepts.
        #[test]
        fn the_documented_label_pattern_accepts_exactly_what_the_server_accepts(
            chars in proptest::collection::vec(proptest::sample::select(TRICKY), 0..9),
            max in 2usize..6,
        ) {
            let raw: String = chars.into_iter().collect();
            let pattern = regex::Regex::new(&label_pattern(max, false)).unwrap();
            prop_assert_eq!(label(&raw, "x", max).is_ok(), pattern.is_match(&raw), "{:?}", raw);
        }
    }

    #[test]
    fn labels_are_trimmed_bounded_and_printable() {
        assert_eq!(label("  Sportello 2 ", "desk", 32).unwrap(), "Sportello 2");
        assert_eq!(
            label("àèìòù", "desk", 5).unwrap(),
            "àèìòù",
            "counted in characters"
        );
        for bad in ["", "   ", "ab\ncd", "tab\there", "abcdef"] {
            let error = label(bad, "desk", 5).unwrap_err();
            assert_eq!(
                error.to_string(),
                "desk must be 1 to 5 printable characters"
            );
        }
    }
}
