//! Offline-first document sync: the automerge-repo protocol server at `GET /sync`, the loaded-document
//! cache, and the rules that decide who may read, write and create each document.
//!
//! - [`peer`]: one WebSocket connection (handshake, access, validated sync, creation, pushes, relay).
//! - [`hub`]: who is connected with which documents open; change notifications and closes.
//! - [`store`]: the bounded cache of loaded documents over `storage::documents`.
//! - [`rules`]: hydrate, derive facts, decide access, check writes (pure).

pub mod hub;
pub mod index;
pub mod limits;
pub mod peer;
pub mod rules;
pub mod store;
pub mod verdict;

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sportello_schema::sync::{PeerId, StorageId};

use self::hub::Hub;
use self::index::Indexes;
pub use self::limits::SyncLimits;
use self::rules::RuleSettings;
use self::store::DocStore;
use crate::metrics::IndexMetrics;
use crate::slots::Slots;
use crate::storage::documents::RawDocId;

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
