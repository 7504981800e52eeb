//! Enrolled devices (totems, waiting-room displays) and their sessions.

use rusqlite::{Connection, Row, params};
use sportello_schema::queue::DeviceKind;
use sportello_schema::{DeviceId, DeviceSessionId, UserId};

use super::{StorageError, StorageResult, optional};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub kind: DeviceKind,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_seen_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSessionRow {
    pub id: DeviceSessionId,
    pub device_id: DeviceId,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl DeviceSessionRow {
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

const DEVICE_COLUMNS: &str = "id, kind, name, created_at, revoked_at, last_seen_at";

fn device_from_row(row: &Row<'_>) -> rusqlite::Result<DeviceRow> {
    let id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    Ok(DeviceRow {
        id: id.parse().map_err(|_| corrupt(0, "device id"))?,
        kind: DeviceKind::parse(&kind).ok_or_else(|| corrupt(1, "device kind"))?,
        name: row.get(2)?,
        created_at: row.get(3)?,
        revoked_at: row.get(4)?,
        last_seen_at: row.get(5)?,
    })
}

fn corrupt(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        Box::new(StorageError::Corrupt(format!("bad {what}"))),
    )
}

pub fn insert(
    conn: &Connection,
    device: &DeviceRow,
    credential_hash: &[u8; 32],
    created_by: UserId,
) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO devices (id, kind, name, credential_hash, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            device.id.to_string(),
            device.kind.as_str(),
            device.name,
            credential_hash.as_slice(),
            device.created_at,
            created_by.to_string()
        ],
    )?;
    Ok(())
}

pub fn list(conn: &Connection) -> StorageResult<Vec<DeviceRow>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY created_at, id"
    ))?;
    let rows = statement
        .query_map([], device_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn find(conn: &Connection, id: DeviceId) -> StorageResult<Option<DeviceRow>> {
    optional(conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"),
        [id.to_string()],
        device_from_row,
    ))
}

pub fn find_by_credential(
    conn: &Connection,
    credential_hash: &[u8; 32],
) -> StorageResult<Option<DeviceRow>> {
    optional(conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE credential_hash = ?1"),
        [credential_hash.as_slice()],
        device_from_row,
    ))
}

/// Revokes the device and every session of it; false when it was already revoked.
pub fn revoke(conn: &Connection, id: DeviceId, now: i64) -> StorageResult<bool> {
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id.to_string(), now],
    )?;
    conn.execute(
        "UPDATE device_sessions SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
        params![id.to_string(), now],
    )?;
    Ok(changed == 1)
}

pub fn insert_session(
    conn: &Connection,
    session: &DeviceSessionRow,
    now: i64,
) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO device_sessions (id, device_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            session.id.to_string(),
            session.device_id.to_string(),
            now,
            session.expires_at
        ],
    )?;
    conn.execute(
        "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
        params![session.device_id.to_string(), now],
    )?;
    Ok(())
}

/// The session and its device, for checking a device's token on each request.
pub fn find_session(
    conn: &Connection,
    id: DeviceSessionId,
) -> StorageResult<Option<(DeviceSessionRow, DeviceRow)>> {
    let session = optional(conn.query_row(
        "SELECT id, device_id, expires_at, revoked_at FROM device_sessions WHERE id = ?1",
        [id.to_string()],
        |row| {
            let id: String = row.get(0)?;
            let device: String = row.get(1)?;
            Ok(DeviceSessionRow {
                id: id.parse().map_err(|_| corrupt(0, "device session id"))?,
                device_id: device.parse().map_err(|_| corrupt(1, "device id"))?,
                expires_at: row.get(2)?,
                revoked_at: row.get(3)?,
            })
        },
    ))?;
    let Some(session) = session else {
        return Ok(None);
    };
    Ok(find(conn, session.device_id)?.map(|device| (session, device)))
}

/// Drops sessions that ended more than `keep_for` seconds ago.
pub fn prune_sessions(conn: &Connection, now: i64, keep_for: i64) -> StorageResult<usize> {
    Ok(conn.execute(
        "DELETE FROM device_sessions WHERE expires_at < ?1 OR revoked_at < ?1",
        [now - keep_for],
    )?)
}
