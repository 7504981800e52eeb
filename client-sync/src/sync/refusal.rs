//! Reading the server's refusal notices: the `data` of an `ephemeral` message is CBOR, and Sportello's
//! server sends `{type: "sportello/refused", code, reason}` when it refuses a peer's changes. Other
//! ephemeral traffic (presence, cursors relayed from other peers) is not for us and reads as `None`.
//!
//! The payload comes from the network, so the reader is small and strict: a definite-length map of text
//! keys to values, where only text values are read and anything else makes the whole payload "not a
//! refusal". It never panics and reads each byte at most once.

use crate::store::Refusal;

/// The refusal a payload carries, if it is one.
pub fn parse(payload: &[u8]) -> Option<Refusal> {
    let mut reader = Reader {
        bytes: payload,
        at: 0,
    };
    let (major, entries) = reader.head()?;
    if major != 5 || entries > 16 {
        return None;
    }
    let (mut kind, mut code, mut reason) = (None, None, None);
    for _ in 0..entries {
        let key = reader.text()?;
        let value = reader.text()?;
        match key {
            "type" => kind = Some(value),
            "code" => code = Some(value),
            "reason" => reason = Some(value),
            _ => {}
        }
    }
    if reader.at != payload.len() || kind? != "sportello/refused" {
        return None;
    }
    Some(Refusal {
        code: code?.to_owned(),
        reason: reason?.to_owned(),
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    /// Major type and argument of the next item (definite lengths only).
    fn head(&mut self) -> Option<(u8, u64)> {
        let first = *self.take(1)?.first()?;
        let major = first >> 5;
        let argument = match first & 0x1f {
            n @ 0..=23 => u64::from(n),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some((major, argument))
    }

    fn text(&mut self) -> Option<&'a str> {
        let (major, len) = self.head()?;
        if major != 3 {
            return None;
        }
        let bytes = self.take(usize::try_from(len).ok()?)?;
        std::str::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(out: &mut Vec<u8>, value: &str) {
        assert!(value.len() < 256);
        if value.len() < 24 {
            out.push(0x60 | value.len() as u8);
        } else {
            out.extend([0x78, value.len() as u8]);
        }
        out.extend(value.as_bytes());
    }

    fn map(head: &[u8], pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = head.to_vec();
        for (k, v) in pairs {
            text(&mut out, k);
            text(&mut out, v);
        }
        out
    }

    #[test]
    fn the_servers_refusal_is_read() {
        let payload = map(
            &[0xa3],
            &[
                ("type", "sportello/refused"),
                ("code", "invalid_document"),
                (
                    "reason",
                    "person.fiscal_code: wrong check character: expected S",
                ),
            ],
        );
        let refusal = parse(&payload).unwrap();
        assert_eq!(refusal.code, "invalid_document");
        assert!(refusal.reason.starts_with("person.fiscal_code"));
        // The JS encoder writes map heads with a 2-byte length, and keys in any order.
        let payload = map(
            &[0xb9, 0x00, 0x03],
            &[
                ("reason", "r"),
                ("code", "read_only"),
                ("type", "sportello/refused"),
            ],
        );
        assert_eq!(parse(&payload).unwrap().code, "read_only");
    }

    #[test]
    fn other_payloads_are_not_refusals() {
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
                map(&[0xa2], &[("type", "sportello/refused"), ("code", "x")]),
            ),
            ("an array", vec![0x83, 0x01, 0x02, 0x03]),
            (
                "truncated",
                map(&[0xa3], &[("type", "sportello/refused"), ("code", "x")]),
            ),
            ("trailing bytes", {
                let mut p = map(
                    &[0xa3],
                    &[
                        ("type", "sportello/refused"),
                        ("code", "x"),
                        ("reason", "y"),
                    ],
                );
                p.push(0);
                p
            }),
            (
                "a number value",
                vec![0xa1, 0x64, b't', b'y', b'p', b'e', 0x01],
            ),
            ("indefinite map", vec![0xbf, 0xff]),
            (
                "huge length",
                vec![0xa1, 0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            ("bad utf-8", vec![0xa1, 0x61, 0xff, 0x61, b'x']),
        ];
        for (case, payload) in cases {
            assert_eq!(parse(&payload), None, "{case}");
        }
    }
}
