//! Operators at their desks: calling the next ticket, then recalling, starting, finishing, marking a
//! no-show, cancelling or transferring it (the status machine is `schema::queue::transition`), and the list
//! of today's tickets. Each move is one audited write with its event (`queue.ticket_update`, the move in
//! the target).

use sportello_schema::api::ErrorCode;
use sportello_schema::api::queue::{CallNextRequest, Ticket};
use sportello_schema::queue::{LineCode, TicketAction, TicketStatus, transition};
use sportello_schema::{TicketId, UserId};

use super::QueueService;
use super::issuing::{unknown_line, usable_line};
use super::views::ticket_view;
use super::writing::emit;
use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::queue as store;

const MAX_DESK_CHARS: usize = sportello_schema::api::contract::DESK_MAX_CHARS;
const MAX_LIST: u32 = 2_000;

impl QueueService {
    /// `POST /api/v1/queue/call-next` by the operator `operator`.
    pub async fn call_next(
        &self,
        ctx: &RequestContext,
        operator: UserId,
        request: CallNextRequest,
    ) -> ApiResult<Ticket> {
        let desk = crate::input::label(&request.desk, "desk", MAX_DESK_CHARS)?;
        let chosen = request.lines.unwrap_or_default();
        if chosen.len() > 26 {
            return Err(ApiError::Validation("at most 26 lines".into()));
        }
        let operator = operator.to_string();
        self.write(ctx, None, move |change, moment| {
            let conn = change.conn();
            let configured = store::lines(conn)?;
            // Every line by default, inactive ones too: deactivating a line stops issuing on it, and
            // whoever still waits there must still be called.
            let lines: Vec<LineCode> = if chosen.is_empty() {
                configured.iter().map(|line| line.code).collect()
            } else {
                if let Some(unknown) = chosen
                    .iter()
                    .find(|code| !configured.iter().any(|line| line.code == **code))
                {
                    return Err(unknown_line(*unknown));
                }
                chosen
            };
            let Some(mut ticket) = store::next_waiting(conn, &moment.today, &lines)? else {
                return Err(ApiError::Missing(
                    ErrorCode::QueueEmpty,
                    "nobody is waiting on these lines".into(),
                ));
            };
            ticket.status = TicketStatus::Called;
            ticket.called_at = Some(moment.now);
            ticket.first_called_at.get_or_insert(moment.now);
            ticket.desk = Some(desk);
            ticket.operator_id = Some(operator);
            store::update_ticket(conn, &ticket)?;
            change.audit(Action::QueueTicket, format!("{}:call", ticket.id))?;
            emit(change, moment, "ticket.call", Some(&ticket))?;
            Ok(ticket_view(&ticket))
        })
        .await
    }

    /// `POST /api/v1/queue/tickets/{id}/{recall|start|finish|no-show|cancel|transfer}` by the operator
    /// `operator`.
    pub async fn act(
        &self,
        ctx: &RequestContext,
        operator: UserId,
        id: TicketId,
        action: TicketAction,
        transfer_to: Option<LineCode>,
    ) -> ApiResult<Ticket> {
        let operator = operator.to_string();
        self.write(ctx, None, move |change, moment| {
            let conn = change.conn();
            let Some(mut ticket) = store::ticket(conn, id)? else {
                return Err(ApiError::NotFound);
            };
            let Some(next) = transition(ticket.status, action) else {
                return Err(ApiError::Conflict(
                    ErrorCode::InvalidTransition,
                    format!(
                        "cannot {} a ticket that is {}",
                        action.as_str().replace('_', "-"),
                        ticket.status.as_str()
                    ),
                ));
            };
            // Yesterday's leftovers may only be closed: calling or moving them again would put a past day
            // back into today's queue.
            if ticket.day != moment.today
                && matches!(
                    action,
                    TicketAction::Recall | TicketAction::Start | TicketAction::Transfer
                )
            {
                return Err(ApiError::Conflict(
                    ErrorCode::InvalidTransition,
                    format!(
                        "a ticket of {} can only be finished, marked no-show or cancelled",
                        ticket.day
                    ),
                ));
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
                        return Err(ApiError::Validation("a transfer needs a line".into()));
                    };
                    if to == ticket.line {
                        return Err(ApiError::Conflict(
                            ErrorCode::SameLine,
                            format!("the ticket is already on line {to}"),
                        ));
                    }
                    usable_line(conn, to)?;
                    // It waits again on the new line, keeping its number and its original issue time.
                    ticket.line = to;
                    ticket.transfers += 1;
                    ticket.called_at = None;
                    ticket.started_at = None;
                    ticket.desk = None;
                    ticket.operator_id = None;
                }
                TicketAction::Call | TicketAction::Expire => {
                    return Err(ApiError::InvalidRequest("not an operator's move".into()));
                }
            }
            ticket.status = next;
            store::update_ticket(conn, &ticket)?;
            change.audit(
                Action::QueueTicket,
                format!("{}:{}", ticket.id, action.as_str()),
            )?;
            emit(
                change,
                moment,
                &format!("ticket.{}", action.as_str()),
                Some(&ticket),
            )?;
            Ok(ticket_view(&ticket))
        })
        .await
    }

    /// `GET /api/v1/queue/tickets`: today's tickets (as of `now`), in call order.
    pub async fn list(
        &self,
        now: i64,
        line: Option<LineCode>,
        status: Option<TicketStatus>,
    ) -> ApiResult<Vec<Ticket>> {
        let today = self.calendar.day_of(now);
        let rows = self
            .storage
            .read(move |conn| store::list(conn, &today, line, status, MAX_LIST))
            .await?;
        Ok(rows.iter().map(ticket_view).collect())
    }
}
