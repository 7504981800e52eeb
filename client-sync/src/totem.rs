//! The totem: the ticket kiosk at the desk's entrance, which keeps printing numbers through a network
//! outage (issue 4, "Offline issuing").
//!
//! [`Totem`] authenticates as an enrolled device (its credential is exchanged for an access token, again
//! whenever the server says the token has expired or is no longer valid), and:
//!
//! - [`Totem::issue`] asks the server for a ticket with a fresh `client_op_id`, retrying the same id once on
//!   a transport error. Only when the server cannot be reached does it issue the next number of today's
//!   lease for the line (`A500`, `A501`, …) and keep it as *pending*. An answer from the server (`desk_closed`,
//!   `line_full`, a revoked device…) is an error, never a reason to print offline.
//! - [`Totem::lease`] and [`Totem::top_up`] keep blocks of numbers in reserve: a line whose numbers left today
//!   fall below a threshold gets a new block (like DHIS2's reserved values); leases of past days are dropped.
//! - [`Totem::sync_pending`] imports the pending tickets, per lease, in batches of at most
//!   [`MAX_IMPORT_BATCH`]. The server's import is all-or-nothing and idempotent by (number, `client_op_id`),
//!   so a batch whose answer was lost is simply sent again. Tickets the server will never take (a lease of a
//!   past day, a number it refuses) are set aside as [`Unimportable`] and reported, not retried forever.
//!
//! Everything the totem must not forget (its leases with the numbers used, the pending and the unimportable
//! tickets) lives in one small JSON file, [`STATE_FILE`], in a directory of its own, rewritten atomically
//! (temporary file, fsync, rename, fsync of the directory) before [`Totem::issue`] returns an offline ticket:
//! a ticket that was printed survives a restart of the totem in the middle of an outage.
//!
//! Days are civil days in Europe/Rome, as on the server; "now" comes from [`TotemOptions::clock`], which
//! tests replace. The pure bookkeeping (next number, top-up decision, batching, setting aside) is on
//! [`TotemState`] and tested without a network.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sportello_schema::api::queue::{
    DeviceToken, DeviceTokenRequest, ImportRequest, ImportResult, IssueTicketRequest, IssuedTicket,
    Lease, LeaseRequest, OfflineTicket,
};
use sportello_schema::api::{ErrorCode, Secret};
use sportello_schema::desk_time::{DeskDay, UtcTime};
use sportello_schema::queue::{ClientOpId, LineCode, TicketNumber};
use sportello_schema::{LeaseId, TicketId};
use tokio::sync::Mutex;

use crate::api::{ClientError, send_json};

/// The state file's name inside the totem's directory.
pub const STATE_FILE: &str = "totem.json";
/// The zone the desk's days are counted in (tickets count from 001 each local morning).
pub use sportello_schema::desk_time::DESK_TIME_ZONE;
/// The most tickets the server takes in one import.
pub const MAX_IMPORT_BATCH: usize = 100;

/// The state file's format; a file of a later version is refused rather than misread.
const STATE_VERSION: u32 = 1;

const DEVICE_TOKEN_PATH: &str = "/api/v1/auth/device-token";
const TICKETS_PATH: &str = "/api/v1/queue/tickets";
const LEASES_PATH: &str = "/api/v1/queue/leases";
const IMPORT_PATH: &str = "/api/v1/queue/tickets/import";

/// What can go wrong with a totem.
#[derive(Debug, thiserror::Error)]
pub enum TotemError {
    /// The server could not be reached and no number of today's leases for `line` is left: nothing can be
    /// printed. (Top up while online to avoid it.)
    #[error("the server cannot be reached and no leased number of line {line} is left for today")]
    NoOfflineNumbers {
        line: LineCode,
        /// Why the server could not be reached.
        #[source]
        cause: ClientError,
    },
    /// A server answer or a network failure where no offline fallback applies (top-up, import, a refusal
    /// of an online issue such as `desk_closed`). [`ClientError::is_retryable`] says whether trying again
    /// later can help, [`ClientError::needs_login`] that the device credential was refused (revoked).
    #[error(transparent)]
    Api(#[from] ClientError),
    /// The state file could not be read or written; nothing was issued or forgotten.
    #[error("the totem's state file {}: {source}", path.display())]
    Storage {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but is not a totem state this version understands; it is left untouched.
    #[error("the totem's state file {} cannot be read: {reason}", path.display())]
    CorruptState { path: PathBuf, reason: String },
    /// The HTTP client or the desk's time zone could not be set up.
    #[error("the totem cannot start: {0}")]
    Setup(String),
    /// The server leased numbers for another day than the totem's clock says: offline tickets would carry
    /// times the server refuses, and each top-up would waste a block. Set the totem's clock.
    #[error(
        "the server's day is {server_day} but this totem's clock says {totem_day}: set the clock"
    )]
    ClockSkew {
        server_day: String,
        totem_day: String,
    },
}

/// Tuning of a [`Totem`]; the defaults suit a kiosk, where a citizen waits at the screen.
#[derive(Clone)]
pub struct TotemOptions {
    /// Opening a TCP connection to the server; past it the server counts as unreachable.
    pub connect_timeout: Duration,
    /// A whole request, answer included.
    pub request_timeout: Duration,
    /// "Now", for offline issue times and for the desk's day (replaceable in tests).
    pub clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
}

impl Default for TotemOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            clock: Arc::new(Timestamp::now),
        }
    }
}

impl fmt::Debug for TotemOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotemOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// A ticket as the totem prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotemTicket {
    pub number: TicketNumber,
    pub line: LineCode,
    pub priority: bool,
    /// RFC 3339, UTC.
    pub issued_at: String,
    /// The id the ticket was issued (online) or will be imported (offline) under.
    pub client_op_id: String,
    pub issued: Issued,
}

impl TotemTicket {
    /// True when the ticket came from a lease and waits to be imported.
    pub fn is_offline(&self) -> bool {
        matches!(self.issued, Issued::Offline { .. })
    }

    fn online(ticket: IssuedTicket, client_op_id: String) -> Self {
        Self {
            number: ticket.number,
            line: ticket.line,
            priority: ticket.priority,
            issued_at: ticket.issued_at,
            client_op_id,
            issued: Issued::Online {
                id: ticket.id,
                position: ticket.position,
                estimated_wait_s: ticket.estimated_wait_s,
                status_url: ticket.status_url,
            },
        }
    }
}

/// How a [`TotemTicket`] came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issued {
    /// Numbered by the server: the ticket is in the queue already.
    Online {
        id: TicketId,
        position: u32,
        estimated_wait_s: u64,
        /// The public status page, for the QR code.
        status_url: String,
    },
    /// Issued from a lease while the server was unreachable: in the queue once [`Totem::sync_pending`] has
    /// imported it. (No status page: its address is known only after the import.)
    Offline { lease_id: LeaseId },
}

/// A leased block of numbers and how far the totem has used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLease {
    pub lease: Lease,
    /// The sequence the next offline ticket gets; `last + 1` once the block is used up.
    pub next: u16,
}

impl HeldLease {
    /// A block just received, none of it used.
    pub fn new(lease: Lease) -> Self {
        let next = lease.first.sequence();
        Self { lease, next }
    }

    /// Numbers of the block not issued yet.
    pub fn remaining(&self) -> u16 {
        (self.lease.last.sequence() + 1).saturating_sub(self.next)
    }

    /// Numbers of the block issued so far.
    pub fn used(&self) -> u16 {
        self.next.saturating_sub(self.lease.first.sequence())
    }
}

/// A ticket issued offline and not yet imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTicket {
    pub lease_id: LeaseId,
    pub ticket: OfflineTicket,
}

/// A ticket issued offline that the server refused to import, with its answer. It is kept (and reported by
/// [`Totem::sync_pending`] once) so that someone can look into it; it is never sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unimportable {
    pub lease_id: LeaseId,
    pub ticket: OfflineTicket,
    /// The server's error code: `lease_expired`, `unknown_lease`, `number_taken`,
    /// `client_op_id_reused`, `outside_lease`, `validation_failed`.
    pub code: String,
    pub message: String,
}

/// What [`Totem::top_up`] did.
#[derive(Debug, Default)]
pub struct TopUpReport {
    /// Blocks leased now.
    pub leased: Vec<Lease>,
    /// Leases forgotten: of a past day, or used up.
    pub dropped: usize,
    /// Lines the server would not lease for: `line_full`, `line_inactive` (409), `unknown_line` (404), a
    /// refused request (422).
    pub refused: Vec<(LineCode, ClientError)>,
}

/// What [`Totem::sync_pending`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// Tickets brought into the queue now.
    pub imported: u32,
    /// Tickets an earlier import had already brought in (its answer was lost).
    pub already_imported: u32,
    /// Tickets set aside by this run: the server will never take them.
    pub set_aside: Vec<Unimportable>,
    /// Tickets still pending afterwards (issued while the run was under way).
    pub still_pending: usize,
}

impl SyncSummary {
    fn count(&mut self, result: &ImportResult) {
        self.imported += result.imported;
        self.already_imported += result.already_imported;
    }
}

/// Everything a totem keeps across restarts, and the pure bookkeeping on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotemState {
    version: u32,
    /// Held leases, in the order they were received.
    pub leases: Vec<HeldLease>,
    /// Offline tickets not yet imported, in issue order.
    pub pending: Vec<PendingTicket>,
    /// Offline tickets the server refused for good.
    pub unimportable: Vec<Unimportable>,
}

impl Default for TotemState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            leases: Vec::new(),
            pending: Vec::new(),
            unimportable: Vec::new(),
        }
    }
}

/// How far a refused import reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefusalScope {
    /// The lease itself is unusable (past day, unknown): every ticket of it.
    Lease,
    /// Something about one ticket of the request (which one is not machine-readable).
    Ticket,
}

/// Whether an import error is a refusal that sending again would not change, and how far it reaches.
/// Network failures, busy servers and authentication are not refusals: those tickets stay pending.
fn refusal_scope(error: &ClientError) -> Option<RefusalScope> {
    let ClientError::Api { status, code, .. } = error else {
        return None;
    };
    match (*status, code) {
        (409, ErrorCode::LeaseExpired) | (404, ErrorCode::UnknownLease) => {
            Some(RefusalScope::Lease)
        }
        (409, ErrorCode::NumberTaken | ErrorCode::ClientOpIdReused | ErrorCode::OutsideLease)
        | (422, _) => Some(RefusalScope::Ticket),
        _ => None,
    }
}

/// Whether a lease error concerns only that line (the others may still be topped up).
fn is_line_refusal(error: &ClientError) -> bool {
    match error {
        ClientError::Api { status, code, .. } => {
            matches!(*status, 409 | 422) || (*status == 404 && *code == ErrorCode::UnknownLine)
        }
        _ => false,
    }
}

/// A device token the server no longer takes: exchange the credential again (once).
fn is_stale_token(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Api {
            status: 401,
            code: ErrorCode::TokenExpired | ErrorCode::Unauthenticated,
            ..
        }
    )
}

impl TotemState {
    /// Numbers of today's leases for `line` not issued yet.
    pub fn remaining(&self, line: LineCode, today: &str) -> u32 {
        self.leases
            .iter()
            .filter(|held| held.lease.line == line && held.lease.day == today)
            .map(|held| u32::from(held.remaining()))
            .sum()
    }

    /// Takes the next number for an offline ticket of `line` on `today`: from the lowest block with numbers
    /// left, so printed numbers only grow. `None` when today's leases for the line are used up.
    pub fn take_number(&mut self, line: LineCode, today: &str) -> Option<(LeaseId, TicketNumber)> {
        let held = self
            .leases
            .iter_mut()
            .filter(|held| {
                held.lease.line == line && held.lease.day == today && held.remaining() > 0
            })
            .min_by_key(|held| held.next)?;
        let number = TicketNumber::new(line, held.next)?;
        held.next += 1;
        Some((held.lease.lease_id, number))
    }

    /// Forgets leases that can no longer serve: of a day before `today`, or used up. Their pending tickets
    /// stay pending (an import needs only the lease id). Returns how many were dropped.
    pub fn prune(&mut self, today: &str) -> usize {
        let before = self.leases.len();
        // Days are `YYYY-MM-DD`: text order is date order.
        self.leases
            .retain(|held| held.lease.day.as_str() >= today && held.remaining() > 0);
        before - self.leases.len()
    }

    /// The lines among `lines` whose numbers left today are fewer than `threshold`.
    pub fn lines_to_top_up(
        &self,
        lines: &[LineCode],
        today: &str,
        threshold: u16,
    ) -> Vec<LineCode> {
        lines
            .iter()
            .copied()
            .filter(|line| self.remaining(*line, today) < u32::from(threshold))
            .collect()
    }

    /// The pending tickets as import requests: grouped by lease (leases in the order of their first pending
    /// ticket, tickets in issue order), at most [`MAX_IMPORT_BATCH`] per request.
    pub fn batches(&self) -> Vec<(LeaseId, Vec<OfflineTicket>)> {
        let mut leases: Vec<LeaseId> = Vec::new();
        for pending in &self.pending {
            if !leases.contains(&pending.lease_id) {
                leases.push(pending.lease_id);
            }
        }
        let mut batches = Vec::new();
        for lease_id in leases {
            let tickets: Vec<OfflineTicket> = self
                .pending
                .iter()
                .filter(|pending| pending.lease_id == lease_id)
                .map(|pending| pending.ticket.clone())
                .collect();
            for chunk in tickets.chunks(MAX_IMPORT_BATCH) {
                batches.push((lease_id, chunk.to_vec()));
            }
        }
        batches
    }

    /// Removes from pending the tickets the server has (by `client_op_id`).
    pub fn settle(&mut self, imported: &[OfflineTicket]) {
        let ops: HashSet<&str> = imported.iter().map(|t| t.client_op_id.as_str()).collect();
        self.pending
            .retain(|pending| !ops.contains(pending.ticket.client_op_id.as_str()));
    }

    /// Moves every pending ticket of `lease_id` to the unimportable ones; returns them.
    pub fn set_aside_lease(
        &mut self,
        lease_id: LeaseId,
        code: &str,
        message: &str,
    ) -> Vec<Unimportable> {
        let (refused, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|pending| pending.lease_id == lease_id);
        self.pending = kept;
        let refused: Vec<Unimportable> = refused
            .into_iter()
            .map(|pending| Unimportable {
                lease_id: pending.lease_id,
                ticket: pending.ticket,
                code: code.to_owned(),
                message: message.to_owned(),
            })
            .collect();
        self.unimportable.extend(refused.iter().cloned());
        refused
    }

    /// Moves one pending ticket (by `client_op_id`) to the unimportable ones; returns it.
    pub fn set_aside_ticket(
        &mut self,
        client_op_id: &str,
        code: &str,
        message: &str,
    ) -> Option<Unimportable> {
        let index = self
            .pending
            .iter()
            .position(|pending| pending.ticket.client_op_id == client_op_id)?;
        let pending = self.pending.remove(index);
        let refused = Unimportable {
            lease_id: pending.lease_id,
            ticket: pending.ticket,
            code: code.to_owned(),
            message: message.to_owned(),
        };
        self.unimportable.push(refused.clone());
        Some(refused)
    }

    /// Reads the state in `dir`; a directory without a state file is a totem's first start.
    pub fn load(dir: &Path) -> Result<TotemState, TotemError> {
        let path = dir.join(STATE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TotemState::default());
            }
            Err(source) => return Err(TotemError::Storage { path, source }),
        };
        let state: TotemState =
            serde_json::from_slice(&bytes).map_err(|error| TotemError::CorruptState {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        if state.version != STATE_VERSION {
            return Err(TotemError::CorruptState {
                path,
                reason: format!(
                    "version {} (this totem reads version {STATE_VERSION})",
                    state.version
                ),
            });
        }
        Ok(state)
    }

    /// Writes the state to `dir` atomically and durably: a temporary file, fsynced, renamed over the state
    /// file, and the directory fsynced so the rename itself survives a power cut.
    pub fn save(&self, dir: &Path) -> Result<(), TotemError> {
        let path = dir.join(STATE_FILE);
        let bytes = serde_json::to_vec_pretty(self).map_err(|error| TotemError::CorruptState {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        let temporary = dir.join(format!("{STATE_FILE}.tmp"));
        let storage = |source| TotemError::Storage {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::File::create(&temporary).map_err(storage)?;
        file.write_all(&bytes).map_err(storage)?;
        file.sync_all().map_err(storage)?;
        drop(file);
        std::fs::rename(&temporary, &path).map_err(storage)?;
        sync_dir(dir).map_err(storage)
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for syncing here; the rename is as durable as the platform makes it.
    Ok(())
}

/// The desk's day at `now` (`2026-11-27`), as the server writes lease days.
pub fn desk_day(now: Timestamp) -> String {
    DeskDay::of(now).to_string()
}

/// RFC 3339 in UTC with milliseconds, as the server writes times.
fn rfc3339(now: Timestamp) -> String {
    UtcTime::from(now).to_string()
}

/// Whether an answer means the server could not take the ticket at all: no connection, or a gateway
/// (a reverse proxy in front of a server that is down: 502, 504) or an overloaded server (503) answering in
/// its stead. Then the citizen still gets a ticket, from the lease. Any other answer is the server's word.
fn server_unreachable(error: &ClientError) -> bool {
    match error {
        ClientError::Network(_) => true,
        ClientError::Api { status, .. } => matches!(status, 502..=504),
        ClientError::Decode(_) | ClientError::NotLoggedIn => false,
    }
}

fn new_op_id() -> ClientOpId {
    ClientOpId::random()
}

/// The ticket kiosk's client. One per totem; its directory holds its state and nothing else should write
/// there. Methods take `&self` and may run concurrently (e.g. [`Totem::sync_pending`] in the background
/// while [`Totem::issue`] serves citizens).
pub struct Totem {
    base_url: String,
    dir: PathBuf,
    credential: Secret,
    /// The lines this totem offers, topped up by [`Totem::top_up`].
    lines: Vec<LineCode>,
    options: TotemOptions,
    http: reqwest::Client,
    /// The current device access token; `None` until the first exchange.
    token: Mutex<Option<Secret>>,
    /// The in-memory copy of the state file; changed only after the file was written.
    state: Mutex<TotemState>,
    /// One import run at a time.
    syncing: Mutex<()>,
}

impl fmt::Debug for Totem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the credential nor the token: `Secret` would print `[redacted]`, but there is no need.
        f.debug_struct("Totem")
            .field("base_url", &self.base_url)
            .field("dir", &self.dir)
            .field("lines", &self.lines)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Totem {
    /// Opens the totem whose state lives in `dir` (created if missing), talking to the server at `base_url`
    /// (e.g. `https://sportello.comune.example`) with the device `credential` an admin enrolled it with.
    /// `lines` are the lines it offers.
    pub fn open(
        dir: &Path,
        base_url: impl Into<String>,
        credential: Secret,
        lines: Vec<LineCode>,
    ) -> Result<Totem, TotemError> {
        Self::open_with(dir, base_url, credential, lines, TotemOptions::default())
    }

    /// [`Totem::open`] with explicit [`TotemOptions`].
    pub fn open_with(
        dir: &Path,
        base_url: impl Into<String>,
        credential: Secret,
        lines: Vec<LineCode>,
        options: TotemOptions,
    ) -> Result<Totem, TotemError> {
        std::fs::create_dir_all(dir).map_err(|source| TotemError::Storage {
            path: dir.to_path_buf(),
            source,
        })?;
        let state = TotemState::load(dir)?;
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .build()
            .map_err(|error| TotemError::Setup(format!("HTTP client: {error}")))?;
        Ok(Totem {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            dir: dir.to_path_buf(),
            credential,
            lines,
            options,
            http,
            token: Mutex::new(None),
            state: Mutex::new(state),
            syncing: Mutex::new(()),
        })
    }

    /// The desk's day now (`2026-11-27`, Europe/Rome).
    pub fn today(&self) -> String {
        desk_day((self.options.clock)())
    }

    /// Issues a ticket on `line`. Online, the server numbers it (`A001`…). When the server cannot be
    /// reached (after one retry of the same `client_op_id`), the next number of today's lease for the line
    /// is issued (`A500`…), written to the state file, and returned marked offline; with none left, the
    /// error is [`TotemError::NoOfflineNumbers`]. Any answer from the server (`desk_closed`, `line_full`,
    /// `line_inactive`, a refused credential…) is returned as [`TotemError::Api`].
    pub async fn issue(&self, line: LineCode, priority: bool) -> Result<TotemTicket, TotemError> {
        let client_op_id = new_op_id();
        let request = IssueTicketRequest {
            line,
            priority,
            client_op_id: Some(client_op_id.clone()),
        };
        let mut answer = self
            .authenticated::<_, IssuedTicket>(Method::POST, TICKETS_PATH, &request)
            .await;
        if matches!(&answer, Err(error) if server_unreachable(error)) {
            // The request may have reached the server: the same op id cannot make a second ticket.
            answer = self
                .authenticated(Method::POST, TICKETS_PATH, &request)
                .await;
        }
        match answer {
            Ok(ticket) => Ok(TotemTicket::online(ticket, client_op_id.to_string())),
            Err(cause) if server_unreachable(&cause) => {
                tracing::info!(%line, error = %cause, "the server is unreachable: issuing offline");
                self.issue_offline(line, priority, cause).await
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn issue_offline(
        &self,
        line: LineCode,
        priority: bool,
        cause: ClientError,
    ) -> Result<TotemTicket, TotemError> {
        let now = (self.options.clock)();
        let today = desk_day(now);
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let Some((lease_id, number)) = next.take_number(line, &today) else {
            return Err(TotemError::NoOfflineNumbers { line, cause });
        };
        // A fresh op id: the failed online attempt may have reached the server under the first one, and
        // the import would then be refused as `client_op_id_reused`.
        let ticket = OfflineTicket {
            number,
            issued_at: rfc3339(now),
            priority,
            client_op_id: new_op_id(),
        };
        next.pending.push(PendingTicket {
            lease_id,
            ticket: ticket.clone(),
        });
        self.commit(&mut state, next).await?;
        tracing::info!(%number, %lease_id, "ticket issued offline");
        Ok(TotemTicket {
            number,
            line,
            priority,
            issued_at: ticket.issued_at,
            client_op_id: ticket.client_op_id.to_string(),
            issued: Issued::Offline { lease_id },
        })
    }

    /// Leases a block of `size` (1–100) of today's numbers of `line` and keeps it.
    pub async fn lease(&self, line: LineCode, size: u16) -> Result<Lease, TotemError> {
        let lease: Lease = self
            .authenticated(Method::POST, LEASES_PATH, &LeaseRequest { line, size })
            .await?;
        if lease.line != line
            || lease.first.line() != line
            || lease.last.line() != line
            || lease.first > lease.last
        {
            return Err(ClientError::Decode(format!(
                "the server leased {}–{} for line {}, asked for line {line}",
                lease.first, lease.last, lease.line
            ))
            .into());
        }
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        next.leases.push(HeldLease::new(lease.clone()));
        self.commit(&mut state, next).await?;
        tracing::info!(%line, first = %lease.first, last = %lease.last, day = %lease.day, "numbers leased");
        Ok(lease)
    }

    /// Drops leases of past days (and used-up ones), then leases a block of `size` for every line (offered,
    /// or with a lease today) whose numbers left today are fewer than `threshold`. A line the server will
    /// not lease for is reported in [`TopUpReport::refused`] and the other lines still get their blocks;
    /// a network failure or an authentication error stops the run (blocks leased so far are kept).
    pub async fn top_up(&self, threshold: u16, size: u16) -> Result<TopUpReport, TotemError> {
        let today = self.today();
        let mut report = TopUpReport::default();
        let wanted = {
            let mut state = self.state.lock().await;
            let mut next = state.clone();
            report.dropped = next.prune(&today);
            if report.dropped > 0 {
                self.commit(&mut state, next).await?;
            }
            let lines: BTreeSet<LineCode> = self
                .lines
                .iter()
                .copied()
                .chain(state.leases.iter().map(|held| held.lease.line))
                .collect();
            let lines: Vec<LineCode> = lines.into_iter().collect();
            state.lines_to_top_up(&lines, &today, threshold)
        };
        for line in wanted {
            match self.lease(line, size).await {
                // Leasing again would not help: the block is of a day this totem does not think it is.
                Ok(lease) if lease.day != today => {
                    return Err(TotemError::ClockSkew {
                        server_day: lease.day,
                        totem_day: today,
                    });
                }
                Ok(lease) => report.leased.push(lease),
                Err(TotemError::Api(error)) if is_line_refusal(&error) => {
                    tracing::warn!(%line, %error, "no lease for this line");
                    report.refused.push((line, error));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(report)
    }

    /// Imports the pending offline tickets, lease by lease, at most [`MAX_IMPORT_BATCH`] per request, and
    /// forgets each batch once the server has it. Sending a batch again is harmless (the server answers with
    /// the tickets it already has), so after a lost answer just call this again. Tickets the server refuses
    /// for good are set aside (see [`Unimportable`]) and listed in the summary; when a batch is refused for
    /// one of its tickets, its tickets are sent one by one so that only the refused ones are set aside.
    ///
    /// A network failure, a busy server or a refused credential stops the run with an error; what was
    /// imported until then is already forgotten, the rest stays pending for the next run.
    pub async fn sync_pending(&self) -> Result<SyncSummary, TotemError> {
        let _one_run = self.syncing.lock().await;
        let batches = self.state.lock().await.batches();
        let mut summary = SyncSummary::default();
        let mut dead_leases: HashSet<LeaseId> = HashSet::new();
        for (lease_id, batch) in batches {
            if dead_leases.contains(&lease_id) {
                continue;
            }
            let error = match self.import(lease_id, &batch).await {
                Ok(result) => {
                    summary.count(&result);
                    self.settle(&batch).await?;
                    continue;
                }
                Err(error) => error,
            };
            match refusal_scope(&error) {
                Some(RefusalScope::Lease) => {
                    summary
                        .set_aside
                        .extend(self.set_aside_lease(lease_id, &error).await?);
                    dead_leases.insert(lease_id);
                }
                Some(RefusalScope::Ticket) if batch.len() == 1 => {
                    summary
                        .set_aside
                        .extend(self.set_aside_ticket(&batch[0], &error).await?);
                }
                Some(RefusalScope::Ticket) => {
                    for ticket in batch {
                        let single = std::slice::from_ref(&ticket);
                        match self.import(lease_id, single).await {
                            Ok(result) => {
                                summary.count(&result);
                                self.settle(single).await?;
                            }
                            Err(error) => match refusal_scope(&error) {
                                Some(RefusalScope::Lease) => {
                                    summary
                                        .set_aside
                                        .extend(self.set_aside_lease(lease_id, &error).await?);
                                    dead_leases.insert(lease_id);
                                    break;
                                }
                                Some(RefusalScope::Ticket) => {
                                    summary
                                        .set_aside
                                        .extend(self.set_aside_ticket(&ticket, &error).await?);
                                }
                                None => return Err(error.into()),
                            },
                        }
                    }
                }
                None => return Err(error.into()),
            }
        }
        for refused in &summary.set_aside {
            tracing::warn!(
                number = %refused.ticket.number,
                code = %refused.code,
                "an offline ticket cannot be imported"
            );
        }
        summary.still_pending = self.state.lock().await.pending.len();
        Ok(summary)
    }

    /// The offline tickets waiting to be imported, in issue order.
    pub async fn pending(&self) -> Vec<PendingTicket> {
        self.state.lock().await.pending.clone()
    }

    /// The offline tickets the server refused for good.
    pub async fn unimportable(&self) -> Vec<Unimportable> {
        self.state.lock().await.unimportable.clone()
    }

    /// Returns the unimportable tickets and forgets them (someone has taken note).
    pub async fn take_unimportable(&self) -> Result<Vec<Unimportable>, TotemError> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let taken = std::mem::take(&mut next.unimportable);
        if !taken.is_empty() {
            self.commit(&mut state, next).await?;
        }
        Ok(taken)
    }

    /// The leases held, with the numbers used.
    pub async fn leases(&self) -> Vec<HeldLease> {
        self.state.lock().await.leases.clone()
    }

    /// Numbers left today for offline tickets of `line`.
    pub async fn remaining(&self, line: LineCode) -> u32 {
        let today = self.today();
        self.state.lock().await.remaining(line, &today)
    }

    async fn import(
        &self,
        lease_id: LeaseId,
        tickets: &[OfflineTicket],
    ) -> Result<ImportResult, ClientError> {
        let request = ImportRequest {
            lease_id,
            tickets: tickets.to_vec(),
        };
        self.authenticated(Method::POST, IMPORT_PATH, &request)
            .await
    }

    async fn settle(&self, imported: &[OfflineTicket]) -> Result<(), TotemError> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        next.settle(imported);
        self.commit(&mut state, next).await
    }

    async fn set_aside_lease(
        &self,
        lease_id: LeaseId,
        error: &ClientError,
    ) -> Result<Vec<Unimportable>, TotemError> {
        let (code, message) = refusal_text(error);
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let refused = next.set_aside_lease(lease_id, code, message);
        self.commit(&mut state, next).await?;
        Ok(refused)
    }

    async fn set_aside_ticket(
        &self,
        ticket: &OfflineTicket,
        error: &ClientError,
    ) -> Result<Option<Unimportable>, TotemError> {
        let (code, message) = refusal_text(error);
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let refused = next.set_aside_ticket(&ticket.client_op_id, code, message);
        self.commit(&mut state, next).await?;
        Ok(refused)
    }

    /// Writes `next` to the state file and, once it is durable, makes it the state in memory. On an error
    /// nothing changes (the guard keeps the old state).
    async fn commit(
        &self,
        state: &mut tokio::sync::MutexGuard<'_, TotemState>,
        next: TotemState,
    ) -> Result<(), TotemError> {
        let dir = self.dir.clone();
        let written = next.clone();
        tokio::task::spawn_blocking(move || written.save(&dir))
            .await
            .map_err(|error| TotemError::Storage {
                path: self.dir.join(STATE_FILE),
                source: std::io::Error::other(error.to_string()),
            })??;
        **state = next;
        Ok(())
    }

    /// An authenticated JSON request with the device token, exchanging the credential first if there is
    /// no token yet, and once more if the server no longer takes the token (expired, or its session ended).
    async fn authenticated<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let url = self.url(path);
        let token = self.access_token().await?;
        match send_json(&self.http, method.clone(), &url, Some(&token), Some(body)).await {
            Err(error) if is_stale_token(&error) => {
                let token = self.renew_token(&token).await?;
                send_json(&self.http, method, &url, Some(&token), Some(body)).await
            }
            other => other,
        }
    }

    async fn access_token(&self) -> Result<Secret, ClientError> {
        let mut token = self.token.lock().await;
        if let Some(current) = token.as_ref() {
            return Ok(current.clone());
        }
        let fresh = self.exchange().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    /// A new token in place of `stale`, unless a concurrent request has already replaced it.
    async fn renew_token(&self, stale: &Secret) -> Result<Secret, ClientError> {
        let mut token = self.token.lock().await;
        if let Some(current) = token.as_ref()
            && current != stale
        {
            return Ok(current.clone());
        }
        *token = None;
        let fresh = self.exchange().await?;
        *token = Some(fresh.clone());
        Ok(fresh)
    }

    async fn exchange(&self) -> Result<Secret, ClientError> {
        let body = DeviceTokenRequest {
            credential: self.credential.clone(),
        };
        let answer: DeviceToken = send_json(
            &self.http,
            Method::POST,
            &self.url(DEVICE_TOKEN_PATH),
            None,
            Some(&body),
        )
        .await?;
        tracing::debug!(device = %answer.device.id, "device token obtained");
        Ok(answer.access_token)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

fn refusal_text(error: &ClientError) -> (&str, &str) {
    match error {
        ClientError::Api { code, message, .. } => (code.as_str(), message),
        _ => ("unknown", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-27";
    const YESTERDAY: &str = "2026-11-26";

    fn line(code: &str) -> LineCode {
        LineCode::parse(code).unwrap()
    }

    #[test]
    fn gateway_and_busy_answers_count_as_an_outage_and_refusals_do_not() {
        let answer = |status: u16, code: &str| ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        };
        for status in [502, 503, 504] {
            assert!(server_unreachable(&answer(status, "busy")), "{status}");
        }
        for (status, code) in [
            (409, "desk_closed"),
            (409, "line_full"),
            (401, "unauthenticated"),
            (500, "internal"),
            (422, "validation_failed"),
        ] {
            assert!(
                !server_unreachable(&answer(status, code)),
                "{status} {code}"
            );
        }
        assert!(!server_unreachable(&ClientError::Decode("x".into())));
    }

    fn number(raw: &str) -> TicketNumber {
        TicketNumber::parse(raw).unwrap()
    }

    fn held(day: &str, first: &str, last: &str) -> HeldLease {
        let first = number(first);
        HeldLease::new(Lease {
            lease_id: LeaseId::new_random(),
            line: first.line(),
            day: day.to_owned(),
            first,
            last: number(last),
            expires_at: format!("{day}T23:00:00.000Z"),
        })
    }

    fn offline(raw: &str, op: &str) -> OfflineTicket {
        OfflineTicket {
            number: number(raw),
            issued_at: format!("{TODAY}T09:00:00.000Z"),
            priority: false,
            client_op_id: ClientOpId::parse(op).unwrap(),
        }
    }

    fn taken(state: &mut TotemState, code: &str) -> Option<String> {
        state
            .take_number(line(code), TODAY)
            .map(|(_, number)| number.to_string())
    }

    #[test]
    fn offline_numbers_come_from_todays_lease_of_the_line_in_order_until_it_is_used_up() {
        let mut state = TotemState::default();
        state.leases.push(held(YESTERDAY, "A500", "A599"));
        state.leases.push(held(TODAY, "M500", "M509"));
        state.leases.push(held(TODAY, "A510", "A512"));

        assert_eq!(
            state.remaining(line("A"), TODAY),
            3,
            "yesterday's block does not count"
        );
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A510"));
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A511"));
        assert_eq!(state.remaining(line("A"), TODAY), 1);
        assert_eq!(taken(&mut state, "A").as_deref(), Some("A512"));
        assert_eq!(
            taken(&mut state, "A"),
            None,
            "used up; yesterday's is never used"
        );
        assert_eq!(state.leases[2].used(), 3);
        assert_eq!(state.leases[2].remaining(), 0);
        assert_eq!(state.leases[0].used(), 0);
        assert_eq!(
            state.remaining(line("M"), TODAY),
            10,
            "another line's block is untouched"
        );
        assert_eq!(taken(&mut state, "B"), None, "no lease at all");
    }

    #[test]
    fn with_two_blocks_the_lower_one_is_used_first_so_printed_numbers_only_grow() {
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A520", "A521"));
        state.leases.push(held(TODAY, "A500", "A500"));
        let numbers: Vec<_> = std::iter::from_fn(|| taken(&mut state, "A")).collect();
        assert_eq!(numbers, ["A500", "A520", "A521"]);
    }

    #[test]
    fn a_line_is_topped_up_when_fewer_numbers_than_the_threshold_are_left_today() {
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A500", "A504")); // 5 left
        state.leases.push(held(YESTERDAY, "M500", "M599")); // a past day: none left today
        let lines = [line("A"), line("M"), line("B")];
        assert_eq!(
            state.lines_to_top_up(&lines, TODAY, 5),
            [line("M"), line("B")],
            "5 left is not below 5"
        );
        assert_eq!(
            state.lines_to_top_up(&lines, TODAY, 6),
            [line("A"), line("M"), line("B")]
        );
        state.take_number(line("A"), TODAY);
        assert_eq!(
            state.lines_to_top_up(&[line("A")], TODAY, 5),
            [line("A")],
            "4 left"
        );
        assert!(state.lines_to_top_up(&lines, TODAY, 0).is_empty());
    }

    #[test]
    fn pruning_drops_past_days_and_used_up_blocks_but_keeps_their_pending_tickets() {
        let mut state = TotemState::default();
        state.leases.push(held(YESTERDAY, "A500", "A509"));
        state.leases.push(held(TODAY, "A510", "A510"));
        state.leases.push(held(TODAY, "A520", "A529"));
        let old = state.leases[0].lease.lease_id;
        state.pending.push(PendingTicket {
            lease_id: old,
            ticket: offline("A500", "op-1"),
        });
        state.take_number(line("A"), TODAY); // A510: its block is used up
        assert_eq!(state.prune(TODAY), 2);
        assert_eq!(state.leases.len(), 1);
        assert_eq!(state.leases[0].lease.first, number("A520"));
        assert_eq!(state.pending.len(), 1, "still to import (or to be refused)");
        assert_eq!(state.prune(TODAY), 0);
    }

    #[test]
    fn pending_tickets_are_sent_per_lease_in_batches_of_at_most_a_hundred() {
        let mut state = TotemState::default();
        let x = LeaseId::new_random();
        let y = LeaseId::new_random();
        for i in 0..250u16 {
            let lease_id = if i == 3 { y } else { x };
            state.pending.push(PendingTicket {
                lease_id,
                ticket: offline(&format!("A{:03}", 500 + i), &format!("op-{i}")),
            });
        }
        let batches = state.batches();
        let shape: Vec<(LeaseId, usize)> = batches.iter().map(|(l, t)| (*l, t.len())).collect();
        assert_eq!(shape, [(x, 100), (x, 100), (x, 49), (y, 1)]);
        assert_eq!(batches[0].1[0].client_op_id, "op-0");
        assert_eq!(
            batches[0].1[3].client_op_id, "op-4",
            "issue order, per lease"
        );
        assert_eq!(batches[3].1[0].client_op_id, "op-3");

        state.settle(&batches[0].1);
        assert_eq!(state.pending.len(), 150);
        assert!(TotemState::default().batches().is_empty());
    }

    #[test]
    fn refused_tickets_are_set_aside_by_lease_or_one_by_one() {
        let mut state = TotemState::default();
        let x = LeaseId::new_random();
        let y = LeaseId::new_random();
        for (lease_id, raw, op) in [(x, "A500", "a"), (y, "M500", "b"), (x, "A501", "c")] {
            state.pending.push(PendingTicket {
                lease_id,
                ticket: offline(raw, op),
            });
        }
        let refused = state.set_aside_lease(x, "lease_expired", "yesterday's");
        assert_eq!(refused.len(), 2);
        assert_eq!(state.pending.len(), 1);
        assert_eq!(state.pending[0].ticket.client_op_id, "b");
        let one = state
            .set_aside_ticket("b", "number_taken", "taken")
            .unwrap();
        assert_eq!(one.code, "number_taken");
        assert!(state.pending.is_empty());
        assert_eq!(state.unimportable.len(), 3);
        assert!(state.set_aside_ticket("b", "x", "y").is_none());
    }

    #[test]
    fn import_errors_are_refusals_only_when_resending_cannot_help() {
        let api = |status: u16, code: &str| ClientError::Api {
            status,
            code: code.into(),
            message: String::new(),
        };
        assert_eq!(
            refusal_scope(&api(409, "lease_expired")),
            Some(RefusalScope::Lease)
        );
        assert_eq!(
            refusal_scope(&api(404, "unknown_lease")),
            Some(RefusalScope::Lease)
        );
        // A bare 404 (a path unknown to a server or proxy mid-deploy) may pass: keep the tickets.
        assert_eq!(refusal_scope(&api(404, "not_found")), None);
        assert_eq!(
            refusal_scope(&api(409, "number_taken")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(409, "client_op_id_reused")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(409, "outside_lease")),
            Some(RefusalScope::Ticket)
        );
        assert_eq!(
            refusal_scope(&api(422, "validation_failed")),
            Some(RefusalScope::Ticket)
        );
        assert!(is_line_refusal(&api(404, "unknown_line")));
        assert!(!is_line_refusal(&api(404, "not_found")));
        for transient in [
            api(503, "busy"),
            api(429, "rate_limited"),
            api(401, "unauthenticated"),
            api(403, "forbidden"),
            api(404, "unknown"),
            ClientError::Decode("x".into()),
        ] {
            assert_eq!(refusal_scope(&transient), None, "{transient}");
        }
        assert!(is_stale_token(&api(401, "token_expired")));
        assert!(is_stale_token(&api(401, "unauthenticated")));
        assert!(!is_stale_token(&api(403, "forbidden")));
    }

    #[test]
    fn the_desk_day_is_the_day_in_rome_not_in_utc() {
        let at = |raw: &str| raw.parse::<Timestamp>().unwrap();
        // Winter, UTC+1.
        assert_eq!(desk_day(at("2026-01-15T22:59:59Z")), "2026-01-15");
        assert_eq!(desk_day(at("2026-01-15T23:00:00Z")), "2026-01-16");
        // Summer, UTC+2.
        assert_eq!(desk_day(at("2026-07-01T21:59:59Z")), "2026-07-01");
        assert_eq!(desk_day(at("2026-07-01T22:00:00Z")), "2026-07-02");
        assert_eq!(
            rfc3339(at("2026-07-01T22:00:00.25Z")),
            "2026-07-01T22:00:00.250Z"
        );
    }

    #[test]
    fn the_state_survives_a_round_trip_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            TotemState::load(dir.path()).unwrap(),
            TotemState::default(),
            "first start"
        );
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A500", "A509"));
        let (lease_id, _) = state.take_number(line("A"), TODAY).unwrap();
        state.pending.push(PendingTicket {
            lease_id,
            ticket: offline("A500", "op-1"),
        });
        state.unimportable.push(Unimportable {
            lease_id,
            ticket: offline("A900", "op-2"),
            code: "number_taken".into(),
            message: "taken".into(),
        });
        state.save(dir.path()).unwrap();
        assert_eq!(TotemState::load(dir.path()).unwrap(), state);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [STATE_FILE], "no temporary file left behind");

        state.pending.clear();
        state.save(dir.path()).unwrap();
        assert!(
            TotemState::load(dir.path()).unwrap().pending.is_empty(),
            "replaced"
        );
    }

    #[test]
    fn a_damaged_or_newer_state_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(STATE_FILE),
            b"{\"version\": 1, \"leases\": [",
        )
        .unwrap();
        assert!(matches!(
            TotemState::load(dir.path()),
            Err(TotemError::CorruptState { .. })
        ));
        let newer =
            serde_json::json!({"version": 2, "leases": [], "pending": [], "unimportable": []});
        std::fs::write(dir.path().join(STATE_FILE), newer.to_string()).unwrap();
        let error = TotemState::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("version 2"), "{error}");
        assert!(matches!(
            Totem::open(dir.path(), "http://127.0.0.1:1", Secret::new("x"), vec![]),
            Err(TotemError::CorruptState { .. })
        ));
    }

    /// A local address nothing listens on: connections are refused at once.
    fn closed_port_url() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn with_the_server_unreachable_the_totem_prints_from_its_lease_and_a_restart_forgets_nothing()
     {
        let dir = tempfile::tempdir().unwrap();
        let now: Timestamp = "2026-11-27T08:30:00Z".parse().unwrap();
        let options = TotemOptions {
            clock: Arc::new(move || now),
            ..TotemOptions::default()
        };
        let mut seeded = TotemState::default();
        seeded.leases.push(held(TODAY, "A500", "A501"));
        seeded.leases.push(held(YESTERDAY, "A600", "A699"));
        seeded.save(dir.path()).unwrap();
        let url = closed_port_url();
        let open = || {
            Totem::open_with(
                dir.path(),
                &url,
                Secret::new("cred"),
                vec![line("A")],
                options.clone(),
            )
            .unwrap()
        };

        let totem = open();
        assert_eq!(totem.today(), TODAY);
        let first = totem.issue(line("A"), true).await.unwrap();
        assert!(first.is_offline());
        assert_eq!(first.number, number("A500"));
        assert!(first.priority);
        assert_eq!(first.issued_at, "2026-11-27T08:30:00.000Z");
        drop(totem);

        // A restart in the middle of the outage: the next number follows, and both tickets are pending.
        let totem = open();
        let second = totem.issue(line("A"), false).await.unwrap();
        assert_eq!(second.number, number("A501"));
        let pending = totem.pending().await;
        let numbers: Vec<String> = pending
            .iter()
            .map(|p| p.ticket.number.to_string())
            .collect();
        assert_eq!(numbers, ["A500", "A501"]);
        assert_eq!(pending[0].ticket.client_op_id, first.client_op_id);
        assert!(pending[0].ticket.priority && !pending[1].ticket.priority);
        assert_ne!(
            pending[0].ticket.client_op_id,
            pending[1].ticket.client_op_id
        );

        // Used up (yesterday's block does not count): a clear error, and nothing recorded.
        match totem.issue(line("A"), false).await {
            Err(TotemError::NoOfflineNumbers { line: l, cause }) => {
                assert_eq!(l, line("A"));
                assert!(cause.is_retryable(), "{cause}");
            }
            other => panic!("expected NoOfflineNumbers, got {other:?}"),
        }
        assert_eq!(totem.pending().await.len(), 2);
        assert_eq!(totem.remaining(line("A")).await, 0);

        // Nothing can be imported or leased while unreachable; the pending tickets stay.
        let error = totem.sync_pending().await.unwrap_err();
        assert!(
            matches!(&error, TotemError::Api(e) if e.is_retryable()),
            "{error}"
        );
        assert!(matches!(
            totem.top_up(5, 10).await,
            Err(TotemError::Api(ClientError::Network(_)))
        ));
        assert_eq!(open().pending().await.len(), 2);
        let reloaded = TotemState::load(dir.path()).unwrap();
        assert!(
            reloaded.leases.is_empty(),
            "top_up dropped yesterday's block and the used-up one before failing"
        );
    }
}
