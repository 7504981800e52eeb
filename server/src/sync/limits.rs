//! The bounds of the sync server, as settings: what one connection, one message and one document may
//! take. A leaf module (it imports nothing of the server), so that `config` can own the values without
//! depending on the sync service.

use std::time::Duration;

use sportello_schema::sync::bounds::ChangeBudget;

/// Bounds that keep one connection from taking more than its share.
#[derive(Debug, Clone)]
pub struct SyncLimits {
    /// Largest WebSocket message accepted (after joining continuation frames); larger closes with 1009.
    pub max_frame_bytes: usize,
    /// Documents one connection may have open at once.
    pub max_open_docs: usize,
    /// Documents one connection may be creating (not yet validated) at once.
    pub max_pending_creations: usize,
    /// Time allowed between the upgrade and the `join` message.
    pub handshake_timeout: Duration,
    /// How often a connection re-checks that its session is still live.
    pub session_check: Duration,
    /// Bytes the changes of one sync message may inflate to (compressed chunks and columns measured
    /// inflated, before Automerge loads them); more is refused with `too_large`.
    pub max_inflated_bytes: usize,
    /// Change chunks in one sync message.
    pub max_chunks: usize,
    /// Operations the changes of one sync message may describe (counted from their run lengths before
    /// Automerge loads them: a 100-byte change can describe a million).
    pub max_ops: u64,
    /// Bytes a stored document may take (snapshot and chunks); a change past it is refused with
    /// `too_large`.
    pub max_doc_bytes: usize,
    /// Sync connections open at once (more are refused inside the protocol with `busy`).
    pub max_connections: usize,
    /// Sync connections one user may have open at once.
    pub max_connections_per_user: usize,
    /// Sync connections one client address may have open at once.
    pub max_connections_per_address: usize,
    /// An index document whose stored bytes (its whole history) pass this, and pass
    /// [`INDEX_HISTORY_FACTOR`] times what a fresh copy of its entries takes, moves to a new id at its
    /// next full build: Automerge keeps every past version, and an index changes at every case change.
    pub index_history_bytes: usize,
}

/// See [`SyncLimits::index_history_bytes`].
pub const INDEX_HISTORY_FACTOR: usize = 4;

impl SyncLimits {
    pub fn change_budget(&self) -> ChangeBudget {
        ChangeBudget {
            max_inflated_bytes: self.max_inflated_bytes,
            max_chunks: self.max_chunks,
            max_ops: self.max_ops,
        }
    }

    /// Whether a document of `stored` bytes may grow by `adding` bytes.
    pub fn doc_may_grow(&self, stored: i64, adding: usize) -> bool {
        let total = usize::try_from(stored.max(0))
            .unwrap_or(usize::MAX)
            .saturating_add(adding);
        total <= self.max_doc_bytes
    }
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 8 * 1024 * 1024,
            max_open_docs: 50_000,
            max_pending_creations: 1_000,
            handshake_timeout: Duration::from_secs(10),
            session_check: Duration::from_secs(5),
            // Compression may not let a message carry more than an uncompressed frame could.
            max_inflated_bytes: 8 * 1024 * 1024,
            max_chunks: 100_000,
            // Loading a million list insertions takes Automerge about 6 s of one core.
            max_ops: 1_000_000,
            max_doc_bytes: 32 * 1024 * 1024,
            max_connections: 2_000,
            max_connections_per_user: 8,
            max_connections_per_address: 64,
            // An 8,000-entry index saves to about 240 KB fresh; 5,000 entry updates add about 160 KB.
            index_history_bytes: 2 * 1024 * 1024,
        }
    }
}
