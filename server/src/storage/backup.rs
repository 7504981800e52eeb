//! Online backup with SQLite's backup API: a consistent copy taken while the server keeps running.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use super::{StorageError, StorageResult, create_private_file};

/// Copies the live database behind `source` to `target` (which must not exist), then opens the copy and
/// runs `PRAGMA integrity_check`. Returns the check's verdict (`"ok"` when sound).
pub fn to_file(source: &Connection, target: &Path) -> StorageResult<String> {
    if target.exists() {
        return Err(StorageError::DataDir {
            path: target.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "backup target exists"),
        });
    }
    create_private_file(target)?;
    let mut copy = Connection::open(target)?;
    {
        let backup = Backup::new(source, &mut copy)?;
        // Copy in steps so that writers are not blocked for the whole copy on a large database.
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    // The copy inherits WAL mode; switch it to a single self-contained file.
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);
    integrity_check(target)
}

/// `PRAGMA integrity_check` on the database file at `path`, opened read-only.
pub fn integrity_check(path: &Path) -> StorageResult<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = conn.prepare("PRAGMA integrity_check")?;
    let lines = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lines.join("\n"))
}
