//! Online backup with SQLite's backup API: a consistent copy taken while the server keeps running.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;

use super::audit::{self, Verification};
use super::{StorageError, StorageResult};

/// Copies the live database behind `source` to `target` (which must not exist), then opens the copy and
/// runs `PRAGMA integrity_check`. Returns the check's verdict (`"ok"` when sound).
pub fn to_file(source: &Connection, target: &Path) -> StorageResult<String> {
    // Created here, private and new, in one step: an existing file is never opened, let alone overwritten.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
    {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(StorageError::BackupTargetExists(target.to_owned()));
        }
        Err(source) => {
            return Err(StorageError::BackupTarget {
                path: target.to_owned(),
                source,
            });
        }
    }
    let mut copy = Connection::open(target)?;
    {
        let backup = Backup::new(source, &mut copy)?;
        // One step for the whole database: in WAL mode it reads a snapshot without blocking the server's
        // writer, whereas a stepped copy restarts each time the server writes and may never finish.
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                // Another connection holds a lock for a moment: try again shortly.
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    // The copy inherits WAL mode; switch it to a single self-contained file.
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);
    integrity_check(target)
}

/// The audit chain of the database file at `path` (a backup), opened read-only: what `sportello audit
/// verify` prints once the file is restored.
pub fn audit_of(path: &Path) -> StorageResult<Verification> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    audit::verify(&conn)
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
