//! Housekeeping, run periodically by the server: expires earlier days' leftovers even on a day with no
//! queue activity (the same rollover every queue write starts with, see [`super::writing`]), prunes old
//! events and long-ended device sessions.

use super::QueueService;
use crate::context::RequestContext;
use crate::error::ApiResult;
use crate::storage::queue as store;

/// How long an ended device session is kept (its audit rows stay).
const ENDED_DEVICE_SESSIONS_KEPT_S: i64 = 30 * 24 * 3600;

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
