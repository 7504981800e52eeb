//! The queue: tickets from the totem (or from an operator, for phone and e-mail contacts), operators calling
//! the next number, the waiting-room board and its live events, number leases for offline issuing, and
//! statistics. Tickets carry no personal data. The model is `docs/queue.md`.
//!
//! Invariants:
//! - Every change is one write on the single writer (so two operators calling at once are serialised and
//!   never get the same ticket), together with its audit row and its event row.
//! - Server-issued numbers count 001, 002, … per line per day (Europe/Rome) without gaps; leased blocks
//!   count from 500 (`FIRST_LEASED_SEQUENCE`), and unused leased numbers are simply never seen.
//! - The queue order is priority first, then the time of issue — the original time, which a transfer keeps
//!   and an offline ticket brings with it.
//! - A day's leftover waiting tickets expire at the first queue write of the next day (`rollover`), so
//!   correctness never depends on a timer.
//!
//! Modules: [`calendar`] (days, opening hours), [`access`] (who may do what), [`events`] (the event hub),
//! [`stream`] (one subscriber's event stream), [`pages`] (the printed ticket and the public status page),
//! [`stats`] (figures for a period).

pub mod access;
pub mod calendar;
pub mod events;
pub mod pages;
pub mod stats;
pub mod stream;

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use sportello_schema::api::queue::{
    Board, BoardCall, BoardLine, CallNextRequest, EventTicket, ImportRequest, ImportResult,
    IssueTicketRequest, IssuedTicket, Lease, LeaseRequest, OfflineTicket, PutServiceLine,
    QueueEvent, QueueSchedule, QueueStats, ServiceLine, Ticket, TicketSource, TicketStatusView,
};
use sportello_schema::queue::{
    DeviceKind, FIRST_LEASED_SEQUENCE, LineCode, TicketAction, TicketNumber, TicketStatus,
    transition,
};
use sportello_schema::{LeaseId, TicketId};

use self::access::Principal;
use self::calendar::{DeskCalendar, Schedule};
use self::events::EventHub;
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::auth::extract::Actor;
use crate::clock::{rfc3339, rfc3339_from_unix};
use crate::devices::DeviceActor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::queue::{self as store, LeaseRow, TicketRow};
use crate::storage::{StorageResult, audit};
use sportello_schema::api::ErrorCode;
use sportello_schema::desk_time::DeskDay;

/// The last number the server issues itself; the rest of the day's range belongs to leases.
const LAST_SERVER_SEQUENCE: u16 = FIRST_LEASED_SEQUENCE - 1;
/// Lease sizes a totem may ask for.
pub const MAX_LEASE_SIZE: u16 = 100;
/// Tickets per import request.
pub const MAX_IMPORT: usize = 100;
/// How far ahead of the server's clock an offline totem's clock may be.
const CLOCK_SKEW_S: i64 = 300;
/// Handling time assumed before any ticket of the day has been served.
const DEFAULT_HANDLING_S: f64 = 8.0 * 60.0;
/// A desk counts as working a line if it called from it this recently.
const ACTIVE_DESK_WINDOW_S: i64 = 60 * 60;
const MAX_DESK_CHARS: usize = sportello_schema::api::contract::DESK_MAX_CHARS;
const MAX_LINE_NAME_CHARS: usize = sportello_schema::api::contract::LINE_NAME_MAX_CHARS;
const MAX_LIST: u32 = 2_000;
const BOARD_CALLS: u32 = 10;
/// Tickets shown as being called now: one per desk, and a desk count beyond this is unlikely.
const NOW_CALLING: u32 = 30;
/// The longest statistics period, in days.
pub const MAX_STATS_DAYS: i64 = 366;

/// The queue's shared state: the event hub, the calendar and the last day rolled over.
#[derive(Debug, Clone)]
pub struct QueueService {
    pub hub: EventHub,
    pub calendar: DeskCalendar,
    /// Open event streams: one permit each, and a count per caller.
    pub streams: stream::StreamSlots,
    rolled_over: Arc<Mutex<String>>,
}

impl QueueService {
    pub fn new(latest_event: i64, max_event_streams: usize, max_per_caller: usize) -> Self {
        Self {
            hub: EventHub::new(latest_event),
            calendar: DeskCalendar::europe_rome(),
            streams: stream::StreamSlots::new(max_event_streams, max_per_caller),
            rolled_over: Arc::new(Mutex::new(String::new())),
        }
    }

    /// Whether a write on `today` should first expire earlier days' waiting tickets.
    fn needs_rollover(&self, today: &str) -> bool {
        *self
            .rolled_over
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            != today
    }

    fn rolled_over_to(&self, today: &str) {
        *self
            .rolled_over
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = today.to_owned();
    }
}

/// What every queue write needs to know about "now".
#[derive(Debug, Clone)]
struct Moment {
    now: i64,
    at: String,
    today: String,
    rollover: bool,
    calendar: DeskCalendar,
}

impl Moment {
    fn of(state: &AppState) -> Self {
        let now = state.now();
        let today = state.queue.calendar.day_of(now);
        Self {
            now,
            at: rfc3339(state.clock.now()),
            rollover: state.queue.needs_rollover(&today),
            today,
            calendar: state.queue.calendar.clone(),
        }
    }
}

/// Runs a queue write: the day's rollover first when due, then `work`; then publishes the events.
async fn queue_write<T, F>(state: &AppState, moment: Moment, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Connection, &Moment) -> StorageResult<ApiResult<T>> + Send + 'static,
{
    let today = moment.today.clone();
    let rollover = moment.rollover;
    let outcome = state
        .storage
        .write(move |conn| {
            if moment.rollover {
                rollover_before(conn, &moment)?;
            }
            // A refusal leaves nothing behind: an import refused at its second ticket has already written
            // the first (with its audit and event rows), and the writer keeps whatever returns `Ok`. The
            // rollover above stays either way. (A storage error rolls back the whole job, nested savepoint
            // included.)
            conn.execute_batch("SAVEPOINT queue_work")?;
            let outcome = work(conn, &moment);
            match &outcome {
                Ok(Ok(_)) => conn.execute_batch("RELEASE queue_work")?,
                Ok(Err(_)) => conn.execute_batch("ROLLBACK TO queue_work; RELEASE queue_work")?,
                Err(_) => {}
            }
            outcome
        })
        .await?;
    if rollover {
        state.queue.rolled_over_to(&today);
    }
    state.queue.hub.poke();
    outcome
}

/// Expires the waiting tickets of days before today (one audit row per day, one event per ticket).
fn rollover_before(conn: &Connection, moment: &Moment) -> StorageResult<usize> {
    let leftovers = store::waiting_before(conn, &moment.today)?;
    let mut days = std::collections::BTreeMap::<String, usize>::new();
    for mut ticket in leftovers.iter().cloned() {
        ticket.status = TicketStatus::Expired;
        ticket.ended_at = Some(
            moment
                .calendar
                .day_end(&ticket.day)
                .unwrap_or(moment.now)
                .min(moment.now),
        );
        store::update_ticket(conn, &ticket)?;
        emit(conn, moment, "ticket.expire", Some(&ticket))?;
        *days.entry(ticket.day.clone()).or_default() += 1;
    }
    for (day, count) in days {
        let entry = AuditRecord::new(AuditActor::system(), Action::QueueExpire, Outcome::Success)
            .target(format!("day:{day}:{count}"));
        audit::append(conn, &entry, &moment.at)?;
    }
    Ok(leftovers.len())
}

/// Writes one event row (the event is published after the commit by the hub's pump).
fn emit(
    conn: &Connection,
    moment: &Moment,
    kind: &str,
    ticket: Option<&TicketRow>,
) -> StorageResult<()> {
    let seq = store::next_event_seq(conn)?;
    let event = QueueEvent {
        seq,
        kind: kind.to_owned(),
        at: moment.at.clone(),
        day: ticket.map_or_else(|| moment.today.clone(), |ticket| ticket.day.clone()),
        ticket: ticket.map(event_ticket),
    };
    let payload = serde_json::to_string(&event)
        .map_err(|error| crate::storage::StorageError::Corrupt(error.to_string()))?;
    store::append_event(conn, seq, moment.now, &payload)
}

fn event_ticket(ticket: &TicketRow) -> EventTicket {
    EventTicket {
        id: ticket.id,
        number: ticket.number,
        line: ticket.line,
        priority: ticket.priority,
        status: ticket.status,
        issued_at: rfc3339_from_unix(ticket.issued_at),
        desk: ticket.desk.clone(),
    }
}

fn audit_move(
    conn: &Connection,
    moment: &Moment,
    actor: AuditActor,
    action: Action,
    target: String,
    request_id: Option<&str>,
) -> StorageResult<()> {
    let entry = AuditRecord::new(actor, action, Outcome::Success)
        .target(target)
        .request(request_id);
    audit::append(conn, &entry, &moment.at).map(|_| ())
}

pub fn ticket_view(ticket: &TicketRow) -> Ticket {
    Ticket {
        id: ticket.id,
        number: ticket.number,
        line: ticket.line,
        priority: ticket.priority,
        status: ticket.status,
        source: ticket.source,
        day: ticket.day.clone(),
        issued_at: rfc3339_from_unix(ticket.issued_at),
        called_at: ticket.called_at.map(rfc3339_from_unix),
        started_at: ticket.started_at.map(rfc3339_from_unix),
        ended_at: ticket.ended_at.map(rfc3339_from_unix),
        desk: ticket.desk.clone(),
        operator_id: ticket.operator_id.clone(),
        recalls: ticket.recalls,
        transfers: ticket.transfers,
    }
}

/// Seconds until a ticket with `ahead` people before it is called: `ahead` × the day's mean handling time
/// on its line ÷ the desks working that line in the last hour (at least one). Rough, and said so.
fn estimated_wait(
    conn: &Connection,
    ticket: &TicketRow,
    ahead: u32,
    now: i64,
) -> StorageResult<u64> {
    if ahead == 0 || ticket.status != TicketStatus::Waiting {
        return Ok(0);
    }
    let (mean, desks) = store::pace(conn, &ticket.day, ticket.line, now - ACTIVE_DESK_WINDOW_S)?;
    let handling = mean
        .filter(|mean| *mean > 0.0)
        .unwrap_or(DEFAULT_HANDLING_S);
    Ok((f64::from(ahead) * handling / f64::from(desks.max(1))).round() as u64)
}

fn issued_view(
    conn: &Connection,
    ticket: &TicketRow,
    now: i64,
    base_url: &str,
) -> StorageResult<IssuedTicket> {
    let ahead = if ticket.status == TicketStatus::Waiting {
        store::ahead_of(conn, ticket)?
    } else {
        0
    };
    Ok(IssuedTicket {
        id: ticket.id,
        number: ticket.number,
        line: ticket.line,
        priority: ticket.priority,
        status: ticket.status,
        issued_at: rfc3339_from_unix(ticket.issued_at),
        position: ahead + 1,
        estimated_wait_s: estimated_wait(conn, ticket, ahead, now)?,
        status_url: status_url(base_url, &ticket.status_token),
    })
}

pub fn status_url(base_url: &str, token: &str) -> String {
    format!("{}/t/{token}", base_url.trim_end_matches('/'))
}

/// A ticket just issued by the server: waiting on its number's line, no priority, no `client_op_id`
/// (callers set what differs).
fn new_ticket(day: &str, number: TicketNumber, issuer_id: String, issued_at: i64) -> TicketRow {
    TicketRow {
        id: TicketId::new_random(),
        day: day.to_owned(),
        line: number.line(),
        number,
        priority: false,
        status: TicketStatus::Waiting,
        source: TicketSource::Server,
        lease_id: None,
        issuer_id,
        client_op_id: None,
        status_token: new_status_token(),
        issued_at,
        first_called_at: None,
        called_at: None,
        started_at: None,
        ended_at: None,
        desk: None,
        operator_id: None,
        recalls: 0,
        transfers: 0,
    }
}

/// 128 random bits, base64url: the capability in a ticket's public status URL.
fn new_status_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn looks_like_status_token(token: &str) -> bool {
    token.len() == 22
        && token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// A line the request names does not exist. A state of the queue, not a malformed request: `404` with
/// its own code (as `unknown_lease`), since whether a well-formed code names a line changes with the
/// admins' settings.
fn unknown_line(code: LineCode) -> ApiError {
    ApiError::Missing(ErrorCode::UnknownLine, format!("there is no line {code}"))
}

/// The line a ticket may be issued on or moved to: it must exist and be active.
fn usable_line(conn: &Connection, code: LineCode) -> StorageResult<ApiResult<ServiceLine>> {
    Ok(match store::line(conn, code)? {
        None => Err(unknown_line(code)),
        Some(line) if !line.active => Err(ApiError::Conflict(
            ErrorCode::LineInactive,
            format!("line {code} is not in service"),
        )),
        Some(line) => Ok(line),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Issuing

/// `POST /api/v1/queue/tickets`. Returns the ticket and whether it was created now (false: a retry of the
/// same `client_op_id`, answered with the ticket issued the first time).
pub async fn issue(
    state: &AppState,
    principal: &Principal,
    request: IssueTicketRequest,
    request_id: Option<String>,
    base_url: String,
) -> ApiResult<(IssuedTicket, bool)> {
    let moment = Moment::of(state);
    let issuer = principal.id();
    let audit_actor = principal.audit_actor();
    // Opening hours bind the totem; an operator may take a phone call at any time.
    let is_totem = matches!(
        principal,
        Principal::Device(DeviceActor {
            kind: DeviceKind::Totem,
            ..
        })
    );
    queue_write(state, moment, move |conn, moment| {
        if let Some(op) = &request.client_op_id
            && let Some(existing) = store::ticket_by_op(conn, &issuer, op)?
        {
            if existing.number.line() != request.line || existing.priority != request.priority {
                return Ok(Err(ApiError::Conflict(
                    ErrorCode::ClientOpIdReused,
                    "this client_op_id was used for a different ticket".into(),
                )));
            }
            return Ok(Ok((
                issued_view(conn, &existing, moment.now, &base_url)?,
                false,
            )));
        }
        let line = match usable_line(conn, request.line)? {
            Ok(line) => line,
            Err(error) => return Ok(Err(error)),
        };
        if is_totem && !moment.calendar.is_open(moment.now, &store::schedule(conn)?) {
            return Ok(Err(ApiError::Conflict(
                ErrorCode::DeskClosed,
                "the desk is closed now: see the opening hours".into(),
            )));
        }
        if let Some(cap) = line.daily_cap
            && store::issued_count(conn, &moment.today, line.code)? >= u32::from(cap)
        {
            return Ok(Err(line_full(line.code)));
        }
        let Some(sequence) =
            store::take_server_sequence(conn, &moment.today, line.code, LAST_SERVER_SEQUENCE)?
        else {
            return Ok(Err(line_full(line.code)));
        };
        let number = TicketNumber::new(line.code, sequence)
            .ok_or_else(|| crate::storage::StorageError::Corrupt("sequence".into()))?;
        let ticket = TicketRow {
            priority: request.priority,
            client_op_id: request.client_op_id.map(String::from),
            ..new_ticket(&moment.today, number, issuer, moment.now)
        };
        store::insert_ticket(conn, &ticket)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueIssue,
            ticket.id.to_string(),
            request_id.as_deref(),
        )?;
        emit(conn, moment, "ticket.issued", Some(&ticket))?;
        Ok(Ok((
            issued_view(conn, &ticket, moment.now, &base_url)?,
            true,
        )))
    })
    .await
}

fn line_full(code: LineCode) -> ApiError {
    ApiError::Conflict(
        ErrorCode::LineFull,
        format!("line {code} has issued all of today's numbers"),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Operators' moves

/// `POST /api/v1/queue/call-next`.
pub async fn call_next(
    state: &AppState,
    actor: &Actor,
    request: CallNextRequest,
    request_id: Option<String>,
) -> ApiResult<Ticket> {
    let desk = crate::input::label(&request.desk, "desk", MAX_DESK_CHARS)?;
    let chosen = request.lines.unwrap_or_default();
    if chosen.len() > 26 {
        return Err(ApiError::Validation("at most 26 lines".into()));
    }
    let moment = Moment::of(state);
    let audit_actor = actor.audit_actor();
    let operator = actor.user_id.to_string();
    queue_write(state, moment, move |conn, moment| {
        let configured = store::lines(conn)?;
        // Every line by default, inactive ones too: deactivating a line stops issuing on it, and whoever
        // still waits there must still be called.
        let lines: Vec<LineCode> = if chosen.is_empty() {
            configured.iter().map(|line| line.code).collect()
        } else {
            if let Some(unknown) = chosen
                .iter()
                .find(|code| !configured.iter().any(|line| line.code == **code))
            {
                return Ok(Err(unknown_line(*unknown)));
            }
            chosen
        };
        let Some(mut ticket) = store::next_waiting(conn, &moment.today, &lines)? else {
            return Ok(Err(ApiError::Missing(
                ErrorCode::QueueEmpty,
                "nobody is waiting on these lines".into(),
            )));
        };
        ticket.status = TicketStatus::Called;
        ticket.called_at = Some(moment.now);
        ticket.first_called_at.get_or_insert(moment.now);
        ticket.desk = Some(desk);
        ticket.operator_id = Some(operator);
        store::update_ticket(conn, &ticket)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueTicket,
            format!("{}:call", ticket.id),
            request_id.as_deref(),
        )?;
        emit(conn, moment, "ticket.call", Some(&ticket))?;
        Ok(Ok(ticket_view(&ticket)))
    })
    .await
}

/// `POST /api/v1/queue/tickets/{id}/{recall|start|finish|no-show|cancel|transfer}`.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: TicketId,
    action: TicketAction,
    transfer_to: Option<LineCode>,
    request_id: Option<String>,
) -> ApiResult<Ticket> {
    let moment = Moment::of(state);
    let audit_actor = actor.audit_actor();
    let operator = actor.user_id.to_string();
    queue_write(state, moment, move |conn, moment| {
        let Some(mut ticket) = store::ticket(conn, id)? else {
            return Ok(Err(ApiError::NotFound));
        };
        let Some(next) = transition(ticket.status, action) else {
            return Ok(Err(ApiError::Conflict(
                ErrorCode::InvalidTransition,
                format!(
                    "cannot {} a ticket that is {}",
                    action.as_str().replace('_', "-"),
                    ticket.status.as_str()
                ),
            )));
        };
        // Yesterday's leftovers may only be closed: calling or moving them again would put a past day back
        // into today's queue.
        if ticket.day != moment.today
            && matches!(
                action,
                TicketAction::Recall | TicketAction::Start | TicketAction::Transfer
            )
        {
            return Ok(Err(ApiError::Conflict(
                ErrorCode::InvalidTransition,
                format!(
                    "a ticket of {} can only be finished, marked no-show or cancelled",
                    ticket.day
                ),
            )));
        }
        match action {
            TicketAction::Recall => {
                ticket.recalls += 1;
                ticket.called_at = Some(moment.now);
                ticket.operator_id = Some(operator);
            }
            TicketAction::Start => {
                ticket.started_at = Some(moment.now);
                ticket.operator_id = Some(operator);
            }
            TicketAction::Finish | TicketAction::NoShow | TicketAction::Cancel => {
                ticket.ended_at = Some(moment.now);
            }
            TicketAction::Transfer => {
                let Some(to) = transfer_to else {
                    return Ok(Err(ApiError::Validation("a transfer needs a line".into())));
                };
                if to == ticket.line {
                    return Ok(Err(ApiError::Conflict(
                        ErrorCode::SameLine,
                        format!("the ticket is already on line {to}"),
                    )));
                }
                if let Err(error) = usable_line(conn, to)? {
                    return Ok(Err(error));
                }
                // It waits again on the new line, keeping its number and its original issue time.
                ticket.line = to;
                ticket.transfers += 1;
                ticket.called_at = None;
                ticket.started_at = None;
                ticket.desk = None;
                ticket.operator_id = None;
            }
            TicketAction::Call | TicketAction::Expire => {
                return Ok(Err(ApiError::InvalidRequest(
                    "not an operator's move".into(),
                )));
            }
        }
        ticket.status = next;
        store::update_ticket(conn, &ticket)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueTicket,
            format!("{}:{}", ticket.id, action.as_str()),
            request_id.as_deref(),
        )?;
        emit(
            conn,
            moment,
            &format!("ticket.{}", action.as_str()),
            Some(&ticket),
        )?;
        Ok(Ok(ticket_view(&ticket)))
    })
    .await
}

/// `GET /api/v1/queue/tickets`: today's tickets, in call order.
pub async fn list(
    state: &AppState,
    line: Option<LineCode>,
    status: Option<TicketStatus>,
) -> ApiResult<Vec<Ticket>> {
    let today = state.queue.calendar.day_of(state.now());
    let rows = state
        .storage
        .read(move |conn| store::list(conn, &today, line, status, MAX_LIST))
        .await?;
    Ok(rows.iter().map(ticket_view).collect())
}

// ---------------------------------------------------------------------------------------------------------
// The board and the public status page

/// `GET /api/v1/queue/board`, read in one snapshot so `last_event_id` matches what it shows.
pub async fn board(state: &AppState) -> ApiResult<Board> {
    let now = state.now();
    let calendar = state.queue.calendar.clone();
    let today = calendar.day_of(now);
    let board = state
        .storage
        .read(move |conn| {
            let snapshot = conn.unchecked_transaction()?;
            let lines = store::lines(&snapshot)?;
            let waiting = store::waiting_counts(&snapshot, &today)?;
            let calls = store::recent_calls(&snapshot, &today, BOARD_CALLS)?;
            let calling = store::called_now(&snapshot, &today, NOW_CALLING)?;
            let schedule = store::schedule(&snapshot)?;
            let last_event_id = store::last_event_seq(&snapshot)?;
            let mut board_lines = Vec::new();
            for line in &lines {
                let count = waiting
                    .iter()
                    .find(|(code, _)| *code == line.code)
                    .map_or(0, |(_, count)| *count);
                // An inactive line stays on the board while people still wait on it.
                if !line.active && count == 0 {
                    continue;
                }
                let (mean, desks) =
                    store::pace(&snapshot, &today, line.code, now - ACTIVE_DESK_WINDOW_S)?;
                let handling = mean
                    .filter(|mean| *mean > 0.0)
                    .unwrap_or(DEFAULT_HANDLING_S);
                board_lines.push(BoardLine {
                    code: line.code,
                    name_it: line.name_it.clone(),
                    name_en: line.name_en.clone(),
                    waiting: count,
                    estimated_wait_s: (f64::from(count) * handling / f64::from(desks.max(1)))
                        .round() as u64,
                });
            }
            let call = |ticket: &TicketRow| BoardCall {
                number: ticket.number,
                line: ticket.line,
                desk: ticket.desk.clone().unwrap_or_default(),
                called_at: ticket.called_at.map(rfc3339_from_unix).unwrap_or_default(),
            };
            Ok(Board {
                open: calendar.is_open(now, &schedule),
                day: today,
                now_calling: calling.iter().map(call).collect(),
                last_calls: calls.iter().map(call).collect(),
                lines: board_lines,
                last_event_id,
            })
        })
        .await?;
    Ok(board)
}

/// The data of the public status page, or `None` for an unknown token.
pub async fn status_view(
    state: &AppState,
    token: String,
) -> ApiResult<Option<(TicketStatusView, ServiceLine)>> {
    if !looks_like_status_token(&token) {
        return Ok(None);
    }
    let now = state.now();
    Ok(state
        .storage
        .read(move |conn| {
            let Some(ticket) = store::ticket_by_status_token(conn, &token)? else {
                return Ok(None);
            };
            let Some(line) = store::line(conn, ticket.line)? else {
                return Ok(None);
            };
            let ahead = if ticket.status == TicketStatus::Waiting {
                store::ahead_of(conn, &ticket)?
            } else {
                0
            };
            let view = TicketStatusView {
                number: ticket.number,
                status: ticket.status,
                ahead,
                estimated_wait_s: estimated_wait(conn, &ticket, ahead, now)?,
                desk: matches!(ticket.status, TicketStatus::Called | TicketStatus::Serving)
                    .then(|| ticket.desk.clone())
                    .flatten(),
            };
            Ok(Some((view, line)))
        })
        .await?)
}

/// The printed ticket's HTML. A totem prints only the tickets it issued; an operator any of today's.
pub async fn printable(
    state: &AppState,
    principal: &Principal,
    id: TicketId,
    base_url: String,
) -> ApiResult<String> {
    let now = state.now();
    let calendar = state.queue.calendar.clone();
    let today = calendar.day_of(now);
    let issuer = match principal {
        Principal::Device(device) => Some(device.id.to_string()),
        Principal::User(_) => None,
    };
    state
        .storage
        .read(move |conn| {
            let ticket = store::ticket(conn, id)?.filter(|ticket| {
                ticket.day == today && issuer.as_ref().is_none_or(|id| *id == ticket.issuer_id)
            });
            let Some(ticket) = ticket else {
                return Ok(Err(ApiError::NotFound));
            };
            let Some(line) = store::line(conn, ticket.line)? else {
                return Ok(Err(ApiError::NotFound));
            };
            let view = issued_view(conn, &ticket, now, &base_url)?;
            let issued_local = calendar.printable(ticket.issued_at);
            Ok(Ok(pages::ticket_html(&pages::PrintableTicket {
                number: ticket.number,
                line_name_it: &line.name_it,
                line_name_en: &line.name_en,
                priority: ticket.priority,
                issued_local: &issued_local,
                ahead: view.position - 1,
                estimated_wait_s: view.estimated_wait_s,
                status_url: &view.status_url,
            })))
        })
        .await?
}

// ---------------------------------------------------------------------------------------------------------
// Leases and offline tickets

/// `POST /api/v1/queue/leases`: reserves a block of today's numbers for this totem.
pub async fn lease(
    state: &AppState,
    device: &DeviceActor,
    request: LeaseRequest,
    request_id: Option<String>,
) -> ApiResult<Lease> {
    if !(1..=MAX_LEASE_SIZE).contains(&request.size) {
        return Err(ApiError::Validation(format!(
            "size must be 1 to {MAX_LEASE_SIZE}"
        )));
    }
    let moment = Moment::of(state);
    let device_id = device.id;
    let audit_actor = device.audit_actor();
    queue_write(state, moment, move |conn, moment| {
        if let Err(error) = usable_line(conn, request.line)? {
            return Ok(Err(error));
        }
        let Some((first, last)) = store::reserve_leased_block(
            conn,
            &moment.today,
            request.line,
            request.size,
            FIRST_LEASED_SEQUENCE,
        )?
        else {
            return Ok(Err(ApiError::Conflict(
                ErrorCode::LineFull,
                format!(
                    "line {} has no {} leasable numbers left today",
                    request.line, request.size
                ),
            )));
        };
        let lease = LeaseRow {
            id: LeaseId::new_random(),
            device_id,
            line: request.line,
            day: moment.today.clone(),
            first,
            last,
            created_at: moment.now,
            expires_at: moment.calendar.day_end(&moment.today).unwrap_or(moment.now),
        };
        store::insert_lease(conn, &lease)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueLease,
            format!("{}:{}:{first}-{last}", lease.id, lease.line),
            request_id.as_deref(),
        )?;
        Ok(lease_view(&lease))
    })
    .await
}

fn lease_view(lease: &LeaseRow) -> ApiResult<Lease> {
    let number = |sequence| {
        TicketNumber::new(lease.line, sequence)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("lease out of range")))
    };
    Ok(Lease {
        lease_id: lease.id,
        line: lease.line,
        day: lease.day.clone(),
        first: number(lease.first)?,
        last: number(lease.last)?,
        expires_at: rfc3339_from_unix(lease.expires_at),
    })
}

/// `POST /api/v1/queue/tickets/import`: all or nothing; a retry returns the tickets already imported.
pub async fn import(
    state: &AppState,
    device: &DeviceActor,
    request: ImportRequest,
    request_id: Option<String>,
    base_url: String,
) -> ApiResult<ImportResult> {
    if request.tickets.is_empty() || request.tickets.len() > MAX_IMPORT {
        return Err(ApiError::Validation(format!(
            "tickets must hold 1 to {MAX_IMPORT} tickets"
        )));
    }
    let mut parsed: Vec<(usize, OfflineTicket, i64)> = Vec::with_capacity(request.tickets.len());
    for (index, offline) in request.tickets.into_iter().enumerate() {
        let issued_at = offline
            .issued_at
            .parse::<jiff::Timestamp>()
            .map_err(|_| {
                ApiError::Validation(format!(
                    "tickets[{index}].issued_at must be an RFC 3339 time"
                ))
            })?
            .as_second();
        // A number or client_op_id repeated within the request meets the checks below like one imported
        // earlier: the same pair again is that ticket, anything else a conflict.
        parsed.push((index, offline, issued_at));
    }
    let moment = Moment::of(state);
    let device_id = device.id;
    let issuer = device.id.to_string();
    let audit_actor = device.audit_actor();
    let lease_id = request.lease_id;
    queue_write(state, moment, move |conn, moment| {
        // Another device's lease is answered like an unknown one. Its own code (not a bare `not_found`,
        // which any unknown path also gets) lets a totem set the tickets aside without guessing.
        let Some(lease) = store::lease(conn, lease_id)?.filter(|lease| lease.device_id == device_id)
        else {
            return Ok(Err(ApiError::Missing(
                ErrorCode::UnknownLease,
                "this totem holds no such lease".into(),
            )));
        };
        if lease.day != moment.today {
            return Ok(Err(ApiError::Conflict(
                ErrorCode::LeaseExpired,
                format!(
                    "this lease was for {}; numbers of another day are not imported",
                    lease.day
                ),
            )));
        }
        let mut rows = Vec::with_capacity(parsed.len());
        let mut fresh = Vec::new();
        for (index, offline, issued_at) in &parsed {
            let number = offline.number;
            if number.line() != lease.line
                || !(lease.first..=lease.last).contains(&number.sequence())
            {
                return Ok(Err(ApiError::Conflict(
                    ErrorCode::OutsideLease,
                    format!(
                        "tickets[{index}]: {number} is outside the lease {}{:03}–{}{:03}",
                        lease.line, lease.first, lease.line, lease.last
                    ),
                )));
            }
            // No offline ticket can predate its lease: an earlier time would jump the queue.
            let earliest = lease.created_at - CLOCK_SKEW_S;
            if moment.calendar.day_of(*issued_at) != lease.day
                || *issued_at > moment.now + CLOCK_SKEW_S
                || *issued_at < earliest
            {
                return Ok(Err(ApiError::Conflict(
                    ErrorCode::OutsideLease,
                    format!(
                        "tickets[{index}].issued_at must lie between the lease ({}) and now",
                        rfc3339_from_unix(lease.created_at)
                    ),
                )));
            }
            let by_number = store::ticket_by_number(conn, &lease.day, number)?;
            let by_op = store::ticket_by_op(conn, &issuer, &offline.client_op_id)?;
            match (by_number, by_op) {
                (None, None) => {
                    let ticket = TicketRow {
                        priority: offline.priority,
                        source: TicketSource::Lease,
                        lease_id: Some(lease.id),
                        client_op_id: Some(offline.client_op_id.to_string()),
                        ..new_ticket(&lease.day, number, issuer.clone(), *issued_at)
                    };
                    store::insert_ticket(conn, &ticket)?;
                    audit_move(
                        conn,
                        moment,
                        audit_actor.clone(),
                        Action::QueueImport,
                        ticket.id.to_string(),
                        request_id.as_deref(),
                    )?;
                    emit(conn, moment, "ticket.imported", Some(&ticket))?;
                    fresh.push(ticket.id);
                    rows.push(ticket);
                }
                (Some(existing), Some(same)) if existing.id == same.id => rows.push(existing),
                (Some(_), _) => {
                    return Ok(Err(ApiError::Conflict(
                        ErrorCode::NumberTaken,
                        format!("tickets[{index}]: {number} was already imported with another client_op_id"),
                    )));
                }
                (None, Some(_)) => {
                    return Ok(Err(ApiError::Conflict(
                        ErrorCode::ClientOpIdReused,
                        format!("tickets[{index}]: this client_op_id was used for another ticket"),
                    )));
                }
            }
        }
        let mut tickets = Vec::with_capacity(rows.len());
        for row in &rows {
            tickets.push(issued_view(conn, row, moment.now, &base_url)?);
        }
        Ok(Ok(ImportResult {
            imported: fresh.len() as u32,
            already_imported: (rows.len() - fresh.len()) as u32,
            tickets,
        }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------------------
// Lines, schedule, statistics

pub async fn lines(state: &AppState) -> ApiResult<Vec<ServiceLine>> {
    Ok(state.storage.read(store::lines).await?)
}

/// `PUT /api/v1/admin/queue/lines/{code}`: creates or replaces a line. Returns it and whether it is new.
pub async fn put_line(
    state: &AppState,
    actor: &Actor,
    code: LineCode,
    line: PutServiceLine,
    request_id: Option<String>,
) -> ApiResult<(ServiceLine, bool)> {
    let line = PutServiceLine {
        name_it: crate::input::label(&line.name_it, "name_it", MAX_LINE_NAME_CHARS)?,
        name_en: crate::input::label(&line.name_en, "name_en", MAX_LINE_NAME_CHARS)?,
        active: line.active,
        daily_cap: line.daily_cap,
    };
    if line.daily_cap.is_some_and(|cap| !(1..=999).contains(&cap)) {
        return Err(ApiError::Validation("daily_cap must be 1 to 999".into()));
    }
    let moment = Moment::of(state);
    let audit_actor = actor.audit_actor();
    queue_write(state, moment, move |conn, moment| {
        let created = store::put_line(conn, code, &line, moment.now)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueLineUpdate,
            format!("line:{code}"),
            request_id.as_deref(),
        )?;
        emit(conn, moment, "lines.changed", None)?;
        let saved = store::line(conn, code)?
            .ok_or_else(|| crate::storage::StorageError::Corrupt("line vanished".into()))?;
        Ok(Ok((saved, created)))
    })
    .await
}

pub async fn schedule(state: &AppState) -> ApiResult<QueueSchedule> {
    Ok(state.storage.read(store::schedule).await?.to_api())
}

pub async fn put_schedule(
    state: &AppState,
    actor: &Actor,
    input: QueueSchedule,
    request_id: Option<String>,
) -> ApiResult<QueueSchedule> {
    let schedule = Schedule::parse(&input).map_err(ApiError::Validation)?;
    let moment = Moment::of(state);
    let audit_actor = actor.audit_actor();
    queue_write(state, moment, move |conn, moment| {
        store::replace_schedule(conn, &schedule)?;
        audit_move(
            conn,
            moment,
            audit_actor,
            Action::QueueScheduleUpdate,
            "schedule".into(),
            request_id.as_deref(),
        )?;
        emit(conn, moment, "lines.changed", None)?;
        Ok(Ok(schedule.to_api()))
    })
    .await
}

/// `GET /api/v1/queue/stats`: figures for the days `from..=to` (default: today).
pub async fn statistics(
    state: &AppState,
    actor: &Actor,
    from: Option<DeskDay>,
    to: Option<DeskDay>,
    request_id: Option<String>,
) -> ApiResult<QueueStats> {
    let calendar = state.queue.calendar.clone();
    let today = DeskDay::of_unix(state.now());
    let (from, to) = (from.unwrap_or(today), to.unwrap_or(today));
    if from > to {
        return Err(ApiError::InvalidRequest("from must not be after to".into()));
    }
    let days = from.days_until(to);
    if days >= MAX_STATS_DAYS {
        return Err(ApiError::InvalidRequest(format!(
            "a period spans at most {MAX_STATS_DAYS} days"
        )));
    }
    let (from, to) = (from.to_string(), to.to_string());
    let (first, last) = (from.clone(), to.clone());
    let (lines, rows) = state
        .storage
        .read(move |conn| {
            let lines = store::lines(conn)?;
            Ok((lines, store::tickets_between(conn, &first, &last)?))
        })
        .await?;
    let facts: Vec<stats::TicketFacts> = rows
        .iter()
        .map(|ticket| stats::TicketFacts {
            issued_line: ticket.number.line(),
            line: ticket.line,
            priority: ticket.priority,
            status: ticket.status,
            issued_at: ticket.issued_at,
            issued_local_hour: calendar.local_hour(ticket.issued_at),
            first_called_at: ticket.first_called_at,
            started_at: ticket.started_at,
            finished_at: (ticket.status == TicketStatus::Done)
                .then_some(ticket.ended_at)
                .flatten(),
            transfers: ticket.transfers,
        })
        .collect();
    let codes: Vec<LineCode> = lines.iter().map(|line| line.code).collect();
    let entry = AuditRecord::new(
        actor.audit_actor(),
        Action::QueueStatsRead,
        Outcome::Success,
    )
    .target(format!("{from}..{to}"))
    .request(request_id.as_deref());
    crate::auth::service::record(state, entry).await?;
    Ok(stats::summarize(&from, &to, &codes, &facts))
}

/// Housekeeping: expires yesterday's leftovers even on a day with no queue activity, prunes events older
/// than `keep_days`, and device sessions that ended more than 30 days ago (their audit rows stay).
pub async fn housekeeping(state: &AppState, keep_days: i64) -> ApiResult<()> {
    let moment = Moment {
        rollover: true,
        ..Moment::of(state)
    };
    let cutoff = moment.now - keep_days * 24 * 3600;
    let sessions_cutoff = 30 * 24 * 3600;
    queue_write(state, moment, move |conn, moment| {
        store::prune_events(conn, cutoff)?;
        crate::storage::devices::prune_sessions(conn, moment.now, sessions_cutoff)?;
        Ok(Ok(()))
    })
    .await
}
