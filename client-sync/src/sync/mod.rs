//! The tablet: documents kept in the local [`store`](crate::store), edited offline, and synced with the
//! server over the automerge-repo WebSocket protocol (version "1", `sportello_schema::sync`'s codec).
//!
//! [`Tablet`] is the whole API an app needs: open the store, log in, create and edit cases (validated with
//! the same rules the server applies, before they are committed), ask for documents by URL, start the
//! background sync, and read each document's [`DocStatus`] — whether the server has the local changes, or
//! refused them and why, or does not let this user have the document.
//!
//! - [`plan`]: the pure decisions (what to send on connect, whether the server has our changes, which
//!   documents leave, which indexes are retired when the index moves, back-off, what a server error
//!   means), table-tested.
//! - [`session`]: the I/O: one task that connects, handshakes, syncs, and reconnects.
//! - [`refusal`]: reading the server's refusal notices.
//!
//! Invariants:
//! - Every change is durable in the local store before it is offered to the server, and every received
//!   change is durable before the tablet answers the message that brought it.
//! - Every (re)connection starts every document with a fresh Automerge sync state: nothing about what the
//!   server had survives a connection, so a server restored from a backup or a message lost in a cut cannot
//!   leave a document believed synced.
//! - A document's content is only ever held by the tablet of the user who owns the store: the store is bound
//!   to the first user who logs in on it, and another user's login is refused.
//! - Changes the server refused are not offered again until the user edits the document (the server would
//!   ignore them), and their reason stays in [`DocStatus::refused`] until the server has the local changes
//!   or the user discards them ([`Tablet::discard_unsynced_changes`]). Meanwhile the connection syncs the
//!   server's version of the document (the local one without the refused changes), so other people's
//!   changes keep arriving.
//! - A document that was in the user's index and left it (access withdrawn, case erased) is deleted from
//!   memory and from the store once no local change to it is in flight: the server acknowledged them,
//!   refused them, or answered `doc-unavailable` to them ([`plan::leaves_tablet`]). A document made here
//!   and not listed yet is never deleted this way; one that comes back into the index is fetched again.
//! - The tablet follows the index the server names at login and at every refresh. After an erasure the
//!   server gives every user a new index (a fresh id, built from scratch, so its history never held the
//!   erased case) and closes their connections with `index_moved` (also sent to a tablet that offers a
//!   retired index later, having been offline meanwhile). The tablet then refreshes its tokens (the answer
//!   names the new index), deletes the old index from memory and from the store as securely as a departing
//!   document, persists the new index's URL, asks for it and reconnects; it never offers the old one again.
//!   If the refresh fails the old index is deleted all the same, and the failure is handled as any refused
//!   or failed refresh (log in again, or retry after the back-off). Until the new index arrives the old
//!   one's listing stands, so no document leaves because the new index is still on its way; then the
//!   documents both list stay, and one the new index no longer lists (the erased case) departs as above.
//! - **Remote wipe** (`docs/security.md`, "Remote wipe"). When the server says `session_wiped` (an admin
//!   marked the session lost) — closing an open connection, refusing the `/sync` upgrade, answering the
//!   refresh (which the tablet also tries when the server closes its connection with `session ended`), or
//!   answering any REST call made through [`Tablet::api`] — the tablet pushes nothing more: the connection ends without sending another
//!   frame, and no local change is offered again. Then it deletes everything of the user
//!   (`Shared::wipe`): in memory every document, the outbox (documents waiting to be offered), the index
//!   followed and its listing, the owner and the tokens; in the store, in one transaction, every document
//!   row and chunk and every setting (the owner, the index followed, the session id) but the device's own
//!   random labels (`peer_id`, `storage_id`), with `secure_delete` and the WAL truncated after the commit.
//!   Unsent changes are lost on purpose. The tablet then stays wiped ([`Tablet::is_wiped`],
//!   [`Tablet::watch_wiped`], [`ConnectionState::Wiped`]): every call that edits or asks for a document
//!   fails with [`TabletError::Wiped`], and the sync waits, until a fresh login binds the empty store to
//!   whoever logs in. client-sync keeps its tokens in memory only, so after a restart it learns of a mark
//!   through the public wipe check instead: the store keeps the id of the session that last used it
//!   (setting `session`), and [`Tablet::wipe_check`] — which the app calls at start, and every
//!   [`Tablet::login`] calls before logging in — asks `POST /api/v1/auth/wipe-check` about it and wipes the
//!   tablet if it is marked. (The sync client does not call it before each connection: the session it
//!   connects with is the one the upgrade and the refresh answer for.)

pub mod plan;
pub mod refusal;
mod session;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use automerge::{AutoCommit, Automerge, ChangeHash};
use autosurgeon::{Hydrate, Reconcile};
use sportello_schema::SessionId;
use sportello_schema::api::UserSummary;
use sportello_schema::catalogue::Catalogue;
use sportello_schema::documents::{self, CaseDoc, CaseNotesDoc, DirectoryDoc, DocKind, IndexDoc};
use sportello_schema::policy::ActorCtx;
use sportello_schema::sync::{AutomergeUrl, DocumentId, PeerId, StorageId};
use sportello_schema::validate::{self, ValidationErrors};
use sportello_schema::values::{Date, Rfc3339Utc};
use tokio::sync::{Notify, watch};

use crate::api::{ApiClient, ClientError};
use crate::store::{self, DocMeta, Refusal, Store, StoreError, StoreWriter, Write};

/// Tuning of a [`Tablet`]; the defaults suit a real tablet.
#[derive(Clone)]
pub struct TabletOptions {
    /// Ask for the user's index at login and for every document it lists (discovery of one's work), and
    /// follow it to its new id when the server moves it (after an erasure).
    pub follow_index: bool,
    /// First reconnect delay; it doubles per failed attempt, with jitter, up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// TCP + WebSocket upgrade.
    pub connect_timeout: Duration,
    /// From `join` to the server's `peer`.
    pub handshake_timeout: Duration,
    /// Writing a batch of frames.
    pub send_timeout: Duration,
    /// A WebSocket ping this often; a connection silent for three intervals is given up.
    pub ping_interval: Duration,
    /// Incremental chunks kept per document before it is rewritten as one snapshot.
    pub compact_after_chunks: usize,
    /// "Now", for timestamps in new documents and date checks (replaceable in tests).
    pub clock: Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>,
}

impl Default for TabletOptions {
    fn default() -> Self {
        Self {
            follow_index: true,
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(10),
            compact_after_chunks: 64,
            clock: Arc::new(jiff::Timestamp::now),
        }
    }
}

impl std::fmt::Debug for TabletOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabletOptions")
            .field("follow_index", &self.follow_index)
            .field("backoff_min", &self.backoff_min)
            .field("backoff_max", &self.backoff_max)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TabletError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Api(ClientError),
    #[error("the document is not valid: {0}")]
    Invalid(ValidationErrors),
    #[error("no such document on this tablet: {0}")]
    NotFound(DocumentId),
    #[error("the document is not of the expected kind: {0}")]
    WrongShape(String),
    #[error("nobody has logged in on this tablet yet")]
    NotLoggedIn,
    #[error("this tablet's store belongs to another user; wipe it before another user logs in")]
    OtherUser,
    #[error("the server URL must start with http:// or https://")]
    BadUrl,
    #[error("gave up waiting after {waited:?}: {what}")]
    Timeout { waited: Duration, what: String },
    /// An admin marked the session lost: the tablet deleted its local data. Log in again.
    #[error(
        "an admin marked this tablet's session lost; its local data were deleted: log in again"
    )]
    Wiped,
}

impl From<ClientError> for TabletError {
    /// A `session_wiped` answer is [`TabletError::Wiped`]; any other, [`TabletError::Api`].
    fn from(error: ClientError) -> Self {
        if error.is_wiped() {
            TabletError::Wiped
        } else {
            TabletError::Api(error)
        }
    }
}

impl TabletError {
    /// True when the same call may succeed later without anything else changing.
    pub fn is_retryable(&self) -> bool {
        match self {
            TabletError::Api(error) => error.is_retryable(),
            TabletError::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// Where a document stands between this tablet and the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocStatus {
    /// The tablet holds content (false for a document asked for that has not arrived).
    pub has_content: bool,
    /// The server has every local change (it announced heads containing ours). True for an empty
    /// document: there is nothing to send.
    pub synced_to_server: bool,
    /// The server refused local changes, with its reason (cleared once it has the local changes).
    pub refused: Option<Refusal>,
    /// The server said the document does not exist for this user (unknown, or no read access).
    pub unavailable: bool,
    /// Made on this tablet.
    pub created_locally: bool,
    /// Asked for by the user or the index.
    pub wanted: bool,
}

/// The sync connection, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Sync not started (or stopped).
    Stopped,
    Connecting,
    Online,
    /// Waiting `retry_in` before the next attempt, after `error`.
    Offline {
        retry_in: Duration,
        error: String,
    },
    /// The server will not sync this session (expired, revoked, password change due): log in again.
    NeedsLogin {
        reason: String,
    },
    /// An admin marked the session lost: the tablet deleted its local data and syncs nothing until a new
    /// login.
    Wiped,
}

/// One document in memory.
#[derive(Debug)]
struct LocalDoc {
    doc: Automerge,
    meta: DocMeta,
    /// Heads of what the store holds.
    persisted_heads: Vec<ChangeHash>,
    /// Chunks stored since the last snapshot.
    chunks: usize,
    /// Bumped when the document's history is replaced (discarding refused changes): sync states built for
    /// an older epoch are dropped.
    epoch: u64,
    /// While a refusal stands: the server's version (the document without the refused changes), which is
    /// what the connection syncs; what it receives is merged into `doc`. Rebuilt on demand, never stored.
    server_version: Option<Automerge>,
    /// The local heads when the server last answered `doc-unavailable` (this run only: after a restart
    /// the next connection asks again).
    unavailable_at: Option<Vec<ChangeHash>>,
}

impl LocalDoc {
    fn empty() -> Self {
        Self {
            doc: Automerge::new(),
            meta: DocMeta::default(),
            persisted_heads: Vec::new(),
            chunks: 0,
            epoch: 0,
            server_version: None,
            unavailable_at: None,
        }
    }

    fn has_content(&self) -> bool {
        !self.doc.get_heads().is_empty()
    }

    /// An index document (the user's, current or retired: nobody else's is readable).
    fn is_index(&self) -> bool {
        self.has_content() && documents::kind_of(&self.doc).ok() == Some(DocKind::Index)
    }

    fn view(&self) -> plan::DocView {
        let refused_at = self.meta.refusal.as_ref().map(|(_, at)| at.clone());
        // Only needed (and only computed) while a refusal stands.
        let server_version_held = refused_at.is_some()
            && (self.server_version.is_some()
                || (!self.meta.server_heads.is_empty()
                    && self
                        .meta
                        .server_heads
                        .iter()
                        .all(|head| self.doc.get_change_meta_by_hash(head).is_some())));
        plan::DocView {
            has_content: self.has_content(),
            wanted: self.meta.wanted,
            local_heads: self.doc.get_heads(),
            refused_at,
            server_version_held,
        }
    }

    /// The server's version of the document: built from the last heads the server announced, then kept
    /// up to date by syncing it (so it may be ahead of, or wait for changes announced in, those heads).
    fn server_version(&mut self) -> Option<&mut Automerge> {
        if self.server_version.is_none() && !self.meta.server_heads.is_empty() {
            self.server_version = self.doc.fork_at(&self.meta.server_heads).ok();
        }
        self.server_version.as_mut()
    }

    /// What decides whether the document leaves the tablet, given whether the index lists it now.
    fn departure(&self, listed_now: bool) -> plan::Departure {
        let heads = self.doc.get_heads();
        plan::Departure {
            was_listed: self.meta.listed,
            listed_now,
            acknowledged: plan::server_has_our_changes(&self.doc, &self.meta.server_heads),
            refused_unchanged: plan::opening(&self.view()).holds_back_refused_changes(),
            unavailable_unchanged: self
                .unavailable_at
                .as_ref()
                .is_some_and(|at| plan::same_heads(at, &heads)),
        }
    }

    /// The refusal no longer stands (the server has our changes, or they were discarded).
    fn clear_refusal(&mut self) {
        self.meta.refusal = None;
        self.server_version = None;
    }

    fn status(&self) -> DocStatus {
        DocStatus {
            has_content: self.has_content(),
            synced_to_server: plan::server_has_our_changes(&self.doc, &self.meta.server_heads),
            refused: self.meta.refusal.as_ref().map(|(r, _)| r.clone()),
            unavailable: self.meta.unavailable,
            created_locally: self.meta.created_locally,
            wanted: self.meta.wanted,
        }
    }

    /// The writes that bring the store up to date with this document (metadata always, content if it
    /// changed: a chunk, or a snapshot when there is none yet or the chunks have piled up).
    fn persist(&mut self, id: DocumentId, compact_after: usize) -> Vec<Write> {
        let mut writes = vec![Write::Meta(id, self.meta.clone())];
        let heads = self.doc.get_heads();
        if heads != self.persisted_heads {
            if self.persisted_heads.is_empty() || self.chunks >= compact_after {
                writes.push(Write::Snapshot(id, self.doc.save()));
                self.chunks = 0;
            } else {
                writes.push(Write::Chunk(id, self.doc.save_after(&self.persisted_heads)));
                self.chunks += 1;
            }
            self.persisted_heads = heads;
        }
        writes
    }
}

#[derive(Debug)]
struct State {
    docs: HashMap<DocumentId, LocalDoc>,
    owner: Option<UserSummary>,
    connection: ConnectionState,
    /// Documents changed locally (edited, created, wanted) that the live session has not offered yet.
    dirty: HashSet<DocumentId>,
    index: Option<DocumentId>,
    /// The ids the latest index lists (`None` until the tablet holds a readable index).
    index_ids: Option<HashSet<DocumentId>>,
    /// The server said `session_wiped` and the user's data were deleted; nothing is written or offered
    /// until a fresh login lowers it.
    wiped: bool,
    /// The session that last used the store (persisted), for the wipe check after a restart.
    session: Option<SessionId>,
}

struct Shared {
    api: ApiClient,
    ws_url: String,
    peer_id: PeerId,
    storage_id: StorageId,
    writer: StoreWriter,
    options: TabletOptions,
    state: Mutex<State>,
    /// Bumped on every change a caller may wait for.
    changes: watch::Sender<u64>,
    /// Bumped on every login.
    logins: watch::Sender<u64>,
    /// True once a remote wipe deleted the user's data (durably), false again after a fresh login.
    wiped: watch::Sender<bool>,
    /// Local changes for the live session to offer.
    outbox: Notify,
    /// Cut a back-off short.
    wake: Notify,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("ws_url", &self.ws_url)
            .field("peer_id", &self.peer_id)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Follows the user's index `current`, as the last login or refresh named it (`None`: the server said
    /// the index moved and the tablet does not know the new one yet).
    ///
    /// The index followed before, and any other index document the tablet holds, is retired
    /// ([`plan::retired_indexes`]): deleted from memory and from the store by the same secure deletion as a
    /// departure (rows and chunks, `secure_delete`, the WAL truncated), so it is never offered again. With
    /// [`TabletOptions::follow_index`], the current one is asked for and its URL persisted, so that the
    /// tablet follows it after a restart too.
    ///
    /// The listing of the old index (`index_ids`) stands until the new index arrives: a document leaves the
    /// tablet only when an index the tablet holds stops listing it, never because the new one is still on
    /// its way.
    async fn follow_index(&self, current: Option<DocumentId>) -> Result<(), StoreError> {
        let ticket = {
            let mut guard = self.lock();
            let state = &mut *guard;
            if state.wiped {
                return Ok(());
            }
            let holds = state
                .docs
                .iter()
                .filter(|(_, local)| local.is_index())
                .map(|(id, _)| *id);
            let retired = plan::retired_indexes(state.index, current, holds);
            let follows = current.filter(|_| self.options.follow_index);
            let mut writes = Vec::new();
            for id in retired {
                state.docs.remove(&id);
                state.dirty.remove(&id);
                writes.push(Write::Delete(id));
                tracing::info!(doc = %id, "sync: the user's index moved; the old index deleted");
            }
            if state.index != follows {
                state.index = follows;
                let url = follows.map(|id| id.to_url().to_string());
                writes.push(Write::Setting(
                    SETTING_INDEX.into(),
                    url.unwrap_or_default(),
                ));
            }
            if let Some(id) = follows {
                let local = state.docs.entry(id).or_insert_with(LocalDoc::empty);
                if !local.meta.wanted {
                    local.meta.wanted = true;
                    writes.extend(local.persist(id, self.options.compact_after_chunks));
                    state.dirty.insert(id);
                }
            }
            (!writes.is_empty()).then(|| self.writer.submit(writes))
        };
        if let Some(ticket) = ticket {
            ticket.wait().await?;
            self.outbox.notify_one();
            self.bump();
        }
        Ok(())
    }

    /// The index the session's last login or refresh named, if it named one.
    async fn named_index(&self) -> Option<DocumentId> {
        let url = self.api.index_doc().await?;
        AutomergeUrl::parse(&url).ok().map(|url| url.document_id())
    }

    fn set_connection(&self, connection: ConnectionState) {
        let changed = {
            let mut state = self.lock();
            let changed = state.connection != connection;
            state.connection = connection;
            changed
        };
        if changed {
            self.bump();
        }
    }

    /// The remote wipe: the server said `session_wiped` (the REST client's wipe mark is raised). Deletes
    /// everything of the user, in memory and in the store (one transaction of [`Write::WipeAll`], keeping
    /// only the device's labels), and marks the tablet wiped, so that nothing is written or offered until a
    /// fresh login. Does nothing if the tablet is wiped already, or if a login has lowered the mark since
    /// (that login's data are not the marked session's).
    ///
    /// Every write is submitted with the state locked, so the writes submitted before this one are applied
    /// before it (and deleted by it), and none is submitted after it while the tablet is wiped.
    async fn wipe(&self) -> Result<(), StoreError> {
        let ticket = {
            let mut state = self.lock();
            if state.wiped || !self.api.is_wiped() {
                return Ok(());
            }
            state.wiped = true;
            let documents = state.docs.len();
            state.docs.clear();
            state.dirty.clear();
            state.index = None;
            state.index_ids = None;
            state.owner = None;
            state.session = None;
            tracing::warn!(
                peer = %self.peer_id,
                documents,
                "sync: the session was marked lost (session_wiped); deleting the local data"
            );
            self.writer.submit(vec![Write::WipeAll {
                keep_settings: vec![SETTING_PEER.into(), SETTING_STORAGE.into()],
            }])
        };
        self.bump();
        let written = ticket.wait().await;
        if written.is_ok() {
            self.wiped.send_replace(true);
            self.bump();
        }
        written
    }

    fn is_wiped(&self) -> bool {
        self.lock().wiped
    }

    /// Persists the id of the session the REST client holds, if it is not the one the store knows (a
    /// login, a password change), so that a restarted tablet can ask the wipe check about it.
    async fn note_session(&self) -> Result<(), StoreError> {
        let Some(current) = self.api.session_id().await else {
            return Ok(());
        };
        let ticket = {
            let mut state = self.lock();
            if state.wiped || state.session == Some(current) {
                return Ok(());
            }
            state.session = Some(current);
            self.writer.submit(vec![Write::Setting(
                SETTING_SESSION.into(),
                current.to_string(),
            )])
        };
        ticket.wait().await
    }
}

#[derive(Debug)]
struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// A tablet: a local store of documents and a sync client. Cheap to share behind an `Arc`; every method
/// takes `&self`.
#[derive(Debug)]
pub struct Tablet {
    shared: Arc<Shared>,
    running: Mutex<Option<Running>>,
}

const SETTING_PEER: &str = "peer_id";
const SETTING_STORAGE: &str = "storage_id";
const SETTING_OWNER: &str = "owner";
/// The URL of the index the tablet follows (empty: none, after the index moved and before the tablet learnt
/// the new one).
const SETTING_INDEX: &str = "index";
/// The id of the session that last used the store, for the wipe check after a restart.
const SETTING_SESSION: &str = "session";

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    if getrandom::fill(&mut buffer).is_err() {
        // No OS randomness: fall back on a fresh document id's randomness source.
        buffer = DocumentId::new_random().as_bytes()[..bytes.min(16)].to_vec();
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_u64() -> u64 {
    getrandom::u64().unwrap_or(0x9e37_79b9_7f4a_7c15)
}

fn sync_url(base_url: &str) -> Result<String, TabletError> {
    let base = base_url.trim_end_matches('/');
    let rest = if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        return Err(TabletError::BadUrl);
    };
    Ok(format!("{rest}/sync"))
}

/// Wipes the tablet whenever the REST client's wipe mark rises: a `session_wiped` answer to a REST call
/// made through [`Tablet::api`], or to a refresh. (The sync task wipes at once too when the server refuses
/// its connection so.) Ends with the tablet.
async fn wipe_on_mark(shared: std::sync::Weak<Shared>) {
    let Some(mut marks) = shared.upgrade().map(|shared| shared.api.watch_wiped()) else {
        return;
    };
    loop {
        if marks.wait_for(|wiped| *wiped).await.is_err() {
            return;
        }
        let Some(strong) = shared.upgrade() else {
            return;
        };
        if let Err(error) = strong.wipe().await {
            tracing::error!(%error, "sync: the remote wipe could not be written");
        }
        drop(strong);
        // Until a login lowers the mark.
        if marks.wait_for(|wiped| !*wiped).await.is_err() {
            return;
        }
    }
}

impl Tablet {
    /// Opens (creating if needed) the tablet's store in `dir`, for the server at `base_url`
    /// (`http://host:port`). `device_name` labels the tablet's sessions in the admins' list.
    pub async fn open(
        dir: impl AsRef<Path>,
        base_url: &str,
        device_name: &str,
    ) -> Result<Tablet, TabletError> {
        Self::open_with(dir, base_url, device_name, TabletOptions::default()).await
    }

    pub async fn open_with(
        dir: impl AsRef<Path>,
        base_url: &str,
        device_name: &str,
        options: TabletOptions,
    ) -> Result<Tablet, TabletError> {
        let ws_url = sync_url(base_url)?;
        let dir = dir.as_ref().to_owned();
        let (store, docs, settings) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&dir)?;
            let docs = store.load_documents()?;
            let settings = store::settings(&store)?;
            Ok::<_, StoreError>((store, docs, settings))
        })
        .await
        .map_err(|e| StoreError::Corrupt {
            id: "-".into(),
            reason: format!("loading panicked: {e}"),
        })??;
        let writer = StoreWriter::spawn(store);

        let mut new_settings = Vec::new();
        let peer_id = settings
            .get(SETTING_PEER)
            .and_then(|p| PeerId::parse(p).ok())
            .unwrap_or_else(|| {
                let label = format!("tablet-{}", random_hex(8));
                new_settings.push(Write::Setting(SETTING_PEER.into(), label.clone()));
                PeerId::parse(&label).expect("a short ASCII label")
            });
        let storage_id = settings
            .get(SETTING_STORAGE)
            .and_then(|p| StorageId::parse(p).ok())
            .unwrap_or_else(|| {
                let hex = random_hex(16);
                let label = format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                );
                new_settings.push(Write::Setting(SETTING_STORAGE.into(), label.clone()));
                StorageId::parse(&label).expect("a UUID-shaped label")
            });
        if !new_settings.is_empty() {
            writer.submit(new_settings).wait().await?;
        }
        let owner = settings
            .get(SETTING_OWNER)
            .and_then(|json| serde_json::from_str::<UserSummary>(json).ok());

        // The index followed, as persisted; a store written before that setting existed holds one index.
        let followed = settings
            .get(SETTING_INDEX)
            .map(|url| AutomergeUrl::parse(url).ok().map(|url| url.document_id()));
        let mut index = followed.flatten();
        let docs = docs
            .into_iter()
            .map(|stored| {
                if followed.is_none()
                    && stored.meta.wanted
                    && !stored.doc.get_heads().is_empty()
                    && documents::kind_of(&stored.doc).ok() == Some(DocKind::Index)
                {
                    index = Some(stored.id);
                }
                let local = LocalDoc {
                    persisted_heads: stored.doc.get_heads(),
                    doc: stored.doc,
                    meta: stored.meta,
                    chunks: stored.chunks,
                    epoch: 0,
                    server_version: None,
                    unavailable_at: None,
                };
                (stored.id, local)
            })
            .collect::<HashMap<_, _>>();
        let index_ids = index
            .and_then(|id| docs.get(&id))
            .and_then(|local| autosurgeon::hydrate::<_, IndexDoc>(&local.doc).ok())
            .map(|index| plan::index_ids(&index));
        let state = State {
            docs,
            owner,
            connection: ConnectionState::Stopped,
            dirty: HashSet::new(),
            index,
            index_ids,
            wiped: false,
            session: settings.get(SETTING_SESSION).and_then(|id| id.parse().ok()),
        };
        let shared = Shared {
            api: ApiClient::new(base_url, Some(device_name.to_owned())),
            ws_url,
            peer_id,
            storage_id,
            writer,
            options,
            state: Mutex::new(state),
            changes: watch::channel(0).0,
            logins: watch::channel(0).0,
            wiped: watch::channel(false).0,
            outbox: Notify::new(),
            wake: Notify::new(),
        };
        let shared = Arc::new(shared);
        tokio::spawn(wipe_on_mark(Arc::downgrade(&shared)));
        Ok(Tablet {
            shared,
            running: Mutex::new(None),
        })
    }

    /// The REST client (password change, `me`, admin calls).
    pub fn api(&self) -> &ApiClient {
        &self.shared.api
    }

    /// The label this tablet gives itself in the sync protocol (stable across restarts).
    pub fn peer_id(&self) -> &PeerId {
        &self.shared.peer_id
    }

    /// Logs in over REST. The store is bound to the first user who logs in; another user is refused
    /// ([`TabletError::OtherUser`]) and their new session is ended at once. After a remote wipe the store is
    /// empty and bound to nobody: the login binds it to whoever logs in, and the tablet works again.
    pub async fn login(&self, username: &str, password: &str) -> Result<UserSummary, TabletError> {
        // A wipe the server asked for is done before a new session can lower the mark; and a session that
        // used the store before (before a restart) is checked first. If the check cannot be made, the
        // login goes on (it would most likely fail the same way).
        if let Err(error) = self.wipe_check().await {
            tracing::debug!(%error, "sync: the wipe check before the login failed");
        }
        self.shared.wipe().await?;
        let user = self.shared.api.login(username, password).await?;
        let json = serde_json::to_string(&user).map_err(|e| StoreError::Corrupt {
            id: "-".into(),
            reason: e.to_string(),
        })?;
        let ticket = {
            let mut state = self.shared.lock();
            if state
                .owner
                .as_ref()
                .is_some_and(|owner| owner.id != user.id)
            {
                None
            } else {
                state.wiped = false;
                state.owner = Some(user.clone());
                Some(
                    self.shared
                        .writer
                        .submit(vec![Write::Setting(SETTING_OWNER.into(), json)]),
                )
            }
        };
        let Some(ticket) = ticket else {
            let _ = self.shared.api.logout().await;
            return Err(TabletError::OtherUser);
        };
        self.shared.wiped.send_replace(false);
        ticket.wait().await?;
        self.shared.note_session().await?;
        // The index the server names now: a tablet that was away when the index moved leaves the old one
        // here, before it could offer it.
        if let Some(index) = self.shared.named_index().await {
            self.shared.follow_index(Some(index)).await?;
        }
        self.shared.logins.send_modify(|n| *n = n.wrapping_add(1));
        self.shared.bump();
        Ok(user)
    }

    /// Asks the server whether the session that last used this store was marked lost (`POST
    /// /api/v1/auth/wipe-check`, public), and if so wipes the tablet as a `session_wiped` answer would: true
    /// then. Call it at start, before the user logs in, to learn of a mark made while the app was not
    /// running (the tokens are kept in memory only); [`Tablet::login`] calls it too.
    pub async fn wipe_check(&self) -> Result<bool, TabletError> {
        let session = {
            let state = self.shared.lock();
            state.session.filter(|_| !state.wiped)
        };
        let Some(session) = session else {
            return Ok(false);
        };
        let marked = self.shared.api.wipe_check(&[session]).await?;
        if !marked.contains(&session) {
            return Ok(false);
        }
        tracing::info!(peer = %self.shared.peer_id, "sync: the wipe check names this store's session");
        self.shared.api.mark_wiped().await;
        self.shared.wipe().await?;
        Ok(true)
    }

    /// The index document the tablet follows (with [`TabletOptions::follow_index`], once a login named it).
    /// It changes when the server moves the user's index (after an erasure).
    pub fn index(&self) -> Option<DocumentId> {
        self.shared.lock().index
    }

    /// The user this tablet's store belongs to (known offline after the first login).
    pub fn owner(&self) -> Option<UserSummary> {
        self.shared.lock().owner.clone()
    }

    /// "Now" in the form documents store it.
    pub fn now(&self) -> Rfc3339Utc {
        let now = (self.shared.options.clock)();
        let text = now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        Rfc3339Utc::parse(&text).expect("jiff formats a valid UTC timestamp")
    }

    fn today(&self) -> Date {
        self.now().date()
    }

    fn actor(&self) -> Result<ActorCtx, TabletError> {
        if self.shared.is_wiped() {
            return Err(TabletError::Wiped);
        }
        let owner = self.owner().ok_or(TabletError::NotLoggedIn)?;
        Ok(ActorCtx::new(owner.id, owner.role, owner.areas))
    }

    /// The catalogue validation checks codes against: the directory document's if the tablet holds it
    /// (admins edit it on the server, and it arrives by sync), the defaults otherwise. A code is valid
    /// whether active or not, as on the server; offering only active codes is the caller's job.
    pub fn catalogue(&self) -> Catalogue {
        let state = self.shared.lock();
        state
            .docs
            .values()
            .filter(|local| local.has_content())
            .filter(|local| documents::kind_of(&local.doc).ok() == Some(DocKind::Directory))
            .find_map(|local| autosurgeon::hydrate::<_, DirectoryDoc>(&local.doc).ok())
            .map(|directory| directory.catalogue())
            .unwrap_or_else(Catalogue::defaults)
    }

    // -----------------------------------------------------------------------------------------------------
    // Documents

    /// Creates a case, offline if need be, after checking it with the server's rules for this user.
    pub async fn create_case(&self, case: &CaseDoc) -> Result<DocumentId, TabletError> {
        let actor = self.actor()?;
        let catalogue = self.catalogue();
        validate::case(case, &catalogue, self.today())
            .and_then(|()| validate::case_change(None, case, &actor, &catalogue))
            .map_err(TabletError::Invalid)?;
        self.create(case, Some(DocKind::Case)).await
    }

    /// Creates case notes (social workers, for one of their areas), checked like [`Tablet::create_case`].
    pub async fn create_case_notes(&self, notes: &CaseNotesDoc) -> Result<DocumentId, TabletError> {
        let actor = self.actor()?;
        validate::case_notes(notes, &self.catalogue())
            .and_then(|()| validate::case_notes_change(None, notes, &actor))
            .map_err(TabletError::Invalid)?;
        self.create(notes, Some(DocKind::CaseNotes)).await
    }

    /// Creates a document from any value, unchecked (tools and tests; forms use the checked calls).
    pub async fn create_document<T: Reconcile>(
        &self,
        value: &T,
    ) -> Result<DocumentId, TabletError> {
        self.create(value, None).await
    }

    /// Creates a document from `value`; with a kind, the document as written must have that kind's shape
    /// ([`validate::shape`], as the server checks it).
    async fn create<T: Reconcile>(
        &self,
        value: &T,
        shape: Option<DocKind>,
    ) -> Result<DocumentId, TabletError> {
        let mut writer = AutoCommit::new();
        autosurgeon::reconcile(&mut writer, value)
            .map_err(|e| TabletError::WrongShape(e.to_string()))?;
        if let Some(kind) = shape {
            validate::shape(&writer, kind).map_err(TabletError::Invalid)?;
        }
        let doc = writer.document().clone();
        let id = DocumentId::new_random();
        let ticket = {
            let mut state = self.shared.lock();
            if state.wiped {
                return Err(TabletError::Wiped);
            }
            let mut local = LocalDoc::empty();
            local.doc = doc;
            local.meta.created_locally = true;
            let writes = local.persist(id, self.shared.options.compact_after_chunks);
            state.docs.insert(id, local);
            state.dirty.insert(id);
            self.shared.writer.submit(writes)
        };
        ticket.wait().await?;
        self.shared.outbox.notify_one();
        self.shared.bump();
        Ok(id)
    }

    /// Edits a case through its typed form; the result is checked with the server's rules for this user
    /// (the document itself and the change from the current version) before it is committed.
    pub async fn edit_case(
        &self,
        id: DocumentId,
        edit: impl FnOnce(&mut CaseDoc),
    ) -> Result<(), TabletError> {
        let actor = self.actor()?;
        let catalogue = self.catalogue();
        let today = self.today();
        self.edit_typed(
            id,
            edit,
            move |old: &CaseDoc, new: &CaseDoc| {
                validate::case(new, &catalogue, today)
                    .and_then(|()| validate::case_change(Some(old), new, &actor, &catalogue))
            },
            Some(DocKind::Case),
        )
        .await
    }

    /// Edits a case without the local checks: for tools and tests that need to see what the server does
    /// with a change it must refuse.
    pub async fn edit_case_unchecked(
        &self,
        id: DocumentId,
        edit: impl FnOnce(&mut CaseDoc),
    ) -> Result<(), TabletError> {
        self.edit_typed(id, edit, |_: &CaseDoc, _: &CaseDoc| Ok(()), None)
            .await
    }

    /// Edits case notes through their typed form, checked like [`Tablet::edit_case`].
    pub async fn edit_case_notes(
        &self,
        id: DocumentId,
        edit: impl FnOnce(&mut CaseNotesDoc),
    ) -> Result<(), TabletError> {
        let actor = self.actor()?;
        let catalogue = self.catalogue();
        self.edit_typed(
            id,
            edit,
            move |old: &CaseNotesDoc, new: &CaseNotesDoc| {
                validate::case_notes(new, &catalogue)
                    .and_then(|()| validate::case_notes_change(Some(old), new, &actor))
            },
            Some(DocKind::CaseNotes),
        )
        .await
    }

    /// Edits a document through its typed form: `check` compares the old and new values, and with a
    /// kind, the document as it would be committed must have that kind's shape ([`validate::shape`]: what
    /// the typed form cannot see, such as a key another client added); otherwise nothing is committed.
    async fn edit_typed<T: Hydrate + Reconcile + Clone>(
        &self,
        id: DocumentId,
        edit: impl FnOnce(&mut T),
        check: impl FnOnce(&T, &T) -> Result<(), ValidationErrors>,
        shape: Option<DocKind>,
    ) -> Result<(), TabletError> {
        let ticket = {
            let mut state = self.shared.lock();
            if state.wiped {
                return Err(TabletError::Wiped);
            }
            let local = state
                .docs
                .get_mut(&id)
                .filter(|local| local.has_content())
                .ok_or(TabletError::NotFound(id))?;
            let old: T = autosurgeon::hydrate(&local.doc)
                .map_err(|e| TabletError::WrongShape(e.to_string()))?;
            let mut new = old.clone();
            edit(&mut new);
            check(&old, &new).map_err(TabletError::Invalid)?;
            local
                .doc
                .transact(|tx| {
                    autosurgeon::reconcile(tx, &new)
                        .map_err(|e| TabletError::WrongShape(e.to_string()))?;
                    match shape {
                        // An error rolls the transaction back.
                        Some(kind) => validate::shape(tx, kind).map_err(TabletError::Invalid),
                        None => Ok(()),
                    }
                })
                .map_err(|failure| failure.error)?;
            let writes = local.persist(id, self.shared.options.compact_after_chunks);
            state.dirty.insert(id);
            self.shared.writer.submit(writes)
        };
        ticket.wait().await?;
        self.shared.outbox.notify_one();
        self.shared.bump();
        Ok(())
    }

    /// Asks for a document (a link, or an index entry): requested on every connection until it arrives.
    pub async fn want(&self, url: &AutomergeUrl) -> Result<DocumentId, TabletError> {
        let id = url.document_id();
        let ticket = {
            let mut state = self.shared.lock();
            if state.wiped {
                return Err(TabletError::Wiped);
            }
            let local = state.docs.entry(id).or_insert_with(LocalDoc::empty);
            if local.meta.wanted {
                None
            } else {
                local.meta.wanted = true;
                let writes = local.persist(id, self.shared.options.compact_after_chunks);
                state.dirty.insert(id);
                Some(self.shared.writer.submit(writes))
            }
        };
        if let Some(ticket) = ticket {
            ticket.wait().await?;
            self.shared.outbox.notify_one();
            self.shared.bump();
        }
        Ok(id)
    }

    /// Drops the local changes the server does not have (after a refusal): the document goes back to the
    /// last version the server announced, or — for a document made here that the server never accepted —
    /// is deleted. The user then redoes the edit correctly.
    pub async fn discard_unsynced_changes(&self, id: DocumentId) -> Result<(), TabletError> {
        let ticket = {
            let mut state = self.shared.lock();
            if state.wiped {
                return Err(TabletError::Wiped);
            }
            let local = state.docs.get_mut(&id).ok_or(TabletError::NotFound(id))?;
            if local.meta.server_heads.is_empty() {
                state.docs.remove(&id);
                state.dirty.remove(&id);
                self.shared.writer.submit(vec![Write::Delete(id)])
            } else {
                let doc = local
                    .doc
                    .fork_at(&local.meta.server_heads)
                    .map_err(|e| TabletError::WrongShape(e.to_string()))?;
                local.doc = doc;
                local.clear_refusal();
                local.epoch += 1;
                // History shrank: rewrite the stored bytes as one snapshot.
                local.persisted_heads.clear();
                let writes = local.persist(id, self.shared.options.compact_after_chunks);
                state.dirty.insert(id);
                self.shared.writer.submit(writes)
            }
        };
        ticket.wait().await?;
        self.shared.outbox.notify_one();
        self.shared.bump();
        Ok(())
    }

    /// Every document the tablet knows (held or asked for).
    pub fn documents(&self) -> Vec<DocumentId> {
        let mut ids: Vec<_> = self.shared.lock().docs.keys().copied().collect();
        ids.sort_by_key(|id| *id.as_bytes());
        ids
    }

    /// A copy of the document, if the tablet holds its content.
    pub fn document(&self, id: DocumentId) -> Option<Automerge> {
        self.with_document(id, Automerge::clone)
    }

    /// Reads the document in place, if the tablet holds its content.
    pub fn with_document<R>(
        &self,
        id: DocumentId,
        read: impl FnOnce(&Automerge) -> R,
    ) -> Option<R> {
        let state = self.shared.lock();
        state
            .docs
            .get(&id)
            .filter(|local| local.has_content())
            .map(|local| read(&local.doc))
    }

    pub fn heads(&self, id: DocumentId) -> Option<Vec<ChangeHash>> {
        self.with_document(id, Automerge::get_heads)
    }

    /// The case, hydrated; `None` if the tablet does not hold it.
    pub fn case(&self, id: DocumentId) -> Result<Option<CaseDoc>, TabletError> {
        self.with_document(id, autosurgeon::hydrate::<_, CaseDoc>)
            .transpose()
            .map_err(|e| TabletError::WrongShape(e.to_string()))
    }

    pub fn status(&self, id: DocumentId) -> Option<DocStatus> {
        self.shared.lock().docs.get(&id).map(LocalDoc::status)
    }

    pub fn connection(&self) -> ConnectionState {
        self.shared.lock().connection.clone()
    }

    /// Whether a remote wipe deleted the user's data (an admin marked the session lost), and no login has
    /// happened since. Then calls that edit or ask for documents fail with [`TabletError::Wiped`].
    pub fn is_wiped(&self) -> bool {
        self.shared.is_wiped()
    }

    /// A receiver that turns true once a remote wipe has deleted the user's data (durably) and false at the
    /// next login: what the app watches to show that the tablet was wiped.
    pub fn watch_wiped(&self) -> watch::Receiver<bool> {
        self.shared.wiped.subscribe()
    }

    // -----------------------------------------------------------------------------------------------------
    // Sync

    /// Starts syncing in the background (a task on the current tokio runtime); does nothing if running.
    pub fn start(&self) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.as_ref().is_some_and(|r| !r.task.is_finished()) {
            return;
        }
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(session::run(Arc::clone(&self.shared), stopped));
        *running = Some(Running { stop, task });
    }

    /// Stops syncing (closing the connection) and waits, at most a few seconds, for the task to end.
    pub async fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(running) = running {
            let _ = running.stop.send(true);
            let mut task = running.task;
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        self.shared.set_connection(ConnectionState::Stopped);
    }

    /// Retries the connection now instead of at the end of the back-off (call it when the OS says the
    /// network is back).
    pub fn reconnect_now(&self) {
        self.shared.wake.notify_one();
    }

    /// A receiver that changes whenever a document, a status or the connection changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Waits until `done(self)` holds, re-checking on every change, for at most `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut(&Tablet) -> bool,
    ) -> Result<(), TabletError> {
        let mut changes = self.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if done(self) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    return if done(self) {
                        Ok(())
                    } else {
                        Err(TabletError::Timeout {
                            waited: timeout,
                            what: format!("{what} (connection: {:?})", self.connection()),
                        })
                    };
                }
            }
        }
    }

    /// Waits until the server has every local change of each of `ids`.
    pub async fn wait_synced(
        &self,
        ids: &[DocumentId],
        timeout: Duration,
    ) -> Result<(), TabletError> {
        let outcome = self
            .wait_for(timeout, "documents synced", |tablet| {
                ids.iter().all(|id| {
                    tablet
                        .status(*id)
                        .is_some_and(|s| s.has_content && s.synced_to_server)
                })
            })
            .await;
        outcome.map_err(|error| match error {
            TabletError::Timeout { waited, what } => {
                let pending: Vec<String> = ids
                    .iter()
                    .filter(|id| !self.status(**id).is_some_and(|s| s.synced_to_server))
                    .map(|id| format!("{id}: {:?}", self.status(*id)))
                    .collect();
                TabletError::Timeout {
                    waited,
                    what: format!("{what}; not synced: {}", pending.join(", ")),
                }
            }
            other => other,
        })
    }

    /// Waits until every document the tablet knows is settled: synced, refused (and not edited since),
    /// or unavailable; and every wanted document has arrived or been declared unavailable.
    pub async fn wait_settled(&self, timeout: Duration) -> Result<(), TabletError> {
        self.wait_for(timeout, "every document settled", |tablet| {
            let state = tablet.shared.lock();
            state.docs.values().all(|local| {
                let status = local.status();
                status.unavailable
                    || plan::opening(&local.view()).holds_back_refused_changes()
                    || (status.synced_to_server && (status.has_content || !status.wanted))
            })
        })
        .await
    }
}

impl Drop for Tablet {
    fn drop(&mut self) {
        if let Some(running) = self
            .running
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = running.stop.send(true);
            running.task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    use super::*;

    fn edit(local: &mut LocalDoc, value: i64) {
        let mut tx = local.doc.transaction();
        tx.put(ROOT, "n", value).unwrap();
        tx.commit();
    }

    #[test]
    fn a_document_is_stored_as_a_snapshot_then_chunks_then_a_new_snapshot() {
        let id = DocumentId::new_random();
        let mut local = LocalDoc::empty();
        let kinds = |writes: &[Write]| -> Vec<&'static str> {
            writes
                .iter()
                .map(|w| match w {
                    Write::Meta(..) => "meta",
                    Write::Snapshot(..) => "snapshot",
                    Write::Chunk(..) => "chunk",
                    Write::Delete(..) => "delete",
                    Write::Setting(..) => "setting",
                    Write::WipeAll { .. } => "wipe",
                })
                .collect()
        };
        assert_eq!(
            kinds(&local.persist(id, 2)),
            ["meta"],
            "nothing to store yet"
        );
        edit(&mut local, 1);
        assert_eq!(kinds(&local.persist(id, 2)), ["meta", "snapshot"]);
        assert_eq!(kinds(&local.persist(id, 2)), ["meta"], "unchanged");
        edit(&mut local, 2);
        assert_eq!(kinds(&local.persist(id, 2)), ["meta", "chunk"]);
        edit(&mut local, 3);
        assert_eq!(kinds(&local.persist(id, 2)), ["meta", "chunk"]);
        edit(&mut local, 4);
        assert_eq!(
            kinds(&local.persist(id, 2)),
            ["meta", "snapshot"],
            "compacted"
        );
    }

    #[test]
    fn a_documents_departure_follows_its_acknowledgement_refusal_and_last_unavailable_answer() {
        let mut local = LocalDoc::empty();
        local.meta.listed = true;
        edit(&mut local, 1);
        let first = local.departure(false);
        assert!(first.was_listed && !first.listed_now);
        assert!(!first.acknowledged && !first.refused_unchanged && !first.unavailable_unchanged);

        local.meta.server_heads = local.doc.get_heads();
        assert!(local.departure(false).acknowledged);
        edit(&mut local, 2);
        assert!(!local.departure(false).acknowledged, "a new local change");

        local.unavailable_at = Some(local.doc.get_heads());
        assert!(local.departure(false).unavailable_unchanged);
        edit(&mut local, 3);
        assert!(
            !local.departure(false).unavailable_unchanged,
            "edited after the answer"
        );

        let refusal = Refusal {
            code: "read_only".into(),
            reason: "read access only".into(),
        };
        local.meta.refusal = Some((refusal, local.doc.get_heads()));
        assert!(local.departure(false).refused_unchanged);
        edit(&mut local, 4);
        assert!(!local.departure(false).refused_unchanged);
    }

    #[test]
    fn the_sync_url_follows_the_servers_scheme() {
        assert_eq!(
            sync_url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/sync"
        );
        assert_eq!(
            sync_url("https://sportello.comune.it/").unwrap(),
            "wss://sportello.comune.it/sync"
        );
        assert!(matches!(sync_url("ftp://x"), Err(TabletError::BadUrl)));
    }

    #[tokio::test]
    async fn following_a_moved_index_deletes_the_old_one_everywhere_and_keeps_its_listing_until_the_new_one_arrives()
     {
        // Arrange: a tablet following an index that lists one case.
        let dir = tempfile::tempdir().unwrap();
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        let me = sportello_schema::UserId::new_random();
        let note = HashMap::from([("note".to_owned(), "Sfratto.".to_owned())]);
        let case = tablet.create_document(&note).await.unwrap();
        let mut index = IndexDoc::new(me);
        index.entries = vec![sportello_schema::documents::IndexEntry {
            url: case.to_url().to_string(),
            kind: DocKind::CaseNotes,
            title: "Rossi Mario".into(),
            status: String::new(),
            updated_at: "2026-11-27T10:00:00Z".into(),
        }];
        let old = tablet.create_document(&index).await.unwrap();
        tablet.shared.follow_index(Some(old)).await.unwrap();
        let listing = plan::index_ids(&index);
        tablet.shared.lock().index_ids = Some(listing.clone());
        assert_eq!(tablet.index(), Some(old));
        let rows = |id| Store::open(dir.path()).unwrap().rows_of(id).unwrap();
        assert_eq!(rows(old), (1, 0));

        // Act: the server names a new index.
        let new = DocumentId::new_random();
        tablet.shared.follow_index(Some(new)).await.unwrap();

        // Assert: the old index is gone from memory and store; the new one is asked for; the case stays,
        // and so does the old listing until the new index arrives.
        assert_eq!(tablet.index(), Some(new));
        assert!(tablet.status(old).is_none());
        assert_eq!(rows(old), (0, 0), "nothing of the old index is stored");
        let status = tablet.status(new).unwrap();
        assert!(status.wanted && !status.has_content);
        assert!(
            tablet.shared.lock().dirty.contains(&new),
            "asked for at once"
        );
        assert!(tablet.document(case).is_some());
        assert_eq!(tablet.shared.lock().index_ids, Some(listing));

        // The same index named again (a later refresh) changes nothing.
        tablet.shared.follow_index(Some(new)).await.unwrap();
        assert_eq!(tablet.index(), Some(new));
        assert!(tablet.status(new).is_some());

        // After a restart the tablet follows the new index, though it has not arrived.
        drop(tablet);
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        assert_eq!(tablet.index(), Some(new));
        assert_eq!(tablet.documents().len(), 2, "the case and the new index");
        assert_eq!(
            tablet.shared.lock().index_ids,
            None,
            "no listing to go by yet"
        );

        // Moved again, the next one not known yet (the refresh failed): the index asked for goes too.
        tablet.shared.follow_index(None).await.unwrap();
        assert_eq!(tablet.index(), None);
        assert!(tablet.status(new).is_none());
        assert_eq!(rows(new), (0, 0));
        drop(tablet);
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        assert_eq!(tablet.index(), None);
        assert_eq!(tablet.documents(), vec![case]);
    }

    #[tokio::test]
    async fn a_session_wiped_mark_deletes_every_document_and_setting_of_the_user_and_refuses_further_work()
     {
        // Arrange: a tablet bound to a user, following an index, holding a case and a wanted document.
        let dir = tempfile::tempdir().unwrap();
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        let label = tablet.peer_id().clone();
        let me = sportello_schema::UserId::new_random();
        let owner = UserSummary {
            id: me,
            username: sportello_schema::Username::parse("op.anna").unwrap(),
            display_name: "Anna".into(),
            role: sportello_schema::Role::Operator,
            areas: vec![],
            must_change_password: false,
            second_factor: Default::default(),
        };
        let json = serde_json::to_string(&owner).unwrap();
        tablet
            .shared
            .writer
            .submit(vec![Write::Setting(SETTING_OWNER.into(), json)])
            .wait()
            .await
            .unwrap();
        tablet.shared.lock().owner = Some(owner);
        let mut case = CaseDoc::new(
            me,
            &tablet.now(),
            sportello_schema::documents::Channel::Desk,
        );
        case.person.family_name = "Rossi".into();
        let x = tablet.create_case(&case).await.unwrap();
        let index = tablet.create_document(&IndexDoc::new(me)).await.unwrap();
        tablet.shared.follow_index(Some(index)).await.unwrap();
        let linked = DocumentId::new_random();
        tablet.want(&linked.to_url()).await.unwrap();
        let store = || Store::open(dir.path()).unwrap();
        assert_eq!(store().row_counts().unwrap(), (3, 0, 4));
        let mut wiped = tablet.watch_wiped();
        assert!(!*wiped.borrow_and_update() && !tablet.is_wiped());

        // Act: the REST client learns that the session was marked lost.
        assert!(tablet.api().mark_wiped().await.is_wiped());
        wiped.wait_for(|wiped| *wiped).await.unwrap();

        // Assert: nothing of the user in memory or in the store; the device's labels stay.
        assert!(tablet.is_wiped());
        assert!(tablet.documents().is_empty());
        assert_eq!(tablet.owner(), None);
        assert_eq!(tablet.index(), None);
        assert!(tablet.shared.lock().dirty.is_empty(), "the outbox is empty");
        for id in [x, index, linked] {
            assert_eq!(store().rows_of(id).unwrap(), (0, 0));
        }
        assert_eq!(store().row_counts().unwrap(), (0, 0, 2));
        assert!(store().setting(SETTING_PEER).unwrap().is_some());
        assert!(store().setting(SETTING_STORAGE).unwrap().is_some());
        // Further work is refused, and nothing is written.
        assert!(matches!(
            tablet.create_case(&case).await,
            Err(TabletError::Wiped)
        ));
        assert!(matches!(
            tablet.create_document(&case).await,
            Err(TabletError::Wiped)
        ));
        assert!(matches!(
            tablet.want(&linked.to_url()).await,
            Err(TabletError::Wiped)
        ));
        assert!(matches!(
            tablet
                .edit_case(x, |case| case.summary = "Dopo.".into())
                .await,
            Err(TabletError::Wiped)
        ));
        assert!(matches!(
            tablet.discard_unsynced_changes(x).await,
            Err(TabletError::Wiped)
        ));
        assert!(matches!(
            tablet.api().me().await.map_err(TabletError::from),
            Err(TabletError::Wiped)
        ));
        tablet.shared.follow_index(Some(index)).await.unwrap();
        assert_eq!(store().row_counts().unwrap(), (0, 0, 2));

        // Reopened, the tablet is empty, bound to nobody, with the same labels.
        drop(tablet);
        let again = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        assert!(again.documents().is_empty());
        assert_eq!(again.owner(), None);
        assert_eq!(again.index(), None);
        assert_eq!(again.peer_id(), &label);
    }

    #[tokio::test]
    async fn nothing_is_created_before_anyone_has_logged_in() {
        let dir = tempfile::tempdir().unwrap();
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        let case = CaseDoc::new(
            sportello_schema::UserId::new_random(),
            &tablet.now(),
            sportello_schema::documents::Channel::Desk,
        );
        assert!(matches!(
            tablet.create_case(&case).await,
            Err(TabletError::NotLoggedIn)
        ));
        assert!(tablet.documents().is_empty());
        assert_eq!(tablet.connection(), ConnectionState::Stopped);
        let label = tablet.peer_id().clone();
        drop(tablet);
        let again = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        assert_eq!(again.peer_id(), &label, "the peer label is kept");
    }

    #[tokio::test]
    async fn a_checked_edit_of_a_document_holding_an_unknown_key_is_refused_here_and_not_committed()
    {
        let dir = tempfile::tempdir().unwrap();
        let tablet = Tablet::open(dir.path(), "http://127.0.0.1:9", "test")
            .await
            .unwrap();
        let me = sportello_schema::UserId::new_random();
        tablet.shared.lock().owner = Some(UserSummary {
            id: me,
            username: sportello_schema::Username::parse("op.anna").unwrap(),
            display_name: "Anna".into(),
            role: sportello_schema::Role::Operator,
            areas: vec![],
            must_change_password: false,
            second_factor: Default::default(),
        });
        let mut case = CaseDoc::new(
            me,
            &tablet.now(),
            sportello_schema::documents::Channel::Desk,
        );
        case.person.family_name = "Rossi".into();
        let id = tablet.create_case(&case).await.unwrap();
        tablet
            .edit_case(id, |case| case.person.given_name = "Mario".into())
            .await
            .unwrap();

        // Another writer (a JS client, say) left a key the layout does not name.
        {
            let mut state = tablet.shared.lock();
            let doc = &mut state.docs.get_mut(&id).unwrap().doc;
            let mut tx = doc.transaction();
            let (_, person) = automerge::ReadDoc::get(&tx, ROOT, "person")
                .unwrap()
                .unwrap();
            tx.put(&person, "health", "Vittima di maltrattamenti")
                .unwrap();
            tx.commit();
        }
        let heads = tablet.heads(id).unwrap();
        let refused = tablet
            .edit_case(id, |case| case.person.given_name = "Maria".into())
            .await;
        match refused {
            Err(TabletError::Invalid(errors)) => {
                assert_eq!(errors.errors().len(), 1, "{errors}");
                assert_eq!(errors.errors()[0].path, "person");
                assert!(
                    errors.errors()[0].reason.contains("unknown key"),
                    "{errors}"
                );
            }
            other => panic!("expected a local refusal, got {other:?}"),
        }
        assert_eq!(tablet.heads(id).unwrap(), heads, "nothing was committed");
        assert_eq!(tablet.case(id).unwrap().unwrap().person.given_name, "Mario");
    }
}
