import { describe, expect, it } from "vitest";
import type { QueueEvent } from "../../data/queue";
import {
  announcementFor,
  Announcer,
  deskNumber,
  MAX_AGE_MS,
  MAX_PENDING,
  phrase,
  spokenNumber,
  type Announcement,
} from "./announcements";

const NOW = Date.parse("2026-12-05T09:00:00Z");

function call(seq: number, number: string, desk = "Sportello 2", kind = "ticket.call", at = new Date(NOW - 1000).toISOString()): QueueEvent {
  return {
    seq,
    kind,
    at,
    day: "2026-12-05",
    ticket: { id: `id-${number}`, number, line: number[0], priority: false, status: "called", issued_at: at, desk },
  };
}

/** A `speak` that records what it was given and finishes when told to (or at once). */
function recorder(manual = false) {
  const said: string[] = [];
  const finishers: (() => void)[] = [];
  let active = 0;
  let overlapped = false;
  const speak = (announcement: Announcement) => {
    active += 1;
    if (active > 1) overlapped = true;
    said.push(announcement.utterances.map(u => u.text).join(" | "));
    return new Promise<void>(resolve => {
      const finish = () => {
        active -= 1;
        resolve();
      };
      if (manual) finishers.push(finish);
      else queueMicrotask(finish);
    });
  };
  return { said, speak, finishers, overlapped: () => overlapped };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe("phrasing", () => {
  it.each([
    ["A007", "A 7"],
    ["A500", "A 500"],
    ["M010", "M 10"],
    ["Z999", "Z 999"],
    ["odd", "odd"],
  ])("says %s as %s", (number, spoken) => expect(spokenNumber(number)).toBe(spoken));

  it("reads the desk number out of the usual desk name", () => {
    expect(deskNumber("Sportello 2")).toBe(2);
    expect(deskNumber("sportello 02")).toBe(2);
    expect(deskNumber("Ufficio B")).toBeUndefined();
  });

  it("phrases a call in every language, the number spelled for a voice", () => {
    expect(phrase("it", "A007", "Sportello 2")).toBe("Numero A 7, sportello 2");
    expect(phrase("en", "A007", "Sportello 2")).toBe("Number A 7, desk 2");
    expect(phrase("fr", "A007", "Sportello 2")).toBe("Numéro A 7, guichet 2");
    expect(phrase("es", "A007", "Sportello 2")).toBe("Número A 7, ventanilla 2");
    expect(phrase("ro", "A007", "Sportello 2")).toBe("Numărul A 7, ghișeul 2");
    expect(phrase("uk", "A007", "Sportello 2")).toBe("Номер A 7, віконце 2");
    expect(phrase("ar", "A007", "Sportello 2")).toBe("الرقم A 7، الشباك 2");
  });

  it("says a desk with another name by its name", () => {
    expect(phrase("en", "M012", "Ufficio Migranti")).toBe("Number M 12, Ufficio Migranti");
  });

  it("announces Italian first, then the chosen languages in order, unknown and repeated codes left out", () => {
    const announcement = announcementFor(call(5, "A007"), ["ar", "de", "en", "ar", "it"])!;
    expect(announcement.utterances.map(u => [u.language, u.lang])).toEqual([
      ["it", "it-IT"],
      ["ar", "ar"],
      ["en", "en-GB"],
    ]);
    expect(announcement).toMatchObject({ seq: 5, number: "A007", desk: "Sportello 2", recall: false });
  });

  it("announces calls and recalls only", () => {
    expect(announcementFor(call(1, "A001", "Sportello 1", "ticket.recall"), [])?.recall).toBe(true);
    for (const kind of ["ticket.issued", "ticket.start", "ticket.finish", "ticket.no_show", "lines.changed", "reset"]) {
      expect(announcementFor(call(1, "A001", "Sportello 1", kind), []), kind).toBeUndefined();
    }
    expect(announcementFor({ ...call(1, "A001"), ticket: { ...call(1, "A001").ticket!, desk: null } }, [])).toBeUndefined();
  });
});

describe("Announcer", () => {
  it("says each call once, in order, one at a time", async () => {
    const r = recorder(true);
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    expect(announcer.offer(call(1, "A001", "Sportello 1"))).toBe(true);
    expect(announcer.offer(call(2, "A002", "Sportello 2"))).toBe(true);
    await flush();
    expect(r.said).toEqual(["Numero A 1, sportello 1"]); // the second waits for the first
    r.finishers.shift()!();
    await flush();
    expect(r.said).toEqual(["Numero A 1, sportello 1", "Numero A 2, sportello 2"]);
    r.finishers.shift()!();
    await announcer.idle();
    expect(r.overlapped()).toBe(false);
  });

  it("never says the same event twice: a resumed stream handing it again is ignored", async () => {
    const r = recorder();
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.offer(call(7, "A007"));
    await announcer.idle();
    expect(announcer.offer(call(7, "A007"))).toBe(false);
    expect(announcer.offer(call(6, "A006"))).toBe(false); // older than one already taken
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 7, sportello 2"]);
  });

  it("says a recall again, as its own event", async () => {
    const r = recorder();
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.offer(call(3, "A003"));
    await announcer.idle();
    announcer.offer(call(4, "A003", "Sportello 2", "ticket.recall"));
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 3, sportello 2", "Numero A 3, sportello 2"]);
  });

  it("says nothing the board already showed when read", async () => {
    const r = recorder();
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.skipThrough(10);
    expect(announcer.offer(call(9, "A009"))).toBe(false);
    expect(announcer.offer(call(11, "A011"))).toBe(true);
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 11, sportello 2"]);
  });

  it("a ticket called and recalled while waiting to be said is said once, to its last desk", async () => {
    const r = recorder(true);
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.offer(call(1, "A001"));
    announcer.offer(call(2, "A002", "Sportello 1"));
    announcer.offer(call(3, "A002", "Sportello 3", "ticket.recall"));
    expect(announcer.pending.map(a => [a.number, a.desk])).toEqual([["A002", "Sportello 3"]]);
    for (let i = 0; i < 2; i++) {
      await flush();
      r.finishers.shift()?.();
    }
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 1, sportello 2", "Numero A 2, sportello 3"]);
  });

  it("after a long outage, stale calls are not said and at most a few wait", async () => {
    const r = recorder(true);
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    expect(announcer.offer(call(1, "A001"))).toBe(true); // live: it tells the server's clock
    const old = new Date(NOW - MAX_AGE_MS - 60_000).toISOString();
    expect(announcer.offer(call(2, "A002", "Sportello 1", "ticket.call", old))).toBe(false);
    for (let seq = 3; seq < 3 + MAX_PENDING + 5; seq++) announcer.offer(call(seq, `A${String(seq).padStart(3, "0")}`));
    // One is playing; the most recent MAX_PENDING wait.
    expect(announcer.pending).toHaveLength(MAX_PENDING);
    expect(announcer.pending.at(-1)?.number).toBe("A015");
  });

  it("the age of a call is measured on the server's clock, whatever this machine's clock says", async () => {
    const r = recorder();
    // This machine's clock runs an hour fast: live calls are still said, a stale one is still not.
    const announcer = new Announcer({ speak: r.speak, now: () => NOW + 3600_000 });
    expect(announcer.offer(call(1, "A001"))).toBe(true);
    expect(announcer.offer(call(2, "A002"))).toBe(true);
    const old = new Date(NOW - MAX_AGE_MS - 60_000).toISOString();
    expect(announcer.offer(call(3, "A003", "Sportello 1", "ticket.call", old))).toBe(false);
    await announcer.idle();
    await flush();
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 1, sportello 2", "Numero A 2, sportello 2"]);
  });

  it("with audio off the events are taken but not said, so nothing comes out late", async () => {
    const r = recorder();
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.setEnabled(false);
    expect(announcer.offer(call(1, "A001"))).toBe(false);
    announcer.setEnabled(true);
    expect(announcer.offer(call(1, "A001"))).toBe(false);
    expect(announcer.offer(call(2, "A002"))).toBe(true);
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 2, sportello 2"]);
  });

  it("repeats in the languages set from the board", async () => {
    const r = recorder();
    const announcer = new Announcer({ speak: r.speak, now: () => NOW });
    announcer.setLanguages(["en", "fr"]);
    announcer.offer(call(1, "A007"));
    await announcer.idle();
    expect(r.said).toEqual(["Numero A 7, sportello 2 | Number A 7, desk 2 | Numéro A 7, guichet 2"]);
  });

  it("a failing voice does not stop the calls after it", async () => {
    const said: string[] = [];
    const announcer = new Announcer({
      now: () => NOW,
      speak: async announcement => {
        said.push(announcement.number);
        if (announcement.number === "A001") throw new Error("no voice");
      },
    });
    announcer.offer(call(1, "A001"));
    announcer.offer(call(2, "A002"));
    await announcer.idle();
    await flush();
    await announcer.idle();
    expect(said).toEqual(["A001", "A002"]);
  });
});
