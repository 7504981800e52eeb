//! The desk's calendar: which civil day a moment belongs to, when that day ends, and whether the desk is
//! open. Days are civil days in Europe/Rome (tickets count from 001 each morning, whatever UTC says): the
//! zone and the day are `sportello_schema::desk_time` (shared with the totem), read here in Unix seconds.
//!
//! Opening hours are intervals per ISO weekday in local minutes; with no interval at all the desk is always
//! open, so a first run just works. Closed dates apply either way.

use std::collections::BTreeSet;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use sportello_schema::api::queue::{OpeningInterval, QueueSchedule};
use sportello_schema::desk_time::{DeskDay, desk_time_zone};

#[derive(Debug, Clone)]
pub struct DeskCalendar {
    tz: TimeZone,
}

impl DeskCalendar {
    pub fn europe_rome() -> Self {
        Self {
            tz: desk_time_zone(),
        }
    }

    fn zoned(&self, unix: i64) -> Zoned {
        Timestamp::from_second(unix)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.tz.clone())
    }

    /// The civil day of `unix` (`2026-11-27`).
    pub fn day_of(&self, unix: i64) -> String {
        DeskDay::of_unix(unix).to_string()
    }

    /// The first second of the day after `day` (local midnight), as Unix seconds.
    pub fn day_end(&self, day: &str) -> Option<i64> {
        Some(DeskDay::parse(day).ok()?.end()?.as_second())
    }

    /// The first second of `day`, as Unix seconds.
    pub fn day_start(&self, day: &str) -> Option<i64> {
        Some(DeskDay::parse(day).ok()?.start()?.as_second())
    }

    /// The local hour (0–23) of `unix`.
    pub fn local_hour(&self, unix: i64) -> u8 {
        self.zoned(unix).hour().clamp(0, 23) as u8
    }

    /// `27/11/2026 09:41`, as printed on a ticket.
    pub fn printable(&self, unix: i64) -> String {
        self.zoned(unix).strftime("%d/%m/%Y %H:%M").to_string()
    }

    /// Whether the totem issues tickets at `unix` under `schedule`.
    pub fn is_open(&self, unix: i64, schedule: &Schedule) -> bool {
        let zoned = self.zoned(unix);
        if schedule.closed_dates.contains(&zoned.date().to_string()) {
            return false;
        }
        if schedule.hours.is_empty() {
            return true;
        }
        let weekday = zoned.weekday().to_monday_one_offset() as u8;
        let minute = zoned.hour() as u16 * 60 + zoned.minute() as u16;
        schedule.hours.iter().any(|interval| {
            interval.weekday == weekday && interval.opens <= minute && minute < interval.closes
        })
    }

    /// The first moment after `unix` at which an opening interval starts (with no hours at all: the next
    /// day that is not a closed date), looking at most [`LOOKAHEAD_DAYS`] ahead. For a desk closed now.
    pub fn next_opening(&self, unix: i64, schedule: &Schedule) -> Option<i64> {
        let today = self.zoned(unix).date();
        for offset in 0..=LOOKAHEAD_DAYS {
            let date = today.checked_add(jiff::Span::new().days(offset)).ok()?;
            if schedule.closed_dates.contains(&date.to_string()) {
                continue;
            }
            let weekday = date.weekday().to_monday_one_offset() as u8;
            let opens: Vec<u16> = if schedule.hours.is_empty() {
                vec![0]
            } else {
                // Sorted by weekday, then opening time.
                schedule
                    .hours
                    .iter()
                    .filter(|interval| interval.weekday == weekday)
                    .map(|interval| interval.opens)
                    .collect()
            };
            for minute in opens {
                let at = date
                    .at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
                    .to_zoned(self.tz.clone())
                    .ok()?
                    .timestamp()
                    .as_second();
                if at > unix {
                    return Some(at);
                }
            }
        }
        None
    }
}

/// How far [`DeskCalendar::next_opening`] looks: a year and a few days (closed dates are at most 1,000).
const LOOKAHEAD_DAYS: i64 = 370;

/// One opening interval, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub weekday: u8,
    pub opens: u16,
    pub closes: u16,
}

/// A checked schedule: intervals sorted and not overlapping, closed dates real dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub hours: Vec<Interval>,
    pub closed_dates: BTreeSet<String>,
}

/// At most this many opening intervals and closed dates: a few per weekday and a few years of holidays.
const MAX_INTERVALS: usize = 70;
const MAX_CLOSED_DATES: usize = 1_000;

impl Schedule {
    /// Checks an admin's schedule; the error says which entry is wrong.
    pub fn parse(input: &QueueSchedule) -> Result<Self, String> {
        if input.hours.len() > MAX_INTERVALS {
            return Err(format!("at most {MAX_INTERVALS} opening intervals"));
        }
        if input.closed_dates.len() > MAX_CLOSED_DATES {
            return Err(format!("at most {MAX_CLOSED_DATES} closed dates"));
        }
        let mut hours = Vec::with_capacity(input.hours.len());
        for (index, interval) in input.hours.iter().enumerate() {
            let context = |what: &str| format!("hours[{index}]: {what}");
            if !(1..=7).contains(&interval.weekday) {
                return Err(context("weekday is 1 (Monday) to 7 (Sunday)"));
            }
            let opens = parse_minutes(&interval.opens, false)
                .ok_or_else(|| context("opens must be HH:MM"))?;
            let closes = parse_minutes(&interval.closes, true)
                .ok_or_else(|| context("closes must be HH:MM (24:00 allowed)"))?;
            if opens >= closes {
                return Err(context("closes must be after opens"));
            }
            hours.push(Interval {
                weekday: interval.weekday,
                opens,
                closes,
            });
        }
        hours.sort();
        if let Some(pair) = hours
            .windows(2)
            .find(|pair| pair[0].weekday == pair[1].weekday && pair[1].opens < pair[0].closes)
        {
            return Err(format!(
                "opening intervals overlap on weekday {}",
                pair[0].weekday
            ));
        }
        let mut closed_dates = BTreeSet::new();
        for (index, day) in input.closed_dates.iter().enumerate() {
            let date = DeskDay::parse(day)
                .map_err(|_| format!("closed_dates[{index}] must be a date YYYY-MM-DD"))?;
            closed_dates.insert(date.to_string());
        }
        Ok(Self {
            hours,
            closed_dates,
        })
    }

    /// The schedule as the API shows it.
    pub fn to_api(&self) -> QueueSchedule {
        QueueSchedule {
            hours: self
                .hours
                .iter()
                .map(|interval| OpeningInterval {
                    weekday: interval.weekday,
                    opens: format_minutes(interval.opens),
                    closes: format_minutes(interval.closes),
                })
                .collect(),
            closed_dates: self.closed_dates.iter().cloned().collect(),
        }
    }
}

/// `HH:MM` → minutes after midnight; `24:00` only where it closes the day.
fn parse_minutes(raw: &str, allow_end_of_day: bool) -> Option<u16> {
    if allow_end_of_day && raw == "24:00" {
        return Some(1440);
    }
    if raw.len() != 5 {
        return None;
    }
    let time: Time = Time::strptime("%H:%M", raw).ok()?;
    Some(time.hour() as u16 * 60 + time.minute() as u16)
}

fn format_minutes(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_second()
    }

    fn schedule(hours: &[(u8, &str, &str)], closed: &[&str]) -> Result<Schedule, String> {
        Schedule::parse(&QueueSchedule {
            hours: hours
                .iter()
                .map(|(weekday, opens, closes)| OpeningInterval {
                    weekday: *weekday,
                    opens: (*opens).into(),
                    closes: (*closes).into(),
                })
                .collect(),
            closed_dates: closed.iter().map(|day| (*day).into()).collect(),
        })
    }

    #[test]
    fn the_day_is_the_civil_day_in_rome_not_in_utc() {
        let calendar = DeskCalendar::europe_rome();
        // 23:30 UTC on 27 November is already 00:30 on the 28th in Rome (UTC+1 in winter).
        assert_eq!(calendar.day_of(unix("2026-11-27T23:30:00Z")), "2026-11-28");
        assert_eq!(calendar.day_of(unix("2026-11-27T22:59:59Z")), "2026-11-27");
        // In summer Rome is UTC+2.
        assert_eq!(calendar.day_of(unix("2026-07-01T22:00:00Z")), "2026-07-02");
        assert_eq!(
            calendar.day_end("2026-11-27"),
            Some(unix("2026-11-27T23:00:00Z"))
        );
        assert_eq!(
            calendar.day_start("2026-07-02"),
            Some(unix("2026-07-01T22:00:00Z"))
        );
        assert_eq!(calendar.local_hour(unix("2026-11-27T08:41:00Z")), 9);
        assert_eq!(
            calendar.printable(unix("2026-11-27T08:41:00Z")),
            "27/11/2026 09:41"
        );
    }

    #[test]
    fn without_hours_the_desk_is_always_open_except_on_closed_dates() {
        let calendar = DeskCalendar::europe_rome();
        let always = Schedule::default();
        assert!(calendar.is_open(unix("2026-11-29T03:00:00Z"), &always));
        let closed = schedule(&[], &["2026-12-25"]).unwrap();
        assert!(!calendar.is_open(unix("2026-12-25T10:00:00Z"), &closed));
        assert!(calendar.is_open(unix("2026-12-24T10:00:00Z"), &closed));
    }

    #[test]
    fn opening_hours_are_read_in_local_time() {
        let calendar = DeskCalendar::europe_rome();
        // Friday 27 November 2026: open 08:30–12:30 and 14:00–16:00 local.
        let hours = schedule(&[(5, "08:30", "12:30"), (5, "14:00", "16:00")], &[]).unwrap();
        let at = |utc: &str| calendar.is_open(unix(utc), &hours);
        assert!(!at("2026-11-27T07:29:00Z"), "08:29 local");
        assert!(at("2026-11-27T07:30:00Z"), "08:30 local");
        assert!(!at("2026-11-27T11:30:00Z"), "12:30 local: closed");
        assert!(at("2026-11-27T14:59:00Z"), "15:59 local");
        assert!(!at("2026-11-26T09:00:00Z"), "Thursday: no hours");
    }

    #[test]
    fn bad_schedules_are_refused_with_the_entry_named() {
        assert!(
            schedule(&[(0, "08:00", "09:00")], &[])
                .unwrap_err()
                .contains("hours[0]")
        );
        assert!(schedule(&[(1, "8:00", "09:00")], &[]).is_err());
        assert!(schedule(&[(1, "10:00", "09:00")], &[]).is_err());
        assert!(schedule(&[(1, "25:00", "26:00")], &[]).is_err());
        assert!(
            schedule(&[(1, "08:00", "12:00"), (1, "11:00", "13:00")], &[])
                .unwrap_err()
                .contains("overlap")
        );
        assert!(
            schedule(&[], &["2026-02-30"])
                .unwrap_err()
                .contains("closed_dates[0]")
        );
        let whole_day = schedule(&[(7, "00:00", "24:00")], &[]).unwrap();
        assert_eq!(whole_day.to_api().hours[0].closes, "24:00");
    }
    #[test]
    fn the_next_opening_is_the_next_interval_skipping_closed_dates_and_days_without_hours() {
        let calendar = DeskCalendar::europe_rome();
        // Monday to Friday 9–12:30, Tuesday afternoon 15–17; Friday 27 November 2026 is a closed date.
        let week = schedule(
            &[
                (1, "09:00", "12:30"),
                (2, "09:00", "12:30"),
                (2, "15:00", "17:00"),
                (3, "09:00", "12:30"),
                (4, "09:00", "12:30"),
                (5, "09:00", "12:30"),
            ],
            &["2026-11-27"],
        )
        .unwrap();
        let next = |at: &str| calendar.next_opening(unix(at), &week);
        // Tuesday 24 November, 13:00 in Rome: this afternoon at 15:00.
        assert_eq!(
            next("2026-11-24T12:00:00Z"),
            Some(unix("2026-11-24T14:00:00Z"))
        );
        // Tuesday 7:00 in Rome: this morning at 9:00.
        assert_eq!(
            next("2026-11-24T06:00:00Z"),
            Some(unix("2026-11-24T08:00:00Z"))
        );
        // Thursday 26, 18:00: Friday is closed, the weekend has no hours: Monday 30 at 9:00.
        assert_eq!(
            next("2026-11-26T17:00:00Z"),
            Some(unix("2026-11-30T08:00:00Z"))
        );
        // No hours at all (always open) but today a closed date: tomorrow at midnight.
        let holidays = schedule(&[], &["2026-11-27"]).unwrap();
        assert_eq!(
            calendar.next_opening(unix("2026-11-27T10:00:00Z"), &holidays),
            Some(unix("2026-11-27T23:00:00Z"))
        );
        // Summer time: Monday 6 July 2026, 9:00 in Rome is 7:00 UTC.
        assert_eq!(
            next("2026-07-05T12:00:00Z"),
            Some(unix("2026-07-06T07:00:00Z"))
        );
    }
}
