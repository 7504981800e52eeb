//! How every queue change is written: one audited write (`storage::audited`) that first expires earlier
//! days' leftovers when the day has changed (the rollover: so the day's end never depends on a timer),
//! then runs the change with its audit and event rows; after the commit the event hub is poked, and its
//! pump publishes the new rows in order.
//!
//! A refused change leaves nothing behind: an import refused at its second ticket has already written the
//! first (with its audit and event rows), and the savepoint of the audited write undoes it. The rollover
//! stays either way.

use std::collections::BTreeMap;

use sportello_schema::api::queue::{EventTicket, QueueEvent};
use sportello_schema::queue::TicketStatus;

use super::QueueService;
use super::calendar::DeskCalendar;
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::clock::rfc3339_from_unix;
use crate::context::RequestContext;
use crate::error::ApiResult;
use crate::storage::audited::Change;
use crate::storage::queue::{self as store, TicketRow};
use crate::storage::{StorageError, StorageResult};

/// What every queue write needs to know about "now".
#[derive(Debug, Clone)]
pub(super) struct Moment {
    pub now: i64,
    pub at: String,
    /// The desk day (Europe/Rome) of `now`.
    pub today: String,
    pub calendar: DeskCalendar,
}

impl QueueService {
    pub(super) fn moment(&self, ctx: &RequestContext) -> Moment {
        Moment {
            now: ctx.now,
            at: ctx.at.clone(),
            today: self.calendar.day_of(ctx.now),
            calendar: self.calendar.clone(),
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

    /// Runs a queue change: the day's rollover first when due, then `work`; then pokes the event hub.
    /// A refusal is audited as `refusals` says (see `storage::audited`).
    pub(super) async fn write<T, F>(
        &self,
        ctx: &RequestContext,
        refusals: Option<(Action, Option<String>)>,
        work: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Change<'_>, &Moment) -> ApiResult<T> + Send + 'static,
    {
        let moment = self.moment(ctx);
        let rollover = self.needs_rollover(&moment.today);
        self.write_at(ctx, moment, rollover, refusals, work).await
    }

    /// [`QueueService::write`] at `moment`, with the rollover forced or skipped.
    pub(super) async fn write_at<T, F>(
        &self,
        ctx: &RequestContext,
        moment: Moment,
        rollover: bool,
        refusals: Option<(Action, Option<String>)>,
        work: F,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Change<'_>, &Moment) -> ApiResult<T> + Send + 'static,
    {
        let mut audited = self.storage.audited(ctx);
        if let Some((action, target)) = refusals {
            audited = audited.refusals(action, target);
        }
        let prelude_moment = moment.clone();
        let rolled_over = self.rolled_over.clone();
        let outcome = audited
            .run_after(
                move |change| {
                    if rollover {
                        expire_before(change, &prelude_moment)?;
                        let today = prelude_moment.today.clone();
                        change.after_commit(move || {
                            *rolled_over
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner()) = today;
                        });
                    }
                    Ok(())
                },
                move |change| work(change, &moment),
            )
            .await;
        self.hub.poke();
        outcome
    }
}

/// Expires the waiting tickets of days before today (one audit row per day, by the system; one event per
/// ticket).
fn expire_before(change: &Change<'_>, moment: &Moment) -> StorageResult<usize> {
    let leftovers = store::waiting_before(change.conn(), &moment.today)?;
    let mut days = BTreeMap::<String, usize>::new();
    for mut ticket in leftovers.iter().cloned() {
        ticket.status = TicketStatus::Expired;
        ticket.ended_at = Some(
            moment
                .calendar
                .day_end(&ticket.day)
                .unwrap_or(moment.now)
                .min(moment.now),
        );
        store::update_ticket(change.conn(), &ticket)?;
        emit(change, moment, "ticket.expire", Some(&ticket))?;
        *days.entry(ticket.day.clone()).or_default() += 1;
    }
    for (day, count) in days {
        let entry = AuditRecord::new(AuditActor::system(), Action::QueueExpire, Outcome::Success)
            .target(format!("day:{day}:{count}"));
        change.append(&entry)?;
    }
    Ok(leftovers.len())
}

/// Writes one event row (the event is published after the commit by the hub's pump).
pub(super) fn emit(
    change: &Change<'_>,
    moment: &Moment,
    kind: &str,
    ticket: Option<&TicketRow>,
) -> StorageResult<()> {
    let conn = change.conn();
    let seq = store::next_event_seq(conn)?;
    let event = QueueEvent {
        seq,
        kind: kind.to_owned(),
        at: moment.at.clone(),
        day: ticket.map_or_else(|| moment.today.clone(), |ticket| ticket.day.clone()),
        ticket: ticket.map(event_ticket),
    };
    let payload =
        serde_json::to_string(&event).map_err(|error| StorageError::Corrupt(error.to_string()))?;
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
