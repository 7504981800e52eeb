// The totem's flows against a small stand-in for the server's queue (the real one is exercised by the
// browser scenario, web/tests/browser/totem.mjs): it issues online numbers, leases 500–999 and imports
// idempotently by client_op_id, as docs/queue.md says, and can drop the network or lose an answer.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../data/api";
import type { ServiceLine } from "../../data/queue";
import { emptyLedger, type Lease, type OfflineTicket } from "./ledger";
import { memoryLedgerStore } from "./ledger-store";
import type { ImportResult, IssuedTicket, TotemApi } from "./totem-api";
import { NoOfflineNumbers, TotemEngine } from "./totem-engine";

const NOW = Date.parse("2026-11-27T08:30:00Z"); // 09:30 in Rome

class FakeServer implements TotemApi {
  online = true;
  /** The next import's answer is lost after the server committed it. */
  loseNextImportAnswer = false;
  /** Import refusals by lease id. */
  refuseLease = new Map<string, string>();
  queue: { number: string; op: string; issued_at: string }[] = [];
  imports = 0;
  #numbers = new Map<string, number>();
  #leased = new Map<string, number>();
  #leases = 0;
  #ops = new Map<string, IssuedTicket>();

  #reach(): void {
    if (!this.online) throw new ApiError(0, "network", "the server could not be reached");
  }

  async lines(): Promise<ServiceLine[]> {
    this.#reach();
    return [{ code: "A", name_it: "Accoglienza", name_en: "Welcome desk", active: true, daily_cap: null }];
  }
  async opening() {
    this.#reach();
    return { open: true, next_opening: null };
  }
  async issue(line: string, priority: boolean, op: string): Promise<IssuedTicket> {
    this.#reach();
    const again = this.#ops.get(op);
    if (again) return again;
    const sequence = (this.#numbers.get(line) ?? 0) + 1;
    this.#numbers.set(line, sequence);
    const number = `${line}${String(sequence).padStart(3, "0")}`;
    const ticket: IssuedTicket = {
      id: `t-${number}`,
      number,
      line,
      priority,
      status: "waiting",
      issued_at: new Date(NOW).toISOString(),
      position: 1,
      estimated_wait_s: 0,
      status_url: "",
      print_url: `/api/v1/queue/tickets/t-${number}/print/x`,
    };
    this.#ops.set(op, ticket);
    this.queue.push({ number, op, issued_at: ticket.issued_at });
    return ticket;
  }
  async lease(line: string, size: number): Promise<Lease> {
    this.#reach();
    const first = this.#leased.get(line) ?? 500;
    const last = Math.min(999, first + size - 1);
    this.#leased.set(line, last + 1);
    this.#leases += 1;
    return { lease_id: `lease-${this.#leases}`, line, day: "2026-11-27", first: `${line}${first}`, last: `${line}${last}`, expires_at: "" };
  }
  async importTickets(leaseId: string, tickets: OfflineTicket[]): Promise<ImportResult> {
    this.#reach();
    this.imports += 1;
    const refusal = this.refuseLease.get(leaseId);
    if (refusal) throw new ApiError(409, refusal, "refused");
    let imported = 0;
    for (const ticket of tickets) {
      if (this.queue.some(one => one.op === ticket.client_op_id)) continue;
      this.queue.push({ number: ticket.number, op: ticket.client_op_id, issued_at: ticket.issued_at });
      imported += 1;
    }
    if (this.loseNextImportAnswer) {
      this.loseNextImportAnswer = false;
      throw new ApiError(0, "network", "the answer was lost");
    }
    return { imported, already_imported: tickets.length - imported, tickets: [] };
  }
}

async function totem(server = new FakeServer(), store = memoryLedgerStore()) {
  let ops = 0;
  let now = NOW;
  const engine = await TotemEngine.open({
    api: server,
    store,
    now: () => (now += 60_000),
    newOpId: () => `op-${(ops += 1)}`,
  });
  return { engine, server, store };
}

describe("the totem's flows", () => {
  it("issues online with a client_op_id, and offline from its lease when the server cannot be reached (Offline issuing, 2)", async () => {
    const { engine, server } = await totem();
    const online = await engine.issue("A", false);
    expect(online.kind === "online" && online.ticket.number).toBe("A001");
    await engine.topUp(["A"]);
    server.online = false;
    const offline = await engine.issue("A", true);
    expect(offline.kind).toBe("offline");
    if (offline.kind !== "offline") return;
    expect(offline.pending.ticket.number).toBe("A500");
    expect(offline.pending.ticket.priority).toBe(true);
    // A fresh op id for the offline ticket: the failed online attempt may have reached the server.
    expect(offline.pending.ticket.client_op_id).not.toBe("op-2");
  });

  it("writes an offline ticket to the store before handing it out, so a restart keeps it (kept in a durable local file)", async () => {
    const store = memoryLedgerStore();
    const { engine, server } = await totem(new FakeServer(), store);
    await engine.topUp(["A"]);
    server.online = false;
    const issued = await engine.issue("A", false);
    const saved = store.saved.at(-1)!;
    expect(issued.kind === "offline" && saved.pending.map(p => p.ticket.client_op_id)).toEqual([
      issued.kind === "offline" ? issued.pending.ticket.client_op_id : "",
    ]);
    const { engine: restarted } = await totem(server, store);
    expect(restarted.ledger.pending).toHaveLength(1);
    const next = await restarted.issue("A", false);
    expect(next.kind === "offline" && next.pending.ticket.number).toBe("A501");
  });

  it("says when no leased number is left rather than printing one it does not hold", async () => {
    const { engine, server } = await totem();
    server.online = false;
    await expect(engine.issue("A", false)).rejects.toBeInstanceOf(NoOfflineNumbers);
  });

  it("shows a refusal of the server as it is (an answer from the server is shown as it is)", async () => {
    const server = new FakeServer();
    server.issue = async () => {
      throw new ApiError(409, "desk_closed", "closed");
    };
    const { engine } = await totem(server);
    await expect(engine.issue("A", false)).rejects.toMatchObject({ code: "desk_closed" });
    expect(engine.ledger.pending).toEqual([]);
  });

  it("imports on reconnect in issue order, once, even when an answer is lost (idempotent: a retry imports nothing twice)", async () => {
    const { engine, server } = await totem();
    await engine.topUp(["A"]);
    server.online = false;
    for (let i = 0; i < 3; i += 1) await engine.issue("A", false);
    await expect(engine.syncPending()).rejects.toMatchObject({ code: "network" });
    server.online = true;
    server.loseNextImportAnswer = true;
    await expect(engine.syncPending()).rejects.toMatchObject({ code: "network" });
    expect(engine.ledger.pending).toHaveLength(3); // the server has them, the totem does not know yet
    const report = await engine.syncPending();
    expect(report).toMatchObject({ imported: 0, alreadyImported: 3, stillPending: 0 });
    expect(server.queue.map(one => one.number)).toEqual(["A500", "A501", "A502"]);
  });

  it("sets aside a lease the server calls expired and reports it, never dropping the tickets silently (lease_expired)", async () => {
    const { engine, server } = await totem();
    await engine.topUp(["A"]);
    server.online = false;
    await engine.issue("A", false);
    await engine.issue("A", false);
    server.online = true;
    server.refuseLease.set(engine.ledger.leases[0].lease.lease_id, "lease_expired");
    const report = await engine.syncPending();
    expect(report.setAside.map(one => [one.ticket.number, one.code])).toEqual([
      ["A500", "lease_expired"],
      ["A501", "lease_expired"],
    ]);
    expect(server.imports).toBe(1);
    expect(engine.ledger.unimportable).toHaveLength(2);
    await engine.acknowledge();
    expect(engine.ledger.unimportable).toEqual([]);
  });

  it("tops up below the threshold and not above it (refill below a threshold)", async () => {
    const { engine } = await totem();
    expect((await engine.topUp(["A"], 10, 25)).leased).toEqual(["A"]);
    expect((await engine.topUp(["A"], 10, 25)).leased).toEqual([]);
    expect(engine.ledger.leases).toHaveLength(1);
    expect(emptyLedger().leases).toEqual([]);
  });
});
