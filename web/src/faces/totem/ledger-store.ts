// Where the totem's ledger lives: one record in IndexedDB (`sportello-totem-ledger`, beside the device's
// credential in `sportello-totem`), rewritten whole in a transaction asked to be durable (`strict`: the
// browser flushes it to disk before it reports completion). The engine waits for that before it prints an
// offline ticket, so a ticket handed to a citizen survives the kiosk being switched off.
//
// Also the last lines list and opening answer, so a totem that restarts during an outage still shows its
// buttons. Nothing here is personal: numbers, times, lease ids, line names.

import type { ServiceLine } from "../../data/queue";
import { done, openDatabase, request } from "../../store/idb";
import { emptyLedger, ledgerFrom, type Ledger } from "./ledger";

export const LEDGER_DATABASE = "sportello-totem-ledger";
const STORE = "ledger";

export interface LedgerStore {
  /** The ledger as last saved (empty when none); rejects when what is stored is not a ledger this version
   *  understands, rather than misreading it. */
  load(): Promise<Ledger>;
  save(ledger: Ledger): Promise<void>;
  loadLines(): Promise<ServiceLine[] | undefined>;
  saveLines(lines: ServiceLine[]): Promise<void>;
  /** Whether the server refused this totem's credential (the device session forgets the credential; the
   *  totem must go on saying it was revoked after a restart, until it is enrolled again). */
  loadRevoked(): Promise<boolean>;
  saveRevoked(revoked: boolean): Promise<void>;
}

export function indexedDbLedgerStore(name = LEDGER_DATABASE, factory: IDBFactory = indexedDB): LedgerStore {
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    opened ??= openDatabase(factory, name, 1, [STORE]).then(database => {
      database.onclose = () => (opened = undefined);
      return database;
    });
    return opened;
  };
  async function get(key: string): Promise<unknown> {
    const tx = (await db()).transaction(STORE, "readonly");
    return request(tx.objectStore(STORE).get(key));
  }
  async function put(key: string, value: unknown): Promise<void> {
    const tx = (await db()).transaction(STORE, "readwrite", { durability: "strict" });
    tx.objectStore(STORE).put(value, key);
    await done(tx);
  }
  return {
    async load() {
      const ledger = ledgerFrom(await get("ledger"));
      if (!ledger) throw new Error("the totem's stored ledger is of another version: left untouched");
      return ledger;
    },
    save: ledger => put("ledger", ledger),
    async loadLines() {
      const lines = await get("lines");
      return Array.isArray(lines) ? (lines as ServiceLine[]) : undefined;
    },
    saveLines: lines => put("lines", lines),
    loadRevoked: async () => (await get("revoked")) === true,
    saveRevoked: revoked => put("revoked", revoked),
  };
}

/** A store in memory (tests). */
export function memoryLedgerStore(initial: Ledger = emptyLedger()): LedgerStore & { saved: Ledger[] } {
  let ledger = structuredClone(initial);
  let lines: ServiceLine[] | undefined;
  let revoked = false;
  const saved: Ledger[] = [];
  return {
    saved,
    load: async () => structuredClone(ledger),
    save: async next => {
      ledger = structuredClone(next);
      saved.push(structuredClone(next));
    },
    loadLines: async () => lines,
    saveLines: async next => {
      lines = next;
    },
    loadRevoked: async () => revoked,
    saveRevoked: async next => {
      revoked = next;
    },
  };
}
