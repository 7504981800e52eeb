import { describe, expect, it as test } from "vitest";
import { QueueDesk } from "./queue-desk";
import { DESK_STORAGE_KEY, type QueueEvent, type Ticket } from "./queue";
import type { StreamOptions } from "./queue-stream";

const LINES = [
  { code: "A", name_it: "Accoglienza", name_en: "Welcome desk", active: true, daily_cap: null },
  { code: "M", name_it: "Migranti", name_en: "Migrants", active: true, daily_cap: null },
];

function ticket(number: string, status: Ticket["status"], extra: Partial<Ticket> = {}): Ticket {
  return { id: `id-${number}`, number, line: number[0], priority: false, status, issued_at: "2026-11-25T09:00:00.000Z", desk: null, ...extra };
}

/** A fake queue server: answers by method and path, records the calls. */
function fakeServer(routes: Record<string, () => Response | Promise<Response>>) {
  const calls: string[] = [];
  const fetchFn = async (url: string, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${url.replace("/api/v1/queue", "")}`;
    calls.push(key);
    const route = routes[key];
    if (!route) throw new TypeError("Failed to fetch");
    return route();
  };
  return { calls, fetchFn };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

function memoryStore(initial?: Record<string, string>) {
  const items = new Map(Object.entries(initial ?? {}));
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

function fakeStream() {
  const made: { options: StreamOptions; after?: number; stopped: boolean }[] = [];
  const makeStream = (options: StreamOptions) => {
    const entry = { options, after: undefined as number | undefined, stopped: false };
    made.push(entry);
    return { start: (after: number) => void (entry.after = after), stop: () => void (entry.stopped = true), reconnectNow: () => {} };
  };
  return { made, makeStream };
}

const auth = { accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} };

describe("the desk's queue", () => {
  test("without a chosen desk only the lines are read, for the form", async () => {
    const { calls, fetchFn } = fakeServer({ "GET /lines": () => json(200, LINES) });
    const streams = fakeStream();
    const desk = new QueueDesk({ auth, fetch: fetchFn, store: memoryStore(), makeStream: streams.makeStream });
    await desk.start();
    expect(desk.view.settings).toBeUndefined();
    expect(desk.view.lines.map(l => l.code)).toEqual(["A", "M"]);
    expect(calls).toEqual(["GET /lines"]);
    expect(streams.made).toHaveLength(0);
    desk.stop();
  });

  test("a remembered desk reads the queue and opens the stream after the board's event", async () => {
    const { fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 17 }),
      "GET /tickets": () => json(200, [ticket("A001", "waiting"), ticket("A002", "called", { desk: "Sportello 4" })]),
    });
    const streams = fakeStream();
    const store = memoryStore({ [DESK_STORAGE_KEY]: '{"desk":4,"lines":["A"]}' });
    const desk = new QueueDesk({ auth, fetch: fetchFn, store, makeStream: streams.makeStream });
    await desk.start();
    expect(desk.view.loaded).toBe(true);
    expect(desk.view.queue.current?.number).toBe("A002");
    expect(streams.made[0].after).toBe(17);
    // An event from the stream updates the counts.
    const issued: QueueEvent = { seq: 18, kind: "ticket.issued", ticket: ticket("A003", "waiting") };
    streams.made[0].options.onEvent(issued);
    expect(desk.view.queue.waiting.has("id-A003")).toBe(true);
    desk.stop();
    expect(streams.made[0].stopped).toBe(true);
  });

  test("choosing the desk stores it and calls to it with its lines", async () => {
    let body = "";
    const { fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 0 }),
      "GET /tickets": () => json(200, [ticket("M001", "waiting")]),
      "POST /call-next": () => json(200, ticket("M001", "called", { desk: "Sportello 3" })),
    });
    const spy = async (url: string, init?: RequestInit) => {
      if (url.endsWith("/call-next")) body = String(init?.body);
      return fetchFn(url, init);
    };
    const store = memoryStore();
    const desk = new QueueDesk({ auth, fetch: spy, store, makeStream: fakeStream().makeStream });
    await desk.start();
    await desk.configure({ desk: 3, lines: ["M"] });
    expect(store.items.get(DESK_STORAGE_KEY)).toBe('{"desk":3,"lines":["M"]}');
    await desk.callNext();
    expect(JSON.parse(body)).toEqual({ desk: "Sportello 3", lines: ["M"] });
    expect(desk.view.queue.current?.number).toBe("M001");
    expect(desk.view.done).toEqual({ key: "queue.done.called", number: "M001", line: "M" });
    desk.stop();
  });

  test("nobody waiting is told in words; a move someone else made first reads the queue again", async () => {
    let ticketReads = 0;
    const { fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 0 }),
      "GET /tickets": () => (ticketReads++ === 0 ? json(200, [ticket("A001", "called", { desk: "Sportello 1" })]) : json(200, [])),
      "POST /call-next": () => json(404, { error: "queue_empty", message: "nobody" }),
      "POST /tickets/id-A001/start": () => json(409, { error: "invalid_transition", message: "no" }),
    });
    const store = memoryStore({ [DESK_STORAGE_KEY]: '{"desk":1,"lines":["A"]}' });
    const desk = new QueueDesk({ auth, fetch: fetchFn, store, makeStream: fakeStream().makeStream });
    await desk.start();
    await desk.move("start");
    expect(desk.view.error).toBe("queue.error.invalid_transition");
    expect(ticketReads).toBe(2);
    expect(desk.view.queue.current).toBeUndefined();
    await desk.callNext();
    expect(desk.view.error).toBe("queue.error.queue_empty");
    desk.stop();
  });

  test("offline nothing is asked of the server, and the view says offline until the network returns", async () => {
    let online = false;
    const listeners = new Map<string, () => void>();
    const events = {
      addEventListener: (name: string, listener: () => void) => void listeners.set(name, listener),
      removeEventListener: (name: string) => void listeners.delete(name),
    } as unknown as Pick<EventTarget, "addEventListener" | "removeEventListener">;
    const { calls, fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 0 }),
      "GET /tickets": () => json(200, []),
    });
    const store = memoryStore({ [DESK_STORAGE_KEY]: '{"desk":1,"lines":["A"]}' });
    const desk = new QueueDesk({ auth, fetch: fetchFn, store, online: () => online, events, makeStream: fakeStream().makeStream });
    await desk.start();
    await desk.callNext();
    expect(desk.view.network).toBe("offline");
    expect(calls).toEqual([]);
    online = true;
    listeners.get("online")!();
    await new Promise(resolve => setTimeout(resolve, 0));
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(calls).toEqual(["GET /lines", "GET /board", "GET /tickets"]);
    expect(desk.view.loaded).toBe(true);
    desk.stop();
    expect(listeners.size).toBe(0);
  });
});

describe("changing the desk while the queue is being read", () => {
  test("the new desk's queue is read once the first read is over", async () => {
    let release!: () => void;
    const gate = new Promise<void>(resolve => (release = resolve));
    let ticketReads = 0;
    const { fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 0 }),
      "GET /tickets": async () => {
        ticketReads += 1;
        if (ticketReads === 1) await gate;
        return json(200, [ticket("M001", "called", { desk: "Sportello 5" })]);
      },
    });
    const store = memoryStore({ [DESK_STORAGE_KEY]: '{"desk":1,"lines":["A"]}' });
    const desk = new QueueDesk({ auth, fetch: fetchFn, store, makeStream: fakeStream().makeStream });
    const started = desk.start();
    await new Promise(resolve => setTimeout(resolve, 0));
    const configured = desk.configure({ desk: 5, lines: ["M"] });
    release();
    await Promise.all([started, configured]);
    expect(ticketReads).toBe(2);
    expect(desk.view.loaded).toBe(true);
    expect(desk.view.queue.current?.number).toBe("M001");
    desk.stop();
  });
});

describe("a stream that ends without the panel asking", () => {
  test("is opened again after the queue is read again", async () => {
    let boardReads = 0;
    const { fetchFn } = fakeServer({
      "GET /lines": () => json(200, LINES),
      "GET /board": () => json(200, { last_event_id: 10 + boardReads++ }),
      "GET /tickets": () => json(200, []),
    });
    const streams = fakeStream();
    const store = memoryStore({ [DESK_STORAGE_KEY]: '{"desk":1,"lines":["A"]}' });
    const desk = new QueueDesk({ auth, fetch: fetchFn, store, makeStream: streams.makeStream, retryMs: 1 });
    await desk.start();
    expect(streams.made).toHaveLength(1);
    streams.made[0].options.onState("stopped");
    const start = Date.now();
    while (streams.made.length < 2 && Date.now() - start < 2000) await new Promise(resolve => setTimeout(resolve, 5));
    expect(streams.made).toHaveLength(2);
    expect(streams.made[1].after).toBe(11);
    desk.stop();
  });
});
