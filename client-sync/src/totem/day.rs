//! The desk's day and times as the totem writes them: civil days in Europe/Rome (tickets count from 001
//! each local morning) and RFC 3339 UTC times with milliseconds — the schema's own types
//! (`sportello_schema::desk_time`), so the totem and the server cannot count days differently.

use jiff::Timestamp;
use sportello_schema::desk_time::{DeskDay, UtcTime};

pub use sportello_schema::desk_time::DESK_TIME_ZONE;

/// The desk's day at `now` (`2026-11-27`), as the server writes lease days.
pub fn desk_day(now: Timestamp) -> String {
    DeskDay::of(now).to_string()
}

/// RFC 3339 in UTC with milliseconds, as the server writes times.
pub(super) fn rfc3339(now: Timestamp) -> String {
    UtcTime::from(now).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_desk_day_is_the_day_in_rome_not_in_utc() {
        let at = |raw: &str| raw.parse::<Timestamp>().unwrap();
        // Winter, UTC+1.
        assert_eq!(desk_day(at("2026-01-15T22:59:59Z")), "2026-01-15");
        assert_eq!(desk_day(at("2026-01-15T23:00:00Z")), "2026-01-16");
        // Summer, UTC+2.
        assert_eq!(desk_day(at("2026-07-01T21:59:59Z")), "2026-07-01");
        assert_eq!(desk_day(at("2026-07-01T22:00:00Z")), "2026-07-02");
        assert_eq!(
            rfc3339(at("2026-07-01T22:00:00.25Z")),
            "2026-07-01T22:00:00.250Z"
        );
    }
}
