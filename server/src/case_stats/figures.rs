//! The arithmetic of the case statistics, pure: from [`CaseFacts`] (what one case contributes, with no
//! personal value in it) to [`CaseStats`], small-count suppression, and the CSV form. No I/O.
//!
//! The rules (also in `docs/api.md`, "Case statistics"):
//!
//! - **Period.** The days `from..=to` in the desk's time zone: an instant counts if it is at or after
//!   local midnight starting `from` and before local midnight ending `to`.
//! - **Intakes** are cases whose `created_at` falls in the period, per local month; every month the period
//!   touches gets a row. **Needs** are the need codes of those cases, each code once per case; the default
//!   catalogue's codes always get a row (in catalogue order), other codes follow in code order.
//! - **Referrals** are those whose `created_at` falls in the period, per area (default areas always, in
//!   catalogue order, then others in code order) and by their status now.
//! - **Decision time** is `decided_at − created_at` of the referrals now `accepted` or `rejected` whose
//!   `decided_at` falls in the period (a closed referral's `decided_at` is the closing, not the decision,
//!   so closed ones are left out); negative spans count as 0. Nearest-rank median and p90, in days with
//!   one decimal.
//! - **Suppression** ([`suppress`]): a count from 1 to [`MIN_COUNT`] − 1 is suppressed. If a table with
//!   a total has any suppressed cell, the smallest shown non-zero cell is suppressed as well (so the
//!   suppressed cells' sum, which the total gives away, always mixes in a count of 5 or more and pins
//!   none of them); if no such cell exists, the total is suppressed instead. A total from 1 to 4 is
//!   suppressed like any count. Durations from fewer than [`MIN_COUNT`] decisions are suppressed.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use sportello_schema::api::case_stats::{
    AreaReferrals, CaseStats, CountCell, CountRow, CountTable, DecisionTime, MIN_COUNT,
};
use sportello_schema::catalogue::{DEFAULT_AREAS, DEFAULT_NEEDS};
use sportello_schema::desk_time::DeskDay;
use sportello_schema::documents::ReferralStatus;

use crate::queue::stats::csv_field;

/// What one case contributes to the statistics: times (Unix seconds) and codes, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFacts {
    /// `created_at`, if it parses.
    pub intake_at: Option<i64>,
    /// Need codes, each once.
    pub needs: BTreeSet<String>,
    pub referrals: Vec<ReferralFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFacts {
    pub area: String,
    pub status: ReferralStatus,
    pub created_at: Option<i64>,
    pub decided_at: Option<i64>,
}

/// The instants `[start, end)` of the days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DeskDay,
    pub to: DeskDay,
    start: i64,
    end: i64,
}

impl Period {
    /// `None` at the ends of the calendar.
    pub fn new(from: DeskDay, to: DeskDay) -> Option<Self> {
        Some(Self {
            from,
            to,
            start: from.start()?.as_second(),
            end: to.end()?.as_second(),
        })
    }

    pub fn start(&self) -> i64 {
        self.start
    }

    fn holds(&self, at: Option<i64>) -> bool {
        at.is_some_and(|at| self.start <= at && at < self.end)
    }
}

/// The figures for `period` over every case in `cases`.
pub fn summarize<'a>(period: &Period, cases: impl IntoIterator<Item = &'a CaseFacts>) -> CaseStats {
    let months = months_of(period);
    let mut intakes: BTreeMap<String, u32> = months.iter().map(|m| (m.clone(), 0)).collect();
    let mut needs: BTreeMap<String, u32> = BTreeMap::new();
    let mut referrals: BTreeMap<String, BTreeMap<&'static str, u32>> = BTreeMap::new();
    let mut decisions: Vec<u64> = Vec::new();

    for case in cases {
        if let Some(at) = case.intake_at
            && period.holds(Some(at))
        {
            bump(intakes.entry(month_of(at)).or_default());
            for code in &case.needs {
                bump(needs.entry(code.clone()).or_default());
            }
        }
        for referral in &case.referrals {
            if period.holds(referral.created_at) {
                bump(
                    referrals
                        .entry(referral.area.clone())
                        .or_default()
                        .entry(referral.status.as_str())
                        .or_default(),
                );
            }
            let decided = matches!(
                referral.status,
                ReferralStatus::Accepted | ReferralStatus::Rejected
            );
            if decided
                && period.holds(referral.decided_at)
                && let (Some(created), Some(decided)) = (referral.created_at, referral.decided_at)
            {
                decisions.push(u64::try_from(decided - created).unwrap_or(0));
            }
        }
    }

    let intake_counts: Vec<(String, u32)> = months
        .into_iter()
        .map(|month| {
            let count = intakes.get(&month).copied().unwrap_or(0);
            (month, count)
        })
        .collect();
    let need_order = ordered(DEFAULT_NEEDS.iter().map(|n| n.code), needs.keys());
    let need_counts: Vec<(String, u32)> = need_order
        .into_iter()
        .map(|code| {
            let count = needs.get(&code).copied().unwrap_or(0);
            (code, count)
        })
        .collect();
    let area_order = ordered(DEFAULT_AREAS.iter().map(|a| a.code), referrals.keys());
    let referrals = area_order
        .into_iter()
        .map(|area| {
            let by_status = referrals.get(&area);
            let counts: Vec<(String, u32)> = ReferralStatus::ALL
                .iter()
                .map(|status| {
                    let count = by_status
                        .and_then(|b| b.get(status.as_str()))
                        .copied()
                        .unwrap_or(0);
                    (status.as_str().to_owned(), count)
                })
                .collect();
            let table = table_of(counts);
            AreaReferrals {
                area,
                statuses: table.rows,
                total: table.total,
            }
        })
        .collect();

    CaseStats {
        from: period.from.to_string(),
        to: period.to.to_string(),
        min_count: MIN_COUNT,
        intakes: table_of(intake_counts),
        needs: table_of(need_counts),
        referrals,
        decision_time: decision_time(decisions),
    }
}

fn bump(count: &mut u32) {
    *count = count.saturating_add(1);
}

/// `YYYY-MM` of the desk's local date at `at`.
fn month_of(at: i64) -> String {
    let date = DeskDay::of_unix(at).date();
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Every month from `from`'s to `to`'s, in order.
fn months_of(period: &Period) -> Vec<String> {
    let (from, to) = (period.from.date(), period.to.date());
    let (mut year, mut month) = (i32::from(from.year()), i32::from(from.month()));
    let last = (i32::from(to.year()), i32::from(to.month()));
    let mut months = Vec::new();
    while (year, month) <= last {
        months.push(format!("{year:04}-{month:02}"));
        month += 1;
        if month > 12 {
            (year, month) = (year + 1, 1);
        }
    }
    months
}

/// The catalogue's codes in its order, then the other codes seen, in code order.
fn ordered<'a>(
    defaults: impl Iterator<Item = &'static str>,
    seen: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut order: Vec<String> = defaults.map(str::to_owned).collect();
    let mut extra: Vec<String> = seen.filter(|code| !order.contains(code)).cloned().collect();
    extra.sort();
    order.append(&mut extra);
    order
}

fn table_of(counts: Vec<(String, u32)>) -> CountTable {
    let exact: Vec<u32> = counts.iter().map(|(_, count)| *count).collect();
    let (cells, total) = suppress(&exact);
    CountTable {
        rows: counts
            .into_iter()
            .zip(cells)
            .map(|((key, _), cell)| CountRow::new(key, cell))
            .collect(),
        total,
    }
}

/// Suppresses a table of exact counts and its total (see the module's rules).
pub fn suppress(counts: &[u32]) -> (Vec<CountCell>, CountCell) {
    let small = |count: u32| (1..MIN_COUNT).contains(&count);
    let mut hidden: Vec<bool> = counts.iter().map(|&count| small(count)).collect();
    let total: u32 = counts.iter().fold(0, |sum, &c| sum.saturating_add(c));
    let mut total_hidden = small(total);
    if !total_hidden && hidden.iter().any(|&h| h) {
        let secondary = counts
            .iter()
            .enumerate()
            .filter(|&(i, &count)| !hidden[i] && count > 0)
            .min_by_key(|&(i, &count)| (count, i))
            .map(|(i, _)| i);
        match secondary {
            Some(i) => hidden[i] = true,
            None => total_hidden = true,
        }
    }
    let cell = |count: u32, hide: bool| {
        if hide {
            CountCell::SUPPRESSED
        } else {
            CountCell::shown(count)
        }
    };
    (
        counts
            .iter()
            .zip(hidden)
            .map(|(&count, hide)| cell(count, hide))
            .collect(),
        cell(total, total_hidden),
    )
}

/// Nearest-rank median and p90 of the decision spans, in days, or suppressed under [`MIN_COUNT`].
fn decision_time(mut spans: Vec<u64>) -> DecisionTime {
    let count = u32::try_from(spans.len()).unwrap_or(u32::MAX);
    if count == 0 {
        return DecisionTime {
            count: Some(0),
            median_days: None,
            p90_days: None,
            suppressed: false,
        };
    }
    if count < MIN_COUNT {
        return DecisionTime {
            count: None,
            median_days: None,
            p90_days: None,
            suppressed: true,
        };
    }
    spans.sort_unstable();
    let rank = |p: f64| {
        // ⌈p × n⌉, 1-based; n ≥ 5 here.
        let rank = (p * spans.len() as f64).ceil() as usize;
        spans[rank.clamp(1, spans.len()) - 1]
    };
    let days = |seconds: u64| (seconds as f64 / 8_640.0).round() / 10.0;
    DecisionTime {
        count: Some(count),
        median_days: Some(days(rank(0.5))),
        p90_days: Some(days(rank(0.9))),
        suppressed: false,
    }
}

/// RFC 4180 CSV of the same figures: `table,group,key,count,suppressed`, one record per cell — `intakes`
/// (key: month), `needs` (key: code), `referrals` (group: area, key: status), each table's total with key
/// `total`, then `decision_time` with keys `count`, `median_days`, `p90_days`. A suppressed cell has an
/// empty `count` and `true`; every other row `false`.
pub fn to_csv(stats: &CaseStats) -> String {
    let mut out = String::from("table,group,key,count,suppressed\r\n");
    let mut record = |table: &str, group: &str, key: &str, value: Option<String>, hidden: bool| {
        let cells: [Cow<'_, str>; 5] = [
            table.into(),
            csv_field(group),
            csv_field(key),
            value.unwrap_or_default().into(),
            if hidden { "true" } else { "false" }.into(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    let mut table = |name: &str, group: &str, table: &[CountRow], total: CountCell| {
        for row in table {
            record(
                name,
                group,
                &row.key,
                row.count.map(|c| c.to_string()),
                row.suppressed,
            );
        }
        record(
            name,
            group,
            "total",
            total.count.map(|c| c.to_string()),
            total.suppressed,
        );
    };
    table("intakes", "", &stats.intakes.rows, stats.intakes.total);
    table("needs", "", &stats.needs.rows, stats.needs.total);
    for area in &stats.referrals {
        table("referrals", &area.area, &area.statuses, area.total);
    }
    let time = stats.decision_time;
    record(
        "decision_time",
        "",
        "count",
        time.count.map(|c| c.to_string()),
        time.suppressed,
    );
    record(
        "decision_time",
        "",
        "median_days",
        time.median_days.map(|d| d.to_string()),
        time.suppressed,
    );
    record(
        "decision_time",
        "",
        "p90_days",
        time.p90_days.map(|d| d.to_string()),
        time.suppressed,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOWN: fn(u32) -> CountCell = CountCell::shown;
    const HIDDEN: CountCell = CountCell::SUPPRESSED;

    fn day(raw: &str) -> DeskDay {
        DeskDay::parse(raw).unwrap()
    }

    fn period(from: &str, to: &str) -> Period {
        Period::new(day(from), day(to)).unwrap()
    }

    /// Unix seconds of an RFC 3339 instant.
    fn at(raw: &str) -> i64 {
        raw.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    fn case(created: &str, needs: &[&str]) -> CaseFacts {
        CaseFacts {
            intake_at: Some(at(created)),
            needs: needs.iter().map(|n| (*n).to_owned()).collect(),
            referrals: Vec::new(),
        }
    }

    fn referral(
        area: &str,
        status: ReferralStatus,
        created: &str,
        decided: Option<&str>,
    ) -> ReferralFacts {
        ReferralFacts {
            area: area.to_owned(),
            status,
            created_at: Some(at(created)),
            decided_at: decided.map(at),
        }
    }

    #[test]
    fn suppression_table() {
        let cases: &[(&[u32], &[CountCell], CountCell)] = &[
            // Nothing small: all shown.
            (&[5, 9, 0], &[SHOWN(5), SHOWN(9), SHOWN(0)], SHOWN(14)),
            // One small cell: it and the smallest other non-zero one go, the total stays.
            (
                &[3, 9, 6, 0],
                &[HIDDEN, SHOWN(9), HIDDEN, SHOWN(0)],
                SHOWN(18),
            ),
            // Two small cells: still one more, so their sum never pins them.
            (
                &[1, 1, 20, 7],
                &[HIDDEN, HIDDEN, SHOWN(20), HIDDEN],
                SHOWN(29),
            ),
            // A small cell and only zeros beside it: the total (also small) goes.
            (&[4, 0, 0], &[HIDDEN, SHOWN(0), SHOWN(0)], HIDDEN),
            // Small cells adding up to 5 or more with nothing else to hide: the total goes.
            (&[3, 4, 0], &[HIDDEN, HIDDEN, SHOWN(0)], HIDDEN),
            // Ties: the first of the smallest.
            (&[2, 8, 8], &[HIDDEN, HIDDEN, SHOWN(8)], SHOWN(18)),
            // Zeros are never hidden; an empty table is all zeros.
            (&[0, 0], &[SHOWN(0), SHOWN(0)], SHOWN(0)),
            (&[], &[], SHOWN(0)),
        ];
        for (counts, cells, total) in cases {
            assert_eq!(suppress(counts), (cells.to_vec(), *total), "{counts:?}");
        }
    }

    #[test]
    fn no_suppressed_cell_can_be_recovered_from_the_total() {
        // Exhaustive over small tables: whenever the total is shown and cells are hidden, at least two are
        // hidden and at least one of them is 5 or more, so their known sum fits several fillings.
        for a in 0..8u32 {
            for b in 0..8u32 {
                for c in 0..8u32 {
                    let counts = [a, b, c];
                    let (cells, total) = suppress(&counts);
                    let hidden: Vec<u32> = counts
                        .iter()
                        .zip(&cells)
                        .filter(|(_, cell)| cell.suppressed)
                        .map(|(&count, _)| count)
                        .collect();
                    for (count, cell) in counts.iter().zip(&cells) {
                        assert!(cell.suppressed || !(1..5).contains(count));
                    }
                    if !total.suppressed && !hidden.is_empty() {
                        assert!(hidden.len() >= 2, "{counts:?}");
                        assert!(hidden.iter().any(|&h| h >= 5), "{counts:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn intakes_fall_in_the_local_month_and_the_period() {
        let cases = vec![
            // 23:30 UTC on 31 October is 00:30 on 1 November in Rome.
            case("2026-10-31T23:30:00Z", &["economic"]),
            case("2026-11-15T10:00:00Z", &["economic", "housing"]),
            // Before the period (local 31 Oct) and after it.
            case("2026-10-31T10:00:00Z", &["economic"]),
            case("2026-12-01T10:00:00Z", &["economic"]),
        ];
        let mut cases = cases;
        for _ in 0..5 {
            cases.push(case("2026-11-20T09:00:00Z", &["economic", "economic"]));
        }

        let stats = summarize(&period("2026-11-01", "2026-11-30"), &cases);

        assert_eq!(stats.from, "2026-11-01");
        assert_eq!(stats.intakes.rows, vec![CountRow::new("2026-11", SHOWN(7))]);
        assert_eq!(stats.intakes.total, SHOWN(7));
        let need = |code: &str| {
            stats
                .needs
                .rows
                .iter()
                .find(|r| r.key == code)
                .unwrap()
                .cell()
        };
        // One housing need is hidden, and with it the smallest other count (economic, 7); the total stays.
        assert_eq!(need("housing"), HIDDEN);
        assert_eq!(need("economic"), HIDDEN);
        assert_eq!(stats.needs.total, SHOWN(8));
        assert_eq!(need("legal"), SHOWN(0));
        assert_eq!(stats.needs.rows.len(), DEFAULT_NEEDS.len());
    }

    #[test]
    fn every_month_of_the_period_has_a_row_in_order() {
        let stats = summarize(&period("2025-11-20", "2026-02-03"), &[]);
        let keys: Vec<&str> = stats.intakes.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["2025-11", "2025-12", "2026-01", "2026-02"]);
    }

    #[test]
    fn referrals_by_area_and_status_and_decision_time() {
        use ReferralStatus::*;
        let mut case = case("2026-11-02T09:00:00Z", &[]);
        // Five accepted after 1, 2, 3, 4 and 10 days, one rejected after half a day.
        for (i, days) in [1, 2, 3, 4, 10].iter().enumerate() {
            let created = at("2026-11-02T09:00:00Z") + i as i64;
            case.referrals.push(ReferralFacts {
                area: "housing".into(),
                status: Accepted,
                created_at: Some(created),
                decided_at: Some(created + days * 86_400),
            });
        }
        case.referrals.push(referral(
            "housing",
            Rejected,
            "2026-11-03T09:00:00Z",
            Some("2026-11-03T21:00:00Z"),
        ));
        // A closed one: neither a decision time nor (made in October) a count.
        case.referrals.push(referral(
            "elderly",
            Closed,
            "2026-10-20T09:00:00Z",
            Some("2026-11-05T09:00:00Z"),
        ));
        case.referrals
            .push(referral("elderly", Proposed, "2026-11-05T09:00:00Z", None));
        // An area the defaults do not name comes last.
        case.referrals
            .push(referral("zz_new", Proposed, "2026-11-05T09:00:00Z", None));

        let stats = summarize(&period("2026-11-01", "2026-11-30"), [&case]);

        let housing = &stats
            .referrals
            .iter()
            .find(|a| a.area == "housing")
            .unwrap();
        let cells: Vec<CountCell> = housing.statuses.iter().map(CountRow::cell).collect();
        // proposed, accepted, rejected, closed, cancelled: 1 rejected is hidden, and with it the 5.
        assert_eq!(cells, [SHOWN(0), HIDDEN, HIDDEN, SHOWN(0), SHOWN(0)]);
        assert_eq!(housing.total, SHOWN(6));
        let elderly = &stats
            .referrals
            .iter()
            .find(|a| a.area == "elderly")
            .unwrap();
        assert_eq!(elderly.total, HIDDEN);
        assert_eq!(stats.referrals.last().unwrap().area, "zz_new");
        // Spans 0.5, 1, 2, 3, 4, 10 days (n = 6): median rank 3 → 2, p90 rank ⌈5.4⌉ = 6 → 10.
        assert_eq!(
            stats.decision_time,
            DecisionTime {
                count: Some(6),
                median_days: Some(2.0),
                p90_days: Some(10.0),
                suppressed: false,
            }
        );
    }

    #[test]
    fn fewer_than_five_decisions_are_suppressed() {
        let mut case = case("2026-11-02T09:00:00Z", &[]);
        for _ in 0..4 {
            case.referrals.push(referral(
                "elderly",
                ReferralStatus::Accepted,
                "2026-11-02T09:00:00Z",
                Some("2026-11-04T09:00:00Z"),
            ));
        }
        let stats = summarize(&period("2026-11-01", "2026-11-30"), [&case]);
        assert_eq!(
            stats.decision_time,
            DecisionTime {
                count: None,
                median_days: None,
                p90_days: None,
                suppressed: true
            }
        );
    }

    #[test]
    fn csv_has_one_record_per_cell_with_the_same_values() {
        let mut cases: Vec<CaseFacts> = (0..6)
            .map(|_| case("2026-11-10T09:00:00Z", &["economic"]))
            .collect();
        cases.push(case("2026-11-11T09:00:00Z", &["language"]));
        let stats = summarize(&period("2026-11-01", "2026-11-30"), &cases);

        let csv = to_csv(&stats);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "table,group,key,count,suppressed");
        assert_eq!(lines[1], "intakes,,2026-11,7,false");
        assert_eq!(lines[2], "intakes,,total,7,false");
        assert!(lines.contains(&"needs,,economic,,true"));
        assert!(lines.contains(&"needs,,language,,true"));
        assert!(lines.contains(&"needs,,total,7,false"));
        assert!(lines.contains(&"referrals,housing,accepted,0,false"));
        assert!(lines.contains(&"decision_time,,count,0,false"));
        assert!(lines.contains(&"decision_time,,median_days,,false"));
        let records = 2 + (DEFAULT_NEEDS.len() + 1) + DEFAULT_AREAS.len() * 6 + 3;
        assert_eq!(lines.len(), 1 + records + 1);
        assert_eq!(lines.last(), Some(&""));
    }
}
