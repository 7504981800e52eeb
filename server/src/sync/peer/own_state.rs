//! Answering a peer that holds changes we refused, from our own state: its message is taken in without
//! the refused changes, so that our sync state describes what the peer has **of ours**. Automerge compute
//! only (no I/O).

use automerge::sync::{Message as SyncMessage, State as SyncState};
use automerge::{Automerge, ChangeHash};

use super::{End, receive};

/// What a peer's sync message says besides its changes: enough to answer it from our own state.
pub(super) struct OwnStateAnswer {
    heads: Vec<ChangeHash>,
    need: Vec<ChangeHash>,
    have: Vec<automerge::sync::Have>,
    flags: Option<automerge::sync::MessageFlags>,
    version: automerge::sync::MessageVersion,
}

impl OwnStateAnswer {
    pub(super) fn of(message: &SyncMessage) -> Self {
        Self {
            heads: message.heads.clone(),
            need: message.need.clone(),
            have: message.have.clone(),
            flags: message.flags,
            version: message.version.clone(),
        }
    }

    pub(super) fn into_message(self) -> SyncMessage {
        SyncMessage {
            heads: self.heads,
            need: self.need,
            have: self.have,
            changes: automerge::sync::ChunkList::from(Vec::<Vec<u8>>::new()),
            flags: self.flags,
            version: self.version,
        }
    }
}

/// Takes in a message from a peer that holds changes we refused (or built on them), without its changes,
/// so that our sync state describes what the peer has **of ours**: then Automerge sends it what it lacks and
/// never asks for what we refused.
///
/// Automerge cannot do this alone. Given heads it does not know, it asks for them (`need`), the peer has
/// already sent them, and each side answers the other for ever because their heads differ; ignoring the
/// message instead leaves a peer on a fresh connection without what others wrote (our pushes carry no
/// changes until we have heard its `have`). So the refused heads are replaced by what the peer has of ours:
/// when its `have` and `need` show it lacks nothing we hold, our own heads (and there is nothing to answer
/// until we change); otherwise the heads of ours it named, or its last sync point, and Automerge sends the
/// changes its bloom filter lacks.
pub(super) fn answer_from_own_state(
    doc: &mut Automerge,
    state: &mut SyncState,
    message: SyncMessage,
) -> Result<(), End> {
    let known = |hash: &ChangeHash| doc.get_change_meta_by_hash(hash).is_some();
    let lacks_something = peer_lacks_something(doc, &message.have, &message.need);
    let heads = if !lacks_something {
        doc.get_heads()
    } else {
        let named: Vec<ChangeHash> = message.heads.iter().copied().filter(known).collect();
        if named.is_empty() {
            let mut last_sync: Vec<ChangeHash> = message
                .have
                .iter()
                .flat_map(|have| have.last_sync.iter().copied())
                .filter(known)
                .collect();
            last_sync.sort_unstable();
            last_sync.dedup();
            last_sync
        } else {
            named
        }
    };
    let message = SyncMessage {
        heads,
        changes: automerge::sync::ChunkList::from(Vec::<Vec<u8>>::new()),
        ..message
    };
    receive(doc, state, message)
}

/// Whether a peer's `have` and `need` show that it lacks a change we hold (as Automerge decides what to
/// send: a change we hold that it needs, or one after its last sync point that none of its bloom filters
/// holds). Without any `have` we cannot tell, and say no: what it needs is still sent.
fn peer_lacks_something(
    doc: &Automerge,
    have: &[automerge::sync::Have],
    need: &[ChangeHash],
) -> bool {
    let known = |hash: &ChangeHash| doc.get_change_meta_by_hash(hash).is_some();
    if need.iter().any(known) {
        return true;
    }
    if have.is_empty() {
        return false;
    }
    let mut last_sync: Vec<ChangeHash> = have
        .iter()
        .flat_map(|have| have.last_sync.iter().copied())
        .collect();
    last_sync.sort_unstable();
    last_sync.dedup();
    if !last_sync.iter().all(known) {
        // Automerge answers such a peer with a reset.
        return true;
    }
    doc.get_changes_meta(&last_sync).iter().any(|meta| {
        have.iter()
            .all(|have| !have.bloom.contains_hash(&meta.hash))
    })
}
