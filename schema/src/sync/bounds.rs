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
//!
//! Bytes are not the only thing that expands: columns are run-length encoded, so a 104-byte change can
//! describe a million list insertions (measured: Automerge 0.12 then spends 6 s loading it, in release),
//! and a few more bytes a billion. So the walk also counts the **rows** each column describes — summing
//! run lengths without expanding them — and bounds the operations (rows of the widest column of each
//! table) a message may carry ([`ChangeBudget::max_ops`]). A change chunk's op columns follow its
//! header: deps, actor, seq, start op, time, message, other actors, then the column table.

use std::io::Read;

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
    /// Rows the message's column tables may describe in all: operations, and changes in a document.
    pub max_ops: u64,
}

/// Why a message's changes were not measured to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundsError {
    #[error("the changes inflate to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the message carries more than {limit} change chunks")]
    TooManyChunks { limit: usize },
    #[error("the changes describe more than {limit} operations")]
    TooManyOps { limit: u64 },
    #[error("malformed change chunk: {0}")]
    Malformed(&'static str),
}

/// What [`measure_changes`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expansion {
    pub chunks: usize,
    /// Bytes once every DEFLATE stream is inflated (headers included).
    pub inflated_bytes: usize,
    /// Rows of the widest column of each table, summed: the operations (and changes) described.
    pub ops: u64,
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

    fn add_rows(&mut self, rows: u64) -> Result<(), BoundsError> {
        self.found.ops = self.found.ops.saturating_add(rows);
        if self.found.ops > self.budget.max_ops {
            return Err(BoundsError::TooManyOps {
                limit: self.budget.max_ops,
            });
        }
        Ok(())
    }

    /// Inflates `data`, reading at most one byte past what the budget still allows; the bytes are kept
    /// (at most the budget) because their columns are read next.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, BoundsError> {
        let cap = self.remaining() as u64 + 1;
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .take(cap)
            .read_to_end(&mut inflated)
            .map_err(|_| BoundsError::Malformed("invalid DEFLATE stream"))?;
        self.add(inflated.len())?;
        Ok(inflated)
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
            1 => {
                self.add(len)?;
                self.change(&mut data)
            }
            2 => {
                let inflated = self.inflate(data.0)?;
                self.change(&mut Input(&inflated))
            }
            0 => self.document(&mut data),
            3 => self.bundle(&mut data),
            _ => Err(BoundsError::Malformed("unknown chunk type")),
        }
    }

    /// A change's body (its bytes are counted already): the header fields, then its op columns, which may
    /// not be compressed.
    fn change(&mut self, data: &mut Input<'_>) -> Result<(), BoundsError> {
        skip_hashes(data)?;
        let actor_len = data.length()?;
        data.take(actor_len)?;
        data.uleb()?; // seq
        data.uleb()?; // start op
        data.uleb()?; // time (signed, read as its bytes)
        let message_len = data.length()?;
        data.take(message_len)?;
        skip_actors(data)?;
        let ops = Columns::read(data)?;
        let mut rows = 0;
        for &(spec, len) in &ops.0 {
            if spec & DEFLATE_BIT != 0 {
                return Err(BoundsError::Malformed("compressed columns in a change"));
            }
            rows = rows.max(column_rows(spec, data.take(len)?)?);
        }
        self.add_rows(rows)
    }

    fn document(&mut self, data: &mut Input<'_>) -> Result<(), BoundsError> {
        let start = data.0.len();
        skip_actors(data)?;
        skip_hashes(data)?;
        let changes = Columns::read(data)?;
        let ops = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.table(&changes, data)?;
        self.table(&ops, data)?;
        // The head indexes that may follow are plain integers.
        self.add(data.0.len())
    }

    fn bundle(&mut self, data: &mut Input<'_>) -> Result<(), BoundsError> {
        let start = data.0.len();
        skip_hashes(data)?;
        skip_actors(data)?;
        let changes = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.table(&changes, data)?;
        let start = data.0.len();
        let ops = Columns::read(data)?;
        self.add(start - data.0.len())?;
        self.table(&ops, data)?;
        if !data.0.is_empty() {
            return Err(BoundsError::Malformed("bytes after a bundle's columns"));
        }
        Ok(())
    }

    /// Counts the bytes (inflating where marked) and the rows of a column table whose data follows in
    /// `data`.
    fn table(&mut self, columns: &Columns, data: &mut Input<'_>) -> Result<(), BoundsError> {
        let mut rows = 0;
        for &(spec, len) in &columns.0 {
            let bytes = data.take(len)?;
            let column_rows = if spec & DEFLATE_BIT != 0 {
                let inflated = self.inflate(bytes)?;
                column_rows(spec, &inflated)?
            } else {
                self.add(len)?;
                column_rows(spec, bytes)?
            };
            rows = rows.max(column_rows);
        }
        self.add_rows(rows)
    }
}

/// How many rows a column describes, from its encoding (the low three bits of its spec), summing run
/// lengths without expanding them. Raw value columns (type 7) have no rows of their own: their lengths
/// come from the value-metadata column.
fn column_rows(spec: u64, data: &[u8]) -> Result<u64, BoundsError> {
    let mut data = Input(data);
    let mut rows: u64 = 0;
    match spec & 0b111 {
        7 => return Ok(0),
        // Boolean: run lengths, alternately false and true.
        4 => {
            while !data.0.is_empty() {
                rows = rows.saturating_add(data.uleb()?);
            }
        }
        kind => {
            // Run-length encoded: a signed count, then one value repeated (count > 0), `-count` literal
            // values (count < 0), or a null run whose length follows (count = 0).
            let skip_value = |data: &mut Input<'_>| -> Result<(), BoundsError> {
                match kind {
                    // Strings: length-prefixed UTF-8.
                    5 => {
                        let len = data.length()?;
                        data.take(len).map(|_| ())
                    }
                    // Group, actor, integer, delta, value metadata: one LEB128 number.
                    _ => data.uleb().map(|_| ()),
                }
            };
            while !data.0.is_empty() {
                let count = data.sleb()?;
                if count > 0 {
                    skip_value(&mut data)?;
                    rows = rows.saturating_add(count.unsigned_abs());
                } else if count < 0 {
                    for _ in 0..count.unsigned_abs() {
                        skip_value(&mut data)?;
                    }
                    rows = rows.saturating_add(count.unsigned_abs());
                } else {
                    rows = rows.saturating_add(data.uleb()?);
                }
            }
        }
    }
    Ok(rows)
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

    fn sleb(&mut self) -> Result<i64, BoundsError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let byte = self.take(1)?[0];
            if shift >= 64 {
                return Err(BoundsError::Malformed("integer overflows 64 bits"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1_i64 << shift;
                }
                return Ok(value);
            }
        }
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
        max_ops: 100_000_000,
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
            max_ops: 100_000_000,
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
            max_ops: 100_000_000,
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
            max_ops: 100_000_000,
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
            max_ops: 100_000_000,
        };
        assert_eq!(
            measure_changes([chunk.as_slice()], budget),
            Err(BoundsError::TooLarge {
                limit: 8 * 1024 * 1024
            })
        );
    }

    /// One change inserting `n` nulls into a list: run-length encoding makes it about 100 bytes whatever
    /// `n` is.
    fn list_of_nulls(n: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let list = doc
            .put_object(ROOT, "l", automerge::ObjType::List)
            .expect("list");
        for i in 0..n {
            doc.insert(&list, i, automerge::ScalarValue::Null)
                .expect("insert");
        }
        doc.commit();
        doc
    }

    #[test]
    fn operations_hidden_in_run_lengths_are_counted_without_expanding_them() {
        let mut doc = list_of_nulls(2_000);
        let changes = doc.get_changes(&[]);
        let raw = changes[0].raw_bytes().to_vec();
        assert!(raw.len() < 200, "{} bytes", raw.len());
        let found = measure_changes([raw.as_slice()], ROOMY).expect("measured");
        assert_eq!(found.ops, 2_001, "the list and its 2,000 insertions");
        let budget = ChangeBudget {
            max_ops: 1_000,
            ..ROOMY
        };
        assert_eq!(
            measure_changes([raw.as_slice()], budget),
            Err(BoundsError::TooManyOps { limit: 1_000 })
        );
        // The same operations saved as a whole document are counted too.
        let saved = doc.save();
        assert!(matches!(
            measure_changes([saved.as_slice()], budget),
            Err(BoundsError::TooManyOps { .. })
        ));
    }

    #[test]
    fn a_forged_run_of_a_billion_operations_is_refused_at_once() {
        // A real 3-insertion change whose first integer column is rewritten to "1, a billion times":
        // the chunk stays a few dozen bytes.
        let raw = list_of_nulls(3).get_changes(&[])[0].raw_bytes().to_vec();
        assert_eq!(
            measure_changes([raw.as_slice()], ROOMY)
                .expect("measured")
                .ops,
            4
        );
        let billion_ones = [0x80, 0x94, 0xeb, 0xdc, 0x03, 0x01]; // sLEB 1e9, then the value 1
        let mut rewritten = false;
        let forged = rewrite_change_columns(&raw, |spec, column| {
            if spec & 0b111 == 2 && !column.is_empty() && !rewritten {
                rewritten = true;
                billion_ones.to_vec()
            } else {
                column.to_vec()
            }
        });
        assert!(rewritten && forged.len() < 200);
        assert_eq!(
            measure_changes([forged.as_slice()], ROOMY),
            Err(BoundsError::TooManyOps { limit: 100_000_000 })
        );
    }

    /// Rebuilds an uncompressed change chunk with each op column's data replaced by `rewrite(spec, data)`.
    /// The checksum is not recomputed: the bounds never read it (Automerge would refuse the chunk later).
    fn rewrite_change_columns(
        raw: &[u8],
        mut rewrite: impl FnMut(u64, &[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        let mut input = Input(raw);
        input.take(9).unwrap(); // magic, checksum, type
        let len = input.length().unwrap();
        let body = input.take(len).unwrap();
        let mut rest = Input(body);
        skip_hashes(&mut rest).unwrap();
        let actor_len = rest.length().unwrap();
        rest.take(actor_len).unwrap();
        for _ in 0..3 {
            rest.uleb().unwrap(); // seq, start op, time
        }
        let message_len = rest.length().unwrap();
        rest.take(message_len).unwrap();
        skip_actors(&mut rest).unwrap();
        let fields = &body[..body.len() - rest.0.len()];
        let columns = Columns::read(&mut rest).unwrap();
        let mut table = Vec::new();
        let mut data = Vec::new();
        push_uleb(&mut table, columns.0.len() as u64);
        for &(spec, len) in &columns.0 {
            let column = rewrite(spec, rest.take(len).unwrap());
            push_uleb(&mut table, spec);
            push_uleb(&mut table, column.len() as u64);
            data.extend(column);
        }
        let mut new_body = fields.to_vec();
        new_body.extend(table);
        new_body.extend(data);
        new_body.extend(rest.0); // extra bytes
        let mut chunk = raw[..8].to_vec();
        chunk.push(1);
        push_uleb(&mut chunk, new_body.len() as u64);
        chunk.extend(new_body);
        chunk
    }

    fn push_uleb(out: &mut Vec<u8>, mut value: u64) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
}
