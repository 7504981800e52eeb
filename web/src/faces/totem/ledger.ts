// The totem's bookkeeping, pure: the blocks of numbers it leased and how far each is used, the tickets it
// issued offline and has not yet imported, and those the server refused for good. The same rules as the
// Rust totem (`client-sync/src/totem/ledger.rs`, `decisions.rs`), written again from docs/queue.md
// ("Offline issuing"): leased numbers run 500–999, a lease is one line's and one day's, offline tickets are
// imported per lease in issue order and at most 100 at a time, and a refusal sending again cannot change is
// set aside and reported, never dropped.
//
// Every function returns a new ledger and leaves its argument alone: the engine (totem-engine.ts) writes
// the new ledger to IndexedDB first and only then makes it current, so a ticket that was printed is never
// lost by a crash or a restart in the middle of an outage. No I/O, no clock: `today` and times are passed.

/** `Lease` (`POST /api/v1/queue/leases`). */
export interface Lease {
  lease_id: string;
  line: string;
  day: string;
  first: string;
  last: string;
  expires_at: string;
}

/** An offline ticket as the import takes it (`OfflineTicket`). */
export interface OfflineTicket {
  number: string;
  issued_at: string;
  priority: boolean;
  client_op_id: string;
}

export interface HeldLease {
  lease: Lease;
  /** The sequence the next offline ticket gets; `last + 1` once the block is used up. */
  next: number;
}

export interface PendingTicket {
  lease_id: string;
  line: string;
  ticket: OfflineTicket;
}

/** An offline ticket the server will never import, with its answer: kept for staff to see. */
export interface Unimportable extends PendingTicket {
  code: string;
  message: string;
}

export interface Ledger {
  version: 1;
  /** The device the leases were taken by (a lease belongs to one totem). */
  device_id?: string;
  /** Held leases, in the order they were received. */
  leases: HeldLease[];
  /** Offline tickets not yet imported, in issue order. */
  pending: PendingTicket[];
  /** Offline tickets the server refused for good (until staff acknowledge them). */
  unimportable: Unimportable[];
}

/** The most tickets the server takes in one import. */
export const MAX_IMPORT_BATCH = 100;
/** Leased numbers run from here to 999 (server-issued ones 001–499). */
export const FIRST_LEASED = 500;
export const LAST_NUMBER = 999;

export function emptyLedger(): Ledger {
  return { version: 1, leases: [], pending: [], unimportable: [] };
}

/** A ledger read back from storage, or an empty one when it is missing or not one this version wrote. */
export function ledgerFrom(value: unknown): Ledger | undefined {
  if (value === undefined || value === null) return emptyLedger();
  const ledger = value as Partial<Ledger>;
  if (ledger.version !== 1 || !Array.isArray(ledger.leases) || !Array.isArray(ledger.pending)) return undefined;
  return {
    version: 1,
    device_id: ledger.device_id,
    leases: ledger.leases,
    pending: ledger.pending,
    unimportable: ledger.unimportable ?? [],
  };
}

/** The ledger of `deviceId`: a lease belongs to one totem, so when the totem is enrolled again as another
 *  device its held leases can serve no more and are dropped. Pending tickets stay: the import will be
 *  refused (`unknown_lease`) and they will be set aside and reported, never lost silently. */
export function forDevice(ledger: Ledger, deviceId: string): Ledger {
  if (ledger.device_id === deviceId) return ledger;
  // The first device this ledger knows: whatever it holds was taken by it.
  if (ledger.device_id === undefined) return { ...ledger, device_id: deviceId };
  return { ...ledger, device_id: deviceId, leases: [] };
}

/** `A507` → 507; undefined for anything else. */
export function sequenceOf(number: string): number | undefined {
  const found = /^[A-Z](\d{3})$/.exec(number);
  return found ? Number(found[1]) : undefined;
}

export function numberOf(line: string, sequence: number): string {
  return `${line}${String(sequence).padStart(3, "0")}`;
}

function remainingIn(held: HeldLease): number {
  const last = sequenceOf(held.lease.last) ?? 0;
  return Math.max(0, last + 1 - held.next);
}

/** A block just received, none of it used; undefined when the server's answer does not fit the request
 *  (another line, numbers outside 500–999, first after last). */
export function heldLease(lease: Lease, line: string): HeldLease | undefined {
  const first = sequenceOf(lease.first);
  const last = sequenceOf(lease.last);
  if (first === undefined || last === undefined) return undefined;
  if (lease.line !== line || lease.first[0] !== line || lease.last[0] !== line) return undefined;
  if (first < FIRST_LEASED || last > LAST_NUMBER || first > last) return undefined;
  return { lease, next: first };
}

export function addLease(ledger: Ledger, held: HeldLease): Ledger {
  return { ...ledger, leases: [...ledger.leases, held] };
}

/** Numbers of today's leases for `line` not issued yet. */
export function remaining(ledger: Ledger, line: string, today: string): number {
  return ledger.leases
    .filter(held => held.lease.line === line && held.lease.day === today)
    .reduce((sum, held) => sum + remainingIn(held), 0);
}

/** Issues the next offline number of `line` on `today`: from the lowest block with numbers left, so that
 *  printed numbers only grow. The ticket is pending in the returned ledger. Undefined when today's leases
 *  for the line are used up (a past day's block never serves). */
export function issueOffline(
  ledger: Ledger,
  line: string,
  today: string,
  ticket: { issued_at: string; priority: boolean; client_op_id: string },
): { ledger: Ledger; pending: PendingTicket } | undefined {
  let chosen = -1;
  ledger.leases.forEach((held, index) => {
    if (held.lease.line !== line || held.lease.day !== today || remainingIn(held) === 0) return;
    if (chosen < 0 || held.next < ledger.leases[chosen].next) chosen = index;
  });
  if (chosen < 0) return undefined;
  const held = ledger.leases[chosen];
  const pending: PendingTicket = {
    lease_id: held.lease.lease_id,
    line,
    ticket: { number: numberOf(line, held.next), ...ticket },
  };
  const leases = ledger.leases.map((other, index) => (index === chosen ? { ...other, next: other.next + 1 } : other));
  return { ledger: { ...ledger, leases, pending: [...ledger.pending, pending] }, pending };
}

/** Forgets leases that can no longer serve: of a day before `today`, or used up. Their pending tickets stay
 *  pending (an import needs only the lease id). */
export function prune(ledger: Ledger, today: string): Ledger {
  // Days are `YYYY-MM-DD`: text order is date order.
  const leases = ledger.leases.filter(held => held.lease.day >= today && remainingIn(held) > 0);
  return leases.length === ledger.leases.length ? ledger : { ...ledger, leases };
}

/** The lines among `lines` whose numbers left today are fewer than `threshold`. */
export function linesToTopUp(ledger: Ledger, lines: readonly string[], today: string, threshold: number): string[] {
  return lines.filter(line => remaining(ledger, line, today) < threshold);
}

export interface ImportBatch {
  lease_id: string;
  tickets: OfflineTicket[];
}

/** The pending tickets as import requests: grouped by lease (leases in the order of their first pending
 *  ticket, tickets in issue order), at most `MAX_IMPORT_BATCH` per request. */
export function batches(ledger: Ledger): ImportBatch[] {
  const order: string[] = [];
  for (const pending of ledger.pending) if (!order.includes(pending.lease_id)) order.push(pending.lease_id);
  const result: ImportBatch[] = [];
  for (const lease_id of order) {
    const tickets = ledger.pending.filter(pending => pending.lease_id === lease_id).map(pending => pending.ticket);
    for (let start = 0; start < tickets.length; start += MAX_IMPORT_BATCH) {
      result.push({ lease_id, tickets: tickets.slice(start, start + MAX_IMPORT_BATCH) });
    }
  }
  return result;
}

/** Removes from pending the tickets the server has (by `client_op_id`). */
export function settle(ledger: Ledger, imported: readonly OfflineTicket[]): Ledger {
  const ops = new Set(imported.map(ticket => ticket.client_op_id));
  return { ...ledger, pending: ledger.pending.filter(pending => !ops.has(pending.ticket.client_op_id)) };
}

/** Moves every pending ticket of `leaseId` to the unimportable ones. */
export function setAsideLease(ledger: Ledger, leaseId: string, code: string, message: string): Ledger {
  const refused = ledger.pending.filter(pending => pending.lease_id === leaseId);
  return {
    ...ledger,
    pending: ledger.pending.filter(pending => pending.lease_id !== leaseId),
    unimportable: [...ledger.unimportable, ...refused.map(pending => ({ ...pending, code, message }))],
  };
}

/** Moves one pending ticket (by `client_op_id`) to the unimportable ones. */
export function setAsideTicket(ledger: Ledger, clientOpId: string, code: string, message: string): Ledger {
  const found = ledger.pending.find(pending => pending.ticket.client_op_id === clientOpId);
  if (!found) return ledger;
  return {
    ...ledger,
    pending: ledger.pending.filter(pending => pending !== found),
    unimportable: [...ledger.unimportable, { ...found, code, message }],
  };
}

/** Staff have taken note of the unimportable tickets: forget them. */
export function acknowledge(ledger: Ledger): Ledger {
  return ledger.unimportable.length === 0 ? ledger : { ...ledger, unimportable: [] };
}

// ——— What a server answer means (the Rust totem's `decisions.rs`) ———

/** An answer, or its absence: `status` 0 when no answer came (the network). */
export interface Failure {
  status: number;
  code: string;
}

/** The server could not take the ticket at all: no connection, or a gateway (502, 504) or an overloaded
 *  server (503) answering in its stead. Then the citizen still gets a ticket, from the lease. Any other
 *  answer (`desk_closed`, `line_full`, a revoked device…) is the server's word and is shown as it is. */
export function serverUnreachable(failure: Failure): boolean {
  return failure.status === 0 || (failure.status >= 502 && failure.status <= 504);
}

/** A lease refusal that concerns only its line (the other lines may still be topped up). */
export function isLineRefusal(failure: Failure): boolean {
  return failure.status === 409 || failure.status === 422 || (failure.status === 404 && failure.code === "unknown_line");
}

export type AfterRefusedImport =
  /** The lease is unusable (a past day's, or unknown): set aside every pending ticket of it. */
  | "set_aside_lease"
  /** The one ticket sent is refused: set it aside. */
  | "set_aside_ticket"
  /** One ticket of the batch is refused and which one is not machine-readable: send them one by one. */
  | "one_by_one"
  /** Not a refusal (network, busy server, authentication, a bare 404 of a proxy): stop, keep them pending. */
  | "stop";

export function afterRefusedImport(failure: Failure, batchLength: number): AfterRefusedImport {
  const { status, code } = failure;
  if ((status === 409 && code === "lease_expired") || (status === 404 && code === "unknown_lease")) return "set_aside_lease";
  const ticketRefusal =
    (status === 409 && (code === "number_taken" || code === "client_op_id_reused" || code === "outside_lease")) || status === 422;
  if (ticketRefusal) return batchLength === 1 ? "set_aside_ticket" : "one_by_one";
  return "stop";
}

// ——— Days and times ———

const ROME_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome", year: "numeric", month: "2-digit", day: "2-digit" });

/** The desk's civil day (Europe/Rome) at `ms`: `2026-11-27`. */
export function deskDay(ms: number): string {
  return ROME_DAY.format(new Date(ms));
}

/** The server's time format (`UtcTime`): `2026-11-27T08:30:00.000Z`. */
export function utcTime(ms: number): string {
  return new Date(ms).toISOString();
}
