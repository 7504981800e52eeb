// The statistics as tables: the wire types of `GET /api/v1/queue/stats` and `GET /api/v1/admin/case-stats`
// (docs/api.md; `schema/src/api/queue.rs`, `schema/src/api/case_stats.rs`) and, for each chart, one table
// that is both the chart's accessible alternative and its CSV download. Pure, no DOM.
//
// A table's `csv` is the JSON answer's own values under its own field names (a suppressed count is an empty
// `count` with `suppressed` true), so a download says exactly what the server said; `rows` are the same
// records for the screen, where the section shows a suppressed count as "< 5".

import { toCsv, type CsvValue } from "../ui/csv";

// Wire types --------------------------------------------------------------------------------------------

export interface DurationSummary {
  count: number;
  median_s: number | null;
  p90_s: number | null;
}

export interface LineStats {
  line: string;
  issued: number;
  priority: number;
  done: number;
  no_show: number;
  cancelled: number;
  expired: number;
  transferred_out: number;
  waiting: DurationSummary;
  service: DurationSummary;
}

export interface QueueStats {
  from: string;
  to: string;
  lines: LineStats[];
  hours: { line: string; hour: number; issued: number }[];
  days: { line: string; day: string; issued: number }[];
  waiting_by_hour: { hour: number; waiting: DurationSummary }[];
}

export interface CountRow {
  key: string;
  count: number | null;
  suppressed: boolean;
}

export interface CountCell {
  count: number | null;
  suppressed: boolean;
}

export interface CountTable {
  rows: CountRow[];
  total: CountCell;
}

export interface CaseStats {
  from: string;
  to: string;
  min_count: number;
  intakes: CountTable;
  needs: CountTable;
  referrals: { area: string; statuses: CountRow[]; total: CountCell }[];
  decision_time: { count: number | null; median_days: number | null; p90_days: number | null; suppressed: boolean };
}

// Tables ------------------------------------------------------------------------------------------------

/** A count the screen shows: a number, or suppressed (shown "< 5"). */
export type Shown = number | "suppressed" | null;

export interface StatTable {
  /** Stable id: the chart's anchor and the CSV file's name. */
  id: string;
  /** Column keys (the CSV header); the section labels them in the reader's language. */
  columns: string[];
  /** The records, in the CSV's order and with its values. */
  csv: CsvValue[][];
}

export function csvOf(table: StatTable): string {
  return toCsv(table.columns, table.csv);
}

const countValue = (cell: CountCell): Shown => (cell.suppressed ? "suppressed" : cell.count);

/** Every day of the period × line: tickets issued (the JSON lists days with tickets; others are 0). */
export function ticketsPerDay(stats: QueueStats): StatTable {
  return {
    id: "queue-days",
    columns: ["day", "line", "issued"],
    csv: stats.days.map(d => [d.day, d.line, d.issued]),
  };
}

export function waitingByHour(stats: QueueStats): StatTable {
  return {
    id: "queue-waiting-by-hour",
    columns: ["hour", "count", "median_s", "p90_s"],
    csv: stats.waiting_by_hour.map(h => [h.hour, h.waiting.count, h.waiting.median_s, h.waiting.p90_s]),
  };
}

export function outcomesPerLine(stats: QueueStats): StatTable {
  return {
    id: "queue-lines",
    columns: ["line", "issued", "done", "no_show", "transferred_out"],
    csv: stats.lines.map(l => [l.line, l.issued, l.done, l.no_show, l.transferred_out]),
  };
}

function countTable(id: string, keyColumn: string, table: CountTable): StatTable {
  return {
    id,
    columns: [keyColumn, "count", "suppressed"],
    csv: [
      ...table.rows.map(r => [r.key, r.count, r.suppressed]),
      ["total", table.total.count, table.total.suppressed],
    ],
  };
}

export function intakesPerMonth(stats: CaseStats): StatTable {
  return countTable("cases-intakes", "month", stats.intakes);
}

export function needsByCode(stats: CaseStats): StatTable {
  return countTable("cases-needs", "need", stats.needs);
}

export function referralsByArea(stats: CaseStats): StatTable {
  return {
    id: "cases-referrals",
    columns: ["area", "status", "count", "suppressed"],
    csv: stats.referrals.flatMap(a => [
      ...a.statuses.map(s => [a.area, s.key, s.count, s.suppressed]),
      [a.area, "total", a.total.count, a.total.suppressed],
    ]),
  };
}

export function decisionTime(stats: CaseStats): StatTable {
  const t = stats.decision_time;
  return {
    id: "cases-decision-time",
    columns: ["count", "median_days", "p90_days", "suppressed"],
    csv: [[t.count, t.median_days, t.p90_days, t.suppressed]],
  };
}

// Chart series -------------------------------------------------------------------------------------------

export interface Series {
  key: string;
  values: Shown[];
}

export interface ChartData {
  /** Category keys along the x axis (days, hours, months, codes). */
  categories: string[];
  series: Series[];
}

/** Tickets per day, one series per line (stacked): every day of `days`, 0 where none were issued. */
export function ticketsPerDaySeries(stats: QueueStats, days: string[]): ChartData {
  const lines = stats.lines.map(l => l.line).filter(line => stats.days.some(d => d.line === line));
  return {
    categories: days,
    series: lines.map(line => ({
      key: line,
      values: days.map(day => stats.days.find(d => d.line === line && d.day === day)?.issued ?? 0),
    })),
  };
}

/** Median and p90 waits by hour, in minutes (one decimal); hours without calls have no point. */
export function waitingByHourSeries(stats: QueueStats): ChartData {
  const minutes = (s: number | null): Shown => (s === null ? null : Math.round(s / 6) / 10);
  return {
    categories: stats.waiting_by_hour.map(h => String(h.hour)),
    series: [
      { key: "median", values: stats.waiting_by_hour.map(h => minutes(h.waiting.median_s)) },
      { key: "p90", values: stats.waiting_by_hour.map(h => minutes(h.waiting.p90_s)) },
    ],
  };
}

/** No-shows and transfers per line (grouped). */
export function outcomesSeries(stats: QueueStats): ChartData {
  return {
    categories: stats.lines.map(l => l.line),
    series: [
      { key: "no_show", values: stats.lines.map(l => l.no_show) },
      { key: "transferred_out", values: stats.lines.map(l => l.transferred_out) },
    ],
  };
}

export function countSeries(table: CountTable, key = "count"): ChartData {
  return { categories: table.rows.map(r => r.key), series: [{ key, values: table.rows.map(countValue) }] };
}

/** Referrals: one category per area, one stacked series per status. */
export function referralSeries(stats: CaseStats): ChartData {
  const statuses = stats.referrals[0]?.statuses.map(s => s.key) ?? [];
  return {
    categories: stats.referrals.map(a => a.area),
    series: statuses.map(status => ({
      key: status,
      values: stats.referrals.map(a => {
        const row = a.statuses.find(s => s.key === status);
        return row ? countValue(row) : null;
      }),
    })),
  };
}

/** Whether a table has nothing to show (all zero or empty). */
export function isEmpty(data: ChartData): boolean {
  return data.series.every(s => s.values.every(v => v === 0 || v === null));
}
