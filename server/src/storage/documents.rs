//! Automerge documents on disk: a compacted snapshot plus incremental chunks per document, and the access
//! facts derived from each document's content (kind, creator, case status, referrals, area, owner), so
//! that access decisions and index queries never need to load a document.
//!
//! Invariants: a chunk is appended in the same transaction as the facts it produced and the audit row of
//! the write; compaction replaces snapshot + chunks by one snapshot of the same content, atomically.

use rusqlite::{Connection, OptionalExtension, params};
use sportello_schema::documents::{CaseStatus, DocKind, ReferralStatus};
use sportello_schema::{AreaCode, UserId};

use super::{StorageError, StorageResult};

pub type RawDocId = [u8; 16];

/// What the access policy and the index need to know about a document, derived from its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFacts {
    pub kind: DocKind,
    pub created_by: Option<UserId>,
    pub case_status: Option<CaseStatus>,
    pub at_desk: Option<bool>,
    /// Read back from storage; ignored when writing (the store tracks it from `at_desk`).
    pub left_desk_at: Option<i64>,
    pub area: Option<AreaCode>,
    pub owner: Option<UserId>,
    pub title: Option<String>,
    /// (referral id, area, status) of every referral of a case.
    pub referrals: Vec<(String, AreaCode, ReferralStatus)>,
    /// A case: the keyed hash of its person's codice fiscale (`privacy::key`), never the code.
    pub fiscal_code_hash: Option<[u8; 32]>,
    /// Case notes: the case they belong to.
    pub case_id: Option<RawDocId>,
}

impl StoredFacts {
    pub fn of_kind(kind: DocKind) -> Self {
        Self {
            kind,
            created_by: None,
            case_status: None,
            at_desk: None,
            left_desk_at: None,
            area: None,
            owner: None,
            title: None,
            referrals: Vec::new(),
            fiscal_code_hash: None,
            case_id: None,
        }
    }
}

/// A stored document's facts with its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub id: RawDocId,
    pub facts: StoredFacts,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bytes stored for the document (its snapshot and the chunks since), bounded by
    /// `SyncLimits::max_doc_bytes`.
    pub stored_bytes: i64,
}

/// The bytes to load a document from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBytes {
    pub snapshot: Vec<u8>,
    pub chunks: Vec<Vec<u8>>,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(what.to_owned())
}

/// Stores a new document; `Ok(false)` if one with this id exists already, or existed and was erased
/// (nothing is written then).
pub fn insert(
    conn: &Connection,
    id: &RawDocId,
    facts: &StoredFacts,
    snapshot: &[u8],
    now: i64,
) -> StorageResult<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO documents (id, kind, created_by, created_at, updated_at, snapshot) \
         SELECT ?1, ?2, ?3, ?4, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM erased_documents WHERE id = ?1) \
         ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            id.as_slice(),
            facts.kind.as_str(),
            facts.created_by.map(|u| u.to_string()),
            now,
            snapshot
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    write_facts(conn, id, facts, now)?;
    Ok(true)
}

/// Appends an incremental chunk (the changes of one accepted write) and records the new facts.
pub fn append_chunk(
    conn: &Connection,
    id: &RawDocId,
    chunk: &[u8],
    facts: &StoredFacts,
    now: i64,
) -> StorageResult<()> {
    let next: i64 = conn.query_row(
        "SELECT coalesce(max(seq), 0) + 1 FROM document_chunks WHERE doc_id = ?1",
        [id.as_slice()],
        |row| row.get(0),
    )?;
    conn.prepare_cached("INSERT INTO document_chunks (doc_id, seq, data) VALUES (?1, ?2, ?3)")?
        .execute(params![id.as_slice(), next, chunk])?;
    conn.prepare_cached("UPDATE documents SET chunk_bytes = chunk_bytes + ?2 WHERE id = ?1")?
        .execute(params![id.as_slice(), chunk.len() as i64])?;
    write_facts(conn, id, facts, now)
}

/// Rewrites the derived facts; `left_desk_at` is set when a case leaves the desk and cleared when it
/// returns, as the policy's retention window needs.
fn write_facts(
    conn: &Connection,
    id: &RawDocId,
    facts: &StoredFacts,
    now: i64,
) -> StorageResult<()> {
    let previous_at_desk: Option<bool> = conn
        .query_row(
            "SELECT at_desk FROM documents WHERE id = ?1",
            [id.as_slice()],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    // Set when the case leaves the desk now; kept (by the SQL below) while it stays away; cleared when it
    // returns.
    let left_now = (facts.at_desk == Some(false) && previous_at_desk != Some(false)).then_some(now);
    conn.prepare_cached(
        "UPDATE documents SET updated_at = ?2, case_status = ?3, at_desk = ?4, \
         left_desk_at = coalesce(?5, CASE WHEN ?4 = 0 THEN left_desk_at END), \
         area = ?6, owner = ?7, title = ?8, fiscal_code_hash = ?9, case_id = ?10, \
         closed_at = CASE WHEN ?3 = 'closed' THEN coalesce(closed_at, ?2) END WHERE id = ?1",
    )?
    .execute(params![
        id.as_slice(),
        now,
        facts.case_status.map(CaseStatus::as_str),
        facts.at_desk,
        left_now,
        facts.area.as_ref().map(AreaCode::as_str),
        facts.owner.map(|u| u.to_string()),
        facts.title,
        facts.fiscal_code_hash.as_ref().map(|hash| hash.as_slice()),
        facts.case_id.as_ref().map(|id| id.as_slice()),
    ])?;
    conn.prepare_cached("DELETE FROM document_referrals WHERE doc_id = ?1")?
        .execute([id.as_slice()])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO document_referrals (doc_id, referral_id, area, status) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (referral, area, status) in &facts.referrals {
        insert.execute(params![
            id.as_slice(),
            referral,
            area.as_str(),
            status.as_str()
        ])?;
    }
    Ok(())
}

/// The document's facts and times, or `None` if no such document is stored.
pub fn find(conn: &Connection, id: &RawDocId) -> StorageResult<Option<DocRow>> {
    let row = conn
        .prepare_cached(
            "SELECT kind, created_by, created_at, updated_at, case_status, at_desk, left_desk_at, \
             area, owner, title, length(snapshot) + chunk_bytes, fiscal_code_hash, case_id \
             FROM documents WHERE id = ?1",
        )?
        .query_row([id.as_slice()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<bool>>(5)?,
                row.get::<_, Option<i64>>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
                row.get::<_, Option<String>>(9)?,
                row.get::<_, i64>(10)?,
                row.get::<_, Option<Vec<u8>>>(11)?,
                row.get::<_, Option<Vec<u8>>>(12)?,
            ))
        })
        .optional()?;
    let Some((
        kind,
        created_by,
        created_at,
        updated_at,
        status,
        at_desk,
        left_desk_at,
        area,
        owner,
        title,
        stored_bytes,
        fiscal_code_hash,
        case_id,
    )) = row
    else {
        return Ok(None);
    };
    let parse_user = |raw: Option<String>| -> StorageResult<Option<UserId>> {
        raw.map(|raw| raw.parse().map_err(|_| corrupt("documents user id")))
            .transpose()
    };
    let facts = StoredFacts {
        kind: kind.parse().map_err(|_| corrupt("documents.kind"))?,
        created_by: parse_user(created_by)?,
        case_status: status
            .map(|s| s.parse().map_err(|_| corrupt("documents.case_status")))
            .transpose()?,
        at_desk,
        left_desk_at,
        area: area
            .map(|a| AreaCode::parse(&a).map_err(|_| corrupt("documents.area")))
            .transpose()?,
        owner: parse_user(owner)?,
        title,
        referrals: referrals_of(conn, id)?,
        fiscal_code_hash: fiscal_code_hash
            .map(|hash| {
                hash.try_into()
                    .map_err(|_| corrupt("documents.fiscal_code_hash"))
            })
            .transpose()?,
        case_id: case_id
            .map(|id| id.try_into().map_err(|_| corrupt("documents.case_id")))
            .transpose()?,
    };
    Ok(Some(DocRow {
        id: *id,
        facts,
        created_at,
        updated_at,
        stored_bytes,
    }))
}

fn referrals_of(
    conn: &Connection,
    id: &RawDocId,
) -> StorageResult<Vec<(String, AreaCode, ReferralStatus)>> {
    let mut statement = conn.prepare_cached(
        "SELECT referral_id, area, status FROM document_referrals WHERE doc_id = ?1 ORDER BY referral_id",
    )?;
    let rows = statement.query_map([id.as_slice()], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (referral, area, status) = row?;
        Ok((
            referral,
            AreaCode::parse(&area).map_err(|_| corrupt("document_referrals.area"))?,
            status
                .parse()
                .map_err(|_| corrupt("document_referrals.status"))?,
        ))
    })
    .collect()
}

/// The snapshot and chunks to load the document from.
pub fn load(conn: &Connection, id: &RawDocId) -> StorageResult<Option<StoredBytes>> {
    let snapshot: Option<Vec<u8>> = conn
        .prepare_cached("SELECT snapshot FROM documents WHERE id = ?1")?
        .query_row([id.as_slice()], |row| row.get(0))
        .optional()?;
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    let mut statement =
        conn.prepare_cached("SELECT data FROM document_chunks WHERE doc_id = ?1 ORDER BY seq")?;
    let chunks = statement
        .query_map([id.as_slice()], |row| row.get::<_, Vec<u8>>(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(StoredBytes { snapshot, chunks }))
}

/// Deletes a document and everything stored about it by id: its snapshot and chunks (and referrals, by
/// `ON DELETE CASCADE`), its read marks and its remembered refused changes. True when it existed. With
/// `secure_delete` on, the freed pages are zeroed.
pub fn delete(conn: &Connection, id: &RawDocId) -> StorageResult<bool> {
    let deleted = conn
        .prepare_cached("DELETE FROM documents WHERE id = ?1")?
        .execute([id.as_slice()])?;
    conn.prepare_cached("DELETE FROM document_reads WHERE doc_id = ?1")?
        .execute([id.as_slice()])?;
    conn.prepare_cached("DELETE FROM refused_changes WHERE doc_id = ?1")?
        .execute([id.as_slice()])?;
    Ok(deleted > 0)
}

/// Replaces the snapshot and every chunk by `snapshot`, which must hold all of them: the caller takes it
/// while holding the document's lock, under which alone chunks are appended.
pub fn compact(conn: &Connection, id: &RawDocId, snapshot: &[u8]) -> StorageResult<()> {
    conn.execute(
        "DELETE FROM document_chunks WHERE doc_id = ?1",
        [id.as_slice()],
    )?;
    conn.execute(
        "UPDATE documents SET snapshot = ?2, chunk_bytes = 0 WHERE id = ?1",
        params![id.as_slice(), snapshot],
    )?;
    Ok(())
}

/// Documents whose chunks have grown past `min_chunk_bytes`, at most `limit`.
pub fn needing_compaction(
    conn: &Connection,
    min_chunk_bytes: i64,
    limit: u32,
) -> StorageResult<Vec<RawDocId>> {
    let mut statement = conn.prepare_cached(
        "SELECT id FROM documents WHERE chunk_bytes >= ?1 ORDER BY chunk_bytes DESC LIMIT ?2",
    )?;
    let ids: Vec<RawDocId> = statement
        .query_map(params![min_chunk_bytes, limit], |row| {
            row.get::<_, Vec<u8>>(0)
        })?
        .map(|id| {
            id?.try_into()
                .map_err(|_| corrupt("documents.id is not 16 bytes"))
        })
        .collect::<StorageResult<_>>()?;
    Ok(ids)
}

/// One document a user may open, for their index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: RawDocId,
    pub kind: DocKind,
    pub title: Option<String>,
    pub status: Option<String>,
    pub updated_at: i64,
    /// Whether a case is at the desk and when it left; read for operators' listings only (an entry kept
    /// for the creator's window alone leaves the index when the window ends).
    pub at_desk: Option<bool>,
    pub left_desk_at: Option<i64>,
}

/// (id, kind, title, status, updated_at, at_desk, left_desk_at) as read from a row.
type ListedColumns = (
    Vec<u8>,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<bool>,
    Option<i64>,
);

fn listed(row: &rusqlite::Row<'_>) -> rusqlite::Result<ListedColumns> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn into_listed(
    rows: impl Iterator<Item = rusqlite::Result<ListedColumns>>,
) -> StorageResult<Vec<Listed>> {
    rows.map(|row| {
        let (id, kind, title, status, updated_at, at_desk, left_desk_at) = row?;
        Ok(Listed {
            id: id
                .try_into()
                .map_err(|_| corrupt("documents.id is not 16 bytes"))?,
            kind: kind.parse().map_err(|_| corrupt("documents.kind"))?,
            title,
            status,
            updated_at,
            at_desk,
            left_desk_at,
        })
    })
    .collect()
}

/// Cases an operator may open: every case at the desk, and the cases they created that left the desk
/// after `retained_since` (strictly: the policy's window `now < left + retention`).
pub fn listed_for_operator(
    conn: &Connection,
    user: UserId,
    retained_since: i64,
) -> StorageResult<Vec<Listed>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, kind, title, case_status, updated_at, at_desk, left_desk_at FROM documents \
         WHERE kind = 'case' \
         AND (at_desk = 1 OR (created_by = ?1 AND left_desk_at > ?2)) ORDER BY updated_at DESC",
    )?;
    let rows = statement.query_map(params![user.to_string(), retained_since], listed)?;
    into_listed(rows)
}

/// Cases with a referral to one of `areas` in a status that gives the area access (`policy::AREA_REFERRAL_STATUSES`:
/// proposed, accepted, and closed as the area's history), and the case notes of those areas.
pub fn listed_for_areas(conn: &Connection, areas: &[AreaCode]) -> StorageResult<Vec<Listed>> {
    let mut result = Vec::new();
    // The statuses that give the area access (the policy's; closed referrals are the area's history).
    let statuses = sportello_schema::policy::AREA_REFERRAL_STATUSES
        .iter()
        .map(|status| format!("'{}'", status.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut cases = conn.prepare_cached(&format!(
        "SELECT DISTINCT d.id, d.kind, d.title, d.case_status, d.updated_at, NULL, NULL \
         FROM documents d \
         JOIN document_referrals r ON r.doc_id = d.id \
         WHERE r.area = ?1 AND r.status IN ({statuses})"
    ))?;
    let mut notes = conn.prepare_cached(
        "SELECT id, kind, title, NULL, updated_at, NULL, NULL FROM documents \
         WHERE kind = 'case_notes' AND area = ?1",
    )?;
    for area in areas {
        result.extend(into_listed(cases.query_map([area.as_str()], listed)?)?);
        result.extend(into_listed(notes.query_map([area.as_str()], listed)?)?);
    }
    result.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    result.dedup_by(|a, b| a.id == b.id);
    Ok(result)
}

pub fn count(conn: &Connection) -> StorageResult<i64> {
    Ok(conn.query_row("SELECT count(*) FROM documents", [], |row| row.get(0))?)
}

pub fn meta_get(conn: &Connection, key: &str) -> StorageResult<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?)
}

pub fn meta_set(conn: &Connection, key: &str, value: &[u8]) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Records that `session` has read `doc`; true the first time (the caller then audits the read).
pub fn mark_read(conn: &Connection, session: &str, doc: &RawDocId) -> StorageResult<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO document_reads (session_id, doc_id) VALUES (?1, ?2)",
        )?
        .execute(params![session, doc.as_slice()])?;
    Ok(inserted == 1)
}

/// The index document of `owner`, if one was made.
pub fn index_of(conn: &Connection, owner: UserId) -> StorageResult<Option<RawDocId>> {
    let id: Option<Vec<u8>> = conn
        .prepare_cached("SELECT id FROM documents WHERE kind = 'index' AND owner = ?1")?
        .query_row([owner.to_string()], |row| row.get(0))
        .optional()?;
    id.map(|id| {
        id.try_into()
            .map_err(|_| corrupt("documents.id is not 16 bytes"))
    })
    .transpose()
}

/// Remembers changes refused for a document.
pub fn record_refused(
    conn: &Connection,
    doc: &RawDocId,
    hashes: &[[u8; 32]],
    now: i64,
) -> StorageResult<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO refused_changes (doc_id, change_hash, refused_at) VALUES (?1, ?2, ?3)",
    )?;
    for hash in hashes {
        insert.execute(params![doc.as_slice(), hash.as_slice(), now])?;
    }
    Ok(())
}

/// The changes refused before for a document.
pub fn refused(conn: &Connection, doc: &RawDocId) -> StorageResult<Vec<[u8; 32]>> {
    let mut statement =
        conn.prepare_cached("SELECT change_hash FROM refused_changes WHERE doc_id = ?1")?;
    let hashes = statement
        .query_map([doc.as_slice()], |row| row.get::<_, Vec<u8>>(0))?
        .filter_map(|hash| hash.ok().and_then(|hash| hash.try_into().ok()))
        .collect();
    Ok(hashes)
}

/// Binds each Automerge actor id in `actors` to `user`, unless one of them is bound to another user: then
/// nothing is bound and the answer is `false`. A change is accepted only under an actor id its writer owns
/// (issue 8, finding 6); the first user to write under a new actor id owns it from then on. Runs on the
/// single writer, so two users racing for one new actor id cannot both win.
pub fn claim_actors(
    conn: &Connection,
    actors: &[Vec<u8>],
    user: UserId,
    now: i64,
) -> StorageResult<bool> {
    let user = user.to_string();
    let mut owner = conn.prepare_cached("SELECT user_id FROM actor_owners WHERE actor = ?1")?;
    for actor in actors {
        let owned_by: Option<String> = owner
            .query_row([actor.as_slice()], |row| row.get(0))
            .optional()?;
        if owned_by.is_some_and(|owned_by| owned_by != user) {
            return Ok(false);
        }
    }
    let mut claim = conn.prepare_cached(
        "INSERT INTO actor_owners (actor, user_id, first_seen_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (actor) DO NOTHING",
    )?;
    for actor in actors {
        claim.execute(params![actor.as_slice(), user, now])?;
    }
    Ok(true)
}
