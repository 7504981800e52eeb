//! All SQL lives here. The rest of the server calls intent-named functions (`users::find_by_username`,
//! `sessions::revoke_all_for_user`) inside [`Storage::read`] or [`Storage::write`].
//!
//! Invariants:
//! - One database file, `<data-dir>/sportello.db`: WAL, `synchronous=FULL` (a committed write survives power
//!   loss), foreign keys on, a busy timeout for the other processes (`sportello user add`, `backup`).
//! - Exactly one writer thread per process ([`writer`]): writes queue to it and are group-committed, so many
//!   concurrent writes share one fsync; each write runs in its own savepoint, so one failing write never
//!   undoes another.
//! - Reads run on a small pool of read-only connections on tokio's blocking pool ([`readers`]).
//! - No async worker ever blocks on SQLite.
//! - A change and its audit rows are one [`audited`] write: refusals roll back and are audited, effects
//!   (event hub, session closes) run after the commit.

pub mod audit;
pub mod audited;
pub mod backup;
pub mod case_stats;
pub mod devices;
pub mod documents;
pub mod grants;
pub mod index;
pub mod lifecycle;
mod migrations;
pub mod privacy;
pub mod queue;
mod readers;
mod role_check;
pub mod second_factor;
pub mod sessions;
pub mod users;
mod writer;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::metrics::DbMetrics;

pub use readers::ReadPool;
pub use writer::Writer;

pub const DATABASE_FILE: &str = "sportello.db";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("could not prepare the data directory {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the backup target {0} already exists: a backup never overwrites a file, choose another name"
    )]
    BackupTargetExists(PathBuf),
    #[error("could not create the backup file {path}")]
    BackupTarget {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the commit of a batch of writes failed: {0}")]
    CommitFailed(String),
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("the database is overloaded")]
    Overloaded,
    #[error("a database task panicked")]
    Panicked,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The handle the server passes around: cheap to clone, one writer thread and one read pool behind it.
#[derive(Debug, Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Writer,
    readers: ReadPool,
    /// Writes submitted since the start: what a flow costs in durable writes is measured, not assumed.
    writes: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Clone)]
pub struct StorageOptions {
    pub read_connections: usize,
    /// How many writes may wait for the writer before new ones are refused as overloaded.
    pub write_queue: usize,
}

impl Default for StorageOptions {
    fn default() -> Self {
        Self {
            read_connections: 4,
            write_queue: 8_192,
        }
    }
}

impl Storage {
    /// Opens (creating if needed) the database in `data_dir`, applies pending migrations and starts the
    /// writer thread. The directory is created private to the server's user (0700), the file 0600.
    pub fn open(
        data_dir: &Path,
        options: StorageOptions,
        metrics: DbMetrics,
    ) -> StorageResult<Self> {
        prepare_data_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;

        let mut write_conn = open_connection(&path, false)?;
        migrations::apply(&mut write_conn)?;
        let writer = Writer::start(write_conn, options.write_queue, metrics.clone())?;

        let read_conns = (0..options.read_connections.max(1))
            .map(|_| open_connection(&path, true))
            .collect::<StorageResult<Vec<_>>>()?;
        let readers = ReadPool::new(read_conns, metrics);

        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer,
                readers,
                writes: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` inside the next group commit and resolves once that commit is durable. An error from
    /// `work` rolls back only its own changes.
    pub async fn write<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StorageResult<R> + Send + 'static,
    {
        self.count_write();
        self.inner.writer.submit(work).await
    }

    /// [`Storage::write`] for work that decides itself whether its changes are kept ([`audited`]).
    async fn write_decided<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> writer::Decided<R> + Send + 'static,
    {
        self.count_write();
        self.inner.writer.submit_decided(work).await
    }

    fn count_write(&self) {
        self.inner
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many writes were submitted since the start (each one a savepoint in some group commit).
    pub fn writes_submitted(&self) -> u64 {
        self.inner.writes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the database answers a trivial query (the health check).
    pub async fn answers(&self) -> StorageResult<()> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?))
            .await
            .map(|_| ())
    }

    /// Writes waiting for the next group commit.
    pub fn queued_writes(&self) -> usize {
        self.inner.writer.queued()
    }

    /// Runs `work` on a read-only connection on the blocking pool.
    pub async fn read<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StorageResult<R> + Send + 'static,
    {
        self.inner.readers.run(work).await
    }
}

fn prepare_data_dir(data_dir: &Path) -> StorageResult<()> {
    let io = |source| StorageError::DataDir {
        path: data_dir.to_owned(),
        source,
    };
    if !data_dir.exists() {
        // Created private from the start (not with the umask and then tightened), so a first start says
        // nothing about permissions; the warning is kept for directories someone else made too open.
        if let Some(parent) = data_dir
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs::create_dir_all(parent).map_err(io)?;
        }
        match fs::DirBuilder::new().mode(0o700).create(data_dir) {
            Ok(()) => {}
            // Another process (a `user add` beside `serve`) made it first: check it like any other.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(io(error)),
        }
    }
    restrict_permissions(data_dir, 0o700)
}

/// Makes `path` accessible to its owner only if it is more open than `mode` (a directory copied or a
/// database restored with default permissions), and says so in the log.
pub(crate) fn restrict_permissions(path: &Path, mode: u32) -> StorageResult<()> {
    let io = |source| StorageError::DataDir {
        path: path.to_owned(),
        source,
    };
    let current = fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)?;
        tracing::warn!(path = %path.display(), from = format!("{current:o}"), to = format!("{mode:o}"), "tightened permissions");
    }
    Ok(())
}

/// Creates `path` readable by its owner only, if it does not exist yet; SQLite would otherwise create it
/// with the process umask, and the database holds special-category personal data.
pub(crate) fn create_private_file(path: &Path) -> StorageResult<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            restrict_permissions(path, 0o600)
        }
        Err(source) => Err(StorageError::DataDir {
            path: path.to_owned(),
            source,
        }),
    }
}

pub(crate) fn open_connection(path: &Path, read_only: bool) -> StorageResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if !read_only {
        // Deleted content is overwritten with zeros, not left in free pages: an erased case is not in the
        // file, nor in a backup made later (`privacy`).
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    Ok(conn)
}

/// Turns a `rusqlite::Error::QueryReturnedNoRows` into `None`.
pub(crate) fn optional<T>(result: rusqlite::Result<T>) -> StorageResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::metrics::Metrics;

    fn open(dir: &Path) -> (Storage, Metrics) {
        let metrics = Metrics::new();
        let storage = Storage::open(dir, StorageOptions::default(), metrics.db.clone()).unwrap();
        (storage, metrics)
    }

    fn batches(metrics: &Metrics) -> u64 {
        let text = metrics.render();
        let line = text
            .lines()
            .find(|line| line.starts_with("sportello_db_write_batch_size_count"))
            .unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_queued_behind_a_commit_share_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, metrics) = open(dir.path());
        storage
            .write(|conn| Ok(conn.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .await
            .unwrap();

        // Hold the writer inside a job until 50 more writes are queued behind it.
        let (release, held) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        let blocker = tokio::spawn({
            let storage = storage.clone();
            async move {
                storage
                    .write(move |_| {
                        let _ = started_tx.send(());
                        let _ = held.recv();
                        Ok(())
                    })
                    .await
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while started.try_recv().is_err() {
            assert!(
                Instant::now() < deadline,
                "the writer did not start the held job"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let writers: Vec<_> = (0..50)
            .map(|n| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    storage
                        .write(move |conn| Ok(conn.execute("INSERT INTO t VALUES (?1)", [n])?))
                        .await
                })
            })
            .collect();
        while storage.queued_writes() < 50 {
            assert!(Instant::now() < deadline, "writes were not queued");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        // The table creation, the held job, then all fifty together.
        assert_eq!(batches(&metrics), 3);
        let rows: i64 = storage
            .read(|conn| Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(rows, 50);
    }

    #[tokio::test]
    async fn a_failing_or_panicking_write_rolls_back_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _metrics) = open(dir.path());
        storage
            .write(|conn| Ok(conn.execute_batch("CREATE TABLE t (n INTEGER UNIQUE)")?))
            .await
            .unwrap();
        let ok = storage.write(|conn| Ok(conn.execute("INSERT INTO t VALUES (1)", [])?));
        let failing = storage.write(|conn| {
            conn.execute("INSERT INTO t VALUES (2)", [])?;
            conn.execute("INSERT INTO t VALUES (1)", [])?; // violates UNIQUE
            Ok(())
        });
        let panicking = storage.write(|conn| -> StorageResult<()> {
            conn.execute("INSERT INTO t VALUES (3)", [])?;
            panic!("a bug in one write");
        });
        let (ok, failing, panicking) = tokio::join!(ok, failing, panicking);
        assert!(ok.is_ok());
        assert!(matches!(failing, Err(StorageError::Sqlite(_))));
        assert!(matches!(panicking, Err(StorageError::Panicked)));
        // The writer survived, and only the good write is there.
        let rows: Vec<i64> = storage
            .write(|conn| {
                let mut statement = conn.prepare("SELECT n FROM t ORDER BY n")?;
                let rows = statement
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        assert_eq!(rows, vec![1]);
    }

    #[test]
    fn the_database_file_and_directory_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        let (_storage, _metrics) = open(&dir);
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DATABASE_FILE)), 0o600);
    }

    #[test]
    fn a_database_restored_with_open_permissions_is_made_private_at_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()));
        let db = dir.path().join(DATABASE_FILE);
        fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let (_storage, _metrics) = open(dir.path());
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
    }
}
