//! The sync task: connect, handshake, offer every document, then exchange sync messages until the
//! connection ends; then back off (exponentially, with jitter) and start again with fresh sync states.
//!
//! Every wait has a bound: the connect and the handshake time out, writes time out, and a connection that
//! stays silent for three ping intervals is given up. What to send is decided by [`super::plan`]; this file
//! only moves bytes, applies what arrives to the documents, and persists before it answers.
//!
//! Between connections it does what the server's last word asked: refresh the access token, wait for a
//! login, or — after `index_moved` — refresh, retire the old index and follow the new one
//! (`Shared::follow_index`) before connecting again. The old index is let go at once, whatever the refresh
//! answers; a refresh that fails for a network reason is tried again after the back-off, before any
//! connection, so the tablet reconnects knowing the new index.
//!
//! A `session_wiped` from the server — refusing the upgrade, or answering the refresh tried after
//! `token_expired` or `session ended` or `index_moved`, or any REST call (the client's wipe mark) — ends
//! the connection without sending another frame (`Connection::send_all` refuses to send once the mark is
//! up, and the open connection watches the mark), wipes the tablet (`Shared::wipe`), shows
//! [`ConnectionState::Wiped`] and waits for a fresh login.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use futures_util::{FutureExt, SinkExt, StreamExt};
use sportello_schema::documents::IndexDoc;
use sportello_schema::sync::{
    DocSync, DocumentId, Join, Message, PeerId, PeerMetadata, decode, encode,
};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::plan::{self, Backoff, Opening, ServerError};
use super::{ConnectionState, LocalDoc, Shared, random_u64, refusal};
use crate::store::Write;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A connection that lasted this long was a real one: the back-off starts again from its shortest wait.
const STABLE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Frames applied (and persisted) together.
const MAX_BATCH: usize = 256;

/// Why a connection ended.
#[derive(Debug)]
enum End {
    Stopped,
    /// The access token expired: refresh it and reconnect.
    Refresh,
    /// The server will not sync this session.
    LogIn(String),
    /// An admin marked the session lost (`session_wiped`): wipe the tablet, wait for a login.
    Wiped,
    /// The user's index moved: learn the new one (a refresh), retire the old one, reconnect. `stable`: the
    /// connection had been up a while (not a tablet offering a retired index again at once).
    IndexMoved {
        stable: bool,
    },
    /// Network, protocol or server trouble; `reached_peer` says whether the connection got through the
    /// handshake and stayed up for a while (then the back-off starts again from its shortest wait).
    Lost {
        reached_peer: bool,
        error: String,
    },
}

fn lost(reached_peer: bool, error: impl std::fmt::Display) -> End {
    End::Lost {
        reached_peer,
        error: error.to_string(),
    }
}

/// The background task: connections one after the other until stopped.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let options = shared.options.clone();
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    let mut logins = shared.logins.subscribe();
    let mut refreshes_in_a_row = 0u32;
    let mut moves_in_a_row = 0u32;
    // The server said the index moved and the refresh that names the new one has not succeeded yet: it is
    // tried again, after the back-off, before connecting.
    let mut move_pending = false;
    loop {
        if *stop.borrow() {
            break;
        }
        logins.borrow_and_update();
        let end = if move_pending {
            End::IndexMoved { stable: false }
        } else {
            shared.set_connection(ConnectionState::Connecting);
            let end = Connection::run(&shared, &mut stop).await;
            tracing::debug!(?end, peer = %shared.peer_id, "sync: connection ended");
            if let End::IndexMoved { stable } = end {
                moves_in_a_row = if stable { 1 } else { moves_in_a_row + 1 };
            }
            end
        };
        let error = match end {
            End::Stopped => break,
            End::Wiped => {
                if wiped(&shared, &mut logins, &mut stop).await {
                    break;
                }
                backoff.reset();
                continue;
            }
            End::IndexMoved { .. } if moves_in_a_row <= 2 => {
                match follow_moved_index(&shared).await {
                    Ok(()) => {
                        move_pending = false;
                        continue;
                    }
                    Err(MoveError::Refresh(error)) if error.is_wiped() => {
                        move_pending = false;
                        if wiped(&shared, &mut logins, &mut stop).await {
                            break;
                        }
                        backoff.reset();
                        continue;
                    }
                    Err(error) if error.needs_login() => {
                        move_pending = false;
                        if wait_for_login(&shared, &mut logins, &mut stop, error.to_string()).await
                        {
                            break;
                        }
                        backoff.reset();
                        continue;
                    }
                    Err(error) => {
                        move_pending = true;
                        error.to_string()
                    }
                }
            }
            End::IndexMoved { .. } => {
                move_pending = false;
                tracing::warn!(peer = %shared.peer_id, "sync: the server keeps saying the index moved");
                "the server keeps saying the user's index moved".to_owned()
            }
            End::Refresh if refreshes_in_a_row < 2 => {
                refreshes_in_a_row += 1;
                match shared.api.refresh().await {
                    Ok(()) => {
                        // A refresh names the user's index: follow it if it moved.
                        if let Some(index) = shared.named_index().await
                            && let Err(error) = shared.follow_index(Some(index)).await
                        {
                            tracing::warn!(%error, "sync: cannot follow the user's index");
                        }
                        continue;
                    }
                    Err(error) if error.is_wiped() => {
                        if wiped(&shared, &mut logins, &mut stop).await {
                            break;
                        }
                        backoff.reset();
                        continue;
                    }
                    Err(error) if error.needs_login() => {
                        if wait_for_login(&shared, &mut logins, &mut stop, error.to_string()).await
                        {
                            break;
                        }
                        backoff.reset();
                        continue;
                    }
                    Err(error) => error.to_string(),
                }
            }
            End::Refresh => "the server keeps refusing fresh access tokens".to_owned(),
            End::LogIn(reason) => {
                if wait_for_login(&shared, &mut logins, &mut stop, reason).await {
                    break;
                }
                backoff.reset();
                continue;
            }
            End::Lost {
                reached_peer,
                error,
            } => {
                if reached_peer {
                    backoff.reset();
                    refreshes_in_a_row = 0;
                    moves_in_a_row = 0;
                }
                error
            }
        };
        let retry_in = backoff.next_delay(random_u64());
        shared.set_connection(ConnectionState::Offline {
            retry_in,
            error: error.clone(),
        });
        tokio::select! {
            _ = tokio::time::sleep(retry_in) => {}
            _ = shared.wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
    shared.set_connection(ConnectionState::Stopped);
}

/// Why following a moved index failed.
#[derive(Debug, thiserror::Error)]
enum MoveError {
    #[error(transparent)]
    Refresh(#[from] crate::api::ClientError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl MoveError {
    fn needs_login(&self) -> bool {
        matches!(self, MoveError::Refresh(error) if error.needs_login())
    }
}

/// After `index_moved`: refresh the tokens (the answer names the new index), retire the old index and
/// follow the new one ([`Shared::follow_index`]). The old index is retired even when the refresh fails:
/// the server has said it is retired, and its history may hold the names of the erased case.
async fn follow_moved_index(shared: &Shared) -> Result<(), MoveError> {
    let refreshed = shared.api.refresh().await;
    let current = match refreshed {
        Ok(()) => shared.named_index().await,
        Err(_) => None,
    };
    shared.follow_index(current).await?;
    refreshed?;
    Ok(())
}

/// The server said `session_wiped`: raise the REST client's wipe mark (a refusal of the upgrade did not
/// pass through it), wipe the tablet, show `Wiped` and wait for a login (false) or a stop (true). A login
/// since this attempt began means the answer was about the session before it (which that login's
/// `Tablet::login` wiped, if the mark had reached the REST client): go on with the new one.
async fn wiped(
    shared: &Shared,
    logins: &mut watch::Receiver<u64>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    if logins.has_changed().unwrap_or(false) {
        return false;
    }
    shared.api.mark_wiped().await;
    if let Err(error) = shared.wipe().await {
        tracing::error!(%error, "sync: the remote wipe could not be written");
    }
    shared.set_connection(ConnectionState::Wiped);
    tokio::select! {
        changed = logins.changed() => changed.is_err(),
        _ = stop.changed() => true,
    }
}

/// Shows `NeedsLogin` and waits for a login (false) or a stop (true).
async fn wait_for_login(
    shared: &Shared,
    logins: &mut watch::Receiver<u64>,
    stop: &mut watch::Receiver<bool>,
    reason: String,
) -> bool {
    shared.set_connection(ConnectionState::NeedsLogin { reason });
    tokio::select! {
        changed = logins.changed() => changed.is_err(),
        _ = stop.changed() => true,
    }
}

/// Which version of a document a connection syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// The local document.
    Local,
    /// The server's version, while refused local changes are held back.
    ServerVersion,
}

/// A document's sync state on this connection, for one epoch and lane of it.
struct DocState {
    epoch: u64,
    lane: Lane,
    state: SyncState,
}

/// One connection.
struct Connection<'a> {
    shared: &'a Shared,
    ws: Ws,
    server: PeerId,
    /// Fresh for every connection.
    states: HashMap<DocumentId, DocState>,
}

impl<'a> Connection<'a> {
    async fn run(shared: &'a Shared, stop: &mut watch::Receiver<bool>) -> End {
        let mut connection = match Self::open(shared).await {
            Ok(connection) => connection,
            Err(end) => return end,
        };
        // The session the server took, kept for the wipe check after a restart (it changes with a
        // password change made through the REST client).
        if let Err(error) = shared.note_session().await {
            tracing::warn!(%error, "sync: cannot persist the session id");
        }
        shared.set_connection(ConnectionState::Online);
        let online_since = Instant::now();
        let mut end = match connection.offer_everything().await {
            Ok(()) => connection.serve(stop).await,
            Err(end) => end,
        };
        if let End::Lost { reached_peer, .. } = &mut end
            && online_since.elapsed() < STABLE_AFTER
        {
            // Accepted and dropped at once (a server shedding load, a flaky link): keep backing off.
            *reached_peer = false;
        }
        if let End::IndexMoved { stable } = &mut end {
            *stable = online_since.elapsed() >= STABLE_AFTER;
        }
        if matches!(end, End::Stopped) {
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(1), connection.ws.close(None))
                    .await;
        }
        end
    }

    /// Connects with the current access token and completes the `join` / `peer` handshake.
    async fn open(shared: &'a Shared) -> Result<Connection<'a>, End> {
        let options = &shared.options;
        if shared.api.is_wiped() || shared.is_wiped() {
            return Err(End::Wiped);
        }
        let owner = shared.lock().owner.as_ref().map(|o| o.id);
        let signed_in = shared.api.user().await.map(|u| u.id);
        if owner.is_none() || owner != signed_in {
            return Err(End::LogIn("not logged in as this tablet's user".into()));
        }
        let token = shared.api.access_token().await.map_err(|e| {
            if e.is_wiped() {
                End::Wiped
            } else {
                End::LogIn(e.to_string())
            }
        })?;
        let mut request = shared
            .ws_url
            .as_str()
            .into_client_request()
            .map_err(|e| lost(false, e))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| End::LogIn("the access token is not a valid header value".into()))?;
        request.headers_mut().insert("authorization", bearer);
        let connect = tokio_tungstenite::connect_async_with_config(request, None, true);
        let (ws, _) = match tokio::time::timeout(options.connect_timeout, connect).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(error)) => return Err(lost(false, format!("cannot connect: {error}"))),
            Err(_) => return Err(lost(false, "connecting timed out")),
        };
        let mut connection = Connection {
            shared,
            ws,
            server: PeerId::parse("server").expect("a valid constant label"),
            states: HashMap::new(),
        };
        let join = Message::Join(Join {
            sender_id: shared.peer_id.clone(),
            peer_metadata: Some(PeerMetadata {
                storage_id: Some(shared.storage_id.clone()),
                is_ephemeral: Some(false),
            }),
            supported_protocol_versions: Some(vec!["1".into()]),
        });
        connection.send_all(vec![join], false).await?;
        let deadline = Instant::now() + options.handshake_timeout;
        loop {
            let frame = match tokio::time::timeout_at(deadline, connection.ws.next()).await {
                Err(_) => return Err(lost(false, "the server did not answer the join")),
                Ok(None) => return Err(lost(false, "the server closed during the handshake")),
                Ok(Some(Err(error))) => return Err(lost(false, error)),
                Ok(Some(Ok(frame))) => frame,
            };
            let Frame::Binary(bytes) = frame else {
                if let Frame::Close(close) = frame {
                    return Err(lost(
                        false,
                        format!("closed during the handshake: {close:?}"),
                    ));
                }
                continue;
            };
            match decode(&bytes) {
                Ok(Message::Peer(peer)) => {
                    if peer.selected_protocol_version != "1" {
                        return Err(lost(false, "the server chose an unknown protocol version"));
                    }
                    connection.server = peer.sender_id;
                    return Ok(connection);
                }
                Ok(Message::Error(error)) => return Err(server_error(false, &error.message)),
                Ok(_) => continue,
                Err(error) => return Err(lost(false, format!("invalid message: {error}"))),
            }
        }
    }

    fn state_for(&mut self, id: DocumentId, epoch: u64, lane: Lane) -> &mut SyncState {
        let entry = self.states.entry(id).or_insert_with(|| DocState {
            epoch,
            lane,
            state: SyncState::new(),
        });
        if entry.epoch != epoch || entry.lane != lane {
            *entry = DocState {
                epoch,
                lane,
                state: SyncState::new(),
            };
        }
        &mut entry.state
    }

    /// The sync (or request) message to send for `id` now, if any.
    fn outgoing(&mut self, id: DocumentId, local: &mut LocalDoc) -> Option<Message> {
        let (is_request, lane) = match plan::opening(&local.view()) {
            Opening::Sync => (false, Lane::Local),
            Opening::Request => (true, Lane::Local),
            Opening::SyncServerVersion => (false, Lane::ServerVersion),
            Opening::Hold(_) => return None,
        };
        let state = self.state_for(id, local.epoch, lane);
        let message = match lane {
            Lane::Local => local.doc.generate_sync_message(state)?,
            Lane::ServerVersion => local.server_version()?.generate_sync_message(state)?,
        };
        tracing::debug!(
            peer = %self.shared.peer_id,
            doc = %id,
            is_request,
            ?lane,
            heads = message.heads.len(),
            need = message.need.len(),
            changes = message.changes.len(),
            "sync: sending"
        );
        let body = DocSync {
            sender_id: self.shared.peer_id.clone(),
            target_id: self.server.clone(),
            document_id: id,
            data: message.encode(),
        };
        Some(if is_request {
            Message::Request(body)
        } else {
            Message::Sync(body)
        })
    }

    /// On connect: a `sync` for every document held, a `request` for every one wanted.
    async fn offer_everything(&mut self) -> Result<(), End> {
        let shared = self.shared;
        let messages = {
            let mut state = shared.lock();
            state.dirty.clear();
            let ids: Vec<DocumentId> = state.docs.keys().copied().collect();
            ids.into_iter()
                .filter_map(|id| {
                    let local = state.docs.get_mut(&id)?;
                    self.outgoing(id, local)
                })
                .collect::<Vec<_>>()
        };
        self.send_all(messages, true).await
    }

    /// Offers what changed locally since the last offer.
    async fn offer_local_changes(&mut self) -> Result<(), End> {
        let shared = self.shared;
        let messages = {
            let mut state = shared.lock();
            let dirty: Vec<DocumentId> = state.dirty.drain().collect();
            dirty
                .into_iter()
                .filter_map(|id| {
                    let local = state.docs.get_mut(&id)?;
                    self.outgoing(id, local)
                })
                .collect::<Vec<_>>()
        };
        self.send_all(messages, true).await
    }

    /// Sends `messages`, unless the session was marked lost: then nothing more leaves the tablet.
    async fn send_all(&mut self, messages: Vec<Message>, reached_peer: bool) -> Result<(), End> {
        if self.shared.api.is_wiped() || self.shared.is_wiped() {
            return Err(End::Wiped);
        }
        if messages.is_empty() {
            return Ok(());
        }
        let send = async {
            for message in &messages {
                self.ws.feed(Frame::Binary(encode(message).into())).await?;
            }
            self.ws.flush().await
        };
        match tokio::time::timeout(self.shared.options.send_timeout, send).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(lost(reached_peer, format!("sending failed: {error}"))),
            Err(_) => Err(lost(reached_peer, "sending timed out")),
        }
    }

    async fn serve(&mut self, stop: &mut watch::Receiver<bool>) -> End {
        let interval = self.shared.options.ping_interval;
        let mut ping = tokio::time::interval_at(Instant::now() + interval, interval);
        let mut last_heard = Instant::now();
        let mut wiped = self.shared.api.watch_wiped();
        loop {
            tokio::select! {
                // A REST call was answered `session_wiped`: stop at once.
                () = raised(&mut wiped) => return End::Wiped,
                frame = self.ws.next() => {
                    let mut frames = Vec::new();
                    let mut ended = None;
                    match frame {
                        None => return lost(true, "the server closed the connection"),
                        Some(Err(error)) => return lost(true, error),
                        Some(Ok(frame)) => frames.push(frame),
                    }
                    while frames.len() < MAX_BATCH {
                        match self.ws.next().now_or_never() {
                            Some(Some(Ok(frame))) => frames.push(frame),
                            Some(Some(Err(error))) => {
                                ended = Some(lost(true, error));
                                break;
                            }
                            Some(None) => {
                                ended = Some(lost(true, "the server closed the connection"));
                                break;
                            }
                            None => break,
                        }
                    }
                    last_heard = Instant::now();
                    if let Err(end) = self.on_frames(frames).await {
                        return end;
                    }
                    if let Some(end) = ended {
                        return end;
                    }
                }
                _ = self.shared.outbox.notified() => {
                    if let Err(end) = self.offer_local_changes().await {
                        return end;
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > interval * 3 {
                        return lost(true, "the server stopped answering");
                    }
                    let ping = async {
                        self.ws.send(Frame::Ping(Vec::new().into())).await
                    };
                    match tokio::time::timeout(self.shared.options.send_timeout, ping).await {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => return lost(true, error),
                        Err(_) => return lost(true, "sending timed out"),
                    }
                }
                _ = stop.changed() => return End::Stopped,
            }
        }
    }

    /// Applies a batch of frames to the documents, persists the result, then answers. A bad message ends
    /// the connection, after what came before it is persisted.
    async fn on_frames(&mut self, frames: Vec<Frame>) -> Result<(), End> {
        let mut messages = Vec::with_capacity(frames.len());
        let mut closed = None;
        for frame in frames {
            match frame {
                Frame::Binary(bytes) => match decode(&bytes) {
                    Ok(message) => messages.push(message),
                    Err(error) => return Err(lost(true, format!("invalid message: {error}"))),
                },
                Frame::Close(close) => {
                    closed = Some(format!("the server closed the connection: {close:?}"));
                    break;
                }
                Frame::Text(_) | Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_) => {}
            }
        }

        let mut ended = None;
        let mut touched = HashSet::new();
        let mut answer = HashSet::new();
        let (ticket, replies) = {
            let shared = self.shared;
            let mut state = shared.lock();
            if state.wiped {
                return Err(End::Wiped);
            }
            for message in messages {
                match message {
                    Message::Sync(body) | Message::Request(body) => {
                        let id = body.document_id;
                        let Some(local) = state.docs.get_mut(&id) else {
                            continue;
                        };
                        let message = match SyncMessage::decode(&body.data) {
                            Ok(message) => message,
                            Err(error) => {
                                ended = Some(lost(true, format!("invalid sync message: {error}")));
                                break;
                            }
                        };
                        tracing::debug!(
                            peer = %shared.peer_id,
                            doc = %id,
                            heads = message.heads.len(),
                            need = message.need.len(),
                            changes = message.changes.len(),
                            "sync: received"
                        );
                        let heads = message.heads.clone();
                        let before = local.doc.get_heads();
                        let epoch = local.epoch;
                        let applied = match plan::opening(&local.view()) {
                            Opening::SyncServerVersion => {
                                // Sync the server's version; merge what it brings into the local document.
                                let state = self.state_for(id, epoch, Lane::ServerVersion);
                                let received = match local.server_version() {
                                    Some(version) => {
                                        let version_before = version.get_heads();
                                        version
                                            .receive_sync_message(state, message)
                                            .map(|()| version.get_changes(&version_before))
                                    }
                                    None => Ok(Vec::new()),
                                };
                                received.and_then(|new| local.doc.apply_changes(new))
                            }
                            _ => {
                                let state = self.state_for(id, epoch, Lane::Local);
                                local.doc.receive_sync_message(state, message)
                            }
                        };
                        if let Err(error) = applied {
                            // What was applied before the error is persisted below all the same.
                            touched.insert(id);
                            ended =
                                Some(lost(true, format!("cannot apply a sync message: {error}")));
                            break;
                        }
                        // Others' changes merged into a refused document are not the user's edit: the
                        // refused changes still stand unchanged, so keep holding them back.
                        if let Some((_, at)) = &mut local.meta.refusal
                            && *at == before
                        {
                            *at = local.doc.get_heads();
                        }
                        local.meta.server_heads = heads;
                        local.meta.unavailable = false;
                        local.unavailable_at = None;
                        if local.meta.refusal.is_some()
                            && plan::server_has_our_changes(&local.doc, &local.meta.server_heads)
                        {
                            local.clear_refusal();
                        }
                        touched.insert(id);
                        answer.insert(id);
                    }
                    Message::DocUnavailable(body) => {
                        if let Some(local) = state.docs.get_mut(&body.document_id) {
                            local.meta.unavailable = true;
                            local.unavailable_at = Some(local.doc.get_heads());
                            touched.insert(body.document_id);
                        }
                    }
                    Message::Ephemeral(body) => {
                        // Only the server's own notices count: other peers' ephemeral traffic is relayed
                        // with their labels.
                        if body.sender_id != self.server {
                            continue;
                        }
                        let Some(refused) = refusal::parse(&body.data) else {
                            continue;
                        };
                        if let Some(local) = state.docs.get_mut(&body.document_id) {
                            tracing::info!(doc = %body.document_id, code = %refused.code, "sync: the server refused changes");
                            let at = local.doc.get_heads();
                            local.meta.refusal = Some((refused, at));
                            touched.insert(body.document_id);
                        }
                    }
                    Message::Error(error) => {
                        ended = Some(server_error(true, &error.message));
                        break;
                    }
                    Message::Leave(_) => {
                        ended = Some(lost(true, "the server left"));
                        break;
                    }
                    Message::Join(_) | Message::Peer(_) | Message::Unknown { .. } => {}
                }
            }

            let mut index_changed = false;
            if shared.options.follow_index
                && let Some(index_id) = state.index
                && touched.contains(&index_id)
                && let Some(index) = state
                    .docs
                    .get(&index_id)
                    .and_then(|local| autosurgeon::hydrate::<_, IndexDoc>(&local.doc).ok())
            {
                let wants = plan::index_wants(&index, |id| state.docs.contains_key(id));
                for id in wants {
                    let mut local = LocalDoc::empty();
                    local.meta.wanted = true;
                    state.docs.insert(id, local);
                    state.dirty.insert(id);
                    touched.insert(id);
                }
                let listed = plan::index_ids(&index);
                for id in &listed {
                    if let Some(local) = state.docs.get_mut(id)
                        && !local.meta.listed
                    {
                        local.meta.listed = true;
                        touched.insert(*id);
                    }
                }
                state.index_ids = Some(listed);
                index_changed = true;
                if !state.dirty.is_empty() {
                    shared.outbox.notify_one();
                }
            }

            // Documents that left the index go once nothing local to them is in flight: all of them when
            // the index changed, else those whose standing just changed.
            let mut departed = Vec::new();
            if shared.options.follow_index
                && let Some(listed) = &state.index_ids
            {
                let candidates: Vec<DocumentId> = if index_changed {
                    state.docs.keys().copied().collect()
                } else {
                    touched.iter().copied().collect()
                };
                departed = candidates
                    .into_iter()
                    .filter(|id| Some(*id) != state.index)
                    .filter(|id| {
                        state.docs.get(id).is_some_and(|local| {
                            // Cheap test first: most documents are listed now, or never were.
                            local.meta.listed
                                && !listed.contains(id)
                                && plan::leaves_tablet(&local.departure(false))
                        })
                    })
                    .collect();
            }
            for id in &departed {
                state.docs.remove(id);
                state.dirty.remove(id);
                self.states.remove(id);
                touched.remove(id);
                answer.remove(id);
                tracing::info!(doc = %id, "sync: the document left the user's index; local copy deleted");
            }

            let compact_after = shared.options.compact_after_chunks;
            let mut writes = Vec::new();
            for id in &touched {
                if let Some(local) = state.docs.get_mut(id) {
                    writes.extend(local.persist(*id, compact_after));
                }
            }
            writes.extend(departed.into_iter().map(Write::Delete));
            let ticket = (!writes.is_empty()).then(|| shared.writer.submit(writes));
            let mut replies = Vec::new();
            for id in answer {
                if let Some(local) = state.docs.get_mut(&id)
                    && let Some(reply) = self.outgoing(id, local)
                {
                    replies.push(reply);
                }
            }
            (ticket, replies)
        };
        if let Some(ticket) = ticket {
            ticket
                .wait()
                .await
                .map_err(|e| lost(true, format!("cannot persist: {e}")))?;
        }
        self.shared.bump();
        if let Some(end) = ended {
            return Err(end);
        }
        self.send_all(replies, true).await?;
        match closed {
            Some(closed) => Err(lost(true, closed)),
            None => Ok(()),
        }
    }
}

/// Resolves when the wipe mark is up; never, if the client is gone.
async fn raised(mark: &mut watch::Receiver<bool>) {
    if mark.wait_for(|wiped| *wiped).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn server_error(reached_peer: bool, message: &str) -> End {
    match plan::classify_server_error(message) {
        ServerError::RefreshToken => End::Refresh,
        ServerError::LogIn => End::LogIn(message.to_owned()),
        ServerError::Wiped => End::Wiped,
        ServerError::IndexMoved => End::IndexMoved { stable: false },
        ServerError::Retry => lost(reached_peer, format!("the server said: {message}")),
    }
}
