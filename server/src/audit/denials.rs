//! Refusals (`access.denied` on REST, `doc.denied` in sync) stay audited without letting one actor flood
//! the append-only log, and an actor that keeps being refused is slowed down.
//!
//! Per actor (user or device id) and action, denials fall into windows of [`DenialPolicy::window`]:
//! - the first denial of a window is written as its own row (actor, role, session, target, request id);
//! - the rest are only counted; the count is written as one summary row of the same action with target
//!   `repeated:<n>` when the window has closed — at the actor's next denial after it, in the minute-by-minute
//!   housekeeping ([`flush_closed`]), or when the server stops ([`flush_all`]) — never with the targets of
//!   the repeats, so it holds no more than a number;
//! - past [`DenialPolicy::max_per_window`] denials in a window the actor is over its limit until the
//!   window ends: REST answers `429 too_many_denials` with `Retry-After`, sync closes the connection.
//!
//! So an actor adds at most two rows per window and action however fast it is refused, and every refusal
//! is still accounted for. The state is in memory, one entry per actor and action with an open window
//! (bounded by the accounts and devices that exist); a crash loses at most the counts not yet written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Action, AuditActor, AuditRecord};
use crate::clock::{SharedClock, rfc3339};
use crate::storage::{Storage, StorageResult, audit};

/// What recording denials uses: the windows, the storage to write rows to, and the clock. The gate, the
/// sync peer and the housekeeping each hold one (cheap to clone: all three are shared).
#[derive(Debug, Clone)]
pub struct DenialLog {
    pub denials: Denials,
    pub storage: Storage,
    pub clock: SharedClock,
}

/// How denials are grouped and limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenialPolicy {
    /// The length of one window.
    pub window: Duration,
    /// Denials of one actor and action answered normally within a window; further ones are limited.
    pub max_per_window: u32,
}

impl Default for DenialPolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            max_per_window: 100,
        }
    }
}

/// Whether the actor may be answered normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Within,
    /// Over the limit until the window ends, `retry_after` from now.
    Exceeded {
        retry_after: Duration,
    },
}

/// What one denial asks for: rows to write now (in order), and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rows: Vec<AuditRecord>,
    pub limit: Limit,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    actor: String,
    action: &'static str,
}

#[derive(Debug)]
struct Window {
    started: i64,
    /// Denials in this window, the written first one included.
    count: u64,
    /// Who the summary row names: the actor as of its last denial (its session may have changed).
    actor: AuditActor,
    action: Action,
}

impl Window {
    fn summary(&self) -> Option<AuditRecord> {
        let repeats = self.count.saturating_sub(1);
        (repeats > 0).then(|| {
            AuditRecord::new(self.actor.clone(), self.action, super::Outcome::Denied)
                .target(format!("repeated:{repeats}"))
        })
    }
}

/// The windows of every actor, shared by the whole server.
#[derive(Debug, Clone, Default)]
pub struct Denials {
    policy: DenialPolicy,
    windows: Arc<Mutex<HashMap<Key, Window>>>,
}

impl Denials {
    pub fn new(policy: DenialPolicy) -> Self {
        Self {
            policy,
            windows: Arc::default(),
        }
    }

    fn window_secs(&self) -> i64 {
        i64::try_from(self.policy.window.as_secs())
            .unwrap_or(i64::MAX)
            .max(1)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the denial `record` at `now` (Unix seconds) and says what to write and whether to limit.
    pub fn deny(&self, record: AuditRecord, now: i64) -> Verdict {
        let key = Key {
            actor: record
                .actor
                .actor_id()
                .unwrap_or_else(|| record.actor.role_name().to_owned()),
            action: record.action.as_str(),
        };
        let length = self.window_secs();
        let mut windows = self.lock();
        let mut rows = Vec::new();
        let fresh = |actor: &AuditActor| Window {
            started: now,
            count: 0,
            actor: actor.clone(),
            action: record.action,
        };
        let window = windows.entry(key).or_insert_with(|| fresh(&record.actor));
        if now >= window.started.saturating_add(length) {
            rows.extend(window.summary());
            *window = fresh(&record.actor);
        }
        window.count = window.count.saturating_add(1);
        window.actor = record.actor.clone();
        let limit = if window.count > u64::from(self.policy.max_per_window) {
            let left = window.started.saturating_add(length).saturating_sub(now);
            Limit::Exceeded {
                retry_after: Duration::from_secs(u64::try_from(left.max(1)).unwrap_or(1)),
            }
        } else {
            Limit::Within
        };
        if window.count == 1 {
            rows.push(record);
        }
        Verdict { rows, limit }
    }

    /// Forgets the windows that have closed by `now` and returns their summary rows.
    pub fn take_closed(&self, now: i64) -> Vec<AuditRecord> {
        let length = self.window_secs();
        let mut summaries = Vec::new();
        self.lock().retain(|_, window| {
            let open = now < window.started.saturating_add(length);
            if !open {
                summaries.extend(window.summary());
            }
            open
        });
        summaries
    }

    /// Forgets every window, open or not, and returns their summary rows (the server is stopping).
    pub fn take_all(&self) -> Vec<AuditRecord> {
        self.lock()
            .drain()
            .filter_map(|(_, window)| window.summary())
            .collect()
    }
}

/// Records one denial: writes its row (when it is the first of its window) and any summary due, in one
/// write, and says whether the actor is over its limit.
pub async fn record(log: &DenialLog, record: AuditRecord) -> StorageResult<Limit> {
    let verdict = log.denials.deny(record, log.clock.unix_seconds());
    write(log, verdict.rows).await?;
    Ok(verdict.limit)
}

/// Writes the summaries of windows that have closed (called by the housekeeping).
pub async fn flush_closed(log: &DenialLog) -> StorageResult<()> {
    let rows = log.denials.take_closed(log.clock.unix_seconds());
    write(log, rows).await
}

/// Writes every pending summary (called when the server stops).
pub async fn flush_all(log: &DenialLog) -> StorageResult<()> {
    let rows = log.denials.take_all();
    write(log, rows).await
}

async fn write(log: &DenialLog, rows: Vec<AuditRecord>) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let at = rfc3339(log.clock.now());
    log.storage
        .write(move |conn| {
            for row in &rows {
                audit::append(conn, row, &at)?;
            }
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use sportello_schema::{Role, SessionId, UserId};

    use super::*;
    use crate::audit::Outcome;

    fn denial(user: UserId, action: Action, target: &str) -> AuditRecord {
        let actor = AuditActor {
            user: Some(user),
            role: Some(Role::Operator),
            session: Some(SessionId::new_random()),
            ..AuditActor::default()
        };
        AuditRecord::new(actor, action, Outcome::Denied).target(target)
    }

    fn targets(rows: &[AuditRecord]) -> Vec<&str> {
        rows.iter()
            .filter_map(|row| row.target.as_deref())
            .collect()
    }

    fn policy(max_per_window: u32) -> DenialPolicy {
        DenialPolicy {
            window: Duration::from_secs(60),
            max_per_window,
        }
    }

    #[test]
    fn the_first_denial_of_a_window_is_written_and_the_repeats_come_as_one_count() {
        let denials = Denials::new(policy(1_000));
        let user = UserId::new_random();
        let first = denials.deny(denial(user, Action::AccessDenied, "/a"), 1_000);
        assert_eq!(targets(&first.rows), ["/a"]);
        for second in 1..60 {
            let verdict = denials.deny(denial(user, Action::AccessDenied, "/b"), 1_000 + second);
            assert!(verdict.rows.is_empty());
        }
        // The next window opens with the count of the last one, then its own first row.
        let next = denials.deny(denial(user, Action::AccessDenied, "/c"), 1_060);
        assert_eq!(targets(&next.rows), ["repeated:59", "/c"]);
        assert!(
            next.rows
                .iter()
                .all(|row| row.action == Action::AccessDenied)
        );
        assert!(next.rows.iter().all(|row| row.actor.user == Some(user)));
        // A window with no repeats needs no summary.
        let later = denials.deny(denial(user, Action::AccessDenied, "/d"), 2_000);
        assert_eq!(targets(&later.rows), ["/d"]);
    }

    #[test]
    fn actors_and_actions_have_windows_of_their_own() {
        let denials = Denials::new(policy(1));
        let (alice, bob) = (UserId::new_random(), UserId::new_random());
        for (user, action) in [
            (alice, Action::AccessDenied),
            (alice, Action::DocDenied),
            (bob, Action::AccessDenied),
        ] {
            let verdict = denials.deny(denial(user, action, "x"), 10);
            assert_eq!(verdict.rows.len(), 1);
            assert_eq!(verdict.limit, Limit::Within);
        }
    }

    #[test]
    fn past_the_limit_the_actor_waits_for_the_end_of_the_window() {
        let denials = Denials::new(policy(3));
        let user = UserId::new_random();
        for second in 0..3 {
            let verdict = denials.deny(denial(user, Action::AccessDenied, "x"), 100 + second);
            assert_eq!(verdict.limit, Limit::Within);
        }
        let over = denials.deny(denial(user, Action::AccessDenied, "x"), 110);
        assert_eq!(
            over.limit,
            Limit::Exceeded {
                retry_after: Duration::from_secs(50)
            }
        );
        let next_window = denials.deny(denial(user, Action::AccessDenied, "x"), 160);
        assert_eq!(next_window.limit, Limit::Within);
        assert_eq!(targets(&next_window.rows), ["repeated:3", "x"]);
    }

    #[test]
    fn closed_windows_are_summarised_and_forgotten_and_open_ones_kept() {
        let denials = Denials::new(policy(1_000));
        let (alice, bob) = (UserId::new_random(), UserId::new_random());
        for _ in 0..5 {
            denials.deny(denial(alice, Action::DocDenied, "doc"), 0);
        }
        for _ in 0..2 {
            denials.deny(denial(bob, Action::DocDenied, "doc"), 30);
        }
        assert_eq!(targets(&denials.take_closed(59)), Vec::<&str>::new());
        assert_eq!(targets(&denials.take_closed(60)), ["repeated:4"]);
        assert_eq!(targets(&denials.take_closed(60)), Vec::<&str>::new());
        assert_eq!(targets(&denials.take_all()), ["repeated:1"]);
        assert!(denials.lock().is_empty());
    }
}
