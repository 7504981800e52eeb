//! What the case statistics read: the stored version (`updated_at`) of every case document, so the
//! statistics service reloads only the cases changed since it last read them. The documents themselves
//! are loaded through [`super::documents::load`].

use rusqlite::Connection;

use super::StorageResult;
use super::documents::RawDocId;

/// Every case document's id and the time of its last stored change.
pub fn case_versions(conn: &Connection) -> StorageResult<Vec<(RawDocId, i64)>> {
    let mut statement =
        conn.prepare_cached("SELECT id, updated_at FROM documents WHERE kind = 'case'")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?))
    })?;
    let mut versions = Vec::new();
    for row in rows {
        let (id, updated_at) = row?;
        // The table's CHECK keeps ids at 16 bytes; anything else is skipped rather than trusted.
        if let Ok(id) = RawDocId::try_from(id.as_slice()) {
            versions.push((id, updated_at));
        }
    }
    Ok(versions)
}
