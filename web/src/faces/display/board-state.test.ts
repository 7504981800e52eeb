import { describe, expect, it } from "vitest";
import type { QueueEvent } from "../../data/queue";
import { applyBoardEvent, heroCall, stateFromBoard, takeBoard, waitMinutes, type Board } from "./board-state";

const BOARD: Board = {
  day: "2026-12-05",
  open: true,
  now_calling: [{ number: "A001", line: "A", desk: "Sportello 1", called_at: "2026-12-05T08:00:00.000Z" }],
  last_calls: [{ number: "A001", line: "A", desk: "Sportello 1", called_at: "2026-12-05T08:00:00.000Z" }],
  lines: [
    { code: "A", name_it: "Accoglienza", name_en: "Welcome desk", waiting: 3, estimated_wait_s: 1440 },
    { code: "M", name_it: "Migranti e Intercultura", name_en: "Migrants", waiting: 0, estimated_wait_s: 0 },
  ],
  last_event_id: 10,
  announce_languages: ["en"],
};

function event(seq: number, kind: string, number = "A002", desk: string | null = "Sportello 2", line = "A"): QueueEvent {
  return {
    seq,
    kind,
    at: "2026-12-05T08:05:00.000Z",
    day: "2026-12-05",
    ticket: { id: `id-${number}`, number, line, priority: false, status: "called", issued_at: "2026-12-05T07:50:00.000Z", desk },
  };
}

const waiting = (state: ReturnType<typeof stateFromBoard>, code: string) => state.lines.find(l => l.code === code)?.waiting;

describe("board state", () => {
  it("starts from the board as read, languages included", () => {
    const state = stateFromBoard(BOARD);
    expect(state).toMatchObject({ lastEventId: 10, languages: ["en"], open: true });
    expect(heroCall(state)).toEqual({ call: BOARD.now_calling[0], calling: true });
  });

  it("a call shows at once as the newest, in the last calls too, and leaves the waiting count", () => {
    const { state, effect } = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.call"));
    expect(effect).toBe("refresh");
    expect(state.calling.map(c => c.number)).toEqual(["A002", "A001"]);
    expect(state.recent.map(c => c.number)).toEqual(["A002", "A001"]);
    expect(heroCall(state)?.call).toMatchObject({ number: "A002", desk: "Sportello 2" });
    expect(state.newestCallSeq).toBe(11);
    expect(waiting(state, "A")).toBe(2);
  });

  it("a recall moves the number back to the top without counting it twice", () => {
    let state = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.call")).state;
    state = applyBoardEvent(state, event(12, "ticket.recall", "A001", "Sportello 1")).state;
    expect(state.calling.map(c => c.number)).toEqual(["A001", "A002"]);
    expect(state.recent.map(c => c.number)).toEqual(["A001", "A002", "A001"]);
    expect(waiting(state, "A")).toBe(2);
  });

  it("an event already reflected changes nothing (a board read ahead of the stream)", () => {
    const state = stateFromBoard(BOARD);
    expect(applyBoardEvent(state, event(10, "ticket.call"))).toEqual({ state, effect: "none" });
    expect(applyBoardEvent(state, event(3, "ticket.call"))).toEqual({ state, effect: "none" });
  });

  it("start, finish and no-show take the number off the calls, not off the last calls", () => {
    for (const kind of ["ticket.start", "ticket.finish", "ticket.no_show"]) {
      const { state } = applyBoardEvent(stateFromBoard(BOARD), event(11, kind, "A001", "Sportello 1"));
      expect(state.calling, kind).toEqual([]);
      expect(state.recent.map(c => c.number), kind).toEqual(["A001"]);
      expect(heroCall(state), kind).toEqual({ call: BOARD.last_calls[0], calling: false });
    }
  });

  it("issued and imported tickets add to their line; a new line reads the board", () => {
    let result = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.issued", "M001", null, "M"));
    expect(waiting(result.state, "M")).toBe(1);
    result = applyBoardEvent(result.state, event(12, "ticket.imported", "A501", null, "A"));
    expect(waiting(result.state, "A")).toBe(4);
    expect(applyBoardEvent(result.state, event(13, "ticket.issued", "Z001", null, "Z")).effect).toBe("reload");
  });

  it("a cancelled waiting ticket leaves the count; a cancelled call leaves the calls", () => {
    const waitingCancelled = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.cancel", "A005", null)).state;
    expect(waiting(waitingCancelled, "A")).toBe(2);
    const callCancelled = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.cancel", "A001", null)).state;
    expect(waiting(callCancelled, "A")).toBe(3);
    expect(callCancelled.calling).toEqual([]);
  });

  it("lines.changed, reset and another day's events read the board at once", () => {
    const state = stateFromBoard(BOARD);
    expect(applyBoardEvent(state, { seq: 11, kind: "lines.changed", ticket: null }).effect).toBe("reload");
    expect(applyBoardEvent(state, { seq: 4, kind: "reset" }).effect).toBe("reload");
    expect(applyBoardEvent(state, { ...event(11, "ticket.call"), day: "2026-12-06" }).effect).toBe("reload");
  });

  it("a board read older than the state is not taken; a newer one is, keeping the mark of the newest call", () => {
    const state = applyBoardEvent(stateFromBoard(BOARD), event(11, "ticket.call")).state;
    expect(takeBoard(state, BOARD)).toEqual({ state, stale: true });
    const newer = { ...BOARD, last_event_id: 12 };
    const taken = takeBoard(state, newer);
    expect(taken.stale).toBe(false);
    expect(taken.state.lastEventId).toBe(12);
    expect(taken.state.newestCallSeq).toBe(11);
  });

  it("estimated waits are rough minutes, and none with nobody waiting", () => {
    expect(waitMinutes(0, 0)).toBeUndefined();
    expect(waitMinutes(20, 1)).toBe(1);
    expect(waitMinutes(480, 1)).toBe(8);
    expect(waitMinutes(1440, 3)).toBe(25);
    expect(waitMinutes(3 * 3600, 20)).toBe(180);
  });
});
