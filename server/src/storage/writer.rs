//! The single writer: a dedicated OS thread that owns the read-write connection and group-commits.
//!
//! Writes arrive as jobs on a bounded queue. The thread takes every job waiting (up to [`MAX_BATCH`]), runs
//! each in its own savepoint inside one `BEGIN IMMEDIATE` transaction, commits once (one fsync for the whole
//! batch), and only then answers each job. So a caller that got `Ok` knows its change is durable, and a job
//! that fails or panics rolls back its savepoint without touching the others in the batch.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::{StorageError, StorageResult};
use crate::metrics::DbMetrics;

const MAX_BATCH: usize = 512;

trait Job: Send {
    /// Runs the job's work; true when it succeeded and its savepoint should be kept.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Delivers the outcome once the batch's commit is known.
    fn finish(self: Box<Self>, commit: &Result<(), String>);
}

/// What a job's work decided: its outcome, and whether its changes are kept. A job that answers with a
/// value yet rolls back (a write refused after it had begun, whose refusal is the answer) keeps nothing.
pub(super) struct Decided<R> {
    pub outcome: StorageResult<R>,
    pub keep: bool,
}

struct TypedJob<F, R> {
    work: Option<F>,
    outcome: Option<Decided<R>>,
    reply: oneshot::Sender<StorageResult<R>>,
}

impl<F, R> Job for TypedJob<F, R>
where
    F: FnOnce(&Connection) -> Decided<R> + Send,
    R: Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let decided = catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or(Decided {
            outcome: Err(StorageError::Panicked),
            keep: false,
        });
        let keep = decided.keep && decided.outcome.is_ok();
        self.outcome = Some(decided);
        keep
    }

    fn finish(self: Box<Self>, commit: &Result<(), String>) {
        let result = match (self.outcome, commit) {
            // Nothing of this job was in the commit: its answer stands whatever the commit did.
            (
                Some(Decided {
                    outcome,
                    keep: false,
                }),
                _,
            ) => outcome,
            (
                Some(Decided {
                    outcome: Ok(value), ..
                }),
                Ok(()),
            ) => Ok(value),
            (Some(Decided { outcome: Ok(_), .. }), Err(message)) => {
                Err(StorageError::CommitFailed(message.clone()))
            }
            (
                Some(Decided {
                    outcome: Err(error),
                    ..
                }),
                _,
            ) => Err(error),
            (None, Ok(())) => Err(StorageError::Panicked),
            (None, Err(message)) => Err(StorageError::CommitFailed(message.clone())),
        };
        // The caller may have gone away (request cancelled); the write is committed regardless.
        let _ = self.reply.send(result);
    }
}

#[derive(Debug)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub(super) fn start(
        conn: Connection,
        queue_len: usize,
        metrics: DbMetrics,
    ) -> StorageResult<Self> {
        let (queue, jobs) = mpsc::channel(queue_len.max(1));
        thread::Builder::new()
            .name("sportello-db-writer".into())
            .spawn(move || run(conn, jobs, metrics))
            .map_err(|source| StorageError::DataDir {
                path: "writer thread".into(),
                source,
            })?;
        Ok(Self { queue })
    }

    /// Writes waiting for the writer thread (not counting the batch being committed).
    pub(super) fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    pub(super) async fn submit<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StorageResult<R> + Send + 'static,
    {
        self.submit_decided(move |conn| {
            let outcome = work(conn);
            let keep = outcome.is_ok();
            Decided { outcome, keep }
        })
        .await
    }

    /// Like [`Writer::submit`], for work that decides itself whether its changes are kept.
    pub(super) async fn submit_decided<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Decided<R> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            work: Some(work),
            outcome: None,
            reply,
        });
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Err(StorageError::Overloaded),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(StorageError::WriterStopped),
        }
        answer.await.map_err(|_| StorageError::WriterStopped)?
    }
}

fn run(mut conn: Connection, mut jobs: mpsc::Receiver<Box<dyn Job>>, metrics: DbMetrics) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let commit = commit_batch(&mut conn, &mut batch).map_err(|error| {
            tracing::error!(%error, jobs = batch.len(), "group commit failed");
            error.to_string()
        });
        metrics.observe_write_batch(batch.len(), started.elapsed());
        for job in batch.drain(..) {
            job.finish(&commit);
        }
    }
    // All senders are gone: the server is shutting down. Checkpoint so the WAL does not linger.
    if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(%error, "final WAL checkpoint failed");
    }
}

fn commit_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in batch.iter_mut() {
        let savepoint = tx.savepoint()?;
        if job.run(&savepoint) {
            savepoint.commit()?;
        }
        // Otherwise dropping the savepoint rolls it back.
    }
    tx.commit()
}
