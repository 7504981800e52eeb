//! Audit rows: append (inside the caller's write), page through with filters, and verify the chain.

use rusqlite::{Connection, params};
use sportello_schema::api::AuditEntry;

use super::{StorageError, StorageResult, optional};
use crate::audit::AuditRecord;
use crate::audit::chain::{self, ChainFields, GENESIS, Hash};

/// Appends `record` at time `at` (RFC 3339) and returns its sequence number. Call it inside
/// [`super::Storage::write`] together with the change it records.
pub fn append(conn: &Connection, record: &AuditRecord, at: &str) -> StorageResult<i64> {
    let (last_seq, prev_hash) = head(conn)?;
    let seq = last_seq + 1;
    let actor_id = record.actor.actor_id();
    let session_id = record.actor.session_id();
    let fields = ChainFields {
        seq,
        at,
        actor_id: actor_id.as_deref(),
        actor_role: Some(record.actor.role_name()),
        session_id: session_id.as_deref(),
        action: record.action.as_str(),
        target: record.target.as_deref(),
        outcome: record.outcome.as_str(),
        request_id: record.request_id.as_deref(),
    };
    let hash = chain::row_hash(&prev_hash, &fields);
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_role, session_id, action, target, outcome, \
         request_id, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            seq,
            fields.at,
            fields.actor_id,
            fields.actor_role,
            fields.session_id,
            fields.action,
            fields.target,
            fields.outcome,
            fields.request_id,
            prev_hash.as_slice(),
            hash.as_slice()
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![seq, hash.as_slice()],
    )?;
    Ok(seq)
}

fn head(conn: &Connection) -> StorageResult<(i64, Hash)> {
    let row = optional(conn.query_row(
        "SELECT seq, hash FROM audit_head WHERE id = 1",
        [],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
    ))?;
    match row {
        None => Ok((0, GENESIS)),
        Some((seq, hash)) => {
            let hash: Hash = hash
                .try_into()
                .map_err(|_| StorageError::Corrupt("audit head hash is not 32 bytes".into()))?;
            Ok((seq, hash))
        }
    }
}

/// Filters for reading the log; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<String>,
    /// Inclusive lower bound, RFC 3339 as stored.
    pub from: Option<String>,
    /// Exclusive upper bound, RFC 3339 as stored.
    pub to: Option<String>,
    /// Only rows with `seq` below this (paging backwards).
    pub before: Option<i64>,
}

/// Newest first, at most `limit` rows.
pub fn page(conn: &Connection, filter: &AuditFilter, limit: u32) -> StorageResult<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, at, actor_id, actor_role, session_id, action, target, outcome, request_id \
         FROM audit_log \
         WHERE (?1 IS NULL OR actor_id = ?1) AND (?2 IS NULL OR action = ?2) \
           AND (?3 IS NULL OR target = ?3) AND (?4 IS NULL OR outcome = ?4) \
           AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6) AND (?7 IS NULL OR seq < ?7) \
         ORDER BY seq DESC LIMIT ?8",
    )?;
    let rows = statement.query_map(
        params![
            filter.actor_id,
            filter.action,
            filter.target,
            filter.outcome,
            filter.from,
            filter.to,
            filter.before,
            limit
        ],
        |row| {
            Ok(AuditEntry {
                seq: row.get(0)?,
                at: row.get(1)?,
                actor_id: row
                    .get::<_, Option<String>>(2)?
                    .and_then(|id| id.parse().ok()),
                actor_role: row.get(3)?,
                session_id: row
                    .get::<_, Option<String>>(4)?
                    .and_then(|id| id.parse().ok()),
                action: row.get(5)?,
                target: row.get(6)?,
                outcome: row.get(7)?,
                request_id: row.get(8)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { rows: i64, head: Hash },
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain from the first row. Reads row by row, so memory stays flat on a large log.
pub fn verify(conn: &Connection) -> StorageResult<Verification> {
    let mut statement = conn.prepare(
        "SELECT seq, at, actor_id, actor_role, session_id, action, target, outcome, request_id, \
         prev_hash, hash FROM audit_log ORDER BY seq",
    )?;
    let mut rows = statement.query([])?;
    let mut expected_seq = 1;
    let mut prev: Hash = GENESIS;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq != expected_seq {
            return Ok(Verification::Broken {
                seq: expected_seq,
                reason: format!("row {expected_seq} is missing (next row is {seq})"),
            });
        }
        let stored_prev: Vec<u8> = row.get(9)?;
        if stored_prev != prev {
            return Ok(Verification::Broken {
                seq,
                reason: "its prev_hash does not match the previous row".into(),
            });
        }
        let at: String = row.get(1)?;
        let actor_id: Option<String> = row.get(2)?;
        let actor_role: Option<String> = row.get(3)?;
        let session_id: Option<String> = row.get(4)?;
        let action: String = row.get(5)?;
        let target: Option<String> = row.get(6)?;
        let outcome: String = row.get(7)?;
        let request_id: Option<String> = row.get(8)?;
        let stored_hash: Vec<u8> = row.get(10)?;
        let fields = ChainFields {
            seq,
            at: &at,
            actor_id: actor_id.as_deref(),
            actor_role: actor_role.as_deref(),
            session_id: session_id.as_deref(),
            action: &action,
            target: target.as_deref(),
            outcome: &outcome,
            request_id: request_id.as_deref(),
        };
        let computed = chain::row_hash(&prev, &fields);
        if stored_hash != computed {
            return Ok(Verification::Broken {
                seq,
                reason: "its content does not match its hash (the row was altered)".into(),
            });
        }
        prev = computed;
        expected_seq += 1;
    }
    let rows_seen = expected_seq - 1;
    let (head_seq, head_hash) = head(conn)?;
    if head_seq != rows_seen || (rows_seen > 0 && head_hash != prev) {
        return Ok(Verification::Broken {
            seq: rows_seen + 1,
            reason: format!(
                "the log ends at row {rows_seen} but its recorded head is row {head_seq} (rows were removed from the end)"
            ),
        });
    }
    Ok(Verification::Intact {
        rows: rows_seen,
        head: prev,
    })
}
