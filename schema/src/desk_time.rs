//! The desk's clock vocabulary, one definition for the server and the totem:
//!
//! - [`DESK_TIME_ZONE`] / [`desk_time_zone`]: days and opening hours are read in Europe/Rome, from the
//!   time-zone database bundled into the binary, so a machine without `tzdata` still gets summer time right.
//! - [`DeskDay`]: a civil day of the desk (`2026-11-27`). Tickets count from 001 each local morning,
//!   whatever UTC says; leases, closed dates and statistics are per day.
//! - [`UtcTime`]: an instant as the REST API writes it, RFC 3339 in UTC with milliseconds and a fixed width
//!   (`2026-11-27T08:30:00.000Z`), so stored strings sort as times.
//!
//! Each is parsed once, where it enters, and carried as the type afterwards. (Document timestamps, which
//! are kept exactly as written, are [`crate::values::Rfc3339Utc`].) Nothing here reads a clock.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The zone every desk day and opening hour is read in.
pub const DESK_TIME_ZONE: &str = "Europe/Rome";

/// Europe/Rome, from the bundled database (looked up once).
pub fn desk_time_zone() -> TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| {
        TimeZone::get(DESK_TIME_ZONE).expect("the bundled time-zone database knows Europe/Rome")
    })
    .clone()
}

// ---------------------------------------------------------------------------------------------------------
// DeskDay

/// A civil day in the desk's time zone, written `YYYY-MM-DD` and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeskDay(Date);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a day is written YYYY-MM-DD")]
pub struct DeskDayError;

impl DeskDay {
    /// Exactly `YYYY-MM-DD`, a day that exists (years 1000 to 9999).
    pub fn parse(raw: &str) -> Result<Self, DeskDayError> {
        let day = crate::values::Date::parse(raw).map_err(|_| DeskDayError)?;
        let date = Date::new(
            i16::try_from(day.year()).map_err(|_| DeskDayError)?,
            i8::try_from(day.month()).map_err(|_| DeskDayError)?,
            i8::try_from(day.day()).map_err(|_| DeskDayError)?,
        )
        .map_err(|_| DeskDayError)?;
        Ok(Self(date))
    }

    /// The desk's day at `instant`.
    pub fn of(instant: Timestamp) -> Self {
        Self(instant.to_zoned(desk_time_zone()).date())
    }

    /// The desk's day at `unix` seconds (the unit the database stores); the epoch's day if out of range.
    pub fn of_unix(unix: i64) -> Self {
        Self::of(Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH))
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// Local midnight at the start of the day. `None` only at the ends of the calendar.
    pub fn start(self) -> Option<Timestamp> {
        Some(self.0.to_zoned(desk_time_zone()).ok()?.timestamp())
    }

    /// The first instant of the next day (local midnight): a day's numbers expire then.
    pub fn end(self) -> Option<Timestamp> {
        Self(self.0.tomorrow().ok()?).start()
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: DeskDay) -> i64 {
        i64::from((later.0 - self.0).get_days())
    }
}

impl fmt::Display for DeskDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for DeskDay {
    type Err = DeskDayError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DeskDay {
    type Error = DeskDayError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DeskDay> for String {
    fn from(value: DeskDay) -> Self {
        value.to_string()
    }
}

impl PartialEq<&str> for DeskDay {
    fn eq(&self, other: &&str) -> bool {
        DeskDay::parse(other).is_ok_and(|day| day == *self)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for DeskDay {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .examples(["2026-11-27"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for DeskDay {}

// ---------------------------------------------------------------------------------------------------------
// UtcTime

/// An instant as the REST API writes it: `2026-11-27T08:30:00.000Z`. Read from any RFC 3339 time with an
/// offset (`+01:00` as well as `Z`), as the server has always accepted; written in UTC with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UtcTime(Timestamp);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a time is written in RFC 3339, with an offset")]
pub struct UtcTimeError;

impl UtcTime {
    pub fn parse(raw: &str) -> Result<Self, UtcTimeError> {
        raw.parse::<Timestamp>().map(Self).map_err(|_| UtcTimeError)
    }

    /// `unix` seconds, if jiff can represent them.
    pub fn from_unix_seconds(unix: i64) -> Option<Self> {
        Timestamp::from_second(unix).ok().map(Self)
    }

    pub fn timestamp(self) -> Timestamp {
        self.0
    }

    /// Whole seconds since the Unix epoch, the unit the database stores.
    pub fn unix_seconds(self) -> i64 {
        self.0.as_second()
    }
}

impl From<Timestamp> for UtcTime {
    fn from(instant: Timestamp) -> Self {
        Self(instant)
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl FromStr for UtcTime {
    type Err = UtcTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for UtcTime {
    type Error = UtcTimeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UtcTime> for String {
    fn from(value: UtcTime) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> Timestamp {
        raw.parse().unwrap()
    }

    #[test]
    fn the_desk_day_is_the_day_in_rome_not_in_utc() {
        let cases = [
            // Winter, UTC+1.
            ("2026-01-15T22:59:59Z", "2026-01-15"),
            ("2026-01-15T23:00:00Z", "2026-01-16"),
            ("2026-11-27T23:30:00Z", "2026-11-28"),
            // Summer, UTC+2.
            ("2026-07-01T21:59:59Z", "2026-07-01"),
            ("2026-07-01T22:00:00Z", "2026-07-02"),
        ];
        for (instant, day) in cases {
            assert_eq!(DeskDay::of(at(instant)).to_string(), day, "{instant}");
        }
        assert_eq!(
            DeskDay::of_unix(at("2026-07-01T22:00:00Z").as_second()),
            "2026-07-02"
        );
    }

    #[test]
    fn a_day_starts_and_ends_at_local_midnight_summer_time_included() {
        let day = |raw: &str| DeskDay::parse(raw).unwrap();
        assert_eq!(day("2026-11-27").end(), Some(at("2026-11-27T23:00:00Z")));
        assert_eq!(day("2026-07-02").start(), Some(at("2026-07-01T22:00:00Z")));
        // The night the clocks go forward the day is 23 hours long.
        let short = day("2026-03-29");
        let hours = short
            .start()
            .unwrap()
            .duration_until(short.end().unwrap())
            .as_hours();
        assert_eq!(hours, 23);
        assert_eq!(day("2026-11-23").days_until(day("2026-11-29")), 6);
        assert_eq!(day("9999-12-31").end(), None);
    }

    #[test]
    fn a_day_is_exactly_yyyy_mm_dd() {
        for good in ["2026-11-27", "2024-02-29", "1000-01-01"] {
            let day = DeskDay::parse(good).unwrap();
            assert_eq!(day.to_string(), good);
            let json = serde_json::to_string(&day).unwrap();
            assert_eq!(serde_json::from_str::<DeskDay>(&json).unwrap(), day);
        }
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "27/11/2026",
            "20261127",
            "2026-11-27T10:00",
            " 2026-11-27",
            "+002026-11-27",
            "0999-01-01",
        ] {
            assert_eq!(DeskDay::parse(bad), Err(DeskDayError), "{bad:?}");
            assert!(serde_json::from_str::<DeskDay>(&format!("{bad:?}")).is_err());
        }
    }

    #[test]
    fn times_are_read_with_any_offset_and_written_in_utc_with_milliseconds() {
        let time = UtcTime::parse("2026-07-02T00:00:00.25+02:00").unwrap();
        assert_eq!(time.to_string(), "2026-07-01T22:00:00.250Z");
        assert_eq!(
            UtcTime::from_unix_seconds(1_700_000_000)
                .unwrap()
                .to_string(),
            "2023-11-14T22:13:20.000Z"
        );
        assert_eq!(
            serde_json::to_string(&time).unwrap(),
            "\"2026-07-01T22:00:00.250Z\""
        );
        assert!(
            UtcTime::parse("2026-07-01T22:00:00Z").unwrap()
                > UtcTime::parse("2026-07-01T21:59:59.999Z").unwrap()
        );
        for bad in ["this morning", "2026-07-01", "2026-07-01T22:00:00", ""] {
            assert_eq!(UtcTime::parse(bad), Err(UtcTimeError), "{bad:?}");
        }
    }
}
