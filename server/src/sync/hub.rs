//! Who is connected and which documents each connection has open, so that a change accepted from one
//! peer reaches every other peer that has the document open, ephemeral messages are relayed, and
//! connections of an ended session can be closed.
//!
//! Notifications never block and never get lost: each peer has an inbox holding the *set* of documents
//! that changed since it last looked (coalesced), a bounded queue of ephemeral messages (oldest dropped:
//! they are presence hints, not data), and a close request; a `Notify` wakes the peer's task.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use sportello_schema::{SessionId, UserId};
use tokio::sync::Notify;

use crate::storage::documents::RawDocId;

pub type PeerKey = u64;

const MAX_QUEUED_EPHEMERAL: usize = 256;

/// An ephemeral message to pass on, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    pub doc: RawDocId,
    pub from_label: String,
    pub session_label: String,
    pub count: u64,
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Inbox {
    pub changed: HashSet<RawDocId>,
    pub ephemeral: VecDeque<Relayed>,
    pub close: Option<&'static str>,
}

#[derive(Debug)]
struct PeerSlot {
    user: UserId,
    session: SessionId,
    inbox: Arc<Mutex<Inbox>>,
    wake: Arc<Notify>,
}

#[derive(Debug, Default)]
struct HubInner {
    next_key: PeerKey,
    peers: HashMap<PeerKey, PeerSlot>,
    subscribers: HashMap<RawDocId, HashSet<PeerKey>>,
    open_docs: HashMap<PeerKey, HashSet<RawDocId>>,
}

/// The registration of one connection; unregisters itself when dropped.
#[derive(Debug)]
pub struct Registration {
    hub: Hub,
    pub key: PeerKey,
    pub inbox: Arc<Mutex<Inbox>>,
    pub wake: Arc<Notify>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.unregister(self.key);
    }
}

impl Registration {
    /// Takes everything waiting in the inbox.
    pub fn take(&self) -> Inbox {
        std::mem::take(&mut *lock(&self.inbox))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Clone, Default)]
pub struct Hub {
    inner: Arc<Mutex<HubInner>>,
}

impl Hub {
    pub fn register(&self, user: UserId, session: SessionId) -> Registration {
        let mut inner = lock(&self.inner);
        inner.next_key += 1;
        let key = inner.next_key;
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let wake = Arc::new(Notify::new());
        inner.peers.insert(
            key,
            PeerSlot {
                user,
                session,
                inbox: Arc::clone(&inbox),
                wake: Arc::clone(&wake),
            },
        );
        Registration {
            hub: self.clone(),
            key,
            inbox,
            wake,
        }
    }

    fn unregister(&self, key: PeerKey) {
        let mut inner = lock(&self.inner);
        inner.peers.remove(&key);
        if let Some(docs) = inner.open_docs.remove(&key) {
            for doc in docs {
                if let Some(subscribers) = inner.subscribers.get_mut(&doc) {
                    subscribers.remove(&key);
                    if subscribers.is_empty() {
                        inner.subscribers.remove(&doc);
                    }
                }
            }
        }
    }

    pub fn subscribe(&self, key: PeerKey, doc: RawDocId) {
        let mut inner = lock(&self.inner);
        inner.subscribers.entry(doc).or_default().insert(key);
        inner.open_docs.entry(key).or_default().insert(doc);
    }

    pub fn unsubscribe(&self, key: PeerKey, doc: RawDocId) {
        let mut inner = lock(&self.inner);
        if let Some(subscribers) = inner.subscribers.get_mut(&doc) {
            subscribers.remove(&key);
            if subscribers.is_empty() {
                inner.subscribers.remove(&doc);
            }
        }
        if let Some(docs) = inner.open_docs.get_mut(&key) {
            docs.remove(&doc);
        }
    }

    /// Tells every other peer with `doc` open that it changed.
    pub fn changed(&self, doc: RawDocId, except: PeerKey) {
        let inner = lock(&self.inner);
        let Some(subscribers) = inner.subscribers.get(&doc) else {
            return;
        };
        for key in subscribers.iter().filter(|key| **key != except) {
            if let Some(peer) = inner.peers.get(key) {
                lock(&peer.inbox).changed.insert(doc);
                peer.wake.notify_one();
            }
        }
    }

    /// Passes an ephemeral message to every other peer with the document open.
    pub fn relay(&self, message: Relayed, except: PeerKey) {
        let inner = lock(&self.inner);
        let Some(subscribers) = inner.subscribers.get(&message.doc) else {
            return;
        };
        for key in subscribers.iter().filter(|key| **key != except) {
            if let Some(peer) = inner.peers.get(key) {
                let mut inbox = lock(&peer.inbox);
                if inbox.ephemeral.len() >= MAX_QUEUED_EPHEMERAL {
                    inbox.ephemeral.pop_front();
                }
                inbox.ephemeral.push_back(message.clone());
                peer.wake.notify_one();
            }
        }
    }

    /// Asks every connection of `session` to close.
    pub fn close_session(&self, session: SessionId, reason: &'static str) {
        self.close_where(|slot| slot.session == session, reason);
    }

    /// Asks every connection of `user` to close.
    pub fn close_user(&self, user: UserId, reason: &'static str) {
        self.close_where(|slot| slot.user == user, reason);
    }

    fn close_where(&self, matches: impl Fn(&PeerSlot) -> bool, reason: &'static str) {
        let inner = lock(&self.inner);
        for peer in inner.peers.values().filter(|slot| matches(slot)) {
            lock(&peer.inbox).close = Some(reason);
            peer.wake.notify_one();
        }
    }

    /// Connected peers of a user (for index updates).
    pub fn is_connected(&self, user: UserId) -> bool {
        lock(&self.inner)
            .peers
            .values()
            .any(|slot| slot.user == user)
    }

    pub fn has_subscribers(&self, doc: &RawDocId) -> bool {
        lock(&self.inner)
            .subscribers
            .get(doc)
            .is_some_and(|keys| !keys.is_empty())
    }

    pub fn connections(&self) -> usize {
        lock(&self.inner).peers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reaches_every_other_subscriber_once_and_not_the_author() {
        let hub = Hub::default();
        let (user, session) = (UserId::new_random(), SessionId::new_random());
        let a = hub.register(user, session);
        let b = hub.register(user, session);
        let c = hub.register(user, session);
        hub.subscribe(a.key, [1; 16]);
        hub.subscribe(b.key, [1; 16]);
        hub.changed([1; 16], a.key);
        hub.changed([1; 16], a.key);
        assert!(a.take().changed.is_empty());
        assert_eq!(b.take().changed, HashSet::from([[1; 16]]));
        assert!(c.take().changed.is_empty());
    }

    #[test]
    fn a_dropped_registration_leaves_no_subscription_behind() {
        let hub = Hub::default();
        let a = hub.register(UserId::new_random(), SessionId::new_random());
        hub.subscribe(a.key, [1; 16]);
        drop(a);
        assert_eq!(hub.connections(), 0);
        assert!(lock(&hub.inner).subscribers.is_empty());
    }

    #[test]
    fn closing_a_session_reaches_only_its_connections() {
        let hub = Hub::default();
        let ended = SessionId::new_random();
        let a = hub.register(UserId::new_random(), ended);
        let b = hub.register(UserId::new_random(), SessionId::new_random());
        hub.close_session(ended, "session_ended");
        assert_eq!(a.take().close, Some("session_ended"));
        assert_eq!(b.take().close, None);
    }

    #[test]
    fn the_ephemeral_queue_keeps_only_the_newest_messages() {
        let hub = Hub::default();
        let (user, session) = (UserId::new_random(), SessionId::new_random());
        let a = hub.register(user, session);
        let b = hub.register(user, session);
        hub.subscribe(b.key, [1; 16]);
        for count in 0..(MAX_QUEUED_EPHEMERAL as u64 + 10) {
            let message = Relayed {
                doc: [1; 16],
                from_label: "a".into(),
                session_label: "s".into(),
                count,
                data: vec![],
            };
            hub.relay(message, a.key);
        }
        let inbox = b.take();
        assert_eq!(inbox.ephemeral.len(), MAX_QUEUED_EPHEMERAL);
        assert_eq!(inbox.ephemeral.front().unwrap().count, 10);
    }
}
