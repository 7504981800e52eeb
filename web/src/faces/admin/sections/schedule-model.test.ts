import { describe, expect, it } from "vitest";
import { checkForm, fieldOfServerError, formOf, minutes, scheduleOf } from "./schedule-model";

const SCHEDULE = {
  hours: [
    { weekday: 1, opens: "14:00", closes: "16:00" },
    { weekday: 1, opens: "08:30", closes: "12:30" },
    { weekday: 3, opens: "09:00", closes: "24:00" },
  ],
  closed_dates: ["2026-12-25", "2026-12-08"],
};

describe("schedule model", () => {
  it("groups the server's hours by weekday, sorted, and sorts the dates", () => {
    const form = formOf(SCHEDULE);
    expect(form.days[0]).toEqual([
      { opens: "08:30", closes: "12:30" },
      { opens: "14:00", closes: "16:00" },
    ]);
    expect(form.days[1]).toEqual([]);
    expect(form.days[2]).toEqual([{ opens: "09:00", closes: "24:00" }]);
    expect(form.closedDates).toEqual(["2026-12-08", "2026-12-25"]);
  });

  it("sends the form back with the field of every entry", () => {
    const { schedule, hourFields, dateFields } = scheduleOf(formOf(SCHEDULE));
    expect(schedule.hours).toEqual([
      { weekday: 1, opens: "08:30", closes: "12:30" },
      { weekday: 1, opens: "14:00", closes: "16:00" },
      { weekday: 3, opens: "09:00", closes: "24:00" },
    ]);
    expect(hourFields).toEqual(["interval:1:0", "interval:1:1", "interval:3:0"]);
    expect(dateFields).toEqual(["date:0", "date:1"]);
  });

  it("finds the field a server 422 names", () => {
    const { hourFields, dateFields } = scheduleOf(formOf(SCHEDULE));
    expect(fieldOfServerError("hours[1]: closes must be after opens", hourFields, dateFields)).toBe("interval:1:1");
    expect(fieldOfServerError("closed_dates[0] must be a date YYYY-MM-DD", hourFields, dateFields)).toBe("date:0");
    expect(fieldOfServerError("opening intervals overlap on weekday 3", hourFields, dateFields)).toBe("weekday:3");
    expect(fieldOfServerError("at most 70 opening intervals", hourFields, dateFields)).toBeUndefined();
  });

  it("checks times, order, overlaps and dates before asking the server", () => {
    expect(checkForm(formOf(SCHEDULE)).size).toBe(0);
    const form = formOf(SCHEDULE);
    form.days[0][1].closes = "11:00"; // before it opens at 14:00
    form.days[1] = [{ opens: "8:30", closes: "12:00" }]; // not HH:MM
    form.days[4] = [
      { opens: "08:00", closes: "12:00" },
      { opens: "11:00", closes: "13:00" },
    ];
    form.closedDates = ["2026-02-30", "2026-12-25", "2026-12-25"];
    const problems = checkForm(form);
    expect(Object.fromEntries(problems)).toEqual({
      "interval:1:1": "order",
      "interval:2:0": "time",
      "weekday:5": "overlap",
      "date:0": "date",
      "date:2": "duplicate",
    });
  });

  it("reads times, 24:00 only as a close", () => {
    expect(minutes("00:00")).toBe(0);
    expect(minutes("23:59")).toBe(1439);
    expect(minutes("24:00")).toBe(1440);
    expect(minutes("24:01")).toBeUndefined();
    expect(minutes("7:00")).toBeUndefined();
  });
});
