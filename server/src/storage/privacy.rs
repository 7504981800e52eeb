//! The citizen's rights on disk (issue 12): finding a person's cases by the keyed hash of their codice
//! fiscale, a case's notes, the audit rows about them, erasure requests (four eyes) and erasure itself.
//! The rules (who may decide, what an erasure covers) live in `privacy`; this module only stores.
//!
//! Invariants:
//! - [`erase`] removes every row that holds a document's content or facts (snapshot, chunks, referrals,
//!   reads, refused changes) and records the id in `erased_documents` in the same write; the connection's
//!   `secure_delete` overwrites the freed space, so the bytes are not left in free pages.
//! - An erased id is never stored again (`documents::insert` checks `erased_documents`).
//! - A request leaves `pending` once, to `approved`, `rejected` or `expired`.

use rusqlite::{Connection, Row, params};
use sportello_schema::api::privacy::{ErasureReason, ErasureStatus};
use sportello_schema::{AreaCode, ErasureId, UserId};

use super::documents::RawDocId;
use super::{StorageError, StorageResult, optional};

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(what.to_owned())
}

fn raw_id(bytes: Vec<u8>) -> StorageResult<RawDocId> {
    bytes
        .try_into()
        .map_err(|_| corrupt("a document id is not 16 bytes"))
}

/// A case found by its person's codice fiscale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCase {
    pub id: RawDocId,
    pub created_at: i64,
    pub status: Option<String>,
}

/// The cases whose person's codice fiscale has this keyed hash, oldest first.
pub fn cases_by_fiscal_code(conn: &Connection, hash: &[u8; 32]) -> StorageResult<Vec<FoundCase>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, created_at, case_status FROM documents \
         WHERE fiscal_code_hash = ?1 AND kind = 'case' ORDER BY created_at, id",
    )?;
    let rows = statement.query_map([hash.as_slice()], |row| {
        Ok((
            row.get::<_, Vec<u8>>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (id, created_at, status) = row?;
        Ok(FoundCase {
            id: raw_id(id)?,
            created_at,
            status,
        })
    })
    .collect()
}

/// The case-notes documents of a case, with their areas, in id order.
pub fn notes_of_case(
    conn: &Connection,
    case: &RawDocId,
) -> StorageResult<Vec<(RawDocId, Option<AreaCode>)>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, area FROM documents WHERE case_id = ?1 AND kind = 'case_notes' ORDER BY id",
    )?;
    let rows = statement.query_map([case.as_slice()], |row| {
        Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Option<String>>(1)?))
    })?;
    rows.map(|row| {
        let (id, area) = row?;
        Ok((raw_id(id)?, area.and_then(|a| AreaCode::parse(&a).ok())))
    })
    .collect()
}

/// Whether `id` was erased.
pub fn is_erased(conn: &Connection, id: &RawDocId) -> StorageResult<bool> {
    Ok(optional(conn.query_row(
        "SELECT 1 FROM erased_documents WHERE id = ?1",
        [id.as_slice()],
        |_| Ok(()),
    ))?
    .is_some())
}

/// One audit row about a document, with the account it names (as the account is now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub at: String,
    pub target: String,
    pub action: String,
    pub outcome: String,
    pub actor_id: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub actor_role: Option<String>,
    pub session_id: Option<String>,
}

/// Every audit row whose target is one of `targets`, in the log's order (oldest first).
pub fn audit_about(conn: &Connection, targets: &[String]) -> StorageResult<Vec<AccessRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT a.seq, a.at, a.target, a.action, a.outcome, a.actor_id, u.username, u.display_name, \
         a.actor_role, a.session_id FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.target = ?1 ORDER BY a.seq",
    )?;
    let mut rows: Vec<(i64, AccessRow)> = Vec::new();
    for target in targets {
        let found = statement.query_map([target], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                AccessRow {
                    at: row.get(1)?,
                    target: row.get(2)?,
                    action: row.get(3)?,
                    outcome: row.get(4)?,
                    actor_id: row.get(5)?,
                    username: row.get(6)?,
                    display_name: row.get(7)?,
                    actor_role: row.get(8)?,
                    session_id: row.get(9)?,
                },
            ))
        })?;
        for row in found {
            rows.push(row?);
        }
    }
    rows.sort_by_key(|(seq, _)| *seq);
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// Deletes the documents `ids` (content, facts, reads, refused changes) and records them as erased by
/// the erasure of `case`. Returns the ids that were stored (an id already gone is still recorded).
pub fn erase(
    conn: &Connection,
    ids: &[RawDocId],
    case: &RawDocId,
    now: i64,
) -> StorageResult<Vec<RawDocId>> {
    let mut erased = Vec::new();
    for id in ids {
        let deleted = super::documents::delete(conn, id)?;
        conn.prepare_cached(
            "INSERT INTO erased_documents (id, case_id, erased_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![id.as_slice(), case.as_slice(), now])?;
        if deleted {
            erased.push(*id);
        }
    }
    Ok(erased)
}

/// Cases closed at or before `closed_by`, oldest closing first, at most `limit`.
pub fn closed_cases_due(
    conn: &Connection,
    closed_by: i64,
    limit: u32,
) -> StorageResult<Vec<RawDocId>> {
    let mut statement = conn.prepare_cached(
        "SELECT id FROM documents WHERE kind = 'case' AND case_status = 'closed' \
         AND closed_at <= ?1 ORDER BY closed_at, id LIMIT ?2",
    )?;
    let ids = statement
        .query_map(params![closed_by, limit], |row| row.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.into_iter().map(raw_id).collect()
}

/// Cases and case notes, in id order after `after`, at most `limit`: the start-up backfill's pages.
pub fn cases_and_notes_after(
    conn: &Connection,
    after: &RawDocId,
    limit: u32,
) -> StorageResult<Vec<RawDocId>> {
    let mut statement = conn.prepare_cached(
        "SELECT id FROM documents WHERE kind IN ('case', 'case_notes') AND id > ?1 \
         ORDER BY id LIMIT ?2",
    )?;
    let ids = statement
        .query_map(params![after.as_slice(), limit], |row| {
            row.get::<_, Vec<u8>>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    ids.into_iter().map(raw_id).collect()
}

/// Sets the privacy facts of a stored document (the start-up backfill; commits set them with the rest).
pub fn set_privacy_facts(
    conn: &Connection,
    id: &RawDocId,
    fiscal_code_hash: Option<&[u8; 32]>,
    case_id: Option<&RawDocId>,
) -> StorageResult<()> {
    conn.prepare_cached("UPDATE documents SET fiscal_code_hash = ?2, case_id = ?3 WHERE id = ?1")?
        .execute(params![
            id.as_slice(),
            fiscal_code_hash.map(|hash| hash.as_slice()),
            case_id.map(|id| id.as_slice())
        ])?;
    Ok(())
}

/// The enabled privacy officers.
pub fn enabled_privacy_officers(conn: &Connection) -> StorageResult<Vec<UserId>> {
    let mut statement = conn
        .prepare_cached("SELECT id FROM users WHERE role = 'privacy_officer' AND disabled = 0")?;
    statement
        .query_map([], |row| row.get::<_, String>(0))?
        .map(|id| id?.parse().map_err(|_| corrupt("users.id")))
        .collect()
}

/// A stored erasure request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRow {
    pub id: ErasureId,
    pub case_id: RawDocId,
    pub reason: ErasureReason,
    pub reference: Option<String>,
    pub requested_by: UserId,
    pub requested_at: i64,
    pub expires_at: i64,
    pub status: ErasureStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<i64>,
}

impl ErasureRow {
    /// Pending but past its expiry: it can no longer be approved.
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.status == ErasureStatus::Expired
            || (self.status == ErasureStatus::Pending && self.expires_at <= now)
    }
}

const COLUMNS: &str = "id, case_id, reason, reference, requested_by, requested_at, expires_at, status, \
    decided_by, decided_at";

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn parse<T: std::str::FromStr>(raw: String, what: &str) -> rusqlite::Result<T> {
    raw.parse().map_err(|_| bad(what))
}

fn erasure_row(row: &Row<'_>) -> rusqlite::Result<ErasureRow> {
    Ok(ErasureRow {
        id: parse(row.get(0)?, "erasure_requests.id")?,
        case_id: row
            .get::<_, Vec<u8>>(1)?
            .try_into()
            .map_err(|_| bad("erasure_requests.case_id"))?,
        reason: parse(row.get(2)?, "erasure_requests.reason")?,
        reference: row.get(3)?,
        requested_by: parse(row.get(4)?, "erasure_requests.requested_by")?,
        requested_at: row.get(5)?,
        expires_at: row.get(6)?,
        status: parse(row.get(7)?, "erasure_requests.status")?,
        decided_by: row
            .get::<_, Option<String>>(8)?
            .map(|raw| parse(raw, "erasure_requests.decided_by"))
            .transpose()?,
        decided_at: row.get(9)?,
    })
}

/// Marks the pending requests past their expiry as expired.
pub fn expire_due(conn: &Connection, now: i64) -> StorageResult<usize> {
    Ok(conn.execute(
        "UPDATE erasure_requests SET status = 'expired', decided_at = expires_at \
         WHERE status = 'pending' AND expires_at <= ?1",
        [now],
    )?)
}

/// Stores a new pending request; `Ok(false)` when the case already has one.
pub fn insert_request(conn: &Connection, request: &ErasureRow) -> StorageResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO erasure_requests (id, case_id, reason, reference, requested_by, requested_at, \
         expires_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending') ON CONFLICT DO NOTHING",
        params![
            request.id.to_string(),
            request.case_id.as_slice(),
            request.reason.as_str(),
            request.reference,
            request.requested_by.to_string(),
            request.requested_at,
            request.expires_at
        ],
    )?;
    Ok(inserted == 1)
}

pub fn find_request(conn: &Connection, id: ErasureId) -> StorageResult<Option<ErasureRow>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM erasure_requests WHERE id = ?1"),
        [id.to_string()],
        erasure_row,
    ))
}

/// Requests, newest first: the pending ones only, or all; at most `limit`.
pub fn list_requests(
    conn: &Connection,
    pending_only: bool,
    limit: u32,
) -> StorageResult<Vec<ErasureRow>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM erasure_requests WHERE (?1 = 0 OR status = 'pending') \
         ORDER BY requested_at DESC, id LIMIT ?2"
    ))?;
    let rows = statement
        .query_map(params![pending_only, limit], erasure_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Decides a pending request; `Ok(false)` when it was no longer pending.
pub fn decide_request(
    conn: &Connection,
    id: ErasureId,
    status: ErasureStatus,
    decided_by: UserId,
    now: i64,
) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE erasure_requests SET status = ?2, decided_by = ?3, decided_at = ?4 \
         WHERE id = ?1 AND status = 'pending'",
        params![id.to_string(), status.as_str(), decided_by.to_string(), now],
    )?;
    Ok(changed == 1)
}
