//! What a stored ticket looks like to callers: the operator's full view, the issued ticket with its place
//! in the queue and a rough wait, and the link to its public status page.

use rusqlite::Connection;
use sportello_schema::api::queue::{IssuedTicket, Ticket};
use sportello_schema::queue::TicketStatus;

use super::print_links::PrintLinks;
use crate::clock::rfc3339_from_unix;
use crate::storage::StorageResult;
use crate::storage::queue::{self as store, TicketRow};

/// Handling time assumed before any ticket of the day has been served.
pub(super) const DEFAULT_HANDLING_S: f64 = 8.0 * 60.0;
/// A desk counts as working a line if it called from it this recently.
pub(super) const ACTIVE_DESK_WINDOW_S: i64 = 60 * 60;

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
pub(super) fn estimated_wait(
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

pub(super) fn issued_view(
    conn: &Connection,
    ticket: &TicketRow,
    now: i64,
    base_url: &str,
    links: &PrintLinks,
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
        print_url: links.link(ticket.id, now),
    })
}

pub fn status_url(base_url: &str, token: &str) -> String {
    format!("{}/t/{token}", base_url.trim_end_matches('/'))
}
