// The totem's flows, the browser's counterpart of the Rust `Totem` (client-sync/src/totem/network.rs): issue
// a ticket online with a fresh `client_op_id` (the same id once more after a lost answer), and only when the
// server cannot be reached issue the next leased number; keep leases topped up while online; import the
// offline tickets on reconnect. The rules are the ledger's (ledger.ts, pure); this file does the I/O around
// them: every change is computed on the current ledger, written to the store, and only then made current,
// one change at a time.

import { ApiError } from "../../data/api";
import {
  addLease,
  afterRefusedImport,
  batches,
  deskDay,
  forDevice,
  heldLease,
  isLineRefusal,
  issueOffline,
  linesToTopUp,
  prune,
  serverUnreachable,
  setAsideLease,
  setAsideTicket,
  settle,
  acknowledge,
  utcTime,
  type Failure,
  type Ledger,
  type OfflineTicket,
  type PendingTicket,
  type Unimportable,
} from "./ledger";
import type { LedgerStore } from "./ledger-store";
import type { IssuedTicket, TotemApi } from "./totem-api";

export type Issued =
  | { kind: "online"; ticket: IssuedTicket }
  | { kind: "offline"; pending: PendingTicket };

/** The server cannot be reached and no leased number of the line is left for today. */
export class NoOfflineNumbers extends Error {
  constructor(readonly line: string) {
    super(`no leased number of line ${line} is left for today`);
    this.name = "NoOfflineNumbers";
  }
}

export interface TopUpReport {
  leased: string[];
  refused: { line: string; code: string }[];
  /** The server leased for another day than this totem's clock says: set the clock. */
  clockSkew?: { server: string; totem: string };
}

export interface SyncReport {
  imported: number;
  alreadyImported: number;
  setAside: Unimportable[];
  stillPending: number;
}

export interface EngineOptions {
  api: TotemApi;
  store: LedgerStore;
  now?: () => number;
  newOpId?: () => string;
}

/** Numbers left below which a line gets a new block, and the block's size. */
export const TOP_UP_THRESHOLD = 10;
export const LEASE_SIZE = 25;

function failureOf(error: unknown): Failure {
  return error instanceof ApiError ? { status: error.status, code: error.code } : { status: -1, code: "unexpected" };
}

export class TotemEngine {
  #ledger: Ledger;
  #queue: Promise<unknown> = Promise.resolve();
  #syncing?: Promise<SyncReport>;
  #listeners = new Set<(ledger: Ledger) => void>();
  readonly #api: TotemApi;
  readonly #store: LedgerStore;
  readonly #now: () => number;
  readonly #newOpId: () => string;

  private constructor(ledger: Ledger, options: EngineOptions) {
    this.#ledger = ledger;
    this.#api = options.api;
    this.#store = options.store;
    this.#now = options.now ?? (() => Date.now());
    this.#newOpId = options.newOpId ?? (() => crypto.randomUUID());
  }

  static async open(options: EngineOptions): Promise<TotemEngine> {
    return new TotemEngine(await options.store.load(), options);
  }

  get ledger(): Ledger {
    return this.#ledger;
  }

  today(): string {
    return deskDay(this.#now());
  }

  subscribe(listener: (ledger: Ledger) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Issues a ticket on `line`. Online the server numbers it; when it cannot be reached (after one retry
   *  of the same `client_op_id`), the next leased number is issued and durably kept before this returns.
   *  Any answer of the server (`desk_closed`, `line_full`, a revoked device) is thrown as it is. */
  async issue(line: string, priority: boolean): Promise<Issued> {
    const op = this.#newOpId();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        return { kind: "online", ticket: await this.#api.issue(line, priority, op) };
      } catch (error) {
        if (!serverUnreachable(failureOf(error))) throw error;
      }
    }
    // A fresh op id: the failed attempt may have reached the server under the first one.
    const offlineOp = this.#newOpId();
    const now = this.#now();
    let pending: PendingTicket | undefined;
    await this.#change(ledger => {
      const issued = issueOffline(ledger, line, deskDay(now), { issued_at: utcTime(now), priority, client_op_id: offlineOp });
      if (!issued) throw new NoOfflineNumbers(line);
      pending = issued.pending;
      return issued.ledger;
    });
    return { kind: "offline", pending: pending! };
  }

  /** Drops leases of past days and used-up ones, then leases a block for every line of `lines` (and every
   *  line with a lease today) whose numbers left fall below the threshold. A line the server will not lease
   *  for is reported and the others still get theirs; a network failure or a refused device stops the run. */
  async topUp(lines: readonly string[], threshold = TOP_UP_THRESHOLD, size = LEASE_SIZE): Promise<TopUpReport> {
    const today = this.today();
    await this.#change(ledger => prune(ledger, today));
    const all = [...new Set([...lines, ...this.#ledger.leases.map(held => held.lease.line)])].sort();
    const report: TopUpReport = { leased: [], refused: [] };
    for (const line of linesToTopUp(this.#ledger, all, today, threshold)) {
      let lease;
      try {
        lease = await this.#api.lease(line, size);
      } catch (error) {
        const failure = failureOf(error);
        if (isLineRefusal(failure)) {
          report.refused.push({ line, code: failure.code });
          continue;
        }
        throw error;
      }
      const held = heldLease(lease, line);
      if (!held) throw new ApiError(0, "bad_lease", `the server leased ${lease.first}–${lease.last} for line ${line}`);
      if (lease.day !== today) {
        report.clockSkew = { server: lease.day, totem: today };
        return report;
      }
      await this.#change(ledger => addLease(ledger, held));
      report.leased.push(line);
    }
    return report;
  }

  /** Imports the pending offline tickets, lease by lease, at most 100 per request, forgetting each batch
   *  once the server has it. Sending a batch again is harmless (the import is idempotent by
   *  `client_op_id`), so after a lost answer this simply runs again. Refusals sending again cannot change
   *  are set aside and reported; a network failure, a busy server or a refused device stops the run with
   *  the error, the rest staying pending. One run at a time. */
  syncPending(): Promise<SyncReport> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  async #sync(): Promise<SyncReport> {
    const work = batches(this.#ledger);
    const report: SyncReport = { imported: 0, alreadyImported: 0, setAside: [], stillPending: 0 };
    const deadLeases = new Set<string>();
    while (work.length > 0) {
      const { lease_id, tickets } = work.shift()!;
      if (deadLeases.has(lease_id)) continue;
      let error: unknown;
      try {
        const result = await this.#api.importTickets(lease_id, tickets);
        report.imported += result.imported;
        report.alreadyImported += result.already_imported;
        await this.#change(ledger => settle(ledger, tickets));
        continue;
      } catch (caught) {
        error = caught;
      }
      const failure = failureOf(error);
      const message = error instanceof Error ? error.message : "";
      switch (afterRefusedImport(failure, tickets.length)) {
        case "set_aside_lease": {
          const before = this.#ledger.unimportable.length;
          await this.#change(ledger => setAsideLease(ledger, lease_id, failure.code, message));
          report.setAside.push(...this.#ledger.unimportable.slice(before));
          deadLeases.add(lease_id);
          break;
        }
        case "set_aside_ticket": {
          const before = this.#ledger.unimportable.length;
          await this.#change(ledger => setAsideTicket(ledger, tickets[0].client_op_id, failure.code, message));
          report.setAside.push(...this.#ledger.unimportable.slice(before));
          break;
        }
        case "one_by_one":
          work.unshift(...tickets.map((ticket: OfflineTicket) => ({ lease_id, tickets: [ticket] })));
          break;
        case "stop":
          throw error;
      }
    }
    report.stillPending = this.#ledger.pending.length;
    return report;
  }

  /** The totem is (now) this device: leases of another one are dropped (ledger's `forDevice`). */
  useDevice(deviceId: string): Promise<void> {
    return this.#change(ledger => forDevice(ledger, deviceId));
  }

  /** Staff have seen the tickets that cannot be imported: forget them. */
  acknowledge(): Promise<void> {
    return this.#change(acknowledge);
  }

  /** One change at a time: computed on the current ledger, saved, then made current. */
  #change(step: (ledger: Ledger) => Ledger): Promise<void> {
    const run = this.#queue.then(async () => {
      const next = step(this.#ledger);
      if (next === this.#ledger) return;
      await this.#store.save(next);
      this.#ledger = next;
      for (const listener of this.#listeners) listener(next);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
