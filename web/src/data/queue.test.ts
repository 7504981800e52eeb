import { describe, expect, it as test } from "vitest";
import { ApiError } from "./api";
import {
  DESK_STORAGE_KEY,
  QUEUE_ERROR_CODES,
  allowedMoves,
  applyEvent,
  applyMove,
  checkDeskInput,
  createQueueApi,
  deskName,
  loadDeskSettings,
  parseDeskSettings,
  queueErrorKey,
  saveDeskSettings,
  stateFromTickets,
  waitingCounts,
  type QueueEvent,
  type Ticket,
} from "./queue";
import { it as italian } from "../i18n/it";
import { en } from "../i18n/en";

const DESK = deskName(2);

function ticket(number: string, status: Ticket["status"], extra: Partial<Ticket> = {}): Ticket {
  return {
    id: `id-${number}`,
    number,
    line: number[0],
    priority: false,
    status,
    issued_at: "2026-11-25T09:00:00.000Z",
    desk: null,
    ...extra,
  };
}

function event(seq: number, kind: string, t?: Ticket): QueueEvent {
  return { seq, kind, day: "2026-11-25", ticket: t ? { ...t } : null };
}

class MemoryStore {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe("the desk settings remembered on the tablet", () => {
  test("only the desk number and the line codes are stored, and read back", () => {
    const store = new MemoryStore();
    saveDeskSettings(store, { desk: 3, lines: ["M", "A", "A"] });
    expect(JSON.parse(store.items.get(DESK_STORAGE_KEY)!)).toEqual({ desk: 3, lines: ["A", "M"] });
    expect(loadDeskSettings(store)).toEqual({ desk: 3, lines: ["A", "M"] });
  });

  test("anything stored that is not a desk 1–99 with one-letter lines is ignored", () => {
    for (const raw of [
      null,
      "",
      "not json",
      "[]",
      '{"desk":0,"lines":["A"]}',
      '{"desk":100,"lines":["A"]}',
      '{"desk":2.5,"lines":["A"]}',
      '{"desk":"2","lines":["A"]}',
      '{"desk":2,"lines":[]}',
      '{"desk":2,"lines":["a"]}',
      '{"desk":2,"lines":["AB"]}',
      '{"desk":2}',
    ]) {
      expect(parseDeskSettings(raw), String(raw)).toBeUndefined();
    }
  });

  test("a storage that throws leaves the desk to be chosen again", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    expect(loadDeskSettings(broken)).toBeUndefined();
    expect(() => saveDeskSettings(broken, { desk: 1, lines: ["A"] })).not.toThrow();
  });

  test("the form needs a desk number from 1 to 99 and at least one line", () => {
    expect(checkDeskInput(" 2 ", ["M", "A"])).toEqual({ desk: 2, lines: ["A", "M"] });
    expect(checkDeskInput("0", ["A"])).toEqual({ problem: "queue.setup.deskInvalid" });
    expect(checkDeskInput("100", ["A"])).toEqual({ problem: "queue.setup.deskInvalid" });
    expect(checkDeskInput("due", ["A"])).toEqual({ problem: "queue.setup.deskInvalid" });
    expect(checkDeskInput("", ["A"])).toEqual({ problem: "queue.setup.deskInvalid" });
    expect(checkDeskInput("4", [])).toEqual({ problem: "queue.setup.linesNone" });
  });

  test("the desk is named for the board as the desk's signs name it", () => {
    expect(deskName(2)).toBe("Sportello 2");
  });
});

describe("the queue state", () => {
  test("a full read counts the waiting tickets and finds the one called to this desk", () => {
    const state = stateFromTickets(
      [
        ticket("A001", "done", { desk: DESK }),
        ticket("A002", "called", { desk: DESK, called_at: "2026-11-25T09:10:00.000Z" }),
        ticket("A003", "called", { desk: "Sportello 1" }),
        ticket("A004", "waiting"),
        ticket("M001", "waiting", { priority: true }),
      ],
      DESK,
      41,
    );
    expect(state.current?.number).toBe("A002");
    expect(state.lastEventId).toBe(41);
    expect(waitingCounts(state, ["A", "M"])).toEqual([
      { line: "A", waiting: 1, priority: 0 },
      { line: "M", waiting: 1, priority: 1 },
    ]);
  });

  test("an issued ticket is counted, a call to another desk removes it, a call here makes it current", () => {
    let state = stateFromTickets([], DESK, 10);
    state = applyEvent(state, event(11, "ticket.issued", ticket("A001", "waiting")), DESK).state;
    state = applyEvent(state, event(12, "ticket.issued", ticket("A002", "waiting")), DESK).state;
    expect(waitingCounts(state, ["A"])[0].waiting).toBe(2);
    state = applyEvent(state, event(13, "ticket.call", ticket("A001", "called", { desk: "Sportello 1" })), DESK).state;
    expect(state.current).toBeUndefined();
    state = applyEvent(state, event(14, "ticket.call", ticket("A002", "called", { desk: DESK })), DESK).state;
    expect(state.current?.number).toBe("A002");
    expect(waitingCounts(state, ["A"])[0].waiting).toBe(0);
    state = applyEvent(state, event(15, "ticket.finish", ticket("A002", "done", { desk: DESK })), DESK).state;
    expect(state.current).toBeUndefined();
    expect(state.lastEventId).toBe(15);
  });

  test("a transferred ticket waits again on its new line and leaves this desk", () => {
    let state = stateFromTickets([ticket("A002", "called", { desk: DESK })], DESK, 1);
    state = applyEvent(state, event(2, "ticket.transfer", ticket("A002", "waiting", { line: "M" })), DESK).state;
    expect(state.current).toBeUndefined();
    expect(waitingCounts(state, ["A", "M"])).toEqual([
      { line: "A", waiting: 0, priority: 0 },
      { line: "M", waiting: 1, priority: 0 },
    ]);
  });

  test("events the state already reflects change nothing, and a replay converges", () => {
    const events = [
      event(5, "ticket.issued", ticket("A001", "waiting")),
      event(6, "ticket.call", ticket("A001", "called", { desk: DESK })),
      event(7, "ticket.issued", ticket("A002", "waiting")),
    ];
    let once = stateFromTickets([], DESK, 4);
    for (const e of events) once = applyEvent(once, e, DESK).state;
    // A read taken after seq 6 (A001 called here) and resumed from seq 4: 5 and 6 are replayed over it.
    let replayed = stateFromTickets([ticket("A001", "called", { desk: DESK })], DESK, 4);
    for (const e of events) replayed = applyEvent(replayed, e, DESK).state;
    expect([...replayed.waiting.keys()]).toEqual([...once.waiting.keys()]);
    expect(replayed.current?.number).toBe(once.current?.number);
    const same = applyEvent(once, events[0], DESK);
    expect(same.state).toBe(once);
  });

  test("a reset or a change of lines asks for a full read", () => {
    const state = stateFromTickets([], DESK, 3);
    expect(applyEvent(state, { seq: 2, kind: "reset" }, DESK).effect).toBe("reload");
    expect(applyEvent(state, { seq: 4, kind: "lines.changed", ticket: null }, DESK).effect).toBe("reload");
    expect(applyEvent(state, event(5, "ticket.issued", ticket("A001", "waiting")), DESK).effect).toBe("none");
  });

  test("this desk's own move becomes the current ticket, or clears it", () => {
    let state = stateFromTickets([ticket("A001", "waiting")], DESK, 1);
    state = applyMove(state, ticket("A001", "called", { desk: DESK }), DESK);
    expect(state.current?.status).toBe("called");
    expect(state.waiting.size).toBe(0);
    state = applyMove(state, ticket("A001", "no_show", { desk: DESK }), DESK);
    expect(state.current).toBeUndefined();
  });

  test("the moves offered follow the life of a ticket", () => {
    expect(allowedMoves("called")).toEqual({ recall: true, start: true, finish: false, noShow: true, transfer: true });
    expect(allowedMoves("serving")).toEqual({ recall: false, start: false, finish: true, noShow: false, transfer: true });
    expect(Object.values(allowedMoves(undefined)).some(Boolean)).toBe(false);
  });
});

describe("queue errors in words", () => {
  test("every documented error code of the queue routes has an Italian and an English message", () => {
    for (const code of QUEUE_ERROR_CODES) {
      const key = queueErrorKey(new ApiError(409, code, "x"));
      expect(key, code).toBe(`queue.error.${code}`);
      expect(italian[key], code).toBeTruthy();
      expect(en[key], code).toBeTruthy();
    }
  });

  test("an unknown code or a thrown non-API error gets the generic queue message", () => {
    expect(queueErrorKey(new ApiError(418, "made_up", "x"))).toBe("queue.error.other");
    expect(queueErrorKey(new Error("boom"))).toBe("queue.error.other");
  });
});

describe("the queue's REST calls", () => {
  type Call = { url: string; init?: RequestInit };

  function fakeServer(answers: Response[]) {
    const calls: Call[] = [];
    const fetchFn = async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      const answer = answers.shift();
      if (!answer) throw new TypeError("Failed to fetch");
      return answer;
    };
    return { calls, fetchFn };
  }

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  test("call-next sends the desk and its lines with the token in the header", async () => {
    const { calls, fetchFn } = fakeServer([json(200, ticket("A001", "called", { desk: DESK }))]);
    const api = createQueueApi({ accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} }, fetchFn);
    const called = await api.callNext(DESK, ["A", "M"]);
    expect(called.number).toBe("A001");
    expect(calls[0].url).toBe("/api/v1/queue/call-next");
    expect(calls[0].init?.method).toBe("POST");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ desk: "Sportello 2", lines: ["A", "M"] });
    expect((calls[0].init?.headers as Record<string, string>).authorization).toBe("Bearer tok");
  });

  test("a move sends no body; the server's code comes back as the error", async () => {
    const { calls, fetchFn } = fakeServer([json(409, { error: "invalid_transition", message: "no" })]);
    const api = createQueueApi({ accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} }, fetchFn);
    await expect(api.move("id-A001", "no-show")).rejects.toMatchObject({ code: "invalid_transition", status: 409 });
    expect(calls[0].url).toBe("/api/v1/queue/tickets/id-A001/no-show");
    expect(calls[0].init?.body).toBeUndefined();
  });

  test("an expired token is refreshed and the call made once more with the new one", async () => {
    let token = "old";
    const { calls, fetchFn } = fakeServer([
      json(401, { error: "token_expired", message: "expired" }),
      json(200, [ticket("A001", "waiting")]),
    ]);
    const api = createQueueApi(
      { accessToken: () => token, refresh: async () => void (token = "new"), sessionEnded: () => {} },
      fetchFn,
    );
    expect(await api.tickets()).toHaveLength(1);
    expect(calls.map(c => (c.init?.headers as Record<string, string>).authorization)).toEqual(["Bearer old", "Bearer new"]);
  });

  test("an ended session is reported, and no request is made once signed out", async () => {
    let ended = 0;
    const { calls, fetchFn } = fakeServer([json(401, { error: "unauthenticated", message: "no" })]);
    const auth = { accessToken: (): string | undefined => "tok", refresh: async () => {}, sessionEnded: () => void (ended += 1) };
    const api = createQueueApi(auth, fetchFn);
    await expect(api.lines()).rejects.toMatchObject({ code: "unauthenticated" });
    expect(ended).toBe(1);
    auth.accessToken = () => undefined;
    await expect(api.lines()).rejects.toMatchObject({ code: "unauthenticated" });
    expect(calls).toHaveLength(1);
  });

  test("no answer at all is a network error", async () => {
    const { fetchFn } = fakeServer([]);
    const api = createQueueApi({ accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} }, fetchFn);
    await expect(api.lastEventId()).rejects.toMatchObject({ code: "network", status: 0 });
  });
});
