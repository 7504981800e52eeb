//! Queue statistics: pure computation from ticket facts to [`QueueStats`] and its CSV form. No I/O — the
//! storage layer selects the tickets of the period and builds one [`TicketFacts`] each; the route serialises.
//!
//! The rules (also in `docs/queue.md`):
//!
//! - **Rows.** Every configured line gets a row, in display order, even with no tickets. A line that appears
//!   only in the tickets (deleted or inactive since) is appended after them, in code order.
//! - **Issuing figures** are counted on the line a ticket was *issued* on: `issued` (every ticket),
//!   `priority` (priority tickets), `transferred_out` (tickets transferred at least once whose final line
//!   differs from the line they were issued on — a ticket moved away and back is not counted).
//! - **Outcomes** `done`, `no_show`, `cancelled` and `expired` are counted on the ticket's *final* line.
//!   Tickets still `waiting`, `called` or `serving` count in `issued` only.
//! - **Waiting time** is first call − issue, for every ticket that was called, on the line it was issued on
//!   (a later transfer does not move the wait it already had).
//! - **Service time** is finish − start, for `done` tickets that have both times, on the final line.
//! - **Clock skew.** A negative duration (an offline totem's clock ahead of the server's) counts as 0 s.
//! - **Median and p90** use the nearest-rank method: sort the n durations ascending and take the value at
//!   1-based rank ⌈p × n⌉ (p = 0.5 and 0.9). The answer is always a duration that actually occurred, never
//!   an interpolation; for 60, 120, 300, 600, 900 s the median is 300 s (rank 3) and p90 900 s (rank 5).
//!   An empty set has count 0 and no median or p90.
//! - **Hours.** One entry per (issue line, local hour of issue) with at least one ticket, ordered like the
//!   line rows, then by hour.
//! - **Days.** One entry per (issue line, local day of issue) with at least one ticket, ordered like the
//!   line rows, then by day.
//! - **Waiting by hour.** For each local hour of issue with at least one ticket, every line together: the
//!   waits (as above) of the tickets issued in that hour; `count` 0 when none was called yet.
//! - **CSV** ([`to_csv`]): RFC 4180, comma-separated, CRLF after every record, a header row; first one row
//!   per line with `hour` empty, then one row per hour entry with only `line`, `hour` and `issued` filled.
//!   An absent median or p90 is an empty cell. Text cells go through a quoting helper that also defuses
//!   spreadsheet formulas (a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` in front, as OWASP advises).
//!
//! Counters saturate at `u32::MAX` rather than wrap.

use std::borrow::Cow;
use std::collections::BTreeMap;

use sportello_schema::api::queue::{
    DayStats, DurationSummary, HourStats, HourWaiting, LineStats, QueueStats,
};
use sportello_schema::queue::{LineCode, TicketStatus};

/// One ticket as the statistics need it (the storage layer builds these; times are Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    /// The line the ticket was issued on.
    pub issued_line: LineCode,
    /// The line it is on now (differs after a transfer).
    pub line: LineCode,
    pub priority: bool,
    pub status: TicketStatus,
    pub issued_at: i64,
    /// Local hour (0–23, Europe/Rome) of issued_at, computed by the caller.
    pub issued_local_hour: u8,
    /// Local day (`YYYY-MM-DD`) of issued_at, computed by the caller.
    pub issued_day: String,
    pub first_called_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub transfers: u32,
}

/// Summarises tickets of the days from..=to (the caller has already selected them; from/to are echoed).
/// `lines` lists the configured line codes in display order: every one gets a row even with no tickets;
/// a line that appears only in `facts` (deleted/inactive) is appended after them in code order.
///
/// A code listed twice in `lines` gets one row, at its first place.
pub fn summarize(from: &str, to: &str, lines: &[LineCode], facts: &[TicketFacts]) -> QueueStats {
    let mut tallies: BTreeMap<LineCode, LineTally> = BTreeMap::new();
    let mut hours: BTreeMap<(LineCode, u8), u32> = BTreeMap::new();
    let mut days: BTreeMap<(LineCode, String), u32> = BTreeMap::new();
    let mut hour_waits: BTreeMap<u8, Vec<u64>> = BTreeMap::new();

    for fact in facts {
        let issued_on = tallies.entry(fact.issued_line).or_default();
        bump(&mut issued_on.issued);
        if fact.priority {
            bump(&mut issued_on.priority);
        }
        if fact.transfers > 0 && fact.line != fact.issued_line {
            bump(&mut issued_on.transferred_out);
        }
        let waits_of_hour = hour_waits.entry(fact.issued_local_hour).or_default();
        if let Some(called_at) = fact.first_called_at {
            issued_on.waits.push(duration(fact.issued_at, called_at));
            waits_of_hour.push(duration(fact.issued_at, called_at));
        }
        bump(
            days.entry((fact.issued_line, fact.issued_day.clone()))
                .or_default(),
        );
        bump(
            hours
                .entry((fact.issued_line, fact.issued_local_hour))
                .or_default(),
        );

        let now_on = tallies.entry(fact.line).or_default();
        match fact.status {
            TicketStatus::Done => {
                bump(&mut now_on.done);
                if let (Some(started_at), Some(finished_at)) = (fact.started_at, fact.finished_at) {
                    now_on.services.push(duration(started_at, finished_at));
                }
            }
            TicketStatus::NoShow => bump(&mut now_on.no_show),
            TicketStatus::Cancelled => bump(&mut now_on.cancelled),
            TicketStatus::Expired => bump(&mut now_on.expired),
            TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving => {}
        }
    }

    let order = line_order(lines, &tallies);
    let hours = order
        .iter()
        .flat_map(|&line| {
            hours
                .range((line, u8::MIN)..=(line, u8::MAX))
                .map(|(&(line, hour), &issued)| HourStats { line, hour, issued })
        })
        .collect();
    let days = order
        .iter()
        .flat_map(|&line| {
            days.iter()
                .filter(move |((day_line, _), _)| *day_line == line)
                .map(|((line, day), &issued)| DayStats {
                    line: *line,
                    day: day.clone(),
                    issued,
                })
        })
        .collect();
    let waiting_by_hour = hour_waits
        .into_iter()
        .map(|(hour, waits)| HourWaiting {
            hour,
            waiting: summarize_durations(waits),
        })
        .collect();
    let lines = order
        .into_iter()
        .map(|line| tallies.remove(&line).unwrap_or_default().into_stats(line))
        .collect();

    QueueStats {
        from: from.to_owned(),
        to: to.to_owned(),
        lines,
        hours,
        days,
        waiting_by_hour,
    }
}

/// RFC 4180 CSV (comma-separated, CRLF line ends, header row) of the same figures, for spreadsheets.
pub fn to_csv(stats: &QueueStats) -> String {
    const HEADER: &str = "line,hour,issued,priority,done,no_show,cancelled,expired,transferred_out,\
                          waiting_count,waiting_median_s,waiting_p90_s,\
                          service_count,service_median_s,service_p90_s";
    const HOUR_ROW_BLANKS: usize = 12;

    let mut out = String::new();
    push_record(&mut out, [Cow::Borrowed(HEADER)]);
    for row in &stats.lines {
        push_record(
            &mut out,
            [
                csv_field(&row.line.to_string()).into_owned().into(),
                Cow::Borrowed(""),
                row.issued.to_string().into(),
                row.priority.to_string().into(),
                row.done.to_string().into(),
                row.no_show.to_string().into(),
                row.cancelled.to_string().into(),
                row.expired.to_string().into(),
                row.transferred_out.to_string().into(),
            ]
            .into_iter()
            .chain(summary_cells(&row.waiting))
            .chain(summary_cells(&row.service)),
        );
    }
    for row in &stats.hours {
        push_record(
            &mut out,
            [
                csv_field(&row.line.to_string()).into_owned().into(),
                row.hour.to_string().into(),
                row.issued.to_string().into(),
            ]
            .into_iter()
            .chain(std::iter::repeat_n(Cow::Borrowed(""), HOUR_ROW_BLANKS)),
        );
    }
    out
}

/// What one line accumulates while the tickets are read.
#[derive(Debug, Default)]
struct LineTally {
    issued: u32,
    priority: u32,
    done: u32,
    no_show: u32,
    cancelled: u32,
    expired: u32,
    transferred_out: u32,
    waits: Vec<u64>,
    services: Vec<u64>,
}

impl LineTally {
    fn into_stats(self, line: LineCode) -> LineStats {
        LineStats {
            line,
            issued: self.issued,
            priority: self.priority,
            done: self.done,
            no_show: self.no_show,
            cancelled: self.cancelled,
            expired: self.expired,
            transferred_out: self.transferred_out,
            waiting: summarize_durations(self.waits),
            service: summarize_durations(self.services),
        }
    }
}

/// Configured lines first (display order, first occurrence wins), then the others seen in the tickets in
/// code order (`tallies` is a `BTreeMap`, so its keys already are).
fn line_order(configured: &[LineCode], tallies: &BTreeMap<LineCode, LineTally>) -> Vec<LineCode> {
    let mut order: Vec<LineCode> = Vec::with_capacity(configured.len() + tallies.len());
    for &line in configured.iter().chain(tallies.keys()) {
        if !order.contains(&line) {
            order.push(line);
        }
    }
    order
}

fn bump(counter: &mut u32) {
    *counter = counter.saturating_add(1);
}

/// Seconds from `start` to `end`; 0 when `end` comes first (clock skew).
fn duration(start: i64, end: i64) -> u64 {
    u64::try_from(end.saturating_sub(start)).unwrap_or(0)
}

fn summarize_durations(mut durations: Vec<u64>) -> DurationSummary {
    durations.sort_unstable();
    DurationSummary {
        count: u32::try_from(durations.len()).unwrap_or(u32::MAX),
        median_s: nearest_rank(&durations, 1, 2),
        p90_s: nearest_rank(&durations, 9, 10),
    }
}

/// The `numerator/denominator` percentile of ascending `sorted` by the nearest-rank method: the value at
/// 1-based rank ⌈p × n⌉, computed in integers. `None` for an empty slice.
fn nearest_rank(sorted: &[u64], numerator: usize, denominator: usize) -> Option<u64> {
    let rank = sorted.len().saturating_mul(numerator).div_ceil(denominator);
    sorted.get(rank.checked_sub(1)?).copied()
}

fn summary_cells(summary: &DurationSummary) -> [Cow<'static, str>; 3] {
    let optional = |value: Option<u64>| value.map_or(Cow::Borrowed(""), |v| v.to_string().into());
    [
        summary.count.to_string().into(),
        optional(summary.median_s),
        optional(summary.p90_s),
    ]
}

/// Appends one record: cells joined by commas, ended by CRLF. Cells must already be escaped.
fn push_record<'a>(out: &mut String, cells: impl IntoIterator<Item = Cow<'a, str>>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell);
    }
    out.push_str("\r\n");
}

/// One text cell, safe for RFC 4180 and for spreadsheets. A value starting with `=`, `+`, `-`, `@`, tab or
/// CR would be read as a formula (CSV injection, OWASP), so it gets a leading `'`; then a value containing a
/// comma, a double quote, CR or LF is wrapped in double quotes with inner quotes doubled. Numbers are
/// written as they are, not through here (a negative number would gain a `'`).
pub fn csv_field(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = text.contains([',', '"', '\r', '\n']);
    if !formula && !quote {
        return Cow::Borrowed(text);
    }
    let mut cell = String::with_capacity(text.len() + 3);
    if quote {
        cell.push('"');
    }
    if formula {
        cell.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            cell.push('"');
        }
        cell.push(c);
    }
    if quote {
        cell.push('"');
    }
    Cow::Owned(cell)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Some Monday at 00:00 UTC; only differences between times matter here.
    const BASE: i64 = 1_795_000_000;

    fn code(raw: &str) -> LineCode {
        LineCode::parse(raw).unwrap()
    }

    fn codes(raw: &[&str]) -> Vec<LineCode> {
        raw.iter().map(|raw| code(raw)).collect()
    }

    /// A ticket issued on `line` at `hour` that never moved and was never called.
    fn ticket(line: &str, hour: u8, status: TicketStatus) -> TicketFacts {
        TicketFacts {
            issued_line: code(line),
            line: code(line),
            priority: false,
            status,
            issued_at: BASE + i64::from(hour) * 3600,
            issued_local_hour: hour,
            issued_day: "2026-11-23".to_owned(),
            first_called_at: None,
            started_at: None,
            finished_at: None,
            transfers: 0,
        }
    }

    impl TicketFacts {
        fn priority(mut self) -> Self {
            self.priority = true;
            self
        }

        /// First called `wait_s` after issue.
        fn waited(mut self, wait_s: i64) -> Self {
            self.first_called_at = Some(self.issued_at + wait_s);
            self
        }

        /// Started 10 s after the first call (or issue), finished `service_s` later.
        fn served(mut self, service_s: i64) -> Self {
            let started = self.first_called_at.unwrap_or(self.issued_at) + 10;
            self.started_at = Some(started);
            self.finished_at = Some(started + service_s);
            self
        }

        fn moved_to(mut self, line: &str, transfers: u32) -> Self {
            self.line = code(line);
            self.transfers = transfers;
            self
        }
    }

    fn summary(count: u32, median_s: Option<u64>, p90_s: Option<u64>) -> DurationSummary {
        DurationSummary {
            count,
            median_s,
            p90_s,
        }
    }

    const NONE: DurationSummary = DurationSummary {
        count: 0,
        median_s: None,
        p90_s: None,
    };

    fn empty_row(line: &str) -> LineStats {
        LineStats {
            line: code(line),
            issued: 0,
            priority: 0,
            done: 0,
            no_show: 0,
            cancelled: 0,
            expired: 0,
            transferred_out: 0,
            waiting: NONE,
            service: NONE,
        }
    }

    fn hour(line: &str, hour: u8, issued: u32) -> HourStats {
        HourStats {
            line: code(line),
            hour,
            issued,
        }
    }

    fn row<'a>(stats: &'a QueueStats, line: &str) -> &'a LineStats {
        stats
            .lines
            .iter()
            .find(|row| row.line == code(line))
            .unwrap()
    }

    /// Eleven tickets over lines A and M.
    fn scenario() -> Vec<TicketFacts> {
        use TicketStatus::*;
        vec![
            // Line A: waits 60, 120, 300, 600, 900; services 300, 600, 120, 60.
            ticket("A", 9, Done).waited(60).served(300),
            ticket("A", 9, Done).priority().waited(120).served(600),
            ticket("A", 9, Done).waited(300).served(120),
            ticket("A", 10, NoShow).waited(600),
            ticket("A", 10, Cancelled),
            ticket("A", 11, Expired).priority(),
            ticket("A", 10, Done).waited(900).served(60),
            // Line M: waits 30, 90, 45; one service of 240 (the other done ticket has no start time).
            ticket("M", 9, Done).waited(30).served(240),
            ticket("M", 14, Serving).waited(90),
            ticket("M", 14, Waiting).priority(),
            TicketFacts {
                finished_at: Some(BASE + 15 * 3600 + 300),
                ..ticket("M", 15, Done).waited(45)
            },
        ]
    }

    #[test]
    fn scenario_counts_outcomes_and_exact_median_and_p90_per_line() {
        let stats = summarize("2026-11-23", "2026-11-27", &codes(&["A", "M"]), &scenario());

        assert_eq!(stats.from, "2026-11-23");
        assert_eq!(stats.to, "2026-11-27");
        assert_eq!(
            stats.lines,
            vec![
                LineStats {
                    line: code("A"),
                    issued: 7,
                    priority: 2,
                    done: 4,
                    no_show: 1,
                    cancelled: 1,
                    expired: 1,
                    transferred_out: 0,
                    // Sorted 60, 120, 300, 600, 900 (n = 5): median rank ⌈2.5⌉ = 3 → 300,
                    // p90 rank ⌈4.5⌉ = 5 → 900.
                    waiting: summary(5, Some(300), Some(900)),
                    // Sorted 60, 120, 300, 600 (n = 4): median rank ⌈2⌉ = 2 → 120, p90 rank ⌈3.6⌉ = 4 → 600.
                    service: summary(4, Some(120), Some(600)),
                },
                LineStats {
                    line: code("M"),
                    issued: 4,
                    priority: 1,
                    done: 2,
                    no_show: 0,
                    cancelled: 0,
                    expired: 0,
                    transferred_out: 0,
                    // Sorted 30, 45, 90 (n = 3): median rank ⌈1.5⌉ = 2 → 45, p90 rank ⌈2.7⌉ = 3 → 90.
                    waiting: summary(3, Some(45), Some(90)),
                    // Only one done ticket has both times: 240 is median and p90.
                    service: summary(1, Some(240), Some(240)),
                },
            ]
        );
        assert_eq!(
            stats.hours,
            vec![
                hour("A", 9, 3),
                hour("A", 10, 3),
                hour("A", 11, 1),
                hour("M", 9, 1),
                hour("M", 14, 2),
                hour("M", 15, 1),
            ]
        );
    }

    #[test]
    fn days_count_per_issue_line_and_waits_per_hour_join_every_line() {
        use TicketStatus::*;
        let on = |day: &str, fact: TicketFacts| TicketFacts {
            issued_day: day.to_owned(),
            ..fact
        };
        let facts = vec![
            on("2026-11-24", ticket("A", 9, Done).waited(60)),
            on("2026-11-23", ticket("A", 9, Done).waited(300)),
            on("2026-11-23", ticket("M", 9, NoShow).waited(120)),
            // Issued on M, moved to A: its day stays M's.
            on("2026-11-23", ticket("M", 10, Waiting).moved_to("A", 1)),
            on("2026-11-23", ticket("A", 10, Waiting)),
        ];

        let stats = summarize("2026-11-23", "2026-11-24", &codes(&["M", "A"]), &facts);

        let day = |line: &str, day: &str, issued: u32| DayStats {
            line: code(line),
            day: day.to_owned(),
            issued,
        };
        assert_eq!(
            stats.days,
            vec![
                day("M", "2026-11-23", 2),
                day("A", "2026-11-23", 2),
                day("A", "2026-11-24", 1),
            ]
        );
        assert_eq!(
            stats.waiting_by_hour,
            vec![
                // 60, 120, 300 over both lines: median 120, p90 300.
                HourWaiting {
                    hour: 9,
                    waiting: summary(3, Some(120), Some(300)),
                },
                HourWaiting {
                    hour: 10,
                    waiting: NONE,
                },
            ]
        );
    }

    #[test]
    fn nearest_rank_picks_observed_values() {
        // 60, 120, …, 600 (n = 10): median rank ⌈5⌉ = 5 → 300, p90 rank ⌈9⌉ = 9 → 540.
        let ten: Vec<u64> = (1..=10).map(|i| i * 60).collect();
        assert_eq!(summarize_durations(ten), summary(10, Some(300), Some(540)));
        // 100, 200 (n = 2): median rank ⌈1⌉ = 1 → 100 (the lower one, no averaging), p90 rank ⌈1.8⌉ = 2 → 200.
        assert_eq!(
            summarize_durations(vec![200, 100]),
            summary(2, Some(100), Some(200))
        );
        assert_eq!(
            summarize_durations(vec![42]),
            summary(1, Some(42), Some(42))
        );
        assert_eq!(summarize_durations(Vec::new()), NONE);
    }

    #[test]
    fn transfer_counts_issue_and_wait_on_the_first_line_and_outcome_on_the_final_one() {
        use TicketStatus::*;
        let facts = vec![
            // Called at A after 120 s, sent to M, served there for 600 s.
            ticket("A", 9, Done)
                .waited(120)
                .moved_to("M", 1)
                .served(600),
            // Sent to M and back to A: not transferred out; its no-show is A's.
            ticket("A", 10, NoShow).waited(60).moved_to("A", 2),
            // Sent to M, still waiting there: issued and transferred out on A, nothing on M.
            ticket("A", 10, Waiting).moved_to("M", 1),
        ];

        let stats = summarize("2026-11-27", "2026-11-27", &codes(&["A", "M"]), &facts);

        assert_eq!(
            row(&stats, "A"),
            &LineStats {
                issued: 3,
                no_show: 1,
                transferred_out: 2,
                // 60, 120 (n = 2): median rank 1 → 60, p90 rank ⌈1.8⌉ = 2 → 120.
                waiting: summary(2, Some(60), Some(120)),
                ..empty_row("A")
            }
        );
        assert_eq!(
            row(&stats, "M"),
            &LineStats {
                done: 1,
                service: summary(1, Some(600), Some(600)),
                ..empty_row("M")
            }
        );
        assert_eq!(stats.hours, vec![hour("A", 9, 1), hour("A", 10, 2)]);
    }

    #[test]
    fn empty_input_gives_a_zero_row_for_every_configured_line() {
        let stats = summarize("2026-11-01", "2026-11-30", &codes(&["M", "A"]), &[]);

        assert_eq!(
            stats,
            QueueStats {
                from: "2026-11-01".to_owned(),
                to: "2026-11-30".to_owned(),
                lines: vec![empty_row("M"), empty_row("A")],
                hours: vec![],
                days: vec![],
                waiting_by_hour: vec![],
            }
        );
    }

    #[test]
    fn lines_seen_only_in_tickets_follow_the_configured_ones_in_code_order() {
        use TicketStatus::*;
        let facts = vec![
            ticket("C", 8, Done),
            ticket("A", 12, Cancelled),
            ticket("B", 9, Expired),
            ticket("A", 9, Waiting),
            // Moved to a line that is gone since: it still gets a row.
            ticket("M", 9, Waiting).moved_to("X", 1),
        ];

        let stats = summarize(
            "2026-11-27",
            "2026-11-27",
            &codes(&["M", "Z", "A", "M"]),
            &facts,
        );

        let order: Vec<String> = stats.lines.iter().map(|r| r.line.to_string()).collect();
        assert_eq!(order, ["M", "Z", "A", "B", "C", "X"]);
        assert_eq!(row(&stats, "Z"), &empty_row("Z"));
        assert_eq!(row(&stats, "X"), &empty_row("X"));
        assert_eq!(
            stats.hours,
            vec![
                hour("M", 9, 1),
                hour("A", 9, 1),
                hour("A", 12, 1),
                hour("B", 9, 1),
                hour("C", 8, 1),
            ]
        );
    }

    #[test]
    fn negative_durations_from_clock_skew_count_as_zero() {
        use TicketStatus::*;
        let skewed = TicketFacts {
            // Called 60 s "before" it was issued; finished 10 s "before" it started.
            first_called_at: Some(BASE - 60),
            started_at: Some(BASE + 100),
            finished_at: Some(BASE + 90),
            issued_at: BASE,
            ..ticket("A", 9, Done)
        };
        let facts = vec![skewed, ticket("A", 9, Done).waited(120).served(30)];

        let stats = summarize("2026-11-27", "2026-11-27", &codes(&["A"]), &facts);

        // Waits 0, 120 and services 0, 30 (n = 2): median rank 1, p90 rank 2.
        assert_eq!(stats.lines[0].waiting, summary(2, Some(0), Some(120)));
        assert_eq!(stats.lines[0].service, summary(2, Some(0), Some(30)));
    }

    #[test]
    fn csv_of_a_small_case_is_exact() {
        use TicketStatus::*;
        let facts = vec![
            ticket("A", 9, Done).waited(60).served(300),
            ticket("A", 10, Cancelled).priority(),
        ];
        let stats = summarize("2026-11-27", "2026-11-27", &codes(&["A", "M"]), &facts);

        let expected = "line,hour,issued,priority,done,no_show,cancelled,expired,transferred_out,\
                        waiting_count,waiting_median_s,waiting_p90_s,service_count,service_median_s,service_p90_s\r\n\
                        A,,2,1,1,0,1,0,0,1,60,60,1,300,300\r\n\
                        M,,0,0,0,0,0,0,0,0,,,0,,\r\n\
                        A,9,1,,,,,,,,,,,,\r\n\
                        A,10,1,,,,,,,,,,,,\r\n";
        assert_eq!(to_csv(&stats), expected);
    }

    #[test]
    fn every_csv_record_has_as_many_cells_as_the_header() {
        let stats = summarize("2026-11-27", "2026-11-27", &codes(&["A", "M"]), &scenario());
        let csv = to_csv(&stats);

        let records: Vec<&str> = csv.strip_suffix("\r\n").unwrap().split("\r\n").collect();
        assert_eq!(records.len(), 1 + 2 + 6);
        assert!(records.iter().all(|record| record.split(',').count() == 15));
    }

    #[test]
    fn csv_field_leaves_plain_text_alone() {
        assert_eq!(csv_field("A"), "A");
        assert_eq!(csv_field("Accoglienza 2"), "Accoglienza 2");
        assert_eq!(csv_field(""), "");
        assert!(matches!(csv_field("A"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_field_quotes_separators_quotes_and_line_breaks() {
        assert_eq!(
            csv_field("Migranti, Intercultura"),
            "\"Migranti, Intercultura\""
        );
        assert_eq!(csv_field("lo \"sportello\""), "\"lo \"\"sportello\"\"\"");
        assert_eq!(csv_field("due\r\nrighe"), "\"due\r\nrighe\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn csv_field_defuses_leading_formula_characters() {
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("+39 06 1234"), "'+39 06 1234");
        assert_eq!(csv_field("-3"), "'-3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tx"), "'\tx");
        // Not at the start: harmless.
        assert_eq!(csv_field("a=b-c"), "a=b-c");
        // Both: the quote wraps the defused value.
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
    }

    fn arb_facts() -> impl Strategy<Value = Vec<TicketFacts>> {
        let line = prop::sample::select(vec!["A", "B", "M"]);
        let status = prop::sample::select(TicketStatus::ALL.to_vec());
        let time = prop::option::of(BASE - 1_000..BASE + 10_000);
        let fact = (
            line.clone(),
            line,
            any::<bool>(),
            status,
            0u8..24,
            (time.clone(), time.clone(), time),
            0u32..3,
        )
            .prop_map(
                |(
                    issued_line,
                    line,
                    priority,
                    status,
                    hour,
                    (called, started, finished),
                    transfers,
                )| {
                    TicketFacts {
                        line: code(line),
                        priority,
                        first_called_at: called,
                        started_at: started,
                        finished_at: finished,
                        transfers,
                        ..ticket(issued_line, hour, status)
                    }
                },
            );
        prop::collection::vec(fact, 0..40)
    }

    proptest! {
        #[test]
        fn summaries_account_for_every_ticket_once(facts in arb_facts()) {
            let stats = summarize("d", "d", &codes(&["M", "A"]), &facts);

            let total = |f: fn(&LineStats) -> u32| stats.lines.iter().map(f).sum::<u32>();
            let n = u32::try_from(facts.len()).unwrap();
            prop_assert_eq!(total(|r| r.issued), n);
            prop_assert_eq!(stats.hours.iter().map(|h| h.issued).sum::<u32>(), n);
            let finished = facts.iter().filter(|f| matches!(
                f.status,
                TicketStatus::Done | TicketStatus::NoShow | TicketStatus::Cancelled | TicketStatus::Expired
            )).count();
            prop_assert_eq!(
                total(|r| r.done + r.no_show + r.cancelled + r.expired),
                u32::try_from(finished).unwrap()
            );
            let called = facts.iter().filter(|f| f.first_called_at.is_some()).count();
            prop_assert_eq!(total(|r| r.waiting.count), u32::try_from(called).unwrap());
        }

        #[test]
        fn median_and_p90_are_observed_and_ordered(mut durations in prop::collection::vec(0u64..5_000, 0..50)) {
            let summary = summarize_durations(durations.clone());
            durations.sort_unstable();
            match (summary.median_s, summary.p90_s) {
                (None, None) => prop_assert!(durations.is_empty()),
                (Some(median), Some(p90)) => {
                    prop_assert!(durations.contains(&median) && durations.contains(&p90));
                    prop_assert!(median <= p90);
                    // At least half the values are ≤ the median, at least 90 % ≤ p90.
                    let at_most = |v: u64| durations.iter().filter(|&&d| d <= v).count();
                    prop_assert!(2 * at_most(median) >= durations.len());
                    prop_assert!(10 * at_most(p90) >= 9 * durations.len());
                }
                other => prop_assert!(false, "median and p90 disagree on emptiness: {:?}", other),
            }
        }
    }
}
