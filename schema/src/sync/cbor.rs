//! The small part of CBOR (RFC 8949) that the automerge-repo protocol needs: a bounded reader for untrusted
//! frames and an infallible writer.
//!
//! The reader never allocates on a length the input declares: every string, byte string and container
//! length is checked against the bytes actually left before anything is taken, container sizes are capped
//! by [`Limits::max_entries`], text by [`Limits::max_text_len`], and nesting by [`Limits::max_depth`] (the
//! only recursion is [`Reader::skip`], so the stack is bounded too). Every item consumes at least one input
//! byte, so the work done is linear in the frame size.
//!
//! Indefinite-length items (additional information 31) are refused: the JS client's encoder (cbor-x) never
//! emits them for protocol messages, and refusing them keeps this reader small.
//!
//! The writer always emits the shortest head for a length or integer. The JS client (cbor-x) writes every
//! map head in its 3-byte form (`0xb9 nn nn`); both forms are valid CBOR and both sides accept both.

use std::str;

/// Bounds applied while reading one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Most entries in any one map or array.
    pub max_entries: u64,
    /// Longest text string, in bytes.
    pub max_text_len: u64,
    /// Deepest nesting of arrays, maps and tags below the top-level item.
    pub max_depth: usize,
}

/// What can go wrong reading CBOR. Positions are byte offsets in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CborError {
    /// The input ends in the middle of an item, or declares a length longer than what is left.
    Truncated,
    /// The bytes are not well-formed CBOR, or use a form this reader refuses.
    Malformed {
        position: usize,
        reason: &'static str,
    },
    TooManyEntries {
        limit: u64,
    },
    TextTooLong {
        limit: u64,
    },
    TooDeep {
        limit: usize,
    },
}

/// The head of one data item, with its argument decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Head {
    Unsigned(u64),
    /// A negative integer `-1 - n`.
    Negative(u64),
    Bytes(u64),
    Text(u64),
    Array(u64),
    Map(u64),
    Tag(u64),
    Bool(bool),
    Null,
    Undefined,
    Float(f64),
    /// Any other simple value.
    Simple(u8),
}

impl Head {
    /// How the head is described in error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Head::Unsigned(_) => "unsigned integer",
            Head::Negative(_) => "negative integer",
            Head::Bytes(_) => "byte string",
            Head::Text(_) => "text string",
            Head::Array(_) => "array",
            Head::Map(_) => "map",
            Head::Tag(_) => "tag",
            Head::Bool(_) => "boolean",
            Head::Null => "null",
            Head::Undefined => "undefined",
            Head::Float(_) => "float",
            Head::Simple(_) => "simple value",
        }
    }
}

/// A cursor over a frame. Cheap to copy: copying it is how a caller looks ahead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    limits: Limits,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8], limits: Limits) -> Self {
        Self {
            input,
            pos: 0,
            limits,
        }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// A reader over the same frame, positioned at `pos`.
    pub(crate) fn at(&self, pos: usize) -> Self {
        Self { pos, ..*self }
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self.input.get(self.pos).ok_or(CborError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// Takes `n` bytes, checking `n` against what is left before anything else.
    fn take(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        let left = self.input.len() - self.pos.min(self.input.len());
        let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
        if n > left {
            return Err(CborError::Truncated);
        }
        let slice = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn argument(&mut self, info: u8, start: usize) -> Result<u64, CborError> {
        Ok(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.fixed::<2>()?)),
            26 => u64::from(u32::from_be_bytes(self.fixed::<4>()?)),
            27 => u64::from_be_bytes(self.fixed::<8>()?),
            31 => {
                return Err(CborError::Malformed {
                    position: start,
                    reason: "indefinite-length items are not accepted",
                });
            }
            _ => {
                return Err(CborError::Malformed {
                    position: start,
                    reason: "reserved additional information (28-30)",
                });
            }
        })
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], CborError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N as u64)?);
        Ok(out)
    }

    /// Reads the head of the next item. For strings the content follows and must be read with
    /// [`Reader::text`] or [`Reader::bytes`]; for containers and tags the items follow.
    pub(crate) fn head(&mut self) -> Result<Head, CborError> {
        let start = self.pos;
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        if major == 7 {
            return self.simple(info, start);
        }
        let arg = self.argument(info, start)?;
        Ok(match major {
            0 => Head::Unsigned(arg),
            1 => Head::Negative(arg),
            2 => Head::Bytes(arg),
            3 => Head::Text(arg),
            4 => Head::Array(arg),
            5 => Head::Map(arg),
            _ => Head::Tag(arg),
        })
    }

    fn simple(&mut self, info: u8, start: usize) -> Result<Head, CborError> {
        Ok(match info {
            20 => Head::Bool(false),
            21 => Head::Bool(true),
            22 => Head::Null,
            23 => Head::Undefined,
            0..=19 => Head::Simple(info),
            24 => {
                let value = self.byte()?;
                if value < 32 {
                    return Err(CborError::Malformed {
                        position: start,
                        reason: "simple value below 32 in two-byte form",
                    });
                }
                Head::Simple(value)
            }
            25 => Head::Float(f16_to_f64(u16::from_be_bytes(self.fixed::<2>()?))),
            26 => Head::Float(f64::from(f32::from_be_bytes(self.fixed::<4>()?))),
            27 => Head::Float(f64::from_be_bytes(self.fixed::<8>()?)),
            31 => {
                return Err(CborError::Malformed {
                    position: start,
                    reason: "break outside an indefinite-length item",
                });
            }
            _ => {
                return Err(CborError::Malformed {
                    position: start,
                    reason: "reserved additional information (28-30)",
                });
            }
        })
    }

    /// The content of a text string whose head declared `len` bytes.
    pub(crate) fn text(&mut self, len: u64) -> Result<&'a str, CborError> {
        if len > self.limits.max_text_len {
            return Err(CborError::TextTooLong {
                limit: self.limits.max_text_len,
            });
        }
        let start = self.pos;
        let raw = self.take(len)?;
        str::from_utf8(raw).map_err(|_| CborError::Malformed {
            position: start,
            reason: "text string is not valid UTF-8",
        })
    }

    /// The content of a byte string whose head declared `len` bytes.
    pub(crate) fn bytes(&mut self, len: u64) -> Result<&'a [u8], CborError> {
        self.take(len)
    }

    /// Checks a container length against the limit.
    pub(crate) fn check_entries(&self, entries: u64) -> Result<(), CborError> {
        if entries > self.limits.max_entries {
            return Err(CborError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    /// Skips one complete item, checking that it is well-formed and within the limits. `depth` is the
    /// nesting depth of the item being skipped (0 for a top-level item).
    pub(crate) fn skip(&mut self, depth: usize) -> Result<(), CborError> {
        if depth > self.limits.max_depth {
            return Err(CborError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        match self.head()? {
            Head::Bytes(len) => {
                self.bytes(len)?;
            }
            Head::Text(len) => {
                self.text(len)?;
            }
            Head::Array(len) => {
                self.check_entries(len)?;
                for _ in 0..len {
                    self.skip(depth + 1)?;
                }
            }
            Head::Map(len) => {
                self.check_entries(len)?;
                for _ in 0..len {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
            }
            Head::Tag(_) => self.skip(depth + 1)?,
            Head::Unsigned(_)
            | Head::Negative(_)
            | Head::Bool(_)
            | Head::Null
            | Head::Undefined
            | Head::Float(_)
            | Head::Simple(_) => {}
        }
        Ok(())
    }
}

/// IEEE 754 half precision to double (exact: every half value is a double).
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let mantissa = f64::from(bits & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + mantissa / 1024.0) * 2f64.powi(exponent - 15),
    };
    sign * magnitude
}

/// Writes CBOR items into a growing buffer. Writing to memory cannot fail, so nothing here returns an error.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// The shortest head for major type `major` with argument `arg`.
    fn head(&mut self, major: u8, arg: u64) {
        let major = major << 5;
        if arg < 24 {
            self.out.push(major | arg as u8);
        } else if let Ok(arg) = u8::try_from(arg) {
            self.out.extend_from_slice(&[major | 24, arg]);
        } else if let Ok(arg) = u16::try_from(arg) {
            self.out.push(major | 25);
            self.out.extend_from_slice(&arg.to_be_bytes());
        } else if let Ok(arg) = u32::try_from(arg) {
            self.out.push(major | 26);
            self.out.extend_from_slice(&arg.to_be_bytes());
        } else {
            self.out.push(major | 27);
            self.out.extend_from_slice(&arg.to_be_bytes());
        }
    }

    pub(crate) fn unsigned(&mut self, value: u64) {
        self.head(0, value);
    }

    /// An untagged byte string (major type 2): what the JS client writes for a `Uint8Array`.
    pub(crate) fn bytes(&mut self, value: &[u8]) {
        self.head(2, value.len() as u64);
        self.out.extend_from_slice(value);
    }

    pub(crate) fn text(&mut self, value: &str) {
        self.head(3, value.len() as u64);
        self.out.extend_from_slice(value.as_bytes());
    }

    pub(crate) fn array(&mut self, len: usize) {
        self.head(4, len as u64);
    }

    pub(crate) fn map(&mut self, len: usize) {
        self.head(5, len as u64);
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.out.push(if value { 0xf5 } else { 0xf4 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_entries: 8,
        max_text_len: 16,
        max_depth: 4,
    };

    fn skip_all(input: &[u8]) -> Result<usize, CborError> {
        let mut r = Reader::new(input, LIMITS);
        r.skip(0)?;
        Ok(r.position())
    }

    #[test]
    fn heads_in_every_width_are_read() {
        for (input, head) in [
            (&[0x17][..], Head::Unsigned(23)),
            (&[0x18, 0xff], Head::Unsigned(255)),
            (&[0x19, 0x01, 0x00], Head::Unsigned(256)),
            (&[0x1a, 0, 1, 0, 0], Head::Unsigned(65536)),
            (&[0x1b, 0, 0, 0, 1, 0, 0, 0, 0], Head::Unsigned(1 << 32)),
            (&[0x20], Head::Negative(0)),
            (&[0xb9, 0x00, 0x02], Head::Map(2)),
            (&[0xf4], Head::Bool(false)),
            (&[0xf6], Head::Null),
            (&[0xf7], Head::Undefined),
            (&[0xf9, 0x3c, 0x00], Head::Float(1.0)),
            (&[0xfa, 0x3f, 0xc0, 0, 0], Head::Float(1.5)),
            (
                &[0xfb, 0x42, 0x7a, 0x21, 0xd1, 0x87, 0xc3, 0xd0, 0x00],
                Head::Float(1_795_784_473_661.0),
            ),
            (&[0xf8, 0x20], Head::Simple(32)),
            (&[0xd8, 0x40], Head::Tag(64)),
        ] {
            assert_eq!(
                Reader::new(input, LIMITS).head().unwrap(),
                head,
                "{input:02x?}"
            );
        }
    }

    #[test]
    fn half_floats_decode_exactly() {
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0xc400), -4.0);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
    }

    #[test]
    fn the_writer_uses_the_shortest_heads() {
        let mut w = Writer::default();
        w.unsigned(23);
        w.unsigned(24);
        w.unsigned(256);
        w.unsigned(1 << 16);
        w.unsigned(1 << 32);
        w.map(2);
        w.bytes(&[1, 2]);
        w.text("ab");
        w.array(1);
        w.bool(true);
        assert_eq!(
            w.into_bytes(),
            [
                0x17, 0x18, 24, 0x19, 1, 0, 0x1a, 0, 1, 0, 0, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0, 0xa2,
                0x42, 1, 2, 0x62, b'a', b'b', 0x81, 0xf5
            ]
        );
    }

    #[test]
    fn skipping_consumes_exactly_one_item() {
        // {"a": [1, h'00', "x", {"b": null}], "c": tag(1) 2.5}
        let item = [
            0xa2, 0x61, b'a', 0x84, 0x01, 0x41, 0x00, 0x61, b'x', 0xa1, 0x61, b'b', 0xf6, 0x61,
            b'c', 0xc1, 0xf9, 0x41, 0x00,
        ];
        let mut input = item.to_vec();
        input.push(0x00);
        assert_eq!(skip_all(&input), Ok(item.len()));
    }

    #[test]
    fn truncated_items_are_reported_as_truncated() {
        for input in [
            &[][..],
            &[0x18],
            &[0x19, 0x01],
            &[0x62, b'a'],
            &[0x82, 0x01],
            &[0xa1, 0x61, b'a'],
            &[0xfb, 0],
        ] {
            assert_eq!(skip_all(input), Err(CborError::Truncated), "{input:02x?}");
        }
    }

    #[test]
    fn huge_declared_lengths_fail_without_allocating() {
        let byte_string = [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(skip_all(&byte_string), Err(CborError::Truncated));
        let text = [0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(skip_all(&text), Err(CborError::TextTooLong { limit: 16 }));
        let array = [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            skip_all(&array),
            Err(CborError::TooManyEntries { limit: 8 })
        );
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        assert_eq!(skip_all(&[0x81, 0x81, 0x81, 0x81, 0x00]), Ok(5));
        assert_eq!(
            skip_all(&[0x81, 0x81, 0x81, 0x81, 0x81, 0x00]),
            Err(CborError::TooDeep { limit: 4 })
        );
        assert_eq!(skip_all(&[0xc1; 64]), Err(CborError::TooDeep { limit: 4 }));
    }

    #[test]
    fn forms_this_reader_refuses_are_malformed() {
        for input in [
            &[0x5f, 0x41, 0x00, 0xff][..], // indefinite byte string
            &[0x9f, 0xff],                 // indefinite array
            &[0xff],                       // lone break
            &[0x1c],                       // reserved additional information
            &[0xf8, 0x10],                 // simple value in the wrong form
            &[0x62, 0xff, 0xfe],           // invalid UTF-8
        ] {
            assert!(
                matches!(skip_all(input), Err(CborError::Malformed { .. })),
                "{input:02x?}"
            );
        }
    }
}
