//! One WebSocket connection speaking the automerge-repo protocol: the I/O half of the sync server. It
//! reads frames, gathers the facts a decision needs (the stored document, the peer's access, what a
//! message's changes come to once applied to a copy), asks `sync::verdict` what they mean, and does what
//! the answer names: one durable write at most, the answer, the pushes.
//!
//! - this file: the handshake, the connection loop, first contact with a document, the one write of a
//!   message, the messages we send;
//! - [`open_doc`]: a sync message for an open document (validated before commit);
//! - [`creation`]: a document the peer creates offline;
//! - [`pushes`]: what other peers changed, and ephemeral messages relayed both ways;
//! - [`own_state`]: answering a peer that holds refused changes from our own state.
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

mod creation;
mod open_doc;
mod own_state;
mod pushes;

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use automerge::ChangeHash;
use automerge::sync::{Message as SyncMessage, State as SyncState};
use futures_util::{FutureExt, StreamExt};
use rusqlite::Connection as Sql;
use sportello_schema::policy::Access;
use sportello_schema::sync::bounds::{self, BoundsError};
use sportello_schema::sync::{
    DocSync, DocUnavailable, DocumentId, Ephemeral, ErrorMessage, Message, Peer, PeerId,
    PeerMetadata, RefusalNotice,
};

use self::creation::Pending;
use super::hub::Registration;
use super::rules::Refusal;
use super::verdict::{self, FirstContact, Stored};
use super::{RecentSet, SyncService};
use crate::access::Actor;
use crate::audit::denials::DenialLog;
use crate::audit::denials::{self, Limit};
use crate::audit::{Action, AuditRecord, Outcome};
use crate::clock::rfc3339;
use crate::storage::documents::{self, RawDocId};
use crate::storage::{StorageError, StorageResult, audit};

/// The reason given when the server, not the peer, is at fault.
pub const INTERNAL_ERROR: &str = "internal error";
/// The reasons given when no connection slot is left: for this user or address, or on the whole server.
pub const TOO_MANY_CONNECTIONS: &str = "too_many_connections";
pub const BUSY: &str = "busy";
/// The reason given when the user's index moved to a new id (`sync::index::move_all`).
pub use sportello_schema::sync::INDEX_MOVED;

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

/// What an id that is not stored is, to this peer.
enum Absent {
    /// Erased (issue 12): never to be created again.
    Erased,
    /// An index of this user's that moved: they are told `index_moved`. Another user's old index is
    /// [`Absent::Unknown`] to them, like any id they may not know.
    MovedIndex,
    Unknown,
}

/// A document this connection has open.
#[derive(Debug)]
struct OpenDoc {
    state: SyncState,
    may_write: bool,
}

struct Connection {
    app: DenialLog,
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
    sync: SyncService,
    app: DenialLog,
    authenticated: Result<Actor, &'static str>,
    mut session: Session,
    stream: actix_ws::MessageStream,
) {
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
                        self.app.clock.unix_seconds(),
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

    /// A `sync` or `request` for one document: bounds first, then by where the document stands on this
    /// connection (being created, open, or named for the first time).
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
            let stored = match self.sync.store.open(doc).await? {
                None => match self.absent(doc).await? {
                    Absent::Erased => {
                        let creates = !is_request && !message.changes.is_empty();
                        return self.erased(doc, creates).await;
                    }
                    Absent::MovedIndex => {
                        return Err(End::Close(CloseCode::Policy, INDEX_MOVED.into()));
                    }
                    Absent::Unknown => Stored::Nothing,
                },
                Some(entry) => {
                    let entry = entry.lock().await;
                    Stored::Document {
                        access: self.access(&entry.row),
                        is_index: entry.row.facts.kind
                            == sportello_schema::documents::DocKind::Index,
                    }
                }
            };
            match verdict::first_contact(stored, is_request, self.actor.role) {
                FirstContact::Unavailable => return self.unavailable(doc).await,
                FirstContact::Create { audit_denial } => {
                    if audit_denial {
                        self.audit_denial(doc).await?;
                    }
                    return self.begin_creation(doc, message).await;
                }
                FirstContact::Open { refresh_index } => {
                    if refresh_index {
                        self.prepare_index().await?;
                    }
                    let Stored::Document { access, .. } = stored else {
                        unreachable!("only a stored document is opened")
                    };
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

    /// The owner opens its index: it is brought up to date first. An index that moved instead (its
    /// history had grown too long) is not opened: the peer is told `index_moved`.
    async fn prepare_index(&self) -> Result<(), End> {
        let owner = super::index::IndexOwner {
            user: self.actor.user_id,
            role: self.actor.role,
            areas: self.actor.areas.clone(),
        };
        match super::index::refresh(&self.sync, &self.app.storage, &owner, self.now()).await? {
            super::index::Refreshed::Moved => {
                Err(End::Close(CloseCode::Policy, INDEX_MOVED.into()))
            }
            super::index::Refreshed::Unchanged | super::index::Refreshed::Built => Ok(()),
        }
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

    fn now(&self) -> i64 {
        self.app.clock.unix_seconds()
    }

    /// This peer's access to a stored document, now.
    fn access(&self, row: &documents::DocRow) -> Access {
        super::rules::access(&self.actor, row, self.now(), &self.sync.rules)
    }

    /// After a change was stored: other peers with the document open get a push, indexes a refresh.
    fn after_commit(&self, doc: RawDocId) {
        self.sync.hub.changed(doc, self.registration.key);
        self.sync.index_changed(doc);
    }

    // --- The one write of a message ---------------------------------------------------------------

    fn record(&self, doc: RawDocId, action: Action, outcome: Outcome) -> AuditRecord {
        AuditRecord::new(self.actor.audit_actor(), action, outcome)
            .target(DocumentId::from_bytes(doc))
    }

    /// The first read of `doc` in this session, to fold into this message's write; `None` once this
    /// connection has marked it (the store dedupes per session, across reconnections).
    fn first_read(&mut self, doc: RawDocId) -> Option<FirstRead> {
        self.read_audited.insert(doc).then(|| FirstRead {
            session: self.actor.session_id.to_string(),
            record: self.record(doc, Action::DocRead, Outcome::Success),
        })
    }

    /// Rows that remember refused changes, with the refusal's audit row.
    fn refused_rows(&self, doc: RawDocId, hashes: &[ChangeHash]) -> RefusedRows {
        RefusedRows {
            hashes: hashes.iter().map(|hash| hash.0).collect(),
            record: self.record(doc, Action::DocRefused, Outcome::Denied),
        }
    }

    /// The write of a message that stored nothing: the first read, if this is it.
    async fn write_first_read(
        &self,
        doc: RawDocId,
        first_read: Option<FirstRead>,
    ) -> Result<(), End> {
        let Some(first_read) = first_read else {
            return Ok(());
        };
        let at = rfc3339(self.app.clock.now());
        self.app
            .storage
            .write(move |conn| first_read.write(conn, &doc, &at))
            .await?;
        Ok(())
    }

    /// The write of a message whose changes were refused: remembered (offered again, on this connection
    /// or a later one, they are refused without another audit row) and audited, the first read with them.
    async fn write_refusal(
        &self,
        doc: RawDocId,
        hashes: &[ChangeHash],
        first_read: Option<FirstRead>,
    ) -> Result<(), End> {
        let rows = self.refused_rows(doc, hashes);
        let at = rfc3339(self.app.clock.now());
        let now = self.now();
        self.app
            .storage
            .write(move |conn| {
                rows.write(conn, &doc, &at, now)?;
                match &first_read {
                    Some(first_read) => first_read.write(conn, &doc, &at),
                    None => Ok(()),
                }
            })
            .await?;
        Ok(())
    }

    // --- What we send -----------------------------------------------------------------------------

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
        let record = self.record(doc, Action::DocDenied, Outcome::Denied);
        if let Limit::Exceeded { .. } = denials::record(&self.app, record).await? {
            tokio::time::sleep(DENIED_PAST_LIMIT_DELAY).await;
        }
        Ok(())
    }

    /// What an id the server does not store is to this peer, in one read.
    async fn absent(&self, doc: RawDocId) -> Result<Absent, End> {
        let user = self.actor.user_id;
        Ok(self
            .app
            .storage
            .read(move |conn| {
                if crate::storage::privacy::is_erased(conn, &doc)? {
                    return Ok(Absent::Erased);
                }
                if crate::storage::index::retired_owner(conn, &doc)? == Some(user) {
                    return Ok(Absent::MovedIndex);
                }
                Ok(Absent::Unknown)
            })
            .await?)
    }

    /// An erased id (issue 12): a `request` or an empty `sync` is unavailable like an unknown id; changes
    /// creating it again are refused (audited `doc.refused` through the denial counter, the peer told on the
    /// ephemeral channel), then unavailable.
    async fn erased(&mut self, doc: RawDocId, creates: bool) -> Result<(), End> {
        if !creates {
            return self.unavailable(doc).await;
        }
        if self.denial_audited.insert(doc) {
            let record = self.record(doc, Action::DocRefused, Outcome::Denied);
            if let Limit::Exceeded { .. } = denials::record(&self.app, record).await? {
                tokio::time::sleep(DENIED_PAST_LIMIT_DELAY).await;
            }
        }
        tracing::info!(code = "erased", "sync: refused changes");
        self.tell_refused(doc, &Refusal::erased()).await?;
        let message = Message::DocUnavailable(DocUnavailable {
            sender_id: self.sync.server_peer_id.clone(),
            target_id: self.peer_label.clone(),
            document_id: DocumentId::from_bytes(doc),
        });
        self.send(&message).await
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

    /// Refuses a message whose changes are too large once inflated, or not readable as change chunks:
    /// nothing of it was inflated or applied. The answer does not depend on whether the document exists
    /// or the peer may read it; the refusal is audited once per document and connection (the peer offers
    /// the same changes again at each sync).
    async fn refuse_unmeasured(&mut self, doc: RawDocId, error: &BoundsError) -> Result<(), End> {
        let refusal = verdict::unmeasured(error);
        if self.unmeasured_refused.insert(doc) {
            // Through the denial counter: a peer sending such messages for many ids adds one row per
            // window, not one per id.
            let record = self.record(doc, Action::DocRefused, Outcome::Denied);
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
}

/// The first read of a document in a session, audited in the write of the message that read it.
#[derive(Debug)]
struct FirstRead {
    session: String,
    record: AuditRecord,
}

impl FirstRead {
    /// Marks the document read in this session; the first time, with its audit row.
    fn write(&self, conn: &Sql, doc: &RawDocId, at: &str) -> StorageResult<()> {
        if documents::mark_read(conn, &self.session, doc)? {
            audit::append(conn, &self.record, at)?;
        }
        Ok(())
    }
}

/// Changes refused for a document, remembered with the refusal's audit row.
#[derive(Debug)]
struct RefusedRows {
    hashes: Vec<[u8; 32]>,
    record: AuditRecord,
}

impl RefusedRows {
    fn write(&self, conn: &Sql, doc: &RawDocId, at: &str, now: i64) -> StorageResult<()> {
        documents::record_refused(conn, doc, &self.hashes, now)?;
        audit::append(conn, &self.record, at).map(|_| ())
    }
}

/// Applies a peer's sync message; a message Automerge cannot apply is a protocol error.
fn receive(
    doc: &mut automerge::Automerge,
    state: &mut SyncState,
    message: SyncMessage,
) -> Result<(), End> {
    use automerge::sync::SyncDoc;
    doc.receive_sync_message(state, message)
        .map_err(|_| End::Close(CloseCode::Protocol, "invalid Automerge sync message".into()))
}

/// The changes a copy gained over `before`: their hashes, and the actor ids they were written under (each
/// once). Metadata only: encoding the changes just to hash them was the largest cost of a write.
struct Added {
    hashes: Vec<ChangeHash>,
    actors: Vec<Vec<u8>>,
}

impl Added {
    fn between(candidate: &automerge::Automerge, before: &[ChangeHash]) -> Self {
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

    fn any_in(&self, set: &HashSet<ChangeHash>) -> bool {
        self.hashes.iter().any(|hash| set.contains(hash))
    }
}
