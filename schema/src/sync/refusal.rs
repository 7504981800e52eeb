//! The refusal notice: what the server puts in the `data` of an `ephemeral` message on a document when it
//! refuses a peer's changes to it (`docs/sync-protocol.md` §10). It is a CBOR map
//! `{type: "sportello/refused", code, reason}`, written and read here with the protocol's own codec, so the
//! server and the tablets share one definition (the web app reads the same map in `web/src/sync/refusals.ts`).
//!
//! Other ephemeral traffic (presence, cursors relayed from other peers) is not a notice:
//! [`RefusalNotice::decode`] reads it as `None`. The payload comes from the network, so decoding is
//! bounded like a frame's: never panics, reads each byte at most once, allocates nothing the input declares.

use crate::sync::cbor::{Limits, Reader, Writer};
use crate::sync::message::{Fields, LIMITS, MAX_FIELDS};

/// The `type` that marks an ephemeral payload as a refusal notice.
pub const REFUSED_TYPE: &str = "sportello/refused";

/// Why the server did not take a peer's changes to one document. `code` is stable (`invalid_document`,
/// `invalid_change`, `foreign_actor`, `too_large`, `read_only`, …); `reason` is safe text naming fields and
/// rules, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalNotice {
    pub code: String,
    pub reason: String,
}

impl RefusalNotice {
    pub fn new(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            reason: reason.into(),
        }
    }

    /// The payload, keys in the order `type`, `code`, `reason`.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.map(3);
        for (key, value) in [
            ("type", REFUSED_TYPE),
            ("code", self.code.as_str()),
            ("reason", self.reason.as_str()),
        ] {
            w.text(key);
            w.text(value);
        }
        w.into_bytes()
    }

    /// The notice a payload carries, if it is one: a map whose `type` is [`REFUSED_TYPE`], with text `code`
    /// and `reason`, keys in any order, other keys ignored, nothing after the map.
    pub fn decode(payload: &[u8]) -> Option<Self> {
        // A reason lists every rule a document broke, so it may be longer than a protocol field; the frame
        // around it is bounded already, and text is only ever taken from bytes that are there.
        let limits = Limits {
            max_text_len: u64::MAX,
            ..LIMITS
        };
        let mut reader = Reader::new(payload, limits);
        let fields = Fields::read(&mut reader, 0, MAX_FIELDS).ok()?;
        if !reader.is_at_end() || fields.required_text("type").ok()? != REFUSED_TYPE {
            return None;
        }
        Some(Self {
            code: fields.required_text("code").ok()?.to_owned(),
            reason: fields.required_text("reason").ok()?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map with `head` (the JS encoder writes `0xb9 00 nn`) and text pairs, as any encoder might.
    fn map(head: &[u8], pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut w = Writer::default();
        for (key, value) in pairs {
            w.text(key);
            w.text(value);
        }
        [head, &w.into_bytes()].concat()
    }

    #[test]
    fn a_notice_round_trips_and_reads_like_any_other_cbor_map() {
        let notice = RefusalNotice::new(
            "invalid_document",
            "person.fiscal_code: wrong check character: expected S",
        );
        let payload = notice.encode();
        assert_eq!(RefusalNotice::decode(&payload), Some(notice.clone()));
        let independent: ciborium::Value = ciborium::from_reader(payload.as_slice()).unwrap();
        let pairs = independent.as_map().unwrap();
        assert_eq!(pairs[0].0.as_text(), Some("type"));
        assert_eq!(pairs[0].1.as_text(), Some(REFUSED_TYPE));
        assert_eq!(pairs[2].1.as_text(), Some(notice.reason.as_str()));

        // The JS encoder writes map heads with a 2-byte length, and keys in any order.
        let payload = map(
            &[0xb9, 0x00, 0x03],
            &[
                ("reason", "r"),
                ("code", "read_only"),
                ("type", REFUSED_TYPE),
            ],
        );
        assert_eq!(RefusalNotice::decode(&payload).unwrap().code, "read_only");
    }

    #[test]
    fn a_long_reason_survives_the_round_trip() {
        let notice = RefusalNotice::new("invalid_document", "x".repeat(70_000));
        assert_eq!(RefusalNotice::decode(&notice.encode()), Some(notice));
    }

    #[test]
    fn other_payloads_are_not_notices() {
        let whole = map(
            &[0xa3],
            &[("type", REFUSED_TYPE), ("code", "x"), ("reason", "y")],
        );
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            (
                "another type",
                map(
                    &[0xa3],
                    &[("type", "presence"), ("code", "x"), ("reason", "y")],
                ),
            ),
            (
                "no reason",
                map(&[0xa2], &[("type", REFUSED_TYPE), ("code", "x")]),
            ),
            ("an array", vec![0x83, 0x01, 0x02, 0x03]),
            ("truncated", whole[..whole.len() - 1].to_vec()),
            ("trailing bytes", [whole.as_slice(), &[0]].concat()),
            (
                "a number as type",
                vec![0xa1, 0x64, b't', b'y', b'p', b'e', 0x01],
            ),
            ("indefinite map", vec![0xbf, 0xff]),
            (
                "huge length",
                vec![0xa1, 0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            ("bad utf-8", vec![0xa1, 0x61, 0xff, 0x61, b'x']),
            (
                "a key twice",
                map(
                    &[0xa4],
                    &[
                        ("type", REFUSED_TYPE),
                        ("code", "x"),
                        ("reason", "y"),
                        ("code", "z"),
                    ],
                ),
            ),
        ];
        for (case, payload) in cases {
            assert_eq!(RefusalNotice::decode(&payload), None, "{case}");
        }
    }
}
