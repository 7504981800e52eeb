//! One WebSocket connection speaking the automerge-repo protocol: handshake, per-document access, sync
//! with validation before commit, offline creation, live pushes from other peers, ephemeral relay.
//!
//! The connection is bound to the user and session whose token opened it; the `senderId` the client
//! claims is only a label. Documents the user may not read do not exist for it (`doc-unavailable`, the
//! same answer as for an unknown id). Incoming changes are applied to a copy of the document, checked
//! (schema and the rules for this user), and only then committed and adopted; refused changes are not
//! stored, are audited once, and the peer is told in an `ephemeral` message on that document.
//!
//! Failure handling: protocol errors get an `error` message and a close; a panic while handling a
//! message closes this connection only (and drops the in-memory copy of the document it was touching,
//! which is reloaded from disk); a revoked session is noticed within `session_check` and closed.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use futures_util::{FutureExt, StreamExt};
use sportello_schema::Role;
use sportello_schema::policy::Access;
use sportello_schema::sync::bounds::{self, BoundsError};
use sportello_schema::sync::{
    DocSync, DocUnavailable, DocumentId, Ephemeral, ErrorMessage, Message, Peer, PeerId,
    PeerMetadata, RefusalNotice,
};

use super::hub::{Registration, Relayed};
use super::rules::{self, Refusal};
use super::store::SharedEntry;
use super::{RecentSet, SyncService};
use crate::access::Actor;
use crate::audit::denials::{self, Limit};
use crate::audit::{Action, AuditRecord, Outcome};
use crate::clock::rfc3339;
use crate::state::AppState;
use crate::storage::documents::{self, RawDocId};
use crate::storage::{StorageError, audit};

/// The reason given when the server, not the peer, is at fault.
pub const INTERNAL_ERROR: &str = "internal error";
/// The reasons given when no connection slot is left: for this user or address, or on the whole server.
pub const TOO_MANY_CONNECTIONS: &str = "too_many_connections";
pub const BUSY: &str = "busy";

/// Why a connection ends.
#[derive(Debug)]
enum End {
    /// The peer closed, or the socket broke: nothing to say.
    Gone,
    /// We close, telling the peer why (an `error` message, then a close frame).
    Close(CloseCode, String),
}

impl From<actix_ws::Closed> for End {
    fn from(_: actix_ws::Closed) -> Self {
        End::Gone
    }
}

impl From<StorageError> for End {
    fn from(error: StorageError) -> Self {
        tracing::error!(%error, "sync: storage failed");
        End::Close(CloseCode::Error, "internal error".into())
    }
}

/// A document this connection has open.
#[derive(Debug)]
struct OpenDoc {
    state: SyncState,
    may_write: bool,
}

/// A document the peer is creating offline: it exists only here until its first changes validate.
#[derive(Debug)]
struct Pending {
    doc: Automerge,
    state: SyncState,
    refused: HashSet<ChangeHash>,
}

struct Connection {
    app: AppState,
    sync: SyncService,
    actor: Actor,
    session: Session,
    registration: Registration,
    /// The label the client gave itself; only used to address our messages back.
    peer_label: PeerId,
    open: HashMap<RawDocId, OpenDoc>,
    pending: HashMap<RawDocId, Pending>,
    /// Documents whose first read was audited on this connection (the store dedupes per session).
    read_audited: HashSet<RawDocId>,
    /// Unavailable answers already audited on this connection (clients retry every few seconds).
    denial_audited: HashSet<RawDocId>,
    /// Documents whose oversized or unreadable changes were refused (and audited) on this connection.
    unmeasured_refused: HashSet<RawDocId>,
    /// The sender label other peers see on this connection's ephemeral messages: made by the server from
    /// the user and the connection, never taken from the peer.
    stamped_label: String,
    /// Ephemeral messages relayed to this peer (document, sender, session, count), to drop their echoes.
    relayed_here: RecentSet<(RawDocId, String, String, u64)>,
    /// Ephemeral messages received from this peer (document, session, count), to drop repeats.
    received_here: RecentSet<(RawDocId, String, u64)>,
}

/// How long a peer past its limit of refused documents waits for each further answer.
const DENIED_PAST_LIMIT_DELAY: std::time::Duration = std::time::Duration::from_millis(100);

/// Ephemeral message ids a connection remembers, each way.
const RECENT_EPHEMERAL: usize = 4_096;

/// Serves one upgraded connection until it ends. `authenticated` is the outcome of the token check done
/// at upgrade: a refusal is answered cheaply with an `error` message and a policy close.
pub async fn serve(
    app: AppState,
    authenticated: Result<Actor, &'static str>,
    mut session: Session,
    stream: actix_ws::MessageStream,
) {
    let sync = app.sync.clone();
    let mut stream = stream
        .max_frame_size(sync.limits.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(sync.limits.max_frame_bytes);
    let actor = match authenticated {
        Ok(actor) => actor,
        Err(reason) => {
            let _ = send_error(&mut session, &sync, None, reason).await;
            let code = match reason {
                INTERNAL_ERROR => CloseCode::Error,
                BUSY | TOO_MANY_CONNECTIONS => CloseCode::Again,
                _ => CloseCode::Policy,
            };
            let close = CloseReason {
                code,
                description: Some(reason.to_owned()),
            };
            let _ = session.close(Some(close)).await;
            return;
        }
    };

    // The handshake: a `join` offering protocol "1" first, within the time limit.
    let join = tokio::time::timeout(sync.limits.handshake_timeout, stream.next()).await;
    let join = match join {
        Ok(Some(Ok(AggregatedMessage::Binary(bytes)))) => {
            sportello_schema::sync::decode(&bytes).ok()
        }
        _ => None,
    };
    let Some(Message::Join(join)) = join else {
        let _ = send_error(&mut session, &sync, None, "expected a join message first").await;
        let _ = session.close(Some(policy_close("expected join"))).await;
        return;
    };
    if !join.offers_protocol_v1() {
        let _ = send_error(
            &mut session,
            &sync,
            Some(&join.sender_id),
            "unsupported protocol version",
        )
        .await;
        let _ = session
            .close(Some(policy_close("unsupported protocol version")))
            .await;
        return;
    }
    let peer = Message::Peer(Peer {
        sender_id: sync.server_peer_id.clone(),
        target_id: join.sender_id.clone(),
        peer_metadata: Some(PeerMetadata {
            storage_id: Some(sync.storage_id.clone()),
            is_ephemeral: Some(false),
        }),
        selected_protocol_version: sportello_schema::sync::message::PROTOCOL_V1.into(),
    });
    if session
        .binary(sportello_schema::sync::encode(&peer))
        .await
        .is_err()
    {
        return;
    }

    let registration = sync.hub.register(actor.user_id, actor.session_id);
    let mut connection = Connection {
        app,
        sync,
        actor,
        session,
        registration,
        peer_label: join.sender_id,
        open: HashMap::new(),
        pending: HashMap::new(),
        read_audited: HashSet::new(),
        denial_audited: HashSet::new(),
        unmeasured_refused: HashSet::new(),
        stamped_label: String::new(),
        relayed_here: RecentSet::new(RECENT_EPHEMERAL),
        received_here: RecentSet::new(RECENT_EPHEMERAL),
    };
    connection.stamped_label = format!(
        "user-{}-{}",
        connection.actor.user_id, connection.registration.key
    );
    let end = connection.run(&mut stream).await;
    if let End::Close(code, reason) = end {
        let _ = send_error(
            &mut connection.session,
            &connection.sync,
            Some(&connection.peer_label),
            &reason,
        )
        .await;
        let _ = connection
            .session
            .close(Some(CloseReason {
                code,
                description: Some(reason),
            }))
            .await;
    }
}

fn policy_close(reason: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::Policy,
        description: Some(reason.to_owned()),
    }
}

async fn send_error(
    session: &mut Session,
    sync: &SyncService,
    target: Option<&PeerId>,
    message: &str,
) -> Result<(), actix_ws::Closed> {
    let error = Message::Error(ErrorMessage {
        sender_id: Some(sync.server_peer_id.clone()),
        target_id: target.cloned(),
        message: message.to_owned(),
    });
    session.binary(sportello_schema::sync::encode(&error)).await
}

impl Connection {
    async fn run(&mut self, stream: &mut actix_ws::AggregatedMessageStream) -> End {
        let wake = std::sync::Arc::clone(&self.registration.wake);
        let mut session_check = tokio::time::interval(self.sync.limits.session_check);
        session_check.tick().await;
        loop {
            tokio::select! {
                frame = stream.next() => {
                    let outcome = match frame {
                        None => return End::Gone,
                        Some(Err(actix_ws::ProtocolError::Overflow)) => {
                            return End::Close(CloseCode::Size, "frame too large".into());
                        }
                        Some(Err(_)) => return End::Close(CloseCode::Protocol, "malformed WebSocket frame".into()),
                        Some(Ok(AggregatedMessage::Binary(bytes))) => self.on_frame(&bytes).await,
                        Some(Ok(AggregatedMessage::Text(_))) => {
                            Err(End::Close(CloseCode::Unsupported, "only binary CBOR frames are accepted".into()))
                        }
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            self.session.pong(&bytes).await.map_err(End::from)
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => Ok(()),
                        Some(Ok(AggregatedMessage::Close(_))) => return End::Gone,
                    };
                    if let Err(end) = outcome {
                        return end;
                    }
                }
                _ = wake.notified() => {
                    if let Err(end) = self.on_wake().await {
                        return end;
                    }
                }
                _ = session_check.tick() => {
                    match crate::access::still_live(
                        &self.app.storage,
                        self.app.now(),
                        &crate::access::Principal::User(self.actor.clone()),
                    ).await {
                        Ok(true) => {}
                        Ok(false) => {
                            return End::Close(CloseCode::Policy, "session ended or account changed".into());
                        }
                        Err(_) => return End::Close(CloseCode::Error, "internal error".into()),
                    }
                }
            }
        }
    }

    /// One frame from the peer; a panic inside closes only this connection.
    async fn on_frame(&mut self, bytes: &[u8]) -> Result<(), End> {
        let message = sportello_schema::sync::decode(bytes).map_err(|error| {
            End::Close(CloseCode::Protocol, format!("invalid message: {error}"))
        })?;
        let doc = message.document_id().map(|id| *id.as_bytes());
        let outcome = AssertUnwindSafe(self.on_message(message))
            .catch_unwind()
            .await;
        match outcome {
            Ok(result) => result,
            Err(_) => {
                tracing::error!("sync: a panic while handling a message; closing the connection");
                if let Some(doc) = doc {
                    self.sync.store.forget(&doc);
                }
                Err(End::Close(CloseCode::Error, "internal error".into()))
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), End> {
        match message {
            Message::Sync(body) => self.on_sync(body, false).await,
            Message::Request(body) => self.on_sync(body, true).await,
            Message::Ephemeral(ephemeral) => {
                self.on_ephemeral(ephemeral);
                Ok(())
            }
            Message::Leave(_) => Err(End::Gone),
            Message::Join(_) | Message::Peer(_) => Err(End::Close(
                CloseCode::Protocol,
                "unexpected handshake message".into(),
            )),
            // Errors and doc-unavailable from a client, and types we do not implement, need no answer.
            Message::Error(_) | Message::DocUnavailable(_) | Message::Unknown { .. } => Ok(()),
        }
    }

    fn now(&self) -> i64 {
        self.app.now()
    }

    async fn send(&mut self, message: &Message) -> Result<(), End> {
        self.session
            .binary(sportello_schema::sync::encode(message))
            .await
            .map_err(End::from)
    }

    async fn send_sync(&mut self, doc: RawDocId, data: Vec<u8>) -> Result<(), End> {
        let message = Message::Sync(DocSync {
            sender_id: self.sync.server_peer_id.clone(),
            target_id: self.peer_label.clone(),
            document_id: DocumentId::from_bytes(doc),
            data,
        });
        self.send(&message).await
    }

    async fn unavailable(&mut self, doc: RawDocId) -> Result<(), End> {
        self.audit_denial(doc).await?;
        let message = Message::DocUnavailable(DocUnavailable {
            sender_id: self.sync.server_peer_id.clone(),
            target_id: self.peer_label.clone(),
            document_id: DocumentId::from_bytes(doc),
        });
        self.send(&message).await
    }

    /// Audits that this peer was refused `doc` (once per document and connection: clients retry every
    /// few seconds).
    async fn audit_denial(&mut self, doc: RawDocId) -> Result<(), End> {
        if !self.denial_audited.insert(doc) {
            return Ok(());
        }
        // Counted per user and window: the first is written, repeats are summed up in one row. A peer
        // past the limit is slowed down, not closed: a tablet that still holds many documents it lost
        // access to offers them all at every reconnect, and closing it would only make it reconnect and
        // offer them again, never syncing the rest.
        let record = AuditRecord::new(self.actor.audit_actor(), Action::DocDenied, Outcome::Denied)
            .target(DocumentId::from_bytes(doc));
        if let Limit::Exceeded { .. } = denials::record(&self.app, record).await? {
            tokio::time::sleep(DENIED_PAST_LIMIT_DELAY).await;
        }
        Ok(())
    }

    /// Tells the peer, on the document's ephemeral channel, why its changes were not accepted.
    async fn tell_refused(&mut self, doc: RawDocId, refusal: &Refusal) -> Result<(), End> {
        let payload = RefusalNotice::new(refusal.code, &refusal.reason).encode();
        let message = Message::Ephemeral(Ephemeral {
            sender_id: self.sync.server_peer_id.clone(),
            target_id: self.peer_label.clone(),
            count: self.sync.next_ephemeral_count(),
            session_id: self.sync.server_session_label.clone(),
            document_id: DocumentId::from_bytes(doc),
            data: payload,
        });
        self.send(&message).await
    }

    /// Audits a refusal and remembers the refused changes, in one write: offered again, on this connection
    /// or a later one, they are refused without another audit row.
    async fn record_refusal(&self, doc: RawDocId, hashes: &[ChangeHash]) -> Result<(), End> {
        let record = AuditRecord::new(
            self.actor.audit_actor(),
            Action::DocRefused,
            Outcome::Denied,
        )
        .target(DocumentId::from_bytes(doc));
        let at = rfc3339(self.app.clock.now());
        let now = self.now();
        let hashes: Vec<[u8; 32]> = hashes.iter().map(|hash| hash.0).collect();
        self.app
            .storage
            .write(move |conn| {
                documents::record_refused(conn, &doc, &hashes, now)?;
                audit::append(conn, &record, &at).map(|_| ())
            })
            .await?;
        Ok(())
    }

    /// Refuses a message whose changes are too large once inflated, or not readable as change chunks:
    /// nothing of it was inflated or applied. The answer does not depend on whether the document exists
    /// or the peer may read it; the refusal is audited once per document and connection (the peer offers
    /// the same changes again at each sync).
    async fn refuse_unmeasured(&mut self, doc: RawDocId, error: &BoundsError) -> Result<(), End> {
        let refusal = match error {
            BoundsError::Malformed(_) => Refusal::unappliable(),
            BoundsError::TooLarge { .. }
            | BoundsError::TooManyChunks { .. }
            | BoundsError::TooManyOps { .. } => Refusal::too_large(error.to_string()),
        };
        if self.unmeasured_refused.insert(doc) {
            // Through the denial counter: a peer sending such messages for many ids adds one row per
            // window, not one per id.
            let record = AuditRecord::new(
                self.actor.audit_actor(),
                Action::DocRefused,
                Outcome::Denied,
            )
            .target(DocumentId::from_bytes(doc));
            if let Limit::Exceeded { .. } = denials::record(&self.app, record).await? {
                tokio::time::sleep(DENIED_PAST_LIMIT_DELAY).await;
            }
            tracing::info!(
                code = refusal.code,
                "sync: refused changes before loading them"
            );
        }
        self.tell_refused(doc, &refusal).await
    }

    /// Audits the first read of `doc` in this session (once per session, across reconnections).
    async fn audit_first_read(&mut self, doc: RawDocId) -> Result<(), End> {
        if !self.read_audited.insert(doc) {
            return Ok(());
        }
        let record = AuditRecord::new(self.actor.audit_actor(), Action::DocRead, Outcome::Success)
            .target(DocumentId::from_bytes(doc));
        let at = rfc3339(self.app.clock.now());
        let session = self.actor.session_id;
        self.app
            .storage
            .write(move |conn| {
                if documents::mark_read(conn, &session.to_string(), &doc)? {
                    audit::append(conn, &record, &at)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    async fn on_sync(&mut self, body: DocSync, is_request: bool) -> Result<(), End> {
        let doc = *body.document_id.as_bytes();
        let message = SyncMessage::decode(&body.data).map_err(|_| {
            End::Close(CloseCode::Protocol, "invalid Automerge sync message".into())
        })?;
        // Automerge trusts the bloom filters' parameters when it next answers this peer (a filter with
        // no bits divided by zero, 2^32 probes allocated 16 GiB): refused as no real peer sends them.
        sportello_schema::sync::have::check_have(&message.have).map_err(|error| {
            End::Close(
                CloseCode::Protocol,
                format!("invalid Automerge sync message: {error}"),
            )
        })?;
        // Before anything inflates or applies the changes, and before access is decided (so the answer is
        // the same for every id): how large they become once inflated.
        if let Err(error) =
            bounds::measure_changes(message.changes.iter(), self.sync.limits.change_budget())
        {
            return self.refuse_unmeasured(doc, &error).await;
        }

        if self.pending.contains_key(&doc) {
            return self.on_pending(doc, message).await;
        }
        if !self.open.contains_key(&doc) {
            if self.open.len() >= self.sync.limits.max_open_docs {
                return Err(End::Close(
                    CloseCode::Policy,
                    "too many documents open on one connection".into(),
                ));
            }
            let may_create = !is_request && may_create_anything(self.actor.role);
            match self.sync.store.open(doc).await? {
                None if may_create => return self.begin_creation(doc, message).await,
                None => return self.unavailable(doc).await,
                Some(entry) => {
                    let access = {
                        let entry = entry.lock().await;
                        rules::access(&self.actor, &entry.row, self.now(), &self.sync.rules)
                    };
                    if !access.may_read() && may_create {
                        // Answered as for an unknown id (where a `sync` begins an offline creation), so
                        // that whether a document exists does not show. Nothing the peer sends can be
                        // stored under this id: the creation finds it taken and the stored document
                        // refuses this peer.
                        self.audit_denial(doc).await?;
                        return self.begin_creation(doc, message).await;
                    }
                    if !access.may_read() {
                        return self.unavailable(doc).await;
                    }
                    let is_index = entry.lock().await.row.facts.kind
                        == sportello_schema::documents::DocKind::Index;
                    if is_index {
                        // The owner opens its index: bring it up to date first.
                        let owner = super::index::IndexOwner {
                            user: self.actor.user_id,
                            role: self.actor.role,
                            areas: self.actor.areas.clone(),
                        };
                        super::index::refresh(&self.sync, &self.app.storage, &owner, self.now())
                            .await?;
                    }
                    self.open_doc(doc, access);
                }
            }
        }
        let Some(entry) = self.sync.store.open(doc).await? else {
            self.close_doc(doc);
            return self.unavailable(doc).await;
        };
        self.sync_open_doc(doc, entry, message).await
    }

    /// Treats `doc` as a document the peer is creating offline: it exists only on this connection until
    /// its first changes validate.
    async fn begin_creation(&mut self, doc: RawDocId, message: SyncMessage) -> Result<(), End> {
        if self.pending.len() >= self.sync.limits.max_pending_creations {
            return self.unavailable(doc).await;
        }
        // A creation refused before (on an earlier connection) stays refused without a second audit row.
        let refused = self
            .app
            .storage
            .read(move |conn| documents::refused(conn, &doc))
            .await?;
        self.pending.insert(
            doc,
            Pending {
                doc: Automerge::new(),
                state: SyncState::new(),
                refused: refused.into_iter().map(ChangeHash).collect(),
            },
        );
        self.on_pending(doc, message).await
    }

    fn open_doc(&mut self, doc: RawDocId, access: Access) {
        let may_write = access.may_write();
        let state = if may_write {
            SyncState::new()
        } else {
            SyncState::new_read_only()
        };
        self.open.insert(doc, OpenDoc { state, may_write });
        self.sync.hub.subscribe(self.registration.key, doc);
    }

    fn close_doc(&mut self, doc: RawDocId) {
        self.open.remove(&doc);
        self.sync.hub.unsubscribe(self.registration.key, doc);
    }

    /// Applies a sync message to an open document: validation before commit for changes, read-only for
    /// readers, then the answer.
    async fn sync_open_doc(
        &mut self,
        doc: RawDocId,
        entry: SharedEntry,
        message: SyncMessage,
    ) -> Result<(), End> {
        let now = self.now();
        let mut entry = entry.lock().await;
        entry.touch();
        // Access follows the document: a referral cancelled a moment ago closes it for this peer.
        let access = rules::access(&self.actor, &entry.row, now, &self.sync.rules);
        if !access.may_read() {
            drop(entry);
            self.close_doc(doc);
            return self.unavailable(doc).await;
        }
        let Some(open) = self.open.get_mut(&doc) else {
            return Ok(());
        };
        if open.may_write != access.may_write() {
            open.may_write = access.may_write();
            open.state.set_read_only(!open.may_write);
        }

        let mut committed = false;
        let mut refusal: Option<(Refusal, Vec<ChangeHash>)> = None;
        if message
            .heads
            .iter()
            .any(|head| entry.refused.contains(head))
        {
            // The peer still holds changes we refused (and perhaps more built on them): answered from our own
            // state, so that it still receives what others write.
            answer_from_own_state(&mut entry.doc, &mut open.state, message)?;
        } else if message.changes.is_empty() {
            receive(&mut entry.doc, &mut open.state, message)?;
        } else {
            let before = entry.doc.get_heads();
            let mut candidate = entry.doc.clone();
            let mut state = open.state.clone();
            // A reader's state would silently drop the changes; apply them to the copy anyway to know
            // what was offered, refuse it, and tell the peer.
            state.set_read_only(false);
            let offered_heads = message.heads.clone();
            let asked = OwnStateAnswer::of(&message);
            if receive(&mut candidate, &mut state, message).is_err() {
                // Changes Automerge cannot apply (a sequence number taken already, say) are refused like
                // invalid ones, never answered by closing: a closed connection would reconnect and offer
                // them again, forever, and every other document on the connection would stall with them.
                let unknown: Vec<ChangeHash> = offered_heads
                    .into_iter()
                    .filter(|head| entry.doc.get_change_meta_by_hash(head).is_none())
                    .collect();
                entry.refused.extend(unknown.iter().copied());
                refusal = Some((Refusal::unappliable(), unknown));
            } else {
                let added = Added::between(&candidate, &before);
                // Changes waiting for a dependency we refused can never be applied.
                let queued_on_refused = candidate
                    .get_missing_deps(&[])
                    .iter()
                    .any(|hash| entry.refused.contains(hash));
                let mut answered_from_own_state = false;
                let verdict = if added.hashes.iter().any(|hash| entry.refused.contains(hash))
                    || queued_on_refused
                {
                    // Offered again after a refusal, perhaps with more built on it: refused at once,
                    // silently (audited and told the first time), and answered from our own state. The
                    // message's heads we still lack are built on the refusal too: refused with it, so that
                    // later messages naming them are answered the same way.
                    entry.refused.extend(added.hashes.iter().copied());
                    entry.refused.extend(
                        offered_heads
                            .iter()
                            .filter(|head| candidate.get_change_meta_by_hash(head).is_none()),
                    );
                    answer_from_own_state(&mut entry.doc, &mut open.state, asked.into_message())?;
                    answered_from_own_state = true;
                    None
                } else if added.hashes.is_empty() {
                    None
                } else if !open.may_write {
                    Some(Err(Refusal {
                        code: "read_only",
                        reason: "this document is read-only for you: your changes are not applied"
                            .into(),
                    }))
                } else {
                    Some(
                        match (
                            rules::hydrate_stored(&entry.doc),
                            rules::hydrate(&candidate),
                        ) {
                            (Ok(old), Ok(new)) => rules::check_write(
                                &self.actor,
                                Some(&old),
                                &new,
                                now,
                                &self.sync.rules,
                            )
                            .map(|()| new),
                            (_, Err(refused)) => Err(refused),
                            (Err(_), Ok(new)) => {
                                rules::check_write(&self.actor, None, &new, now, &self.sync.rules)
                                    .map(|()| new)
                            }
                        },
                    )
                };
                let verdict = match verdict {
                    Some(Ok(new)) => {
                        let chunk = candidate.save_after(&before);
                        self.sync
                            .limits
                            .check_doc_size(entry.row.stored_bytes, chunk.len())
                            .map(|()| (new, chunk))
                            .map(Some)
                    }
                    Some(Err(refused)) => Err(refused),
                    None => Ok(None),
                };
                match verdict {
                    // Our state already took in what the peer has of ours.
                    Ok(None) if answered_from_own_state => {}
                    Ok(None) => {
                        state.set_read_only(!open.may_write);
                        open.state = state;
                    }
                    Ok(Some((new, chunk))) => {
                        let facts = rules::facts_of(&new);
                        let record = AuditRecord::new(
                            self.actor.audit_actor(),
                            Action::DocWrite,
                            Outcome::Success,
                        )
                        .target(DocumentId::from_bytes(doc));
                        let at = rfc3339(self.app.clock.now());
                        let user = self.actor.user_id;
                        let actors = added.actors;
                        let written = self
                            .app
                            .storage
                            .write(move |conn| {
                                if !documents::claim_actors(conn, &actors, user, now)? {
                                    return Ok(None);
                                }
                                documents::append_chunk(conn, &doc, &chunk, &facts, now)?;
                                audit::append(conn, &record, &at)?;
                                documents::find(conn, &doc).map(Some)
                            })
                            .await?;
                        match written {
                            None => {
                                entry.refused.extend(added.hashes.iter().copied());
                                refusal = Some((Refusal::foreign_actor(), added.hashes));
                            }
                            Some(row) => {
                                if let Some(row) = row {
                                    entry.row = row;
                                }
                                entry.doc = candidate;
                                open.state = state;
                                committed = true;
                            }
                        }
                    }
                    Err(refused) => {
                        entry.refused.extend(added.hashes.iter().copied());
                        refusal = Some((refused, added.hashes));
                    }
                }
            }
        }
        // Nothing is answered to a refused message: the refusal goes on the ephemeral channel.
        let reply = if refusal.is_some() {
            None
        } else {
            entry
                .doc
                .generate_sync_message(&mut open.state)
                .map(SyncMessage::encode)
        };
        drop(entry);

        if let Some((refused, hashes)) = &refusal {
            self.record_refusal(doc, hashes).await?;
            tracing::info!(code = refused.code, "sync: refused changes");
            self.tell_refused(doc, refused).await?;
        }
        if committed {
            self.sync.hub.changed(doc, self.registration.key);
            self.sync.index_changed(doc);
        }
        self.audit_first_read(doc).await?;
        if let Some(data) = reply {
            self.send_sync(doc, data).await?;
        }
        Ok(())
    }

    /// A document the peer is creating: once its first changes validate, it is stored and becomes an
    /// ordinary open document.
    async fn on_pending(&mut self, doc: RawDocId, message: SyncMessage) -> Result<(), End> {
        let now = self.now();
        let Some(pending) = self.pending.get_mut(&doc) else {
            return Ok(());
        };
        if message
            .heads
            .iter()
            .any(|head| pending.refused.contains(head))
        {
            return Ok(());
        }
        if message.changes.is_empty() {
            receive(&mut pending.doc, &mut pending.state, message)?;
            let reply = pending
                .doc
                .generate_sync_message(&mut pending.state)
                .map(SyncMessage::encode);
            if let Some(data) = reply {
                self.send_sync(doc, data).await?;
            }
            return Ok(());
        }
        let original = message.clone();
        let mut candidate = pending.doc.clone();
        let mut state = pending.state.clone();
        let offered_heads = message.heads.clone();
        if receive(&mut candidate, &mut state, message).is_err() {
            pending.refused.extend(offered_heads.iter().copied());
            self.record_refusal(doc, &offered_heads).await?;
            return self.tell_refused(doc, &Refusal::unappliable()).await;
        }
        let added = Added::between(&candidate, &[]);
        if added
            .hashes
            .iter()
            .any(|hash| pending.refused.contains(hash))
        {
            pending.refused.extend(added.hashes);
            return Ok(());
        }
        let snapshot = candidate.save();
        let verdict = rules::hydrate(&candidate)
            .and_then(|new| {
                rules::check_write(&self.actor, None, &new, now, &self.sync.rules).map(|()| new)
            })
            .and_then(|new| {
                self.sync
                    .limits
                    .check_doc_size(0, snapshot.len())
                    .map(|()| new)
            });
        let new = match verdict {
            Ok(new) => new,
            Err(refused) => {
                pending.refused.extend(added.hashes.iter().copied());
                self.record_refusal(doc, &added.hashes).await?;
                return self.tell_refused(doc, &refused).await;
            }
        };
        let facts = rules::facts_of(&new);
        let record = AuditRecord::new(
            self.actor.audit_actor(),
            Action::DocCreate,
            Outcome::Success,
        )
        .target(DocumentId::from_bytes(doc));
        let at = rfc3339(self.app.clock.now());
        let user = self.actor.user_id;
        let actors = added.actors;
        let stored = self
            .app
            .storage
            .write(move |conn| {
                if !documents::claim_actors(conn, &actors, user, now)? {
                    return Ok(Created::ForeignActor);
                }
                if !documents::insert(conn, &doc, &facts, &snapshot, now)? {
                    return Ok(Created::Exists);
                }
                audit::append(conn, &record, &at)?;
                Ok(documents::find(conn, &doc)?.map_or(Created::Exists, Created::Stored))
            })
            .await?;
        let stored = match stored {
            Created::ForeignActor => {
                if let Some(pending) = self.pending.get_mut(&doc) {
                    pending.refused.extend(added.hashes.iter().copied());
                }
                self.record_refusal(doc, &added.hashes).await?;
                return self.tell_refused(doc, &Refusal::foreign_actor()).await;
            }
            Created::Exists => None,
            Created::Stored(row) => Some(row),
        };
        self.pending.remove(&doc);
        let Some(row) = stored else {
            // Created meanwhile by another connection (the same tablet reconnecting, say), or an id this
            // peer may not read: this message now goes to the stored document, like any sync of an
            // existing one, and never begins a creation again.
            let body = DocSync {
                sender_id: self.peer_label.clone(),
                target_id: self.sync.server_peer_id.clone(),
                document_id: DocumentId::from_bytes(doc),
                data: original.encode(),
            };
            return Box::pin(self.on_sync(body, true)).await;
        };
        let access = rules::access(&self.actor, &row, now, &self.sync.rules);
        self.sync.store.adopt(doc, candidate, row);
        self.sync.index_changed(doc);
        if !access.may_read() {
            return self.unavailable(doc).await;
        }
        self.open_doc(doc, access);
        if let Some(open) = self.open.get_mut(&doc) {
            open.state = state;
        }
        let Some(entry) = self.sync.store.open(doc).await? else {
            return Ok(());
        };
        let reply = {
            let entry = entry.lock().await;
            let open = self.open.get_mut(&doc).expect("opened just above");
            entry
                .doc
                .generate_sync_message(&mut open.state)
                .map(SyncMessage::encode)
        };
        self.read_audited.insert(doc);
        if let Some(data) = reply {
            self.send_sync(doc, data).await?;
        }
        Ok(())
    }

    /// Relays an ephemeral message (presence, cursors) to the other peers with the document open. The
    /// sender is stamped by the server from the authenticated connection, whatever the peer claims, so
    /// nobody can speak as the server or as another peer; repeats and echoes are dropped per connection,
    /// so nobody can pre-empt another peer's messages by replaying their ids.
    fn on_ephemeral(&mut self, ephemeral: Ephemeral) {
        let doc = *ephemeral.document_id.as_bytes();
        // Only peers with the document open may speak on it; relayed only to others who have it open
        // (and so may read it).
        if !self.open.contains_key(&doc) {
            return;
        }
        // A JS repo relays what it receives on to its other peers, back to us too: an echo carries the
        // stamped sender, session and count we sent this connection.
        let echo = (
            doc,
            ephemeral.sender_id.as_str().to_owned(),
            ephemeral.session_id.clone(),
            ephemeral.count,
        );
        if self.relayed_here.contains(&echo) {
            return;
        }
        if !self
            .received_here
            .insert((doc, ephemeral.session_id.clone(), ephemeral.count))
        {
            return;
        }
        let relayed = Relayed {
            doc,
            from_label: self.stamped_label.clone(),
            session_label: ephemeral.session_id,
            count: ephemeral.count,
            data: ephemeral.data,
        };
        self.sync.hub.relay(relayed, self.registration.key);
    }

    /// Pushes what other peers changed, relays ephemeral messages, honours close requests.
    async fn on_wake(&mut self) -> Result<(), End> {
        let inbox = self.registration.take();
        if let Some(reason) = inbox.close {
            return Err(End::Close(CloseCode::Policy, reason.into()));
        }
        for doc in inbox.changed {
            if !self.open.contains_key(&doc) {
                continue;
            }
            let Some(entry) = self.sync.store.open(doc).await? else {
                continue;
            };
            let now = self.now();
            let reply = {
                let entry = entry.lock().await;
                let access = rules::access(&self.actor, &entry.row, now, &self.sync.rules);
                if !access.may_read() {
                    None
                } else {
                    let open = self.open.get_mut(&doc).expect("checked above");
                    if open.may_write != access.may_write() {
                        open.may_write = access.may_write();
                        open.state.set_read_only(!open.may_write);
                    }
                    Some(
                        entry
                            .doc
                            .generate_sync_message(&mut open.state)
                            .map(SyncMessage::encode),
                    )
                }
            };
            match reply {
                None => {
                    self.close_doc(doc);
                    self.unavailable(doc).await?;
                }
                Some(Some(data)) => self.send_sync(doc, data).await?,
                Some(None) => {}
            }
        }
        for relayed in inbox.ephemeral {
            if !self.open.contains_key(&relayed.doc) {
                continue;
            }
            let Ok(sender_id) = PeerId::parse(&relayed.from_label) else {
                continue;
            };
            self.relayed_here.insert((
                relayed.doc,
                relayed.from_label.clone(),
                relayed.session_label.clone(),
                relayed.count,
            ));
            let message = Message::Ephemeral(Ephemeral {
                sender_id,
                target_id: self.peer_label.clone(),
                count: relayed.count,
                session_id: relayed.session_label,
                document_id: DocumentId::from_bytes(relayed.doc),
                data: relayed.data,
            });
            self.send(&message).await?;
        }
        Ok(())
    }
}

/// Applies a peer's sync message; a message Automerge cannot apply is a protocol error.
fn receive(doc: &mut Automerge, state: &mut SyncState, message: SyncMessage) -> Result<(), End> {
    doc.receive_sync_message(state, message)
        .map_err(|_| End::Close(CloseCode::Protocol, "invalid Automerge sync message".into()))
}

/// What a peer's sync message says besides its changes: enough to answer it from our own state.
struct OwnStateAnswer {
    heads: Vec<ChangeHash>,
    need: Vec<ChangeHash>,
    have: Vec<automerge::sync::Have>,
    flags: Option<automerge::sync::MessageFlags>,
    version: automerge::sync::MessageVersion,
}

impl OwnStateAnswer {
    fn of(message: &SyncMessage) -> Self {
        Self {
            heads: message.heads.clone(),
            need: message.need.clone(),
            have: message.have.clone(),
            flags: message.flags,
            version: message.version.clone(),
        }
    }

    fn into_message(self) -> SyncMessage {
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
fn answer_from_own_state(
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

/// Roles that create documents offline (operators create cases, social workers case notes).
fn may_create_anything(role: Role) -> bool {
    matches!(role, Role::Operator | Role::SocialWorker)
}

/// The changes a candidate gained over `before`: their hashes, and the actor ids they were written under
/// (each once).
struct Added {
    hashes: Vec<ChangeHash>,
    actors: Vec<Vec<u8>>,
}

impl Added {
    /// Metadata only: encoding the changes just to hash them was the largest cost of a write.
    fn between(candidate: &Automerge, before: &[ChangeHash]) -> Self {
        let metas = candidate.get_changes_meta(before);
        let mut actors: Vec<Vec<u8>> = metas
            .iter()
            .map(|meta| meta.actor.to_bytes().to_vec())
            .collect();
        actors.sort_unstable();
        actors.dedup();
        Self {
            hashes: metas.iter().map(|meta| meta.hash).collect(),
            actors,
        }
    }
}

/// What storing a new document came to.
enum Created {
    Stored(documents::DocRow),
    /// Created meanwhile by another connection.
    Exists,
    /// A change was written under an actor id another user owns: nothing was stored.
    ForeignActor,
}
