// The statistics' periods: the presets the console offers (this month, last month, this year) and a custom
// from–to, as the server's days (`YYYY-MM-DD`, inclusive). Pure: "today" is passed in (the desk's civil
// day), so the tests pin it.

export type PeriodPreset = "this_month" | "last_month" | "this_year" | "custom";

export interface Period {
  from: string;
  to: string;
}

/** The server's longest period, both ends included. */
export const MAX_PERIOD_DAYS = 366;

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DD` of a civil date. */
export function isoDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
}

/** Today in the desk's time zone (Europe/Rome), whatever the browser's zone. */
export function deskToday(now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

function parts(day: string): [number, number, number] {
  const [y, m, d] = day.split("-").map(Number);
  return [y, m, d];
}

function lastDayOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The days of a preset, relative to `today`; `custom` keeps `custom`. Periods end today at the latest. */
export function periodOf(preset: PeriodPreset, today: string, custom?: Period): Period {
  const [y, m] = parts(today);
  switch (preset) {
    case "this_month":
      return { from: isoDay(y, m, 1), to: today };
    case "last_month": {
      const [year, month] = m === 1 ? [y - 1, 12] : [y, m - 1];
      return { from: isoDay(year, month, 1), to: isoDay(year, month, lastDayOf(year, month)) };
    }
    case "this_year":
      return { from: isoDay(y, 1, 1), to: today };
    case "custom":
      return custom ?? { from: isoDay(y, m, 1), to: today };
  }
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  const [fy, fm, fd] = parts(from);
  const [ty, tm, td] = parts(to);
  return Math.round((Date.UTC(ty, tm - 1, td) - Date.UTC(fy, fm - 1, fd)) / 86_400_000);
}

export type PeriodProblem = "missing" | "order" | "too_long";

/** What is wrong with a custom period, as the server would refuse it; `undefined` if nothing. */
export function periodProblem(period: Period): PeriodProblem | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(period.from) || !day.test(period.to)) return "missing";
  const span = daysBetween(period.from, period.to);
  if (span < 0) return "order";
  if (span >= MAX_PERIOD_DAYS) return "too_long";
  return undefined;
}

/** Every day from `from` to `to`, inclusive, in order. */
export function daysOf(period: Period): string[] {
  const [y, m, d] = parts(period.from);
  const span = daysBetween(period.from, period.to);
  const days: string[] = [];
  for (let i = 0; i <= span; i++) {
    const date = new Date(Date.UTC(y, m - 1, d + i));
    days.push(isoDay(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()));
  }
  return days;
}
