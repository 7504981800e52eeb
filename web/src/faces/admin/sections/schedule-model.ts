// The opening hours as the form edits them (one list of intervals per weekday, closed dates) and as the
// server takes them (`QueueSchedule`, docs/api.md §3.10), and the way back from a `422` that names an entry
// (`hours[2]: closes must be after opens`, `closed_dates[0] …`, `… overlap on weekday 3`) to the field at
// fault. Pure, tested.
import type { QueueSchedule } from "../api-types";

export interface IntervalRow {
  opens: string;
  closes: string;
}

export interface ScheduleForm {
  /** Index 0 is Monday (weekday 1) … 6 is Sunday (weekday 7). */
  days: IntervalRow[][];
  closedDates: string[];
}

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function formOf(schedule: QueueSchedule): ScheduleForm {
  const days: IntervalRow[][] = WEEKDAYS.map(() => []);
  for (const h of schedule.hours) {
    if (h.weekday >= 1 && h.weekday <= 7) days[h.weekday - 1].push({ opens: h.opens, closes: h.closes });
  }
  for (const day of days) day.sort((a, b) => a.opens.localeCompare(b.opens));
  return { days, closedDates: [...schedule.closed_dates].sort() };
}

/** The field a message is about: `interval:<weekday>:<i>`, `weekday:<weekday>`, `date:<i>`. */
export type FieldKey = string;

/** The body to send, and for each entry of `hours` and `closed_dates` the form field it came from. */
export function scheduleOf(form: ScheduleForm): { schedule: QueueSchedule; hourFields: FieldKey[]; dateFields: FieldKey[] } {
  const hours: QueueSchedule["hours"] = [];
  const hourFields: FieldKey[] = [];
  form.days.forEach((intervals, index) =>
    intervals.forEach((row, i) => {
      hours.push({ weekday: index + 1, opens: row.opens.trim(), closes: row.closes.trim() });
      hourFields.push(`interval:${index + 1}:${i}`);
    }),
  );
  const closed_dates = form.closedDates.map(d => d.trim());
  return { schedule: { hours, closed_dates }, hourFields, dateFields: closed_dates.map((_, i) => `date:${i}`) };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function minutes(time: string): number | undefined {
  if (time === "24:00") return 24 * 60;
  if (!TIME.test(time)) return undefined;
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
}

export type LocalProblem = "time" | "order" | "overlap" | "date" | "duplicate";

/** What the form can tell before asking the server (the same rules: HH:MM, closes after opens, no overlap
 *  on a day, real dates, no date twice). Empty when all is well. */
export function checkForm(form: ScheduleForm): Map<FieldKey, LocalProblem> {
  const problems = new Map<FieldKey, LocalProblem>();
  form.days.forEach((intervals, index) => {
    const weekday = index + 1;
    const spans: { from: number; to: number }[] = [];
    intervals.forEach((row, i) => {
      const from = row.opens === "24:00" ? undefined : minutes(row.opens.trim());
      const to = minutes(row.closes.trim());
      if (from === undefined || to === undefined) problems.set(`interval:${weekday}:${i}`, "time");
      else if (from >= to) problems.set(`interval:${weekday}:${i}`, "order");
      else spans.push({ from, to });
    });
    spans.sort((a, b) => a.from - b.from);
    if (spans.some((s, i) => i > 0 && s.from < spans[i - 1].to)) problems.set(`weekday:${weekday}`, "overlap");
  });
  const seen = new Set<string>();
  form.closedDates.forEach((day, i) => {
    if (!isDate(day.trim())) problems.set(`date:${i}`, "date");
    else if (seen.has(day.trim())) problems.set(`date:${i}`, "duplicate");
    seen.add(day.trim());
  });
  return problems;
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** The field a server `422` message names, or undefined when it names none. */
export function fieldOfServerError(message: string, hourFields: readonly FieldKey[], dateFields: readonly FieldKey[]): FieldKey | undefined {
  const hour = /hours\[(\d+)\]/.exec(message);
  if (hour) return hourFields[Number(hour[1])];
  const date = /closed_dates\[(\d+)\]/.exec(message);
  if (date) return dateFields[Number(date[1])];
  const overlap = /overlap on weekday (\d)/.exec(message);
  if (overlap) return `weekday:${overlap[1]}`;
  return undefined;
}
