//! The day's end without a timer: the first queue write of a new day expires the waiting tickets of earlier
//! days ([`expire_before`], the prelude of every queue write that [`super::writing`] runs when the day has
//! changed), and the periodic housekeeping does the same on a day with no queue activity, pruning old
//! events and long-ended device sessions.

use std::collections::BTreeMap;

use sportello_schema::queue::TicketStatus;

use super::QueueService;
use super::writing::{Moment, emit};
use crate::audit::{Action, AuditActor, AuditRecord, Outcome};
use crate::context::RequestContext;
use crate::error::ApiResult;
use crate::storage::StorageResult;
use crate::storage::audited::Change;
use crate::storage::queue as store;

/// How long an ended device session is kept (its audit rows stay).
const ENDED_DEVICE_SESSIONS_KEPT_S: i64 = 30 * 24 * 3600;

/// Expires the waiting tickets of days before today (one audit row per day, by the system; one event per
/// ticket).
pub(super) fn expire_before(change: &Change<'_>, moment: &Moment) -> StorageResult<usize> {
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

impl QueueService {
    /// Housekeeping: expires yesterday's leftovers even on a day with no queue activity, prunes events
    /// older than `keep_days`, and device sessions that ended more than 30 days ago (their audit rows stay).
    pub async fn housekeeping(&self, ctx: &RequestContext, keep_days: i64) -> ApiResult<()> {
        let moment = self.moment(ctx);
        let cutoff = moment.now - keep_days * 24 * 3600;
        self.write_at(ctx, moment, true, None, move |change, moment| {
            store::prune_events(change.conn(), cutoff)?;
            crate::storage::devices::prune_sessions(
                change.conn(),
                moment.now,
                ENDED_DEVICE_SESSIONS_KEPT_S,
            )?;
            Ok(())
        })
        .await
    }
}
