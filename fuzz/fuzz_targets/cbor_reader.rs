//! The CBOR reader under `schema::sync::decode` (`schema/src/sync/cbor.rs`), checked head by head against an
//! independent decoder (`ciborium-ll`).
//!
//! The reader is private to `schema` (`pub(crate)`), so its source file is compiled into this target as a
//! module: the code fuzzed is the code shipped, with no test-only export in the library. The file uses
//! nothing from the rest of the crate.
//!
//! For any bytes: no panic; when the reader accepts an item, `ciborium-ll` reads the very same heads,
//! lengths, strings and floats and ends at the same byte; and [`Reader::skip`] (what `decode` uses to check
//! a frame) agrees with the walk on where the item ends. Errors are not compared: this reader deliberately
//! refuses forms `ciborium-ll` takes (indefinite lengths, two-byte simple values below 32) and enforces
//! limits.

#![no_main]

#[allow(dead_code)]
#[path = "../../schema/src/sync/cbor.rs"]
mod cbor;

use cbor::{CborError, Head, Limits, Reader};
use ciborium_ll::{Decoder, Header};
use libfuzzer_sys::fuzz_target;

/// The limits `schema::sync::decode` applies (`MAX_ENTRIES`, `MAX_TEXT_LEN`, `MAX_DEPTH` in `message.rs`).
const LIMITS: Limits = Limits {
    max_entries: sportello_schema::sync::message::MAX_ENTRIES,
    max_text_len: sportello_schema::sync::message::MAX_TEXT_LEN,
    max_depth: sportello_schema::sync::message::MAX_DEPTH,
};

fuzz_target!(|input: &[u8]| {
    let mut ours = Reader::new(input, LIMITS);
    let mut theirs = Decoder::from(input);
    let walked = walk(&mut ours, &mut theirs, 0);
    let mut skipper = Reader::new(input, LIMITS);
    let skipped = skipper.skip(0);
    match walked {
        Ok(()) => {
            assert_eq!(skipped, Ok(()), "skip refuses an item the walk accepts");
            assert_eq!(skipper.position(), ours.position(), "skip ends elsewhere");
            assert_eq!(theirs.offset(), ours.position(), "ciborium ends elsewhere");
        }
        Err(error) => assert!(
            skipped.is_err(),
            "skip accepts an item the walk refuses: {error:?}"
        ),
    }
});

/// Reads one item with both decoders in lockstep; mirrors [`Reader::skip`].
fn walk(ours: &mut Reader<'_>, theirs: &mut Decoder<&[u8]>, depth: usize) -> Result<(), CborError> {
    if depth > LIMITS.max_depth {
        return Err(CborError::TooDeep {
            limit: LIMITS.max_depth,
        });
    }
    let head = ours.head()?;
    let header = theirs
        .pull()
        .unwrap_or_else(|e| panic!("ciborium cannot read a head ours read as {head:?}: {e:?}"));
    assert_eq!(
        theirs.offset(),
        ours.position(),
        "the head of {head:?} has another length"
    );
    match (head, header) {
        (Head::Unsigned(a), Header::Positive(b)) | (Head::Negative(a), Header::Negative(b)) => {
            assert_eq!(a, b)
        }
        (Head::Bytes(len), Header::Bytes(Some(their_len))) => {
            assert_eq!(Some(len), u64::try_from(their_len).ok());
            let bytes = ours.bytes(len)?;
            let mut copy = vec![0; bytes.len()];
            ciborium_io::Read::read_exact(theirs, &mut copy)
                .unwrap_or_else(|e| panic!("ciborium cannot read {len} bytes ours read: {e:?}"));
            assert_eq!(bytes, &copy[..]);
        }
        (Head::Text(len), Header::Text(Some(their_len))) => {
            assert_eq!(Some(len), u64::try_from(their_len).ok());
            let text = ours.text(len)?;
            let mut copy = vec![0; text.len()];
            ciborium_io::Read::read_exact(theirs, &mut copy).unwrap_or_else(|e| {
                panic!("ciborium cannot read {len} text bytes ours read: {e:?}")
            });
            assert_eq!(text.as_bytes(), &copy[..]);
        }
        (Head::Array(len), Header::Array(Some(their_len))) => {
            assert_eq!(Some(len), u64::try_from(their_len).ok());
            ours.check_entries(len)?;
            for _ in 0..len {
                walk(ours, theirs, depth + 1)?;
            }
        }
        (Head::Map(len), Header::Map(Some(their_len))) => {
            assert_eq!(Some(len), u64::try_from(their_len).ok());
            ours.check_entries(len)?;
            for _ in 0..len {
                walk(ours, theirs, depth + 1)?;
                walk(ours, theirs, depth + 1)?;
            }
        }
        (Head::Tag(a), Header::Tag(b)) => {
            assert_eq!(a, b);
            walk(ours, theirs, depth + 1)?;
        }
        (Head::Bool(false), Header::Simple(ciborium_ll::simple::FALSE))
        | (Head::Bool(true), Header::Simple(ciborium_ll::simple::TRUE))
        | (Head::Null, Header::Simple(ciborium_ll::simple::NULL))
        | (Head::Undefined, Header::Simple(ciborium_ll::simple::UNDEFINED)) => {}
        (Head::Simple(a), Header::Simple(b)) => assert_eq!(a, b),
        (Head::Float(a), Header::Float(b)) => {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "float {a:?} read as {b:?}"
            );
        }
        (head, header) => panic!("ours read {head:?}, ciborium {header:?}"),
    }
    Ok(())
}
