// What the waiting-room display shows, as pure state: the board the server answers
// (`GET /api/v1/queue/board`, docs/api.md §3.8) kept current by the queue's events until the next read.
// No DOM, no network (display-feed.ts does those); unit-tested in board-state.test.ts.
//
// Invariants:
// - Nothing about a person: numbers, line letters and names, desks, counts, times. The board has nothing
//   else and nothing else is kept.
// - Events are applied in order and only once: an event at or before `lastEventId` changes nothing, so a
//   board read that is ahead of the stream is never rolled back by the events it already reflects.
// - An event shows a call at once; the counts and estimated waits it cannot know exactly (a transfer from
//   an unknown line, the pace of the desks) come with the next read of the board, which the event asks for.

import type { QueueEvent } from "../../data/queue";

/** `BoardCall`: one call as the waiting room sees it. */
export interface BoardCall {
  number: string;
  line: string;
  desk: string;
  called_at: string;
}

/** `BoardLine`: one line and the people waiting on it. */
export interface BoardLine {
  code: string;
  name_it: string;
  name_en: string;
  waiting: number;
  estimated_wait_s: number;
}

/** `Board` (`GET /api/v1/queue/board`). */
export interface Board {
  day: string;
  open: boolean;
  now_calling: BoardCall[];
  last_calls: BoardCall[];
  lines: BoardLine[];
  last_event_id: number;
  /** The languages calls are repeated in after Italian (the admin's choice). */
  announce_languages?: string[];
}

export interface DisplayState {
  day: string;
  open: boolean;
  /** Tickets being called now, newest first. */
  calling: BoardCall[];
  /** The day's last calls, recalls included, newest first (at most `RECENT`). */
  recent: BoardCall[];
  lines: BoardLine[];
  languages: string[];
  /** The last event this state reflects. */
  lastEventId: number;
  /** The sequence number of the newest call or recall applied from the stream (the screen marks it). */
  newestCallSeq?: number;
}

export const RECENT = 10;

export function stateFromBoard(board: Board): DisplayState {
  return {
    day: board.day,
    open: board.open,
    calling: [...board.now_calling],
    recent: board.last_calls.slice(0, RECENT),
    lines: board.lines.map(line => ({ ...line })),
    languages: [...(board.announce_languages ?? [])],
    lastEventId: board.last_event_id,
  };
}

/** A board read arrived: take it unless it is older than what the state already reflects (then read
 *  again). The mark of the newest call stays. */
export function takeBoard(state: DisplayState | undefined, board: Board): { state: DisplayState; stale: boolean } {
  if (state && board.last_event_id < state.lastEventId) return { state, stale: true };
  return { state: { ...stateFromBoard(board), newestCallSeq: state?.newestCallSeq }, stale: false };
}

/** What an event asks of the display beside the new state: nothing, a read of the board soon (counts,
 *  estimates), or a read at once (new lines, settings, missed events). */
export type BoardEffect = "none" | "refresh" | "reload";

function addWaiting(lines: BoardLine[], code: string, delta: number): { lines: BoardLine[]; known: boolean } {
  let known = false;
  const next = lines.map(line => {
    if (line.code !== code) return line;
    known = true;
    return { ...line, waiting: Math.max(0, line.waiting + delta) };
  });
  return { lines: next, known };
}

/** Applies one event of the stream. */
export function applyBoardEvent(state: DisplayState, event: QueueEvent): { state: DisplayState; effect: BoardEffect } {
  if (event.kind === "reset") return { state: { ...state, lastEventId: event.seq }, effect: "reload" };
  if (event.seq <= state.lastEventId) return { state, effect: "none" };
  const next: DisplayState = { ...state, lastEventId: event.seq };
  if (event.kind === "lines.changed") return { state: next, effect: "reload" };
  const ticket = event.ticket;
  if (!ticket) return { state: next, effect: "refresh" };
  // Another day's event (the stream crossed midnight): the next read tells the new day's board.
  if (event.day && event.day !== state.day) return { state: next, effect: "reload" };
  const wasCalling = state.calling.some(call => call.number === ticket.number);
  const calling = state.calling.filter(call => call.number !== ticket.number);
  switch (event.kind) {
    case "ticket.call":
    case "ticket.recall": {
      const call: BoardCall = {
        number: ticket.number,
        line: ticket.line,
        desk: ticket.desk ?? "",
        called_at: event.at ?? new Date().toISOString(),
      };
      next.calling = [call, ...calling];
      next.recent = [call, ...state.recent].slice(0, RECENT);
      next.newestCallSeq = event.seq;
      if (event.kind === "ticket.call" && !wasCalling) next.lines = addWaiting(state.lines, ticket.line, -1).lines;
      return { state: next, effect: "refresh" };
    }
    case "ticket.issued":
    case "ticket.imported": {
      const { lines, known } = addWaiting(state.lines, ticket.line, +1);
      next.lines = lines;
      return { state: next, effect: known ? "refresh" : "reload" };
    }
    case "ticket.cancel":
    case "ticket.expire":
      next.calling = calling;
      if (!wasCalling) next.lines = addWaiting(state.lines, ticket.line, -1).lines;
      return { state: next, effect: "refresh" };
    case "ticket.transfer": {
      next.calling = calling;
      // It waits again on its new line; the line it left is known only to the board.
      next.lines = addWaiting(state.lines, ticket.line, +1).lines;
      return { state: next, effect: "refresh" };
    }
    default:
      // start, finish, no-show: the number is no longer being called.
      next.calling = calling;
      return { state: next, effect: "refresh" };
  }
}

/** The call the screen shows largest: the newest still being called, else the last one made. */
export function heroCall(state: DisplayState): { call: BoardCall; calling: boolean } | undefined {
  if (state.calling[0]) return { call: state.calling[0], calling: true };
  if (state.recent[0]) return { call: state.recent[0], calling: false };
  return undefined;
}

/** An estimated wait in whole minutes (to the nearest 5 past a quarter of an hour: "circa 25 min"), or
 *  undefined when nobody waits. A rough figure, shown as one. */
export function waitMinutes(seconds: number, waiting: number): number | undefined {
  if (waiting <= 0) return undefined;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes <= 15 ? minutes : Math.round(minutes / 5) * 5;
}
