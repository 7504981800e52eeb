//! How large the changes in a peer's Automerge sync message may become once inflated, measured on the raw
//! bytes **before** Automerge parses, inflates or applies any of them.
//!
//! A sync message carries its changes as Automerge storage chunks. Several kinds hide DEFLATE streams whose
//! output is not bounded by the size of the frame that carried them: a *compressed change* chunk is one
//! DEFLATE stream, and *document* and *bundle* chunks may DEFLATE any of their columns. Automerge inflates
//! them all into memory while loading, so a 64 KiB frame could cost hundreds of megabytes before any rule
//! ran. [`measure_changes`] walks the chunk headers and column tables itself, inflates every stream into a
//! sink with a cap (no allocation grows with the output), and answers how many bytes the changes expand to,
//! or [`BoundsError::TooLarge`] as soon as the running total passes the budget.
//!
//! Layouts (Automerge binary format; every integer is unsigned LEB128):
//! - chunk: magic `85 6f 4a 83`, 4 checksum bytes, 1 type byte, length, then `length` bytes of data;
//! - type 1, change: data taken as is; type 2, compressed change: the change data as one DEFLATE stream;
//! - type 0, document: actors (count, then length-prefixed ids), heads (count × 32 bytes), change columns
//!   (count, then spec and length per column), op columns (likewise), change data, op data, head indexes;
//! - type 3, bundle: deps (count × 32 bytes), actors, change columns, change data, op columns, op data.
//!
//! A column whose spec has bit 3 set (`0b1000`) is DEFLATE-compressed. Anything this walk cannot read is
//! [`BoundsError::Malformed`]: Automerge would refuse it too, and refusing it here costs nothing.

use std::io::{self, Read};

/// The first four bytes of every Automerge storage chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DEFLATE_BIT: u64 = 0b1000;
const HASH_LEN: usize = 32;

/// What one sync message may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeBudget {
    /// Bytes the changes may occupy once every DEFLATE stream in them is inflated.
    pub max_inflated_bytes: usize,
    /// Storage chunks in one message (each change is one chunk in a version-1 message).
    pub max_chunks: usize,
}

/// Why a message's changes were not measured to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundsError {
    #[error("the changes inflate to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the message carries more than {limit} change chunks")]
    TooManyChunks { limit: usize },
    #[error("malformed change chunk: {0}")]
    Malformed(&'static str),
}

/// What [`measure_changes`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expansion {
    pub chunks: usize,
    /// Bytes once every DEFLATE stream is inflated (headers included).
    pub inflated_bytes: usize,
}

/// Measures the changes of one sync message (its `changes` list, each entry one or more concatenated
/// chunks, exactly as Automerge's `load_incremental` will read them).
pub fn measure_changes<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
    budget: ChangeBudget,
) -> Result<Expansion, BoundsError> {
    let mut meter = Meter {
        budget,
        found: Expansion::default(),
    };
    for entry in entries {
        let mut input = Input(entry);
        while !input.0.is_empty() {
            meter.chunk(&mut input)?;
        }
    }
    Ok(meter.found)
}

struct Meter {
    budget: ChangeBudget,
    found: Expansion,
}

impl Meter {
    fn add(&mut self, bytes: usize) -> Result<(), BoundsError> {
        self.found.inflated_bytes = self.found.inflated_bytes.saturating_add(bytes);
        if self.found.inflated_bytes > self.budget.max_inflated_bytes {
            return Err(BoundsError::TooLarge {
                limit: self.budget.max_inflated_bytes,
            });
        }
        Ok(())
    }

    fn remaining(&self) -> usize {
        self.budget
            .max_inflated_bytes
            .saturating_sub(self.found.inflated_bytes)
    }

    /// Inflates `data` into a sink, reading at most one byte past what the budget still allows.
    fn inflate(&mut self, data: &[u8]) -> Result<(), BoundsError> {
        let cap = self.remaining() as u64 + 1;
        let mut decoder = flate2::read::DeflateDecoder::new(data).take(cap);
        let inflated = io::copy(&mut decoder, &mut io::sink())
            .map_err(|_| BoundsError::Malformed("invalid DEFLATE stream"))?;
        self.add(usize::try_from(inflated).unwrap_or(usize::MAX))
    }

    fn chunk(&mut self, input: &mut Input<'_>) -> Result<(), BoundsError> {
        self.found.chunks += 1;
        if self.found.chunks > self.budget.max_chunks {
            return Err(BoundsError::TooManyChunks {
                limit: self.budget.max_chunks,
            });
        }
        let start = input.0.len();
        if input.take(4)? != MAGIC {
            return Err(BoundsError::Malformed("not an Automerge chunk"));
        }
        input.take(4)?; // checksum
        let kind = input.take(1)?[0];
        let len = input.length()?;
        let header_len = start - input.0.len();
        let mut data = Input(input.take(len)?);
        self.add(header_len)?;
        match kind {
            1 => self.add(len),
            2 => self.inflate(data.0),
            0 => self.document(&mut data),
            3 => self.bundle(&mut data),
            _ => Err(BoundsError::Malformed("unknown chunk type")),
        }
    }

    fn document(&mut self, data: &mut Input<'_>) -> Result<(), BoundsError> {
        let start = data.0.len();
        skip_actors(data)?;
        skip_hashes(data)?;
        let changes = Columns::read(data)?;
        let ops = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.columns(&changes, data)?;
        self.columns(&ops, data)?;
        // The head indexes that may follow are plain integers.
        self.add(data.0.len())
    }

    fn bundle(&mut self, data: &mut Input<'_>) -> Result<(), BoundsError> {
        let start = data.0.len();
        skip_hashes(data)?;
        skip_actors(data)?;
        let changes = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.columns(&changes, data)?;
        let start = data.0.len();
        let ops = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.columns(&ops, data)?;
        if !data.0.is_empty() {
            return Err(BoundsError::Malformed("bytes after a bundle's columns"));
        }
        Ok(())
    }

    /// Counts (inflating where marked) the data of `columns`, which follows in `data`.
    fn columns(&mut self, columns: &Columns, data: &mut Input<'_>) -> Result<(), BoundsError> {
        for &(spec, len) in &columns.0 {
            let bytes = data.take(len)?;
            if spec & DEFLATE_BIT != 0 {
                self.inflate(bytes)?;
            } else {
                self.add(len)?;
            }
        }
        Ok(())
    }
}

/// A column table: `(spec, length)` per column.
struct Columns(Vec<(u64, usize)>);

impl Columns {
    fn read(data: &mut Input<'_>) -> Result<Self, BoundsError> {
        let count = data.count(2)?;
        let mut columns = Vec::with_capacity(count);
        for _ in 0..count {
            let spec = data.uleb()?;
            let len = data.length()?;
            columns.push((spec, len));
        }
        Ok(Self(columns))
    }
}

fn skip_actors(data: &mut Input<'_>) -> Result<(), BoundsError> {
    let count = data.count(1)?;
    for _ in 0..count {
        let len = data.length()?;
        data.take(len)?;
    }
    Ok(())
}

fn skip_hashes(data: &mut Input<'_>) -> Result<(), BoundsError> {
    let count = data.count(HASH_LEN)?;
    data.take(count * HASH_LEN)?;
    Ok(())
}

/// The unread rest of a chunk.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], BoundsError> {
        if len > self.0.len() {
            return Err(BoundsError::Malformed("truncated"));
        }
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(taken)
    }

    fn uleb(&mut self) -> Result<u64, BoundsError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(BoundsError::Malformed("integer overflows 64 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(BoundsError::Malformed("integer overflows 64 bits"))
    }

    /// A length that must fit in what is left of the input.
    fn length(&mut self) -> Result<usize, BoundsError> {
        let len = self.uleb()?;
        usize::try_from(len)
            .ok()
            .filter(|&len| len <= self.0.len())
            .ok_or(BoundsError::Malformed("length past the end"))
    }

    /// A count of items that take at least `min_item_len` bytes each (so a count cannot outrun the input).
    fn count(&mut self, min_item_len: usize) -> Result<usize, BoundsError> {
        let count = self.uleb()?;
        usize::try_from(count)
            .ok()
            .filter(|&count| count.saturating_mul(min_item_len) <= self.0.len())
            .ok_or(BoundsError::Malformed("count past the end"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    const ROOMY: ChangeBudget = ChangeBudget {
        max_inflated_bytes: 64 * 1024 * 1024,
        max_chunks: 100_000,
    };

    /// The changes of the first sync message `doc` sends to an empty peer.
    fn message_changes(doc: &mut AutoCommit) -> Vec<Vec<u8>> {
        let mut state = automerge::sync::State::new();
        let message = doc
            .sync()
            .generate_sync_message(&mut state)
            .expect("a first message");
        // The first message has no changes (it carries heads and a bloom filter); answer as an empty peer
        // would, then take the changes of the second one.
        let mut peer = AutoCommit::new();
        let mut peer_state = automerge::sync::State::new();
        peer.sync()
            .receive_sync_message(&mut peer_state, message)
            .expect("peer receives");
        let answer = peer
            .sync()
            .generate_sync_message(&mut peer_state)
            .expect("peer answers");
        doc.sync()
            .receive_sync_message(&mut state, answer)
            .expect("doc receives");
        let second = doc
            .sync()
            .generate_sync_message(&mut state)
            .expect("changes follow");
        second.changes.iter().map(<[u8]>::to_vec).collect()
    }

    fn doc_with_value(len: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "summary", "x".repeat(len)).expect("put");
        doc.commit();
        doc
    }

    #[test]
    fn a_small_change_measures_about_its_own_size() {
        let chunks = message_changes(&mut doc_with_value(100));
        let found = measure_changes(chunks.iter().map(Vec::as_slice), ROOMY).expect("measured");
        assert!(found.chunks >= 1);
        assert!(found.inflated_bytes >= 100, "{found:?}");
        assert!(found.inflated_bytes < 1_000, "{found:?}");
    }

    #[test]
    fn a_compressed_value_is_measured_inflated_not_as_sent() {
        // Automerge compresses a change over 256 bytes: a 1 MiB run of one letter is sent as a few KiB.
        let chunks = message_changes(&mut doc_with_value(1024 * 1024));
        let sent: usize = chunks.iter().map(Vec::len).sum();
        assert!(sent < 64 * 1024, "sent {sent} bytes");
        let found = measure_changes(chunks.iter().map(Vec::as_slice), ROOMY).expect("measured");
        assert!(found.inflated_bytes >= 1024 * 1024, "{found:?}");
    }

    #[test]
    fn changes_past_the_budget_are_refused_before_they_are_inflated_whole() {
        let chunks = message_changes(&mut doc_with_value(4 * 1024 * 1024));
        let budget = ChangeBudget {
            max_inflated_bytes: 1024 * 1024,
            max_chunks: 100,
        };
        let refused = measure_changes(chunks.iter().map(Vec::as_slice), budget);
        assert_eq!(refused, Err(BoundsError::TooLarge { limit: 1024 * 1024 }));
    }

    #[test]
    fn a_whole_document_chunk_with_compressed_columns_is_measured_inflated() {
        let mut doc = doc_with_value(512 * 1024);
        let saved = doc.save();
        assert_eq!(saved[8], 0, "a document chunk");
        let found = measure_changes([saved.as_slice()], ROOMY).expect("measured");
        assert!(found.inflated_bytes >= 512 * 1024, "{found:?}");
        let budget = ChangeBudget {
            max_inflated_bytes: 256 * 1024,
            max_chunks: 10,
        };
        assert!(matches!(
            measure_changes([saved.as_slice()], budget),
            Err(BoundsError::TooLarge { .. })
        ));
    }

    #[test]
    fn many_chunks_are_refused_past_the_count() {
        // A version-1 message carries one change chunk per change.
        let mut doc = AutoCommit::new();
        for i in 0..5_i64 {
            doc.put(ROOT, "n", i).expect("put");
            doc.commit();
        }
        let chunks: Vec<Vec<u8>> = doc
            .get_changes(&[])
            .into_iter()
            .map(|change| change.raw_bytes().to_vec())
            .collect();
        assert_eq!(chunks.len(), 5);
        let budget = ChangeBudget {
            max_inflated_bytes: 1024 * 1024,
            max_chunks: 3,
        };
        assert_eq!(
            measure_changes(chunks.iter().map(Vec::as_slice), budget),
            Err(BoundsError::TooManyChunks { limit: 3 })
        );
        let found = measure_changes(chunks.iter().map(Vec::as_slice), ROOMY).expect("measured");
        assert_eq!(found.chunks, 5);
    }

    #[test]
    fn bytes_that_are_not_chunks_are_malformed() {
        for bytes in [
            &b""[..],
            b"garbage",
            &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 9, 0],
            &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff],
            &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2, 3, 0xff, 0xff, 0xff],
        ] {
            if bytes.is_empty() {
                // An empty entry holds no chunk at all.
                assert_eq!(measure_changes([bytes], ROOMY), Ok(Expansion::default()));
                continue;
            }
            assert!(
                matches!(
                    measure_changes([bytes], ROOMY),
                    Err(BoundsError::Malformed(_))
                ),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn a_deflate_bomb_in_a_compressed_change_stops_at_the_budget() {
        // A hand-made compressed-change chunk: 64 MiB of zeros deflate to about 64 KiB.
        use std::io::Write;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0_u8; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&zeros).expect("deflate");
        }
        let deflated = encoder.finish().expect("deflate");
        assert!(deflated.len() < 128 * 1024);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        let mut len = deflated.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                chunk.push(byte);
                break;
            }
            chunk.push(byte | 0x80);
        }
        chunk.extend(&deflated);
        let budget = ChangeBudget {
            max_inflated_bytes: 8 * 1024 * 1024,
            max_chunks: 10,
        };
        assert_eq!(
            measure_changes([chunk.as_slice()], budget),
            Err(BoundsError::TooLarge {
                limit: 8 * 1024 * 1024
            })
        );
    }
}
