//! Offline-first document sync: the automerge-repo protocol server at `GET /sync`, the loaded-document
//! cache, and the rules that decide who may read, write and create each document.
//!
//! - [`peer`]: one WebSocket connection (handshake, access, validated sync, creation, pushes, relay).
//! - [`hub`]: who is connected with which documents open; change notifications and closes.
//! - [`store`]: the bounded cache of loaded documents over `storage::documents`.
//! - [`rules`]: hydrate, derive facts, decide access, check writes (pure).

pub mod hub;
pub mod index;
pub mod peer;
pub mod rules;
pub mod store;

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sportello_schema::sync::bounds::ChangeBudget;
use sportello_schema::sync::{PeerId, StorageId};

use self::hub::Hub;
use self::index::Indexes;
use self::rules::{Refusal, RuleSettings};
use self::store::DocStore;
use crate::metrics::IndexMetrics;
use crate::slots::Slots;
use crate::storage::documents::RawDocId;

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
}

impl SyncLimits {
    pub fn change_budget(&self) -> ChangeBudget {
        ChangeBudget {
            max_inflated_bytes: self.max_inflated_bytes,
            max_chunks: self.max_chunks,
            max_ops: self.max_ops,
        }
    }

    /// Whether a document of `stored` bytes may grow by `adding` bytes.
    pub fn check_doc_size(&self, stored: i64, adding: usize) -> Result<(), Refusal> {
        let total = usize::try_from(stored.max(0))
            .unwrap_or(usize::MAX)
            .saturating_add(adding);
        if total > self.max_doc_bytes {
            return Err(Refusal::too_large(format!(
                "the document would grow past {} bytes",
                self.max_doc_bytes
            )));
        }
        Ok(())
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
        }
    }
}

/// Shared by every connection: the document cache, the hub, the rules and the server's own identity.
#[derive(Debug, Clone)]
pub struct SyncService {
    pub store: DocStore,
    pub hub: Hub,
    pub rules: RuleSettings,
    pub limits: SyncLimits,
    /// Open sync connections, counted in total, per user and per client address.
    pub connections: Slots,
    /// The label this server gives itself in the protocol.
    pub server_peer_id: PeerId,
    pub storage_id: StorageId,
    /// `sessionId` of the ephemeral messages the server itself sends.
    pub server_session_label: String,
    ephemeral_count: Arc<AtomicU64>,
    /// The users' index documents: their ids, the ones kept current, the commits they still have to see.
    pub indexes: Indexes,
}

/// The most recent keys seen, at most `capacity` (the oldest go first): a connection's memory of the
/// ephemeral messages it relayed and received, to drop echoes and repeats.
#[derive(Debug)]
pub struct RecentSet<K> {
    capacity: usize,
    order: VecDeque<K>,
    set: HashSet<K>,
}

impl<K: std::hash::Hash + Eq + Clone> RecentSet<K> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            set: HashSet::new(),
        }
    }

    /// True the first time `key` is seen recently.
    pub fn insert(&mut self, key: K) -> bool {
        if !self.set.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }

    pub fn contains(&self, key: &K) -> bool {
        self.set.contains(key)
    }
}

impl SyncService {
    pub fn new(
        store: DocStore,
        rules: RuleSettings,
        limits: SyncLimits,
        storage_id: StorageId,
        index_metrics: IndexMetrics,
    ) -> Self {
        let session = uuid::Uuid::new_v4().simple().to_string();
        Self {
            store,
            hub: Hub::default(),
            rules,
            connections: Slots::new(limits.max_connections),
            limits,
            server_peer_id: PeerId::parse("sportello-server").expect("a valid constant label"),
            storage_id,
            server_session_label: session,
            ephemeral_count: Arc::new(AtomicU64::new(0)),
            indexes: Indexes::new(index_metrics),
        }
    }

    pub fn next_ephemeral_count(&self) -> u64 {
        self.ephemeral_count.fetch_add(1, Ordering::Relaxed)
    }

    /// Called after a document was created or changed: the indexes it affects are updated in the
    /// background (`index::updater`). Never blocks.
    pub fn index_changed(&self, doc: RawDocId) {
        self.indexes.changed(doc);
    }
}

/// The payload of the ephemeral message telling a peer its changes were refused: a CBOR map
/// `{type: "sportello/refused", code, reason}` (the JS client decodes ephemeral data as CBOR).
pub fn refusal_payload(refusal: &Refusal) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, value: &str) {
        let len = value.len();
        match len {
            0..=23 => out.push(0x60 | len as u8),
            24..=0xff => out.extend([0x78, len as u8]),
            0x100..=0xffff => {
                out.push(0x79);
                out.extend((len as u16).to_be_bytes());
            }
            _ => {
                out.push(0x7a);
                out.extend((len as u32).to_be_bytes());
            }
        }
        out.extend(value.as_bytes());
    }
    let mut out = vec![0xa3];
    for (key, value) in [
        ("type", "sportello/refused"),
        ("code", refusal.code),
        ("reason", refusal.reason.as_str()),
    ] {
        text(&mut out, key);
        text(&mut out, value);
    }
    out
}
