//! The value parsers of `schema` that take text from a form, a document or a URL: phone numbers, e-mail
//! addresses, dates, UTC timestamps, usernames, area and need codes, queue values, ids, document ids and
//! Automerge URLs, peer and storage labels. Every parser sees every input.
//!
//! For any text: no panic, and whatever a parser accepts is in normal form: printed and parsed again it is
//! the same value (the server stores and sends the printed form). A few values have a stronger check: a
//! date or a timestamp prints as exactly the text it came from, and a timestamp's instant agrees with its
//! date and time fields.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use sportello_schema::catalogue::{AreaCode, NeedCode};
use sportello_schema::queue::{DeviceKind, LineCode, TicketNumber, TicketStatus};
use sportello_schema::sync::{AutomergeUrl, DocumentId, PeerId, StorageId};
use sportello_schema::values::{Date, Email, Phone, Rfc3339Utc, Sex};
use sportello_schema::{Role, UserId, Username};

/// Parsing the printed form of an accepted value gives the value back.
macro_rules! round_trip {
    ($raw:expr, $parse:expr) => {
        if let Ok(value) = $parse($raw) {
            let printed = value.to_string();
            assert_eq!(
                $parse(&printed).ok().as_ref(),
                Some(&value),
                "{}",
                stringify!($parse)
            );
        }
    };
}

fuzz_target!(|raw: &str| {
    round_trip!(raw, Phone::parse);
    round_trip!(raw, Email::parse);
    round_trip!(raw, Username::parse);
    round_trip!(raw, AreaCode::parse);
    round_trip!(raw, NeedCode::parse);
    round_trip!(raw, LineCode::parse);
    round_trip!(raw, TicketNumber::parse);
    round_trip!(raw, UserId::from_str);
    round_trip!(raw, Role::from_str);
    round_trip!(raw, DocumentId::parse);
    round_trip!(raw, AutomergeUrl::parse);
    round_trip!(raw, PeerId::parse);
    round_trip!(raw, StorageId::parse);
    let _ = (
        Sex::from_str(raw),
        DeviceKind::parse(raw),
        TicketStatus::parse(raw),
    );

    if let Ok(phone) = Phone::parse(raw) {
        let digits = phone.as_str().strip_prefix('+').unwrap_or(phone.as_str());
        assert!((6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Ok(date) = Date::parse(raw) {
        assert_eq!(date.to_string(), raw, "a date prints as it was written");
        assert_eq!(
            Date::from_ymd(date.year(), date.month(), date.day()),
            Ok(date)
        );
        // Consecutive days are one day apart (checks the day count around the parsed date).
        let days = date.days_since_unix_epoch();
        if let Ok(next) = Date::from_ymd(date.year(), date.month(), date.day() + 1) {
            assert_eq!(next.days_since_unix_epoch(), days + 1);
        }
    }
    if let Ok(at) = Rfc3339Utc::parse(raw) {
        assert_eq!(at.as_str(), raw);
        assert!(at.subsec_nanos() < 1_000_000_000);
        let seconds_of_day = at.unix_seconds() - at.date().days_since_unix_epoch() * 86_400;
        assert!((0..86_400).contains(&seconds_of_day));
        assert_eq!(Date::parse(&raw[..10]), Ok(at.date()));
        assert_eq!(Rfc3339Utc::parse(&at.to_string()).ok(), Some(at));
    }
});
