//! JSON body of `GET /api/v1/admin/case-stats`: aggregate figures of the desk's work, computed on the server
//! from the case documents. No case, no person and no free text is ever in it: keys are months
//! (`2026-11`), need codes, area codes and referral statuses from the catalogue's closed sets.
//!
//! **Small counts are suppressed.** A count from 1 to [`MIN_COUNT`] − 1 is sent as `count: null` with
//! `suppressed: true`, so that no person can be singled out; a zero is shown. Where a table shows a total,
//! a suppressed cell could be recovered by subtracting the others from it: then a second cell (the
//! smallest shown one that is not zero) is suppressed too, and when there is none the total is suppressed
//! instead. The rules, with examples, are in `docs/api.md` ("Case statistics").

use serde::{Deserialize, Serialize};

/// Counts below this (and above zero) are suppressed; durations need at least this many cases.
pub const MIN_COUNT: u32 = 5;

/// One count: `count` is `null` exactly when `suppressed` is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountCell {
    pub count: Option<u32>,
    pub suppressed: bool,
}

impl CountCell {
    pub const SUPPRESSED: CountCell = CountCell {
        count: None,
        suppressed: true,
    };

    pub fn shown(count: u32) -> Self {
        Self {
            count: Some(count),
            suppressed: false,
        }
    }
}

/// One row of a table: a key (a month `YYYY-MM`, a need code, a referral status) and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountRow {
    pub key: String,
    pub count: Option<u32>,
    pub suppressed: bool,
}

impl CountRow {
    pub fn new(key: impl Into<String>, cell: CountCell) -> Self {
        Self {
            key: key.into(),
            count: cell.count,
            suppressed: cell.suppressed,
        }
    }

    pub fn cell(&self) -> CountCell {
        CountCell {
            count: self.count,
            suppressed: self.suppressed,
        }
    }
}

/// A one-way table with its total (the sum of the exact counts, suppressed by the same rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountTable {
    pub rows: Vec<CountRow>,
    pub total: CountCell,
}

/// The referrals to one area, by their status now (`proposed`, `accepted`, `rejected`, `closed`,
/// `cancelled`), with the area's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaReferrals {
    pub area: String,
    pub statuses: Vec<CountRow>,
    pub total: CountCell,
}

/// Days from a referral's creation to its decision (accepted or rejected): nearest-rank median and 90th
/// percentile, one decimal. All three figures are `null` and `suppressed` true under [`MIN_COUNT`]
/// decisions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionTime {
    pub count: Option<u32>,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    pub suppressed: bool,
}

/// `GET /api/v1/admin/case-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStats {
    /// First day, inclusive (`YYYY-MM-DD`, the desk's time zone).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// The smallest count shown (5): smaller ones, but zero, are suppressed.
    pub min_count: u32,
    /// Cases opened in the period, per month (`YYYY-MM`; every month of the period, in order).
    pub intakes: CountTable,
    /// Cases opened in the period with each need (a case counts once per code; a case has several needs,
    /// so the total counts needs, not people).
    pub needs: CountTable,
    /// Referrals made in the period, per area and by their status now.
    pub referrals: Vec<AreaReferrals>,
    /// Referrals decided (accepted or rejected) in the period: days from referral to decision.
    pub decision_time: DecisionTime,
}
