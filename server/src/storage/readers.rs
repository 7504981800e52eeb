//! A small pool of read-only connections. Each read runs on tokio's blocking pool holding one connection;
//! a semaphore makes callers wait (asynchronously) when all connections are busy.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::{StorageError, StorageResult};
use crate::metrics::DbMetrics;

#[derive(Debug, Clone)]
pub struct ReadPool {
    connections: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    metrics: DbMetrics,
}

impl ReadPool {
    pub(super) fn new(connections: Vec<Connection>, metrics: DbMetrics) -> Self {
        let permits = Arc::new(Semaphore::new(connections.len()));
        Self {
            connections: Arc::new(Mutex::new(connections)),
            permits,
            metrics,
        }
    }

    pub(super) async fn run<R, F>(&self, work: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StorageResult<R> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StorageError::WriterStopped)?;
        let pool = self.clone();
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = pool
                .lock()
                .pop()
                .expect("a permit guarantees a free connection");
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| work(&conn)));
            pool.metrics.observe_read(started.elapsed());
            pool.lock().push(conn);
            outcome.unwrap_or(Err(StorageError::Panicked))
        });
        handle.await.map_err(|_| StorageError::Panicked)?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
