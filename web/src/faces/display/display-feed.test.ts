import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QueueEvent } from "../../data/queue";
import type { Board } from "./board-state";
import { DisplayFeed, type FeedOptions } from "./display-feed";

function board(lastEventId: number, extra: Partial<Board> = {}): Board {
  return {
    day: "2026-12-05",
    open: true,
    now_calling: [],
    last_calls: [],
    lines: [{ code: "A", name_it: "Accoglienza", name_en: "Welcome desk", waiting: 2, estimated_wait_s: 960 }],
    last_event_id: lastEventId,
    announce_languages: ["en"],
    ...extra,
  };
}

function call(seq: number, number: string): QueueEvent {
  return {
    seq,
    kind: "ticket.call",
    at: "2026-12-05T08:00:00.000Z",
    day: "2026-12-05",
    ticket: { id: number, number, line: "A", priority: false, status: "called", issued_at: "2026-12-05T07:00:00.000Z", desk: "Sportello 1" },
  };
}

/** A server answering the board reads with `boards` in turn (the last one again after that). */
function server(boards: (Board | "down" | number)[]) {
  const reads: string[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    reads.push(`${url} ${(init?.headers as Record<string, string>).authorization}`);
    const next = boards.length > 1 ? boards.shift()! : boards[0];
    if (next === "down") throw new TypeError("Failed to fetch");
    if (typeof next === "number") return new Response(JSON.stringify({ error: next === 401 ? "unauthenticated" : "forbidden", message: "" }), { status: next });
    return new Response(JSON.stringify(next), { status: 200 });
  };
  return { fetch, reads };
}

function fakeStream() {
  const made: { after?: number; reconnects: number; options: Parameters<NonNullable<FeedOptions["makeStream"]>>[0] }[] = [];
  const makeStream: FeedOptions["makeStream"] = options => {
    const entry = { after: undefined as number | undefined, reconnects: 0, options };
    made.push(entry);
    return {
      start: (after: number) => void (entry.after = after),
      stop: () => undefined,
      reconnectNow: () => void (entry.reconnects += 1),
    };
  };
  return { made, makeStream };
}

const auth = (ended = { count: 0 }) => ({
  accessToken: () => "device-token",
  refresh: async () => undefined,
  sessionEnded: () => void (ended.count += 1),
});

beforeEach(() => vi.useFakeTimers({ now: Date.parse("2026-12-05T08:00:00Z") }));
afterEach(() => vi.useRealTimers());

describe("DisplayFeed", () => {
  it("reads the board with the device token in the header, then streams from its last event", async () => {
    const srv = server([board(41)]);
    const streams = fakeStream();
    const boards: [number, boolean][] = [];
    const feed = new DisplayFeed({ auth: auth(), fetch: srv.fetch, makeStream: streams.makeStream, onBoard: (b, fresh) => boards.push([b.last_event_id, fresh]) });
    await feed.start();
    expect(srv.reads).toEqual(["/api/v1/queue/board Bearer device-token"]);
    expect(streams.made[0].after).toBe(41);
    expect(boards).toEqual([[41, true]]);
    expect(feed.view.state?.languages).toEqual(["en"]);
    streams.made[0].options.onState("live");
    expect(feed.view.network).toBe("live");
    feed.stop();
  });

  it("shows an event at once and reads the counts again once, a little later, for a burst of events", async () => {
    const srv = server([board(41), board(44)]);
    const streams = fakeStream();
    const seen: number[] = [];
    const feed = new DisplayFeed({ auth: auth(), fetch: srv.fetch, makeStream: streams.makeStream, onEvent: e => seen.push(e.seq), random: () => 0 });
    await feed.start();
    const { onEvent } = streams.made[0].options;
    onEvent(call(42, "A001"));
    onEvent(call(43, "A002"));
    onEvent(call(44, "A003"));
    expect(seen).toEqual([42, 43, 44]);
    expect(feed.view.state?.calling.map(c => c.number)).toEqual(["A003", "A002", "A001"]);
    expect(srv.reads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1600);
    expect(srv.reads).toHaveLength(2);
    expect(feed.view.state?.lastEventId).toBe(44);
    expect(streams.made).toHaveLength(1); // the stream goes on
    feed.stop();
  });

  it("a reset starts over from a fresh board: nothing it shows is news", async () => {
    const srv = server([board(41), board(90)]);
    const streams = fakeStream();
    const boards: [number, boolean][] = [];
    const feed = new DisplayFeed({ auth: auth(), fetch: srv.fetch, makeStream: streams.makeStream, onBoard: (b, fresh) => boards.push([b.last_event_id, fresh]) });
    await feed.start();
    streams.made[0].options.onEvent({ seq: 5, kind: "reset" });
    await vi.advanceTimersByTimeAsync(0);
    expect(boards).toEqual([
      [41, true],
      [90, true],
    ]);
    feed.stop();
  });

  it("offline says so and keeps the last time it heard from the server; online again it reconnects at once", async () => {
    let online = true;
    const events = new EventTarget();
    const srv = server([board(41)]);
    const streams = fakeStream();
    const feed = new DisplayFeed({ auth: auth(), fetch: srv.fetch, makeStream: streams.makeStream, online: () => online, events });
    await feed.start();
    streams.made[0].options.onState("live");
    const heard = feed.view.updatedAt;
    online = false;
    events.dispatchEvent(new Event("offline"));
    expect(feed.view.network).toBe("offline");
    expect(feed.view.updatedAt).toBe(heard);
    expect(streams.made[0].reconnects).toBe(1); // the dead stream dropped at once
    online = true;
    events.dispatchEvent(new Event("online"));
    expect(streams.made[0].reconnects).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(srv.reads).toHaveLength(2); // and the counts read again
    feed.stop();
  });

  it("a server that does not answer is read again later; a refused device ends the session", async () => {
    const srv = server(["down", board(41)]);
    const streams = fakeStream();
    const feed = new DisplayFeed({ auth: auth(), fetch: srv.fetch, makeStream: streams.makeStream, retryMs: 5000 });
    await feed.start();
    expect(feed.view.network).toBe("unavailable");
    await vi.advanceTimersByTimeAsync(5000);
    expect(feed.view.state?.lastEventId).toBe(41);
    feed.stop();

    const ended = { count: 0 };
    const revoked = new DisplayFeed({ auth: auth(ended), fetch: server([401]).fetch, makeStream: fakeStream().makeStream });
    await revoked.start();
    expect(ended.count).toBe(1);
    revoked.stop();
  });
});
