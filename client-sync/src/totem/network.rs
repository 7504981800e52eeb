//! The totem's networking: [`Totem`], which talks to the server through its device [`AuthSession`] and
//! runs the flows — issue (online, else from a lease), lease and top-up, import of the pending tickets —
//! applying the pure bookkeeping of [`TotemState`] and the decisions of `decisions` around each call, and
//! writing the state file before the state in memory changes.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sportello_schema::LeaseId;
use sportello_schema::api::Secret;
use sportello_schema::api::queue::{
    ImportRequest, ImportResult, IssueTicketRequest, IssuedTicket, Lease, LeaseRequest,
    OfflineTicket,
};
use sportello_schema::queue::{ClientOpId, LineCode};
use tokio::sync::Mutex;

use super::day::{desk_day, rfc3339};
use super::decisions::{
    AfterRefusedImport, after_refused_import, is_line_refusal, refusal_text, server_unreachable,
};
use super::ledger::{HeldLease, PendingTicket, TotemState, Unimportable};
use super::state_file::STATE_FILE;
use super::{Issued, SyncSummary, TopUpReport, TotemError, TotemOptions, TotemTicket};
use crate::api::ClientError;
use crate::auth::{AuthSession, DeviceRenewal, Endpoint};

const TICKETS_PATH: &str = "/api/v1/queue/tickets";
const LEASES_PATH: &str = "/api/v1/queue/leases";
const IMPORT_PATH: &str = "/api/v1/queue/tickets/import";

fn new_op_id() -> ClientOpId {
    ClientOpId::random()
}

/// The ticket kiosk's client. One per totem; its directory holds its state and nothing else should write
/// there. Methods take `&self` and may run concurrently (e.g. [`Totem::sync_pending`] in the background
/// while [`Totem::issue`] serves citizens).
pub struct Totem {
    dir: PathBuf,
    /// The lines this totem offers, topped up by [`Totem::top_up`].
    lines: Vec<LineCode>,
    options: TotemOptions,
    /// The device token: the credential is exchanged at the first call and whenever the token is stale.
    session: AuthSession<DeviceRenewal>,
    /// The in-memory copy of the state file; changed only after the file was written.
    state: Mutex<TotemState>,
    /// One import run at a time.
    syncing: Mutex<()>,
}

impl fmt::Debug for Totem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the credential nor the token: `Secret` would print `[redacted]`, but there is no need.
        f.debug_struct("Totem")
            .field("base_url", &self.session.endpoint().base_url())
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
        let endpoint = Endpoint::new(base_url, options.connect_timeout, options.request_timeout)
            .map_err(|error| TotemError::Setup(format!("HTTP client: {error}")))?;
        Ok(Totem {
            dir: dir.to_path_buf(),
            lines,
            options,
            session: AuthSession::new(endpoint, DeviceRenewal { credential }),
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

    /// Imports the pending offline tickets, lease by lease, at most [`MAX_IMPORT_BATCH`](super::MAX_IMPORT_BATCH) per request, and
    /// forgets each batch once the server has it. Sending a batch again is harmless (the server answers with
    /// the tickets it already has), so after a lost answer just call this again. Tickets the server refuses
    /// for good are set aside (see [`Unimportable`]) and listed in the summary; when a batch is refused for
    /// one of its tickets, its tickets are sent one by one so that only the refused ones are set aside.
    ///
    /// A network failure, a busy server or a refused credential stops the run with an error; what was
    /// imported until then is already forgotten, the rest stays pending for the next run.
    pub async fn sync_pending(&self) -> Result<SyncSummary, TotemError> {
        let _one_run = self.syncing.lock().await;
        // A refused batch may be split into single tickets, sent next, in order.
        let mut work: VecDeque<(LeaseId, Vec<OfflineTicket>)> =
            self.state.lock().await.batches().into();
        let mut summary = SyncSummary::default();
        let mut dead_leases: HashSet<LeaseId> = HashSet::new();
        while let Some((lease_id, batch)) = work.pop_front() {
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
            match after_refused_import(&error, batch.len()) {
                AfterRefusedImport::SetAsideLease => {
                    summary
                        .set_aside
                        .extend(self.set_aside_lease(lease_id, &error).await?);
                    dead_leases.insert(lease_id);
                }
                AfterRefusedImport::SetAsideTicket => {
                    summary
                        .set_aside
                        .extend(self.set_aside_ticket(&batch[0], &error).await?);
                }
                AfterRefusedImport::OneByOne => {
                    for ticket in batch.into_iter().rev() {
                        work.push_front((lease_id, vec![ticket]));
                    }
                }
                AfterRefusedImport::Stop => return Err(error.into()),
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

    /// An authenticated JSON request with the device token (see [`AuthSession::send_json`]).
    async fn authenticated<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.session.send_json(method, path, Some(body)).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::Timestamp;

    use super::*;
    use crate::totem::fixtures::*;

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
