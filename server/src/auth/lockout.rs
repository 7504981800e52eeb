//! Per-account brute-force protection, as pure functions over the stored [`FailureState`].
//!
//! `threshold` failures within `window` lock the account for `base_lock`, doubling with each further lock
//! (growing back-off) up to `max_lock`. While locked, every login is refused, a correct password included.
//! A successful login clears the state.

use crate::storage::users::FailureState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window_secs: i64,
    pub base_lock_secs: i64,
    pub max_lock_secs: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 10,
            window_secs: 15 * 60,
            base_lock_secs: 15 * 60,
            max_lock_secs: 24 * 60 * 60,
        }
    }
}

/// What one failed login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub state: FailureState,
    /// Set when this failure locked the account: until when.
    pub locked_until: Option<i64>,
}

impl LockoutPolicy {
    /// Seconds the account stays locked, if it is locked at `now`.
    pub fn locked_for(&self, state: &FailureState, now: i64) -> Option<i64> {
        state
            .locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    pub fn after_failure(&self, state: &FailureState, now: i64) -> AfterFailure {
        let window_open = state
            .window_start
            .is_some_and(|start| now - start < self.window_secs);
        let (failed_logins, window_start) = if window_open {
            (state.failed_logins + 1, state.window_start)
        } else {
            (1, Some(now))
        };
        if failed_logins >= self.threshold {
            let lock = self
                .base_lock_secs
                .saturating_mul(1_i64 << state.lockouts.min(20))
                .min(self.max_lock_secs);
            let until = now + lock;
            AfterFailure {
                state: FailureState {
                    failed_logins: 0,
                    window_start: None,
                    locked_until: Some(until),
                    lockouts: state.lockouts + 1,
                },
                locked_until: Some(until),
            }
        } else {
            AfterFailure {
                state: FailureState {
                    failed_logins,
                    window_start,
                    locked_until: state.locked_until,
                    lockouts: state.lockouts,
                },
                locked_until: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: LockoutPolicy = LockoutPolicy {
        threshold: 3,
        window_secs: 100,
        base_lock_secs: 60,
        max_lock_secs: 200,
    };

    fn fail(state: FailureState, at: i64) -> AfterFailure {
        POLICY.after_failure(&state, at)
    }

    #[test]
    fn the_threshold_within_the_window_locks_the_account() {
        let one = fail(FailureState::default(), 0);
        let two = fail(one.state, 10);
        assert_eq!(two.locked_until, None);
        let three = fail(two.state, 20);
        assert_eq!(three.locked_until, Some(80));
        assert_eq!(POLICY.locked_for(&three.state, 79), Some(1));
        assert_eq!(
            POLICY.locked_for(&three.state, 80),
            None,
            "the lock expires"
        );
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_lock() {
        let mut state = FailureState::default();
        for at in [0, 60, 120, 180, 240] {
            let after = fail(state, at);
            assert_eq!(after.locked_until, None, "at {at}");
            state = after.state;
        }
    }

    #[test]
    fn each_further_lock_lasts_longer_up_to_the_maximum() {
        let mut state = FailureState::default();
        let mut locks = Vec::new();
        let mut now = 0;
        for _ in 0..4 {
            for _ in 0..3 {
                let after = fail(state, now);
                state = after.state;
                if let Some(until) = after.locked_until {
                    locks.push(until - now);
                    now = until;
                }
            }
        }
        assert_eq!(locks, vec![60, 120, 200, 200]);
    }
}
