// The totem's bookkeeping against docs/queue.md. Each test names the rule it checks, quoted from the
// "Days and numbers" and "Offline issuing" sections; the Rust totem's tests check the same rules on its
// own code (client-sync/src/totem/ledger.rs, decisions.rs).
import { describe, expect, it } from "vitest";
import {
  acknowledge,
  addLease,
  afterRefusedImport,
  batches,
  deskDay,
  emptyLedger,
  forDevice,
  heldLease,
  isLineRefusal,
  issueOffline,
  ledgerFrom,
  linesToTopUp,
  prune,
  remaining,
  serverUnreachable,
  setAsideLease,
  setAsideTicket,
  settle,
  utcTime,
  type Ledger,
  type Lease,
} from "./ledger";

const TODAY = "2026-11-27";
const YESTERDAY = "2026-11-26";
let leaseCount = 0;

function lease(day: string, first: string, last: string): Lease {
  leaseCount += 1;
  return { lease_id: `lease-${leaseCount}`, line: first[0], day, first, last, expires_at: `${day}T23:00:00.000Z` };
}

function holding(...leases: Lease[]): Ledger {
  return leases.reduce((ledger, one) => addLease(ledger, heldLease(one, one.line)!), emptyLedger());
}

let opCount = 0;
function issue(ledger: Ledger, line: string, priority = false, today = TODAY) {
  opCount += 1;
  return issueOffline(ledger, line, today, { issued_at: "2026-11-27T08:30:00.000Z", priority, client_op_id: `op-${opCount}` });
}

/** Issues until the line is used up; the numbers printed. */
function issueAll(ledger: Ledger, line: string): { ledger: Ledger; numbers: string[] } {
  const numbers: string[] = [];
  for (let next = issue(ledger, line); next; next = issue(ledger, line)) {
    ledger = next.ledger;
    numbers.push(next.pending.ticket.number);
  }
  return { ledger, numbers };
}

describe("offline numbers", () => {
  it("come from today's lease of the line, in order, until it is used up (a lease belongs to one line and one day)", () => {
    let ledger = holding(lease(YESTERDAY, "A500", "A599"), lease(TODAY, "M500", "M509"), lease(TODAY, "A510", "A512"));
    expect(remaining(ledger, "A", TODAY)).toBe(3); // yesterday's block does not count
    const { ledger: after, numbers } = issueAll(ledger, "A");
    expect(numbers).toEqual(["A510", "A511", "A512"]);
    ledger = after;
    expect(remaining(ledger, "A", TODAY)).toBe(0);
    expect(remaining(ledger, "M", TODAY)).toBe(10); // another line's block is untouched
    expect(issue(ledger, "B")).toBeUndefined(); // no lease at all
  });

  it("use the lower block first, so printed numbers only grow", () => {
    const { numbers } = issueAll(holding(lease(TODAY, "A520", "A521"), lease(TODAY, "A500", "A500")), "A");
    expect(numbers).toEqual(["A500", "A520", "A521"]);
  });

  it("are kept pending with their issue time, priority and client_op_id, in issue order (the totem keeps the ticket: number, issue time, priority, client_op_id)", () => {
    let ledger = holding(lease(TODAY, "A500", "A509"));
    const first = issue(ledger, "A", true)!;
    ledger = first.ledger;
    const second = issue(ledger, "A", false)!;
    ledger = second.ledger;
    expect(ledger.pending.map(p => [p.ticket.number, p.ticket.priority, p.lease_id])).toEqual([
      ["A500", true, ledger.leases[0].lease.lease_id],
      ["A501", false, ledger.leases[0].lease.lease_id],
    ]);
    expect(first.pending.ticket.client_op_id).not.toBe(second.pending.ticket.client_op_id);
    expect(ledger.pending[0].ticket.issued_at).toBe("2026-11-27T08:30:00.000Z");
  });

  it("leave the ledger they came from untouched (it is written to storage before it becomes current)", () => {
    const before = holding(lease(TODAY, "A500", "A509"));
    const snapshot = JSON.stringify(before);
    issue(before, "A");
    expect(JSON.stringify(before)).toBe(snapshot);
  });
});

describe("leases", () => {
  it("are refused when the server's answer does not fit: leased numbers run 500–999, one line per lease", () => {
    expect(heldLease(lease(TODAY, "A500", "A509"), "A")).toBeDefined();
    expect(heldLease(lease(TODAY, "A500", "A509"), "M")).toBeUndefined();
    expect(heldLease(lease(TODAY, "A499", "A509"), "A")).toBeUndefined();
    expect(heldLease(lease(TODAY, "A510", "A509"), "A")).toBeUndefined();
    expect(heldLease({ ...lease(TODAY, "A500", "A509"), last: "M509" }, "A")).toBeUndefined();
  });

  it("are topped up when fewer numbers than the threshold are left today (refill below a threshold)", () => {
    let ledger = holding(lease(TODAY, "A500", "A504"), lease(YESTERDAY, "M500", "M599"));
    expect(linesToTopUp(ledger, ["A", "M", "B"], TODAY, 5)).toEqual(["M", "B"]); // 5 left is not below 5
    expect(linesToTopUp(ledger, ["A", "M", "B"], TODAY, 6)).toEqual(["A", "M", "B"]);
    ledger = issue(ledger, "A")!.ledger;
    expect(linesToTopUp(ledger, ["A"], TODAY, 5)).toEqual(["A"]); // 4 left
    expect(linesToTopUp(ledger, ["A", "M"], TODAY, 0)).toEqual([]);
  });

  it("of a past day or used up are dropped, but their pending tickets stay to be imported (it expires at the end of that day)", () => {
    let ledger = holding(lease(YESTERDAY, "A500", "A509"), lease(TODAY, "A510", "A510"), lease(TODAY, "A520", "A529"));
    ledger = issueOffline(ledger, "A", YESTERDAY, { issued_at: "2026-11-26T15:00:00.000Z", priority: false, client_op_id: "old" })!.ledger;
    ledger = issue(ledger, "A")!.ledger; // A510: its block is used up
    const pruned = prune(ledger, TODAY);
    expect(pruned.leases.map(held => held.lease.first)).toEqual(["A520"]);
    expect(pruned.pending.map(p => p.ticket.number)).toEqual(["A500", "A510"]);
    expect(prune(pruned, TODAY)).toBe(pruned);
  });
});

describe("import on reconnect", () => {
  it("sends pending tickets per lease, in issue order, at most 100 per request (≤ 100 per request)", () => {
    const x = lease(TODAY, "A500", "A999");
    const y = lease(TODAY, "M500", "M999");
    let ledger = holding(x, y);
    for (let i = 0; i < 250; i += 1) ledger = issue(ledger, i === 3 ? "M" : "A")!.ledger;
    const sent = batches(ledger);
    expect(sent.map(batch => [batch.lease_id, batch.tickets.length])).toEqual([
      [x.lease_id, 100],
      [x.lease_id, 100],
      [x.lease_id, 49],
      [y.lease_id, 1],
    ]);
    expect(sent[0].tickets.slice(0, 4).map(t => t.number)).toEqual(["A500", "A501", "A502", "A503"]);
    expect(sent[3].tickets[0].number).toBe("M500");
    expect(batches(emptyLedger())).toEqual([]);
  });

  it("forgets a batch once the server has it, by client_op_id, so sending again after a lost answer imports nothing twice (idempotent)", () => {
    let ledger = holding(lease(TODAY, "A500", "A509"));
    for (let i = 0; i < 3; i += 1) ledger = issue(ledger, "A")!.ledger;
    const [batch] = batches(ledger);
    // The answer was lost: the ledger still has them, and the next run sends the very same batch.
    expect(batches(ledger)).toEqual([batch]);
    ledger = settle(ledger, batch.tickets.slice(0, 2));
    expect(ledger.pending.map(p => p.ticket.number)).toEqual(["A502"]);
    expect(settle(ledger, batch.tickets).pending).toEqual([]);
  });

  it("sets refused tickets aside by lease or one by one, and keeps them to report (lease_expired, unknown_lease: set aside and reported)", () => {
    const x = lease(TODAY, "A500", "A509");
    const y = lease(TODAY, "M500", "M509");
    let ledger = holding(x, y);
    ledger = issue(ledger, "A")!.ledger;
    ledger = issue(ledger, "M")!.ledger;
    ledger = issue(ledger, "A")!.ledger;
    ledger = setAsideLease(ledger, x.lease_id, "lease_expired", "the lease is of another day");
    expect(ledger.pending.map(p => p.ticket.number)).toEqual(["M500"]);
    expect(ledger.unimportable.map(u => [u.ticket.number, u.code])).toEqual([
      ["A500", "lease_expired"],
      ["A501", "lease_expired"],
    ]);
    const op = ledger.pending[0].ticket.client_op_id;
    ledger = setAsideTicket(ledger, op, "number_taken", "taken");
    expect(ledger.pending).toEqual([]);
    expect(ledger.unimportable).toHaveLength(3);
    expect(setAsideTicket(ledger, op, "x", "y")).toBe(ledger);
    expect(acknowledge(ledger).unimportable).toEqual([]);
  });
});

describe("what an answer means", () => {
  it("only a network failure or a gateway (502, 503, 504) counts as an outage; desk_closed and line_full are shown as they are", () => {
    expect(serverUnreachable({ status: 0, code: "network" })).toBe(true);
    for (const status of [502, 503, 504]) expect(serverUnreachable({ status, code: "busy" })).toBe(true);
    for (const [status, code] of [
      [409, "desk_closed"],
      [409, "line_full"],
      [401, "unauthenticated"],
      [500, "internal"],
      [422, "validation_failed"],
    ] as const) {
      expect(serverUnreachable({ status, code })).toBe(false);
    }
  });

  it("a refused import is set aside when sending again cannot help, split when one ticket of many is refused, else kept", () => {
    const table: [number, string, number, string][] = [
      [409, "lease_expired", 100, "set_aside_lease"],
      [404, "unknown_lease", 1, "set_aside_lease"],
      [409, "number_taken", 100, "one_by_one"],
      [409, "number_taken", 1, "set_aside_ticket"],
      [409, "outside_lease", 1, "set_aside_ticket"],
      [422, "validation_failed", 2, "one_by_one"],
      [409, "client_op_id_reused", 1, "set_aside_ticket"],
      [503, "busy", 100, "stop"],
      [0, "network", 3, "stop"],
      [401, "unauthenticated", 1, "stop"],
      [404, "not_found", 1, "stop"], // a path a proxy does not know yet: keep the tickets
    ];
    for (const [status, code, length, expected] of table) {
      expect(afterRefusedImport({ status, code }, length), `${status} ${code} on ${length}`).toBe(expected);
    }
  });

  it("a lease refusal of one line (line_full, line_inactive, unknown_line) does not stop the others", () => {
    expect(isLineRefusal({ status: 409, code: "line_full" })).toBe(true);
    expect(isLineRefusal({ status: 404, code: "unknown_line" })).toBe(true);
    expect(isLineRefusal({ status: 404, code: "not_found" })).toBe(false);
    expect(isLineRefusal({ status: 0, code: "network" })).toBe(false);
  });
});

describe("another device", () => {
  it("drops the held leases of the device it was before, and keeps their pending tickets to be refused and reported (a lease belongs to one totem)", () => {
    let ledger = forDevice(holding(lease(TODAY, "A500", "A509")), "old");
    expect(ledger.leases).toHaveLength(1); // the first device adopts what it holds
    ledger = issue(ledger, "A")!.ledger;
    expect(forDevice(ledger, "old")).toBe(ledger);
    const moved = forDevice(ledger, "new");
    expect(moved.device_id).toBe("new");
    expect(moved.leases).toEqual([]);
    expect(moved.pending.map(p => p.ticket.number)).toEqual(["A500"]);
    expect(forDevice(emptyLedger(), "first").device_id).toBe("first");
  });
});

describe("days and storage", () => {
  it("a day is a civil day in Europe/Rome: at 00:30 in Rome it is already the next day", () => {
    expect(deskDay(Date.parse("2026-11-27T23:30:00Z"))).toBe("2026-11-28");
    expect(deskDay(Date.parse("2026-11-27T22:59:59Z"))).toBe("2026-11-27");
    expect(deskDay(Date.parse("2026-07-01T22:00:00Z"))).toBe("2026-07-02");
    expect(utcTime(Date.parse("2026-11-27T08:30:00Z"))).toBe("2026-11-27T08:30:00.000Z");
  });

  it("a stored ledger of another version is refused rather than misread; nothing stored is an empty ledger", () => {
    expect(ledgerFrom(undefined)).toEqual(emptyLedger());
    expect(ledgerFrom({ version: 2, leases: [], pending: [] })).toBeUndefined();
    const ledger = holding(lease(TODAY, "A500", "A501"));
    expect(ledgerFrom(JSON.parse(JSON.stringify(ledger)))).toEqual(ledger);
  });
});
