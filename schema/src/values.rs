//! Small validated values that appear in documents: phone numbers, e-mail addresses, calendar dates, UTC
//! timestamps, and the sex recorded for a person.
//!
//! Each is a newtype with a private field and a `parse` that returns it in its one normal form, so two
//! spellings of the same value compare equal and a stored value can be compared with `parse(x).as_str()`.
//! Nothing here reads a clock: whatever depends on "today" takes it as an argument, so tests and tablets
//! with a wrong clock behave predictably. Error messages never repeat the input: the input is personal data
//! and errors travel to logs and to other peers.
//!
//! Rules, and why they are this loose or this strict:
//! - [`Phone`]: an optional leading `+` and 6 to 15 digits (E.164 allows at most 15); spaces and dashes
//!   are accepted on input and dropped, anything else is refused. No country rules: the desk serves people
//!   with foreign numbers, and a phone number is checked by calling it.
//! - [`Email`]: one `@`, a non-empty local part of at most 64 characters, a domain with at least one dot
//!   and no empty labels, no whitespace or control characters, at most 254 characters. This catches typos
//!   without pretending to implement RFC 5322; an address is checked by writing to it.
//! - [`Date`]: exactly `YYYY-MM-DD`, a day that exists in the proleptic Gregorian calendar (leap years
//!   included), years 1000 to 9999. A birth date must also be no later than the `today` passed in and no
//!   earlier than [`EARLIEST_BIRTH_YEAR`].
//! - [`Rfc3339Utc`]: `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds (1 to 9 digits) and a final
//!   `Z`, upper case, as JavaScript's `Date.toISOString()` and jiff print them. Offsets other than `Z` are
//!   refused so that stored timestamps sort as strings; leap seconds (`:60`) are refused too.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The sex recorded on a person's documents (and encoded in an Italian fiscal code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub const ALL: [Sex; 2] = [Sex::Female, Sex::Male];

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sex: expected female or male")]
pub struct UnknownSex;

impl FromStr for Sex {
    type Err = UnknownSex;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sex::ALL
            .into_iter()
            .find(|sex| sex.as_str() == s)
            .ok_or(UnknownSex)
    }
}

macro_rules! string_newtype_conversions {
    ($name:ident, $error:ty) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// Phone

pub const PHONE_MIN_DIGITS: usize = 6;
pub const PHONE_MAX_DIGITS: usize = 15;

/// A phone number in normal form: an optional `+` followed by 6 to 15 digits, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a phone number may contain only digits, spaces, dashes and a leading '+'")]
    Character,
    #[error("a phone number has {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits")]
    Length,
}

impl Phone {
    /// Accepts surrounding whitespace and inner spaces and dashes (`+39 333-123 4567`) and drops them.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        let (plus, rest) = match raw.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", raw),
        };
        let mut normal = String::from(plus);
        for c in rest.chars() {
            match c {
                '0'..='9' => normal.push(c),
                ' ' | '-' => {}
                _ => return Err(PhoneError::Character),
            }
        }
        let digits = normal.len() - plus.len();
        if !(PHONE_MIN_DIGITS..=PHONE_MAX_DIGITS).contains(&digits) {
            return Err(PhoneError::Length);
        }
        Ok(Self(normal))
    }
}

string_newtype_conversions!(Phone, PhoneError);

// ---------------------------------------------------------------------------------------------------------
// Email

pub const EMAIL_MAX_LEN: usize = 254;
pub const EMAIL_LOCAL_MAX_LEN: usize = 64;

/// An e-mail address that passes a pragmatic shape check; stored as typed, without surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an e-mail address has at most {EMAIL_MAX_LEN} characters")]
    TooLong,
    #[error("an e-mail address may not contain spaces or control characters")]
    Whitespace,
    #[error("an e-mail address has exactly one '@'")]
    At,
    #[error("the part before '@' must be 1 to {EMAIL_LOCAL_MAX_LEN} characters")]
    LocalPart,
    #[error("the part after '@' must be a domain name such as comune.example.it")]
    Domain,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let raw = raw.trim();
        if raw.chars().count() > EMAIL_MAX_LEN {
            return Err(EmailError::TooLong);
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let mut parts = raw.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At);
        };
        if local.is_empty() || local.chars().count() > EMAIL_LOCAL_MAX_LEN {
            return Err(EmailError::LocalPart);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return Err(EmailError::Domain);
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype_conversions!(Email, EmailError);

// ---------------------------------------------------------------------------------------------------------
// Date

/// Birth dates before this year are refused as typing mistakes.
pub const EARLIEST_BIRTH_YEAR: u16 = 1900;

/// A calendar date (`YYYY-MM-DD`), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("a date is written YYYY-MM-DD")]
    Format,
    #[error("no such day in the calendar")]
    NoSuchDay,
    #[error("a birth date cannot be in the future")]
    InTheFuture,
    #[error("a birth date before {EARLIEST_BIRTH_YEAR} is surely a typing mistake")]
    TooEarly,
}

/// Days in `month` (1 to 12) of `year`; 0 for a month that does not exist.
pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Parses exactly `n` ASCII digits.
fn digits(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(raw.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

impl Date {
    /// A date from its parts, if that day exists (years 1000 to 9999).
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1000..=9999).contains(&year) {
            return Err(DateError::Format);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay);
        }
        Ok(Self { year, month, day })
    }

    pub fn parse(raw: &str) -> Result<Self, DateError> {
        let bytes = raw.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(DateError::Format);
        }
        let (Some(year), Some(month), Some(day)) = (
            digits(&bytes[0..4]),
            digits(&bytes[5..7]),
            digits(&bytes[8..10]),
        ) else {
            return Err(DateError::Format);
        };
        // The digit counts bound the values, so these conversions cannot truncate.
        Self::from_ymd(year as u16, month as u8, day as u8)
    }

    /// A birth date: a real day, not after `today` and not before [`EARLIEST_BIRTH_YEAR`].
    pub fn parse_birth_date(raw: &str, today: Date) -> Result<Self, DateError> {
        let date = Self::parse(raw)?;
        if date > today {
            return Err(DateError::InTheFuture);
        }
        if date.year < EARLIEST_BIRTH_YEAR {
            return Err(DateError::TooEarly);
        }
        Ok(date)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_unix_epoch(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Date {
    type Error = DateError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Date> for String {
    fn from(value: Date) -> Self {
        value.to_string()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Rfc3339Utc

/// A UTC timestamp as RFC 3339 text ending in `Z`, kept exactly as written. Ordered by instant, so
/// `…:00.5Z` sorts after `…:00Z` although the strings would sort the other way round.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rfc3339Utc {
    text: String,
    date: Date,
    unix_seconds: i64,
    nanos: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("a timestamp is written YYYY-MM-DDTHH:MM:SS[.fraction]Z, in UTC")]
    Format,
    #[error("no such day in the calendar")]
    NoSuchDay,
    #[error("no such time of day")]
    NoSuchTime,
}

impl Rfc3339Utc {
    pub fn parse(raw: &str) -> Result<Self, TimestampError> {
        let bytes = raw.as_bytes();
        if bytes.len() < 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
            return Err(TimestampError::Format);
        }
        let Some(before_z) = raw.strip_suffix('Z') else {
            return Err(TimestampError::Format);
        };
        let date = Date::parse(&raw[..10]).map_err(|e| match e {
            DateError::NoSuchDay => TimestampError::NoSuchDay,
            _ => TimestampError::Format,
        })?;
        let (Some(hour), Some(minute), Some(second)) = (
            digits(&bytes[11..13]),
            digits(&bytes[14..16]),
            digits(&bytes[17..19]),
        ) else {
            return Err(TimestampError::Format);
        };
        let nanos = match &before_z.as_bytes()[19..] {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                let value = digits(fraction).ok_or(TimestampError::Format)?;
                value * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return Err(TimestampError::Format),
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(TimestampError::NoSuchTime);
        }
        let unix_seconds = date.days_since_unix_epoch() * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Ok(Self {
            text: raw.to_owned(),
            date,
            unix_seconds,
            nanos,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn date(&self) -> Date {
        self.date
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// The fraction of the second, in nanoseconds.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }
}

impl PartialEq for Rfc3339Utc {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Rfc3339Utc {}

impl PartialOrd for Rfc3339Utc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rfc3339Utc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.unix_seconds, self.nanos).cmp(&(other.unix_seconds, other.nanos))
    }
}

impl fmt::Display for Rfc3339Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Rfc3339Utc {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Rfc3339Utc {
    type Error = TimestampError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Rfc3339Utc> for String {
    fn from(value: Rfc3339Utc) -> Self {
        value.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(raw: &str) -> Date {
        Date::parse(raw).unwrap()
    }

    #[test]
    fn phone_numbers_lose_spaces_and_dashes_and_keep_a_leading_plus() {
        assert_eq!(
            Phone::parse(" +39 333-123 4567 ").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(Phone::parse("0302 123456").unwrap().as_str(), "0302123456");
        assert_eq!(Phone::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(
            Phone::parse("123456789012345").unwrap().as_str(),
            "123456789012345"
        );
    }

    #[test]
    fn phone_numbers_with_other_characters_or_a_wrong_length_are_refused() {
        assert_eq!(Phone::parse("12345"), Err(PhoneError::Length));
        assert_eq!(Phone::parse("+1234567890123456"), Err(PhoneError::Length));
        assert_eq!(Phone::parse("+ -"), Err(PhoneError::Length));
        assert_eq!(Phone::parse(""), Err(PhoneError::Length));
        assert_eq!(Phone::parse("(030) 123456"), Err(PhoneError::Character));
        assert_eq!(Phone::parse("030.123456"), Err(PhoneError::Character));
        assert_eq!(Phone::parse("39+3331234567"), Err(PhoneError::Character));
        assert_eq!(Phone::parse("++393331234567"), Err(PhoneError::Character));
        assert_eq!(Phone::parse("333 123 456७"), Err(PhoneError::Character));
    }

    #[test]
    fn ordinary_email_addresses_are_accepted_and_trimmed() {
        for raw in [
            "mario.rossi@comune.example.it",
            "a@b.co",
            "first+tag@sub.domain.org",
        ] {
            assert_eq!(Email::parse(raw).unwrap().as_str(), raw);
        }
        assert_eq!(Email::parse("  x@y.it\n").unwrap().as_str(), "x@y.it");
    }

    #[test]
    fn malformed_email_addresses_are_refused_with_the_reason() {
        assert_eq!(Email::parse("mario.rossi"), Err(EmailError::At));
        assert_eq!(Email::parse("a@b@c.it"), Err(EmailError::At));
        assert_eq!(Email::parse("@comune.it"), Err(EmailError::LocalPart));
        assert_eq!(
            Email::parse(&format!("{}@x.it", "a".repeat(65))),
            Err(EmailError::LocalPart)
        );
        assert_eq!(Email::parse("mario@localhost"), Err(EmailError::Domain));
        assert_eq!(Email::parse("mario@comune..it"), Err(EmailError::Domain));
        assert_eq!(Email::parse("mario@.it"), Err(EmailError::Domain));
        assert_eq!(Email::parse("mario@comune."), Err(EmailError::Domain));
        assert_eq!(
            Email::parse("mario rossi@x.it"),
            Err(EmailError::Whitespace)
        );
        assert_eq!(Email::parse("mario\u{7}@x.it"), Err(EmailError::Whitespace));
        let long = format!("{}@{}.it", "a".repeat(64), "b".repeat(200));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn dates_follow_the_calendar_including_leap_years() {
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2000-02-29").day(), 29);
        assert_eq!(Date::parse("2023-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("1900-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-04-31"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-00-10"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-01-00"), Err(DateError::NoSuchDay));
        assert!(Date::parse("2025-12-31").is_ok());
    }

    #[test]
    fn dates_must_be_written_exactly_yyyy_mm_dd() {
        for raw in [
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "2025-01-01T00:00:00Z",
            " 2025-01-01",
            "+025-01-01",
            "２０２５-01-01",
            "",
        ] {
            assert_eq!(Date::parse(raw), Err(DateError::Format), "{raw:?}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        assert!(date("2024-12-31") < date("2025-01-01"));
        assert!(date("2025-01-31") < date("2025-02-01"));
        assert!(date("2025-02-01") < date("2025-02-02"));
    }

    #[test]
    fn birth_dates_cannot_be_after_today_or_before_1900() {
        let today = date("2026-11-27");
        assert_eq!(Date::parse_birth_date("2026-11-27", today), Ok(today));
        assert_eq!(
            Date::parse_birth_date("2026-11-28", today),
            Err(DateError::InTheFuture)
        );
        assert_eq!(
            Date::parse_birth_date("1899-12-31", today),
            Err(DateError::TooEarly)
        );
        assert!(Date::parse_birth_date("1900-01-01", today).is_ok());
        assert_eq!(
            Date::parse_birth_date("2026-02-30", today),
            Err(DateError::NoSuchDay)
        );
    }

    #[test]
    fn day_numbers_count_from_the_unix_epoch() {
        assert_eq!(date("1970-01-01").days_since_unix_epoch(), 0);
        assert_eq!(date("1969-12-31").days_since_unix_epoch(), -1);
        assert_eq!(date("2000-03-01").days_since_unix_epoch(), 11_017);
        assert_eq!(date("2026-11-27").days_since_unix_epoch(), 20_784);
    }

    #[test]
    fn utc_timestamps_with_and_without_fractions_are_accepted() {
        let plain = Rfc3339Utc::parse("2026-11-27T12:00:00Z").unwrap();
        assert_eq!(plain.unix_seconds(), 1_795_780_800);
        assert_eq!(plain.subsec_nanos(), 0);
        assert_eq!(plain.date(), date("2026-11-27"));
        let fine = Rfc3339Utc::parse("2026-11-27T12:00:00.123Z").unwrap();
        assert_eq!(fine.subsec_nanos(), 123_000_000);
        assert_eq!(fine.as_str(), "2026-11-27T12:00:00.123Z");
        let finest = Rfc3339Utc::parse("1969-12-31T23:59:59.999999999Z").unwrap();
        assert_eq!(
            (finest.unix_seconds(), finest.subsec_nanos()),
            (-1, 999_999_999)
        );
    }

    #[test]
    fn utc_timestamps_order_by_instant_not_by_text() {
        let whole = Rfc3339Utc::parse("2026-11-27T12:00:00Z").unwrap();
        let half = Rfc3339Utc::parse("2026-11-27T12:00:00.5Z").unwrap();
        let same_half = Rfc3339Utc::parse("2026-11-27T12:00:00.500Z").unwrap();
        assert!(half.as_str() < whole.as_str());
        assert!(whole < half);
        assert_eq!(half, same_half);
    }

    #[test]
    fn timestamps_that_are_not_plain_utc_rfc3339_are_refused() {
        use TimestampError::*;
        let cases = [
            ("2026-11-27T12:00:00", Format),
            ("2026-11-27T12:00:00+01:00", Format),
            ("2026-11-27 12:00:00Z", Format),
            ("2026-11-27t12:00:00z", Format),
            ("2026-11-27T12:00Z", Format),
            ("2026-11-27T12:00:00.Z", Format),
            ("2026-11-27T12:00:00.1234567890Z", Format),
            ("2026-11-27T12:00:00,5Z", Format),
            ("2026-11-27T1a:00:00Z", Format),
            ("2026-02-30T12:00:00Z", NoSuchDay),
            ("2026-11-27T24:00:00Z", NoSuchTime),
            ("2026-11-27T12:60:00Z", NoSuchTime),
            ("2026-11-27T12:00:60Z", NoSuchTime),
        ];
        for (raw, expected) in cases {
            assert_eq!(Rfc3339Utc::parse(raw).map(|_| ()), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn values_serialise_as_their_normal_strings() {
        let phone: Phone = serde_json::from_str("\"+39 333 1234567\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"+393331234567\"");
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
        assert_eq!(
            serde_json::to_string(&date("2025-03-04")).unwrap(),
            "\"2025-03-04\""
        );
        assert!(serde_json::from_str::<Rfc3339Utc>("\"2025-03-04T00:00:00+02:00\"").is_err());
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"female\"");
    }

    #[test]
    fn sex_round_trips_through_its_name() {
        for sex in Sex::ALL {
            assert_eq!(sex.as_str().parse::<Sex>(), Ok(sex));
        }
        assert_eq!("F".parse::<Sex>(), Err(UnknownSex));
    }
}
