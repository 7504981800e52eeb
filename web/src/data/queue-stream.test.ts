import { describe, expect, it as test } from "vitest";
import { QueueStream, SseParser, queueEventOf, reconnectDelayMs, type StreamState } from "./queue-stream";
import type { QueueEvent } from "./queue";

describe("the event-stream parser", () => {
  test("messages split anywhere across chunks come out whole, comments and retry are read", () => {
    const text =
      'retry: 3000\n\n: keep-alive\n\nid: 7\nevent: ticket.issued\ndata: {"seq":7,"kind":"ticket.issued"}\n\nid: 8\r\nevent: reset\r\ndata: {"seq":8}\r\n\r\n';
    for (const size of [1, 2, 5, 13, text.length]) {
      const parser = new SseParser();
      const messages = [];
      for (let i = 0; i < text.length; i += size) messages.push(...parser.feed(text.slice(i, i + size)));
      expect(messages, `chunks of ${size}`).toEqual([
        { id: "7", event: "ticket.issued", data: '{"seq":7,"kind":"ticket.issued"}' },
        { id: "8", event: "reset", data: '{"seq":8}' },
      ]);
      expect(parser.retryMs).toBe(3000);
    }
  });

  test("several data lines join with a newline; a message without data is no message", () => {
    const parser = new SseParser();
    expect(parser.feed("event: x\n\ndata: a\ndata:b\n\n")).toEqual([{ id: undefined, event: "message", data: "a\nb" }]);
  });

  test("a message becomes a queue event with its kind and sequence, or nothing if it is not one", () => {
    expect(queueEventOf({ id: "8", event: "reset", data: '{"seq":8}' })).toEqual({ seq: 8, kind: "reset" });
    expect(queueEventOf({ id: "9", event: "ticket.call", data: '{"seq":9,"kind":"ticket.call","ticket":null}' })).toMatchObject({
      seq: 9,
      kind: "ticket.call",
    });
    expect(queueEventOf({ event: "x", data: "not json" })).toBeUndefined();
    expect(queueEventOf({ event: "x", data: '{"kind":"x"}' })).toBeUndefined();
  });

  test("reconnection waits the server's retry, doubling to 30 s, with some jitter", () => {
    expect(reconnectDelayMs(0, 3000, () => 0)).toBe(3000);
    expect(reconnectDelayMs(1, 3000, () => 0)).toBe(6000);
    expect(reconnectDelayMs(20, 3000, () => 0)).toBe(30_000);
    expect(reconnectDelayMs(0, 3000, () => 0.999)).toBeLessThanOrEqual(3600);
  });
});

describe("the reconnecting event stream", () => {
  function sse(frames: string, keepOpen = false): Response {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(frames));
        if (!keepOpen) controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }

  const frame = (seq: number, kind = "ticket.issued") => `id: ${seq}\nevent: ${kind}\ndata: {"seq":${seq},"kind":"${kind}"}\n\n`;

  test("events arrive in order, and after the server closes the stream it resumes after the last one", async () => {
    const requests: Record<string, string>[] = [];
    const answers = [sse(`retry: 10\n\n${frame(5)}${frame(6)}`), sse(frame(7), true)];
    const events: QueueEvent[] = [];
    const states: StreamState[] = [];
    let token: string | undefined = "tok";
    const sleeps: number[] = [];
    const stream = new QueueStream({
      auth: { accessToken: () => token, refresh: async () => {}, sessionEnded: () => {} },
      fetch: async (_url, init) => {
        requests.push(init?.headers as Record<string, string>);
        const answer = answers.shift();
        if (!answer) throw new TypeError("Failed to fetch");
        return answer;
      },
      onEvent: e => events.push(e),
      onState: s => states.push(s),
      sleep: async ms => void sleeps.push(ms),
      random: () => 0,
    });
    stream.start(4);
    await waitFor(() => events.length === 3);
    expect(events.map(e => e.seq)).toEqual([5, 6, 7]);
    expect(requests[0]["last-event-id"]).toBe("4");
    expect(requests[0].authorization).toBe("Bearer tok");
    expect(requests[1]["last-event-id"]).toBe("6");
    expect(sleeps[0]).toBe(10); // the server's retry
    token = undefined;
    stream.stop();
    await waitFor(() => states.at(-1) === "stopped");
  });

  test("an ended session stops the stream for good and says so", async () => {
    let ended = 0;
    let calls = 0;
    const states: StreamState[] = [];
    const stream = new QueueStream({
      auth: { accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => void (ended += 1) },
      fetch: async () => {
        calls += 1;
        return new Response(JSON.stringify({ error: "unauthenticated", message: "no" }), { status: 401 });
      },
      onEvent: () => {},
      onState: s => states.push(s),
      sleep: async () => {},
    });
    stream.start(0);
    await waitFor(() => states.at(-1) === "stopped");
    expect(ended).toBe(1);
    expect(calls).toBe(1);
  });

  test("a session marked lost stops the stream for good and hands the wipe to the session", async () => {
    let wiped = 0;
    let ended = 0;
    let calls = 0;
    const states: StreamState[] = [];
    const stream = new QueueStream({
      auth: {
        accessToken: () => "tok",
        refresh: async () => {},
        sessionEnded: () => void (ended += 1),
        sessionWiped: () => void (wiped += 1),
      },
      fetch: async () => {
        calls += 1;
        return new Response(JSON.stringify({ error: "session_wiped", message: "lost" }), { status: 401 });
      },
      onEvent: () => {},
      onState: s => states.push(s),
      sleep: async () => {},
    });
    stream.start(0);
    await waitFor(() => states.at(-1) === "stopped");
    expect([wiped, ended, calls]).toEqual([1, 0, 1]);
  });

  test("an expired token is refreshed and the stream opened again with the new one", async () => {
    let token = "old";
    const seen: string[] = [];
    const events: QueueEvent[] = [];
    const stream = new QueueStream({
      auth: { accessToken: () => token, refresh: async () => void (token = "new"), sessionEnded: () => {} },
      fetch: async (_url, init) => {
        const authorization = (init?.headers as Record<string, string>).authorization;
        seen.push(authorization);
        return authorization === "Bearer old"
          ? new Response(JSON.stringify({ error: "token_expired", message: "expired" }), { status: 401 })
          : sse(frame(1), true);
      },
      onEvent: e => events.push(e),
      onState: () => {},
      sleep: async () => {},
    });
    stream.start(0);
    await waitFor(() => events.length === 1);
    expect(seen).toEqual(["Bearer old", "Bearer new"]);
    stream.stop();
  });

  test("a connection silent for longer than the keep-alive allows is dropped and opened again", async () => {
    const lastIds: (string | undefined)[] = [];
    const stream = new QueueStream({
      auth: { accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} },
      fetch: async (_url, init) => {
        lastIds.push((init?.headers as Record<string, string>)["last-event-id"]);
        return sse(frame(lastIds.length + 2), true); // one event, then silence
      },
      onEvent: () => {},
      onState: () => {},
      silenceMs: 30,
      sleep: async () => {},
    });
    stream.start(2);
    await waitFor(() => lastIds.length >= 3);
    stream.stop();
    expect(lastIds.slice(0, 3)).toEqual(["2", "3", "4"]);
  });

  test("reconnecting now cuts a back-off short", async () => {
    let calls = 0;
    let sleeping = false;
    const stream = new QueueStream({
      auth: { accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} },
      fetch: async () => {
        calls += 1;
        throw new TypeError("Failed to fetch");
      },
      onEvent: () => {},
      onState: () => {},
      random: () => 0,
      sleep: (_ms, signal) =>
        new Promise<void>(resolve => {
          sleeping = true;
          signal.addEventListener("abort", () => ((sleeping = false), resolve()), { once: true });
        }),
    });
    stream.start(0);
    await waitFor(() => sleeping && calls === 1);
    stream.reconnectNow();
    await waitFor(() => calls === 2);
    stream.stop();
  });

  test("a network failure waits with growing back-off before each new attempt", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const stream = new QueueStream({
      auth: { accessToken: () => "tok", refresh: async () => {}, sessionEnded: () => {} },
      fetch: async () => {
        calls += 1;
        throw new TypeError("Failed to fetch");
      },
      onEvent: () => {},
      onState: () => {},
      sleep: async ms => {
        sleeps.push(ms);
        if (sleeps.length === 3) stream.stop();
      },
      random: () => 0,
    });
    stream.start(0);
    await waitFor(() => sleeps.length === 3);
    expect(sleeps).toEqual([3000, 6000, 12000]);
    expect(calls).toBe(3);
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
