//! What the waiting room and the people in it see: the board (lines, waits, the numbers being called),
//! the public status page of one ticket (by the token printed on it) and the printed ticket. Reads only.

use sportello_schema::TicketId;
use sportello_schema::api::queue::{Board, BoardCall, BoardLine, ServiceLine, TicketStatusView};
use sportello_schema::queue::TicketStatus;

use super::QueueService;
use super::pages;
use super::views::{ACTIVE_DESK_WINDOW_S, DEFAULT_HANDLING_S, estimated_wait, issued_view};
use crate::clock::rfc3339_from_unix;
use crate::error::{ApiError, ApiResult};
use crate::storage::queue::{self as store, TicketRow};

const BOARD_CALLS: u32 = 10;
/// Tickets shown as being called now: one per desk, and a desk count beyond this is unlikely.
const NOW_CALLING: u32 = 30;

pub fn looks_like_status_token(token: &str) -> bool {
    token.len() == 22
        && token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

impl QueueService {
    /// `GET /api/v1/queue/board` as of `now`, read in one snapshot so `last_event_id` matches what it shows.
    pub async fn board(&self, now: i64) -> ApiResult<Board> {
        let calendar = self.calendar.clone();
        let today = calendar.day_of(now);
        let board = self
            .storage
            .read(move |conn| {
                let snapshot = conn.unchecked_transaction()?;
                let lines = store::lines(&snapshot)?;
                let waiting = store::waiting_counts(&snapshot, &today)?;
                let calls = store::recent_calls(&snapshot, &today, BOARD_CALLS)?;
                let calling = store::called_now(&snapshot, &today, NOW_CALLING)?;
                let schedule = store::schedule(&snapshot)?;
                let last_event_id = store::last_event_seq(&snapshot)?;
                let announce_languages = store::announce_languages(&snapshot)?;
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
                    announce_languages,
                })
            })
            .await?;
        Ok(board)
    }

    /// The newest event in the database (the hub may not have published it yet).
    pub async fn latest_stored_event(&self) -> ApiResult<i64> {
        Ok(self.storage.read(store::last_event_seq).await?)
    }

    /// The data of the public status page as of `now`, or `None` for an unknown token.
    pub async fn status_view(
        &self,
        now: i64,
        token: String,
    ) -> ApiResult<Option<(TicketStatusView, ServiceLine)>> {
        if !looks_like_status_token(&token) {
            return Ok(None);
        }
        Ok(self
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

    /// The printed ticket's HTML, among today's tickets (as of `now`) and, for a totem, only those
    /// `issued_by` it.
    pub async fn printable(
        &self,
        now: i64,
        issued_by: Option<String>,
        id: TicketId,
        base_url: String,
    ) -> ApiResult<String> {
        let calendar = self.calendar.clone();
        let links = self.print_links.clone();
        let today = calendar.day_of(now);
        let page = self
            .storage
            .read(move |conn| {
                let ticket = store::ticket(conn, id)?.filter(|ticket| {
                    ticket.day == today
                        && issued_by.as_ref().is_none_or(|id| *id == ticket.issuer_id)
                });
                let Some(ticket) = ticket else {
                    return Ok(None);
                };
                let Some(line) = store::line(conn, ticket.line)? else {
                    return Ok(None);
                };
                let view = issued_view(conn, &ticket, now, &base_url, &links)?;
                let issued_local = calendar.printable(ticket.issued_at);
                Ok(Some(pages::ticket_html(&pages::PrintableTicket {
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
            .await?;
        page.ok_or(ApiError::NotFound)
    }
}
