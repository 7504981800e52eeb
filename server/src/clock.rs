//! Time, as the server's logic sees it. Nothing in the logic reads the system clock directly: it asks a
//! [`Clock`], which tests replace with a [`ManualClock`] to step over lockouts, token expiry and day changes.

use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Timestamp;

    /// Whole seconds since the Unix epoch, the unit the database stores.
    fn unix_seconds(&self) -> i64 {
        self.now().as_second()
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to. Shared between a test and the app under test. It starts at an
/// instant the test names, never at the wall clock: a test must not pass at noon and fail at midnight.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn starting_at(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now
            .checked_add(by)
            .expect("test clock stays within jiff's range");
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// RFC 3339 in UTC with millisecond precision and a fixed width, so that stored strings sort as times.
pub fn rfc3339(ts: Timestamp) -> String {
    sportello_schema::desk_time::UtcTime::from(ts).to_string()
}

/// [`rfc3339`] of a Unix time in seconds, as stored in the database.
pub fn rfc3339_from_unix(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(rfc3339)
        .unwrap_or_else(|_| "invalid-time".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::starting_at(Timestamp::from_second(1_000).unwrap());
        assert_eq!(clock.unix_seconds(), 1_000);
        clock.advance(SignedDuration::from_secs(90));
        assert_eq!(clock.unix_seconds(), 1_090);
    }

    #[test]
    fn timestamps_print_with_fixed_width_in_utc() {
        let ts = Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(rfc3339(ts), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00.000Z");
    }
}
