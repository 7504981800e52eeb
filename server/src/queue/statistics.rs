//! Statistics for a period: checks the period, reads its tickets, audits the read (`queue.stats_read`, the
//! period as target) and hands the facts to [`super::stats`], which does the arithmetic.

use sportello_schema::api::queue::QueueStats;
use sportello_schema::desk_time::DeskDay;
use sportello_schema::queue::{LineCode, TicketStatus};

use super::QueueService;
use super::stats;
use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::queue as store;

/// The longest statistics period, in days.
pub const MAX_STATS_DAYS: i64 = 366;

impl QueueService {
    /// `GET /api/v1/queue/stats`: figures for the days `from..=to` (default: today).
    pub async fn statistics(
        &self,
        ctx: &RequestContext,
        from: Option<DeskDay>,
        to: Option<DeskDay>,
    ) -> ApiResult<QueueStats> {
        let calendar = self.calendar.clone();
        let today = DeskDay::of_unix(ctx.now);
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
        let (lines, rows) = self
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
                issued_day: DeskDay::of_unix(ticket.issued_at).to_string(),
                first_called_at: ticket.first_called_at,
                started_at: ticket.started_at,
                finished_at: (ticket.status == TicketStatus::Done)
                    .then_some(ticket.ended_at)
                    .flatten(),
                transfers: ticket.transfers,
            })
            .collect();
        let codes: Vec<LineCode> = lines.iter().map(|line| line.code).collect();
        self.storage
            .audited(ctx)
            .record(Action::QueueStatsRead, Some(format!("{from}..{to}")))
            .await?;
        Ok(stats::summarize(&from, &to, &codes, &facts))
    }
}
