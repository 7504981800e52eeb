//! The tablet's data lifecycle (issue 12): the offline lease setting and the de-duplication of uploaded
//! case openings. The wipe marks live on the sessions (`super::sessions`).

use rusqlite::{Connection, params};
use sportello_schema::UserId;
use sportello_schema::api::lifecycle::{
    OFFLINE_LEASE_HOURS_DEFAULT, OFFLINE_LEASE_HOURS_MAX, OFFLINE_LEASE_HOURS_MIN,
};

use super::{StorageError, StorageResult, optional};

/// The offline lease in hours: the stored setting, else the default.
pub fn offline_lease_hours(conn: &Connection) -> StorageResult<u32> {
    let stored = optional(
        conn.prepare_cached("SELECT offline_lease_hours FROM tablet_settings WHERE id = 1")?
            .query_row([], |row| row.get::<_, i64>(0)),
    )?;
    match stored {
        None => Ok(OFFLINE_LEASE_HOURS_DEFAULT),
        Some(hours) => u32::try_from(hours)
            .ok()
            .filter(|hours| (OFFLINE_LEASE_HOURS_MIN..=OFFLINE_LEASE_HOURS_MAX).contains(hours))
            .ok_or_else(|| StorageError::Corrupt("tablet_settings.offline_lease_hours".into())),
    }
}

/// Stores the offline lease (already checked against its bounds; the table checks them again).
pub fn set_offline_lease_hours(conn: &Connection, hours: u32) -> StorageResult<()> {
    conn.execute(
        "INSERT INTO tablet_settings (id, offline_lease_hours) VALUES (1, ?1) \
         ON CONFLICT (id) DO UPDATE SET offline_lease_hours = excluded.offline_lease_hours",
        [hours],
    )?;
    Ok(())
}

/// Remembers that `user` uploaded `event_id`; false if it already had (a retried upload).
pub fn remember_read(
    conn: &Connection,
    user: UserId,
    event_id: &str,
    now: i64,
) -> StorageResult<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO offline_reads (user_id, event_id, recorded_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, event_id) DO NOTHING",
        )?
        .execute(params![user.to_string(), event_id, now])?;
    Ok(inserted == 1)
}

/// How many openings `user` had recorded since `since` (Unix seconds).
pub fn reads_recorded_since(conn: &Connection, user: UserId, since: i64) -> StorageResult<u64> {
    let count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM offline_reads WHERE user_id = ?1 AND recorded_at >= ?2",
        )?
        .query_row(params![user.to_string(), since], |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

/// Forgets event ids recorded before `cutoff`: an opening that old would be ignored anyway.
pub fn prune_reads(conn: &Connection, cutoff: i64) -> StorageResult<u64> {
    let deleted = conn.execute("DELETE FROM offline_reads WHERE recorded_at < ?1", [cutoff])?;
    Ok(deleted as u64)
}
