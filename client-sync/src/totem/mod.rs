//! The totem: the ticket kiosk at the desk's entrance, which keeps printing numbers through a network
//! outage (issue 4, "Offline issuing").
//!
//! [`Totem`] authenticates as an enrolled device (its credential is exchanged for an access token, again
//! whenever the server says the token has expired or is no longer valid — the shared
//! `auth::AuthSession` with a device renewal), and:
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
//! tests replace.
//!
//! The rooms, pure ones first (no I/O, table-tested without a network):
//!
//! - `ledger`: [`TotemState`] — the held leases and the numbers used, the pending and unimportable tickets:
//!   next offline number, pruning, which lines to top up, import batches, settling, setting aside.
//! - `decisions`: what an answer from the server means for the totem — an outage (print offline), a refusal
//!   of one line's lease, an import refusal and how far it reaches (the lease or one ticket).
//! - `day`: the desk's civil day and the RFC 3339 times of offline tickets.
//! - `state_file`: [`TotemState`] on disk, written atomically and durably.
//! - `network`: [`Totem`] — the HTTP calls and the loops (issue with its offline fallback, top-up, import).

mod day;
mod decisions;
#[cfg(test)]
mod fixtures;
mod ledger;
mod network;
mod state_file;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sportello_schema::api::queue::{ImportResult, IssuedTicket, Lease};
use sportello_schema::queue::{LineCode, TicketNumber};
use sportello_schema::{LeaseId, TicketId};

use crate::api::ClientError;

pub use day::{DESK_TIME_ZONE, desk_day};
pub use ledger::{HeldLease, MAX_IMPORT_BATCH, PendingTicket, TotemState, Unimportable};
pub use network::Totem;
pub use state_file::STATE_FILE;

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

    pub(super) fn online(ticket: IssuedTicket, client_op_id: String) -> Self {
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
    pub(super) fn count(&mut self, result: &ImportResult) {
        self.imported += result.imported;
        self.already_imported += result.already_imported;
    }
}
