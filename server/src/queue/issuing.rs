//! Issuing a ticket: by the totem (within opening hours) or by an operator (a phone or e-mail contact, at
//! any time), on an active line, numbered 001, 002, … per line per day without gaps. A retry of the same
//! `client_op_id` gets the ticket issued the first time. Also the rules every flow shares about lines a
//! ticket may go to and the ids a client chooses.

use rusqlite::Connection;
use sportello_schema::TicketId;
use sportello_schema::api::ErrorCode;
use sportello_schema::api::queue::{IssueTicketRequest, IssuedTicket, ServiceLine, TicketSource};
use sportello_schema::queue::{
    DeviceKind, FIRST_LEASED_SEQUENCE, LineCode, TicketNumber, TicketStatus,
};

use super::QueueService;
use super::views::issued_view;
use super::writing::emit;
use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::StorageError;
use crate::storage::queue::{self as store, TicketRow};

/// The last number the server issues itself; the rest of the day's range belongs to leases.
const LAST_SERVER_SEQUENCE: u16 = FIRST_LEASED_SEQUENCE - 1;

impl QueueService {
    /// `POST /api/v1/queue/tickets`, by the context's actor (a totem or an operator). Returns the ticket and
    /// whether it was created now (false: a retry of the same `client_op_id`, answered with the ticket
    /// issued the first time).
    pub async fn issue(
        &self,
        ctx: &RequestContext,
        request: IssueTicketRequest,
        base_url: String,
    ) -> ApiResult<(IssuedTicket, bool)> {
        let issuer = ctx
            .actor
            .actor_id()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a ticket issued by no one")))?;
        // Opening hours bind the totem; an operator may take a phone call at any time.
        let is_totem = matches!(ctx.actor.device, Some((_, DeviceKind::Totem, _)));
        let links = self.print_links.clone();
        self.write(ctx, None, move |change, moment| {
            let conn = change.conn();
            if let Some(op) = &request.client_op_id
                && let Some(existing) = store::ticket_by_op(conn, &issuer, op)?
            {
                if existing.number.line() != request.line || existing.priority != request.priority {
                    return Err(ApiError::Conflict(
                        ErrorCode::ClientOpIdReused,
                        "this client_op_id was used for a different ticket".into(),
                    ));
                }
                return Ok((
                    issued_view(conn, &existing, moment.now, &base_url, &links)?,
                    false,
                ));
            }
            let line = usable_line(conn, request.line)?;
            if is_totem && !moment.calendar.is_open(moment.now, &store::schedule(conn)?) {
                return Err(ApiError::Conflict(
                    ErrorCode::DeskClosed,
                    "the desk is closed now: see the opening hours".into(),
                ));
            }
            if let Some(cap) = line.daily_cap
                && store::issued_count(conn, &moment.today, line.code)? >= u32::from(cap)
            {
                return Err(line_full(line.code));
            }
            let Some(sequence) =
                store::take_server_sequence(conn, &moment.today, line.code, LAST_SERVER_SEQUENCE)?
            else {
                return Err(line_full(line.code));
            };
            let number = TicketNumber::new(line.code, sequence)
                .ok_or_else(|| StorageError::Corrupt("sequence".into()))?;
            let ticket = TicketRow {
                priority: request.priority,
                client_op_id: request.client_op_id.map(String::from),
                ..new_ticket(&moment.today, number, issuer, moment.now)
            };
            store::insert_ticket(conn, &ticket)?;
            change.audit(Action::QueueIssue, ticket.id)?;
            emit(change, moment, "ticket.issued", Some(&ticket))?;
            Ok((
                issued_view(conn, &ticket, moment.now, &base_url, &links)?,
                true,
            ))
        })
        .await
    }
}

fn line_full(code: LineCode) -> ApiError {
    ApiError::Conflict(
        ErrorCode::LineFull,
        format!("line {code} has issued all of today's numbers"),
    )
}

/// A ticket just issued by the server: waiting on its number's line, no priority, no `client_op_id`
/// (callers set what differs).
pub(super) fn new_ticket(
    day: &str,
    number: TicketNumber,
    issuer_id: String,
    issued_at: i64,
) -> TicketRow {
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

/// A line the request names does not exist. A state of the queue, not a malformed request: `404` with
/// its own code (as `unknown_lease`), since whether a well-formed code names a line changes with the
/// admins' settings.
pub(super) fn unknown_line(code: LineCode) -> ApiError {
    ApiError::Missing(ErrorCode::UnknownLine, format!("there is no line {code}"))
}

/// The line a ticket may be issued on or moved to: it must exist and be active.
pub(super) fn usable_line(conn: &Connection, code: LineCode) -> ApiResult<ServiceLine> {
    match store::line(conn, code)? {
        None => Err(unknown_line(code)),
        Some(line) if !line.active => Err(ApiError::Conflict(
            ErrorCode::LineInactive,
            format!("line {code} is not in service"),
        )),
        Some(line) => Ok(line),
    }
}
