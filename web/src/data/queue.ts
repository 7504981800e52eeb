// The desk's queue, as the operator's panel sees it: the wire types of `/api/v1/queue/*` (docs/api.md §3.8),
// the REST calls the panel makes, the desk settings remembered on the tablet, and the pure state the panel
// renders (the people waiting per line, the ticket called to this desk), kept current by the event stream
// (`queue-stream.ts`). Nothing here touches the DOM.
//
// Invariants:
// - The queue is online only: the server is the authority on numbers and moves; nothing is queued offline.
// - Tickets carry no personal data, and the tablet remembers only the desk number and the line codes it
//   serves (localStorage, `sportello.queue.desk`): never a ticket, a token or anything about a person.
// - Events are applied in order, each one setting its ticket's latest status, so replaying events the state
//   already reflects (a resume just after a reload) converges to the same state.

import { ApiError, errorOf } from "./api";
import type { MessageKey } from "../i18n";

export type TicketStatus = "waiting" | "called" | "serving" | "done" | "no_show" | "cancelled" | "expired";

/** `Ticket`, the operators' view of a ticket. */
export interface Ticket {
  id: string;
  number: string;
  line: string;
  priority: boolean;
  status: TicketStatus;
  source?: "server" | "lease";
  day?: string;
  issued_at: string;
  called_at?: string | null;
  started_at?: string | null;
  ended_at?: string | null;
  desk: string | null;
  operator_id?: string | null;
  recalls?: number;
  transfers?: number;
}

/** `ServiceLine` (`GET /api/v1/queue/lines`). */
export interface ServiceLine {
  code: string;
  name_it: string;
  name_en: string;
  active: boolean;
  daily_cap: number | null;
}

/** `QueueEvent` (`GET /api/v1/queue/events`); `ticket` is an `EventTicket` (a subset of `Ticket`). */
export interface QueueEvent {
  seq: number;
  kind: string;
  at?: string;
  day?: string;
  ticket?: Pick<Ticket, "id" | "number" | "line" | "priority" | "status" | "issued_at" | "desk"> | null;
}

// ——— The desk settings (remembered on the tablet: the desk number and line codes only) ———

export interface DeskSettings {
  /** The desk's number, 1–99; the board shows it as `deskName(number)`. */
  desk: number;
  /** The codes of the lines this desk calls from (at least one). */
  lines: string[];
}

export const DESK_STORAGE_KEY = "sportello.queue.desk";
export const DESK_MAX = 99;

/** The desk as the server and the waiting-room board name it. A wire value (the board shows it to the
 * public whatever the operator's language), not a UI string: Italian, like the desk's signs. */
export function deskName(desk: number): string {
  return `Sportello ${desk}`;
}

const LINE_CODE = /^[A-Z]$/;

/** The settings in `raw` (what was stored), or undefined when absent or not well formed. */
export function parseDeskSettings(raw: string | null | undefined): DeskSettings | undefined {
  if (!raw) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { desk, lines } = value as { desk?: unknown; lines?: unknown };
  if (typeof desk !== "number" || !Number.isInteger(desk) || desk < 1 || desk > DESK_MAX) return undefined;
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 26) return undefined;
  if (!lines.every(code => typeof code === "string" && LINE_CODE.test(code))) return undefined;
  return { desk, lines: [...new Set(lines as string[])].sort() };
}

/** What is stored: exactly the desk number and the line codes, nothing else. */
export function serializeDeskSettings(settings: DeskSettings): string {
  return JSON.stringify({ desk: settings.desk, lines: [...new Set(settings.lines)].sort() });
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadDeskSettings(store: KeyValueStore | undefined): DeskSettings | undefined {
  try {
    return parseDeskSettings(store?.getItem(DESK_STORAGE_KEY));
  } catch {
    return undefined; // storage refused (private mode): the desk is asked again
  }
}

export function saveDeskSettings(store: KeyValueStore | undefined, settings: DeskSettings): void {
  try {
    store?.setItem(DESK_STORAGE_KEY, serializeDeskSettings(settings));
  } catch {
    // storage refused: the choice lasts for this page only
  }
}

/** The form's input checked: the message key of the first problem, or the settings. */
export function checkDeskInput(deskText: string, lines: readonly string[]): DeskSettings | { problem: MessageKey } {
  const text = deskText.trim();
  const desk = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(desk) || desk < 1 || desk > DESK_MAX) return { problem: "queue.setup.deskInvalid" };
  if (lines.length === 0) return { problem: "queue.setup.linesNone" };
  return { desk, lines: [...new Set(lines)].sort() };
}

// ——— The state the panel renders ———

export interface QueueState {
  /** Today's waiting tickets by id (every line: the panel shows its own lines' counts). */
  waiting: Map<string, Pick<Ticket, "id" | "number" | "line" | "priority" | "issued_at">>;
  /** The ticket called to (or being served at) this desk, if any. */
  current?: Ticket;
  /** The last event applied (resume the stream after it). */
  lastEventId: number;
}

/** The state from a full read: today's tickets (`GET /api/v1/queue/tickets`) and the board's event id. */
export function stateFromTickets(tickets: readonly Ticket[], desk: string, lastEventId: number): QueueState {
  const waiting: QueueState["waiting"] = new Map();
  let current: Ticket | undefined;
  for (const ticket of tickets) {
    if (ticket.status === "waiting") waiting.set(ticket.id, pickWaiting(ticket));
    else if (isAtDesk(ticket, desk) && (!current || (ticket.called_at ?? "") > (current.called_at ?? ""))) {
      current = ticket;
    }
  }
  return { waiting, current, lastEventId };
}

function isAtDesk(ticket: Pick<Ticket, "status" | "desk">, desk: string): boolean {
  return (ticket.status === "called" || ticket.status === "serving") && ticket.desk === desk;
}

function pickWaiting(ticket: Pick<Ticket, "id" | "number" | "line" | "priority" | "issued_at">) {
  return { id: ticket.id, number: ticket.number, line: ticket.line, priority: ticket.priority, issued_at: ticket.issued_at };
}

/** What an event means for the panel beside the new state: a full reload (missed events, new lines). */
export type EventEffect = "none" | "reload";

/** Applies one event from the stream; events at or before `lastEventId` change nothing. */
export function applyEvent(state: QueueState, event: QueueEvent, desk: string): { state: QueueState; effect: EventEffect } {
  if (event.kind === "reset") return { state: { ...state, lastEventId: event.seq }, effect: "reload" };
  if (event.seq <= state.lastEventId) return { state, effect: "none" };
  const next: QueueState = { ...state, lastEventId: event.seq };
  if (event.kind === "lines.changed") return { state: next, effect: "reload" };
  const ticket = event.ticket;
  if (!ticket) return { state: next, effect: "none" };
  const waiting = new Map(state.waiting);
  if (ticket.status === "waiting") waiting.set(ticket.id, pickWaiting(ticket));
  else waiting.delete(ticket.id);
  next.waiting = waiting;
  if (isAtDesk(ticket, desk)) {
    const previous = state.current?.id === ticket.id ? state.current : undefined;
    next.current = { ...previous, ...ticket, desk: ticket.desk };
  } else if (state.current?.id === ticket.id) {
    next.current = undefined; // finished, no-show, transferred or taken elsewhere
  }
  return { state: next, effect: "none" };
}

/** Keeps the answer of one of this desk's moves (a `Ticket`) as the current ticket, or clears it. */
export function applyMove(state: QueueState, ticket: Ticket, desk: string): QueueState {
  const waiting = new Map(state.waiting);
  if (ticket.status === "waiting") waiting.set(ticket.id, pickWaiting(ticket));
  else waiting.delete(ticket.id);
  const current = isAtDesk(ticket, desk) ? ticket : state.current?.id === ticket.id ? undefined : state.current;
  return { ...state, waiting, current };
}

/** People waiting on each of `lines` (in that order), and how many of them have priority. */
export function waitingCounts(state: QueueState, lines: readonly string[]): { line: string; waiting: number; priority: number }[] {
  return lines.map(line => {
    let waiting = 0;
    let priority = 0;
    for (const ticket of state.waiting.values()) {
      if (ticket.line !== line) continue;
      waiting += 1;
      if (ticket.priority) priority += 1;
    }
    return { line, waiting, priority };
  });
}

/** Which moves the ticket's status allows from this panel (the table is `schema::queue::transition`). */
export function allowedMoves(status: TicketStatus | undefined): {
  recall: boolean;
  start: boolean;
  finish: boolean;
  noShow: boolean;
  transfer: boolean;
} {
  return {
    recall: status === "called",
    start: status === "called",
    finish: status === "serving",
    noShow: status === "called",
    transfer: status === "called" || status === "serving",
  };
}

// ——— Errors in words ———

/** The codes the queue routes document (docs/api.md §1.4, §3.8) and the session's own, each with an
 * Italian message in the panel's catalogue block. */
export const QUEUE_ERROR_CODES = [
  "queue_empty",
  "invalid_transition",
  "same_line",
  "unknown_line",
  "line_inactive",
  "not_found",
  "validation_failed",
  "invalid_request",
  "forbidden",
  "too_many_denials",
  "too_many_streams",
  "busy",
  "internal",
  "network",
  "unauthenticated",
  "token_expired",
  "password_change_required",
] as const;

export type QueueErrorCode = (typeof QUEUE_ERROR_CODES)[number];

/** The catalogue key for an error of a queue call. */
export function queueErrorKey(error: unknown): MessageKey {
  const code = error instanceof ApiError ? error.code : "";
  return (QUEUE_ERROR_CODES as readonly string[]).includes(code)
    ? (`queue.error.${code as QueueErrorCode}` as MessageKey)
    : "queue.error.other";
}

// ——— The REST calls ———

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface QueueAuth {
  /** The current access token, or undefined once signed out. */
  accessToken: () => string | undefined;
  /** The server said the token expired: refresh it (the call is then made once more). */
  refresh: () => Promise<void>;
  /** The server said the session is over. */
  sessionEnded: () => void;
  /** Issue 12: the server said `session_wiped` (the tablet deletes its local data). */
  sessionWiped?: () => void;
}

export type Move = "recall" | "start" | "finish" | "no-show";

export interface QueueApi {
  lines(): Promise<ServiceLine[]>;
  /** The board's `last_event_id` (the point the stream resumes from). */
  lastEventId(): Promise<number>;
  tickets(): Promise<Ticket[]>;
  callNext(desk: string, lines: readonly string[]): Promise<Ticket>;
  move(id: string, move: Move): Promise<Ticket>;
  transfer(id: string, line: string): Promise<Ticket>;
}

export function createQueueApi(auth: QueueAuth, fetchFn: Fetch = (input, init) => fetch(input, init), base = ""): QueueApi {
  async function once(method: "GET" | "POST", path: string, body: unknown): Promise<Response> {
    const token = auth.accessToken();
    if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetchFn(`${base}/api/v1/queue${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "the server could not be reached");
    }
  }

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response = await once(method, path, body);
    let failure = response.ok ? undefined : await errorOf(response);
    if (failure?.code === "token_expired") {
      await auth.refresh();
      response = await once(method, path, body);
      failure = response.ok ? undefined : await errorOf(response);
    }
    if (failure) {
      if (failure.code === "session_wiped") (auth.sessionWiped ?? auth.sessionEnded)();
      else if (failure.code === "unauthenticated" || failure.code === "token_expired") auth.sessionEnded();
      throw failure;
    }
    return (await response.json()) as T;
  }

  return {
    lines: () => call<ServiceLine[]>("GET", "/lines"),
    lastEventId: async () => (await call<{ last_event_id: number }>("GET", "/board")).last_event_id,
    tickets: () => call<Ticket[]>("GET", "/tickets"),
    callNext: (desk, lines) => call<Ticket>("POST", "/call-next", { desk, lines: [...lines] }),
    move: (id, move) => call<Ticket>("POST", `/tickets/${encodeURIComponent(id)}/${move}`),
    transfer: (id, line) => call<Ticket>("POST", `/tickets/${encodeURIComponent(id)}/transfer`, { line }),
  };
}

/** The server's error answer as an `ApiError` (its stable code, or `http_<status>`): `api.ts`'s, here too for
 *  the queue's callers. */
export { errorOf };
