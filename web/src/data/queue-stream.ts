// The queue's live events (`GET /api/v1/queue/events`, Server-Sent Events) read with `fetch` streaming, not
// `EventSource`: EventSource cannot send the `Authorization` header, and the only other way the server
// accepts, the `access_token` query parameter, ends up in a reverse proxy's logs (docs/queue.md). So the
// token travels in the header, and this module does what EventSource would: parse the stream, remember
// the last event id and resume after it (`Last-Event-ID`), reconnect with back-off, and stop for good
// when stopped (logout) or when the session is over. Nothing here is logged.

import { ApiError } from "./api";
import { errorOf, type Fetch, type QueueAuth, type QueueEvent } from "./queue";

// ——— The SSE wire format (pure) ———

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** An incremental parser of `text/event-stream`: feed it text as it arrives, it returns whole messages. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id?: string;
  /** The last `retry:` the server asked for, in ms. */
  retryMs?: number;

  feed(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const messages: SseMessage[] = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      const line = this.#buffer.slice(0, end);
      const newline = this.#buffer.startsWith("\r\n", end) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (newline === 1 && this.#buffer[end] === "\r" && end === this.#buffer.length - 1) break;
      this.#buffer = this.#buffer.slice(end + newline);
      const message = this.#line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  #line(line: string): SseMessage | undefined {
    if (line === "") {
      const message = this.#data.length ? { id: this.#id, event: this.#event || "message", data: this.#data.join("\n") } : undefined;
      this.#data = [];
      this.#event = "";
      return message;
    }
    if (line.startsWith(":")) return undefined; // a comment (the server's keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

/** A message as a queue event, or undefined when it is not one (unknown shape). */
export function queueEventOf(message: SseMessage): QueueEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) return undefined;
  const seq = (data as { seq?: unknown }).seq ?? Number(message.id);
  if (typeof seq !== "number" || !Number.isFinite(seq)) return undefined;
  return { ...(data as QueueEvent), seq, kind: (data as { kind?: string }).kind ?? message.event };
}

/** Back-off before reconnection attempt `attempt` (0-based): the server's `retry` first, doubling to 30 s,
 * with up to 20 % of jitter (`random` in [0, 1)) so a restarted server is not hit by every tablet at once. */
export function reconnectDelayMs(attempt: number, baseMs = 3000, random: () => number = Math.random): number {
  const capped = Math.min(30_000, baseMs * 2 ** Math.min(attempt, 10));
  return Math.round(capped * (1 + 0.2 * random()));
}

// ——— The connection ———

export type StreamState = "connecting" | "live" | "waiting" | "stopped";

export interface StreamOptions {
  auth: QueueAuth;
  /** Called with each event, in order. */
  onEvent: (event: QueueEvent) => void;
  onState: (state: StreamState, error?: ApiError) => void;
  fetch?: Fetch;
  base?: string;
  /** No byte (not even the 15 s keep-alive) for this long: the connection is dead, reconnect. */
  silenceMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

const RECONNECT = "reconnect";
const SILENCE = "silence";

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** One reconnecting event stream. `start(after)` resumes after event `after`; `stop()` ends it for good. */
export class QueueStream {
  #stop = new AbortController();
  #connection?: AbortController;
  #wake?: AbortController;
  #lastEventId = 0;
  #running = false;

  constructor(private readonly options: StreamOptions) {}

  get lastEventId(): number {
    return this.#lastEventId;
  }

  start(after: number): void {
    if (this.#running || this.#stop.signal.aborted) return;
    this.#running = true;
    this.#lastEventId = after;
    void this.#loop();
  }

  stop(): void {
    this.#stop.abort();
    this.#connection?.abort();
  }

  /** Drops the current connection and reconnects at once (the network came back). */
  reconnectNow(): void {
    this.#connection?.abort(RECONNECT);
    this.#wake?.abort();
  }

  async #loop(): Promise<void> {
    const { auth, onState } = this.options;
    const sleep = this.options.sleep ?? abortableSleep;
    let attempt = 0;
    let baseMs = 3000;
    while (!this.#stop.signal.aborted) {
      const token = auth.accessToken();
      if (!token) break;
      onState("connecting");
      const connection = new AbortController();
      this.#connection = connection;
      const parser = new SseParser();
      let failure: ApiError | undefined;
      try {
        const response = await this.#open(token, connection.signal);
        if (!response.ok) {
          failure = await errorOf(response);
          if (failure.code === "token_expired") {
            await auth.refresh();
            if (auth.accessToken() !== token) continue; // a new token: try it at once
          }
          if (failure.code === "unauthenticated" || failure.code === "password_change_required") {
            auth.sessionEnded();
            break;
          }
          if (failure.code === "session_wiped") {
            // Issue 12: an admin marked this session lost; the session deletes the tablet's data.
            (auth.sessionWiped ?? auth.sessionEnded)();
            break;
          }
          if (failure.code === "forbidden") {
            onState("stopped", failure);
            this.#running = false;
            return;
          }
        } else {
          attempt = 0;
          onState("live");
          await this.#read(response, parser, connection);
          baseMs = parser.retryMs ?? baseMs;
        }
      } catch {
        failure ??= new ApiError(0, "network", "the event stream was interrupted");
      }
      if (this.#stop.signal.aborted) break;
      // A connection dropped on purpose (the network came back) reconnects at once.
      if (connection.signal.reason === RECONNECT) continue;
      onState("waiting", failure ?? new ApiError(0, "network", "the event stream ended"));
      this.#wake = new AbortController();
      await sleep(reconnectDelayMs(attempt, baseMs, this.options.random), AbortSignal.any([this.#stop.signal, this.#wake.signal]));
      attempt += 1;
    }
    this.#running = false;
    onState("stopped");
  }

  #open(token: string, signal: AbortSignal): Promise<Response> {
    const fetchFn = this.options.fetch ?? ((input, init) => fetch(input, init));
    const headers: Record<string, string> = { accept: "text/event-stream", authorization: `Bearer ${token}` };
    if (this.#lastEventId > 0) headers["last-event-id"] = String(this.#lastEventId);
    return fetchFn(`${this.options.base ?? ""}/api/v1/queue/events`, {
      headers,
      signal,
      credentials: "omit",
      cache: "no-store",
    });
  }

  async #read(response: Response, parser: SseParser, connection: AbortController): Promise<void> {
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const silenceMs = this.options.silenceMs ?? 45_000;
    // Aborting (stop, reconnect, silence) ends the read even where the body ignores the fetch's signal.
    const cancel = () => void reader.cancel().catch(() => undefined);
    connection.signal.addEventListener("abort", cancel, { once: true });
    const silent = () => connection.abort(SILENCE);
    let watchdog = setTimeout(silent, silenceMs);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(silent, silenceMs);
        for (const message of parser.feed(value)) {
          const event = queueEventOf(message);
          if (!event) continue;
          this.#lastEventId = event.seq;
          this.options.onEvent(event);
        }
      }
    } finally {
      clearTimeout(watchdog);
      connection.signal.removeEventListener("abort", cancel);
      reader.cancel().catch(() => undefined);
    }
  }
}
