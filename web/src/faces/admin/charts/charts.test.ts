import { describe, expect, it } from "vitest";
import { layoutBars, layoutLines, niceScale, HEIGHT, MARGIN } from "./chart-layout";
import { csvCell as csvField, toCsv } from "../ui/csv";
import { daysBetween, daysOf, deskToday, periodOf, periodProblem } from "./period";
import { STATS_MESSAGES } from "./messages";
import {
  csvOf,
  decisionTime,
  intakesPerMonth,
  needsByCode,
  referralSeries,
  referralsByArea,
  ticketsPerDay,
  ticketsPerDaySeries,
  waitingByHourSeries,
  type CaseStats,
  type QueueStats,
} from "./stat-tables";

const summary = (count: number, median_s: number | null, p90_s: number | null) => ({ count, median_s, p90_s });
const line = (code: string, issued: number, no_show = 0, transferred_out = 0) => ({
  line: code, issued, priority: 0, done: 0, no_show, cancelled: 0, expired: 0, transferred_out,
  waiting: summary(0, null, null), service: summary(0, null, null),
});

const queue: QueueStats = {
  from: "2026-11-23",
  to: "2026-11-25",
  lines: [line("A", 3, 1, 1), line("M", 1), line("Z", 0)],
  hours: [],
  days: [
    { line: "A", day: "2026-11-23", issued: 2 },
    { line: "A", day: "2026-11-25", issued: 1 },
    { line: "M", day: "2026-11-25", issued: 1 },
  ],
  waiting_by_hour: [
    { hour: 9, waiting: summary(3, 120, 600) },
    { hour: 10, waiting: summary(0, null, null) },
    { hour: 11, waiting: summary(1, 90, 90) },
  ],
};

const cell = (count: number | null) => ({ count, suppressed: count === null });
const row = (key: string, count: number | null) => ({ key, ...cell(count) });

const cases: CaseStats = {
  from: "2026-11-01",
  to: "2026-11-30",
  min_count: 5,
  intakes: { rows: [row("2026-11", 9)], total: cell(9) },
  needs: { rows: [row("economic", 9), row("housing", null), row("legal", null), row("language", 5)], total: cell(23) },
  referrals: [
    { area: "elderly", statuses: [row("proposed", 6), row("accepted", 0)], total: cell(6) },
    { area: "housing", statuses: [row("proposed", null), row("accepted", null)], total: cell(7) },
  ],
  decision_time: { count: null, median_days: null, p90_days: null, suppressed: true },
};

describe("periods", () => {
  it("presets count from the desk's today", () => {
    expect(periodOf("this_month", "2026-11-25")).toEqual({ from: "2026-11-01", to: "2026-11-25" });
    expect(periodOf("last_month", "2026-11-25")).toEqual({ from: "2026-10-01", to: "2026-10-31" });
    expect(periodOf("last_month", "2026-01-10")).toEqual({ from: "2025-12-01", to: "2025-12-31" });
    expect(periodOf("last_month", "2028-03-02")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(periodOf("this_year", "2026-11-25")).toEqual({ from: "2026-01-01", to: "2026-11-25" });
    expect(periodOf("custom", "2026-11-25", { from: "2026-02-01", to: "2026-02-03" })).toEqual({ from: "2026-02-01", to: "2026-02-03" });
  });

  it("a custom period is checked as the server checks it", () => {
    expect(periodProblem({ from: "", to: "2026-11-01" })).toBe("missing");
    expect(periodProblem({ from: "2026-11-02", to: "2026-11-01" })).toBe("order");
    // 366 days, both ends included, is the longest.
    expect(periodProblem({ from: "2025-11-30", to: "2026-11-30" })).toBeUndefined();
    expect(periodProblem({ from: "2025-11-29", to: "2026-11-30" })).toBe("too_long");
    expect(daysBetween("2026-03-28", "2026-03-30")).toBe(2);
  });

  it("lists every day, across months and the clock change", () => {
    expect(daysOf({ from: "2026-10-30", to: "2026-11-02" })).toEqual(["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]);
  });

  it("today is Rome's day, not the browser's", () => {
    // 23:30 UTC on 30 November is already 1 December in Rome.
    expect(deskToday(new Date("2026-11-30T23:30:00Z"))).toBe("2026-12-01");
  });
});

describe("csv", () => {
  it("quotes and defuses text, writes numbers and blanks as they are", () => {
    expect(csvField("Migranti, Intercultura")).toBe('"Migranti, Intercultura"');
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField('a "b"')).toBe('"a ""b"""');
    expect(toCsv(["k", "count", "suppressed"], [["-x", -3, false], ["y", null, true]])).toBe("k,count,suppressed\r\n'-x,-3,false\r\ny,,true\r\n");
  });
});

describe("tables hold the JSON's own values", () => {
  it("case tables, totals and suppressed cells", () => {
    expect(csvOf(needsByCode(cases))).toBe(
      "need,count,suppressed\r\neconomic,9,false\r\nhousing,,true\r\nlegal,,true\r\nlanguage,5,false\r\ntotal,23,false\r\n",
    );
    expect(csvOf(intakesPerMonth(cases))).toBe("month,count,suppressed\r\n2026-11,9,false\r\ntotal,9,false\r\n");
    expect(referralsByArea(cases).csv).toContainEqual(["housing", "proposed", null, true]);
    expect(referralsByArea(cases).csv).toContainEqual(["elderly", "total", 6, false]);
    expect(csvOf(decisionTime(cases))).toBe("count,median_days,p90_days,suppressed\r\n,,,true\r\n");
  });

  it("queue tables", () => {
    expect(csvOf(ticketsPerDay(queue))).toBe("day,line,issued\r\n2026-11-23,A,2\r\n2026-11-25,A,1\r\n2026-11-25,M,1\r\n");
  });
});

describe("chart series", () => {
  it("tickets per day: a series per line with tickets, zero on empty days", () => {
    const data = ticketsPerDaySeries(queue, daysOf(queue));
    expect(data.categories).toEqual(["2026-11-23", "2026-11-24", "2026-11-25"]);
    expect(data.series).toEqual([
      { key: "A", values: [2, 0, 1] },
      { key: "M", values: [0, 0, 1] },
    ]);
  });

  it("waits in minutes, no point where nobody was called", () => {
    expect(waitingByHourSeries(queue).series).toEqual([
      { key: "median", values: [2, null, 1.5] },
      { key: "p90", values: [10, null, 1.5] },
    ]);
  });

  it("referrals stack statuses per area, suppressed kept as such", () => {
    expect(referralSeries(cases).series[0]).toEqual({ key: "proposed", values: [6, "suppressed"] });
  });
});

describe("layout", () => {
  it("a round scale", () => {
    expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 1] });
    expect(niceScale(9).top).toBe(10);
    expect(niceScale(23)).toEqual({ top: 30, ticks: [0, 10, 20, 30] });
    expect(niceScale(4)).toEqual({ top: 4, ticks: [0, 1, 2, 3, 4] });
    expect(niceScale(1)).toEqual({ top: 1, ticks: [0, 0.5, 1] });
    expect(niceScale(1, true)).toEqual({ top: 1, ticks: [0, 1] });
  });

  it("stacked bars: one rect per non-zero value, stacked to the total", () => {
    const layout = layoutBars(ticketsPerDaySeries(queue, daysOf(queue)), true);
    expect(layout.bars.map(b => `${b.series}@${b.category}=${b.value}`)).toEqual([
      "A@2026-11-23=2",
      "A@2026-11-25=1",
      "M@2026-11-25=1",
    ]);
    const [, a, m] = layout.bars;
    expect(m.y + m.height).toBeCloseTo(a.y);
    expect(a.y + a.height).toBeCloseTo(HEIGHT - MARGIN.bottom);
    // Both bars of the 25th share x and width.
    expect(m.x).toBe(a.x);
  });

  it("a lone category keeps a narrow bar, centred", () => {
    const layout = layoutBars({ categories: ["2026-11"], series: [{ key: "count", values: [7] }] }, false);
    expect(layout.bars[0].width).toBe(64);
    expect(layout.bars[0].x + 32).toBeCloseTo(layout.labels[0].x);
  });

  it("suppressed values draw a marker, not a bar", () => {
    const layout = layoutBars({ categories: ["economic", "housing"], series: [{ key: "count", values: [9, "suppressed"] }] }, false);
    expect(layout.bars).toHaveLength(1);
    expect(layout.markers).toEqual([expect.objectContaining({ category: "housing" })]);
  });

  it("grouped bars sit side by side", () => {
    const layout = layoutBars({ categories: ["A"], series: [{ key: "x", values: [2] }, { key: "y", values: [4] }] }, false);
    expect(layout.bars[1].x).toBeCloseTo(layout.bars[0].x + layout.bars[0].width);
    expect(layout.bars[1].height).toBeCloseTo(2 * layout.bars[0].height);
  });

  it("lines: a point per value, broken where a value is missing", () => {
    const layout = layoutLines(waitingByHourSeries(queue));
    expect(layout.points).toHaveLength(4);
    // Each series has two points with a gap between them: no polyline joins them.
    expect(layout.paths).toHaveLength(0);
  });

  it("thins the axis labels of a long period", () => {
    const days = daysOf({ from: "2026-01-01", to: "2026-12-31" });
    const layout = layoutBars({ categories: days, series: [{ key: "A", values: days.map(() => 1) }] }, true);
    expect(layout.labels.length).toBeLessThanOrEqual(13);
    expect(layout.bars).toHaveLength(365);
  });
});

describe("messages", () => {
  it("English has every Italian key, none empty", () => {
    expect(Object.keys(STATS_MESSAGES.en).sort()).toEqual(Object.keys(STATS_MESSAGES.it).sort());
    for (const text of Object.values(STATS_MESSAGES.en)) expect(text.length).toBeGreaterThan(0);
  });
});
