// The display's live feed: reads the board (`GET /api/v1/queue/board`), then follows the queue's event
// stream from the board's `last_event_id` (data/queue-stream.ts: the token in the `Authorization` header,
// `Last-Event-ID` resume, back-off), and keeps one `FeedView` the screen renders. An event shows at once;
// the counts and estimated waits are read again from the board shortly after (coalesced, with jitter so
// a room full of displays does not read at the same instant). `reset` and `lines.changed` read it at once.
//
// The network going away is shown, never hidden: `network` says what the connection is doing and
// `updatedAt` when the screen last heard from the server. Coming back, the stream resumes right after the
// last event it had, so no call is missed and none is repeated.

import { ApiError } from "../../data/api";
import { Coalesced } from "../../data/coalesce";
import { errorOf, type Fetch, type QueueAuth, type QueueEvent } from "../../data/queue";
import { QueueStream, type StreamState } from "../../data/queue-stream";
import { applyBoardEvent, takeBoard, type Board, type DisplayState } from "./board-state";

export type FeedNetwork = "connecting" | "live" | "reconnecting" | "offline" | "unavailable";

export interface FeedView {
  state?: DisplayState;
  network: FeedNetwork;
  /** When the screen last heard from the server (a board read, an event, the stream opening), epoch ms. */
  updatedAt?: number;
  /** The last refusal's code (`forbidden`, `too_many_streams`, `busy`…), when one stops the feed. */
  error?: string;
}

export interface FeedOptions {
  auth: QueueAuth;
  fetch?: Fetch;
  base?: string;
  /** Whether the browser says it is online (navigator.onLine). */
  online?: () => boolean;
  /** Where to listen for `online` / `offline` (window); none in tests. */
  events?: Pick<EventTarget, "addEventListener" | "removeEventListener">;
  /** Each event of the stream, in order, before it is applied (the announcer takes calls from here). */
  onEvent?: (event: QueueEvent) => void;
  /** Each board read; `fresh` when the display starts over from it (first read, or events were missed):
   *  what it shows then is not news to announce. */
  onBoard?: (board: Board, fresh: boolean) => void;
  /** How long after an event the board is read again: `[min, max)` ms, drawn at random. */
  refreshDelayMs?: [number, number];
  /** How long to wait before reading again after the server did not answer. */
  retryMs?: number;
  now?: () => number;
  random?: () => number;
  makeStream?: (options: ConstructorParameters<typeof QueueStream>[0]) => Pick<QueueStream, "start" | "stop" | "reconnectNow">;
}

export class DisplayFeed {
  #view: FeedView;
  #listeners = new Set<(view: FeedView) => void>();
  #stream?: Pick<QueueStream, "start" | "stop" | "reconnectNow">;
  #stopped = false;
  /** One board read at a time; asked again meanwhile, it reads once more after. */
  readonly #reads = new Coalesced(() => this.#readOnce(), () => this.#stopped);
  #fresh = true;
  #refresh?: ReturnType<typeof setTimeout>;
  #retry?: ReturnType<typeof setTimeout>;

  constructor(private readonly options: FeedOptions) {
    this.#view = { network: this.#online() ? "connecting" : "offline" };
  }

  get view(): FeedView {
    return this.#view;
  }

  subscribe(listener: (view: FeedView) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#view);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.options.events?.addEventListener("online", this.#onOnline);
    this.options.events?.addEventListener("offline", this.#onOffline);
    await this.#read();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#refresh);
    clearTimeout(this.#retry);
    this.options.events?.removeEventListener("online", this.#onOnline);
    this.options.events?.removeEventListener("offline", this.#onOffline);
    this.#stream?.stop();
    this.#stream = undefined;
    this.#listeners.clear();
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  #online(): boolean {
    return this.options.online?.() ?? true;
  }

  #onOnline = () => {
    if (this.#stopped) return;
    this.#set({ network: "connecting" });
    this.#stream?.reconnectNow();
    void this.#read();
  };

  #onOffline = () => {
    if (this.#stopped) return;
    this.#set({ network: "offline" });
    // The open stream is most likely dead too: drop it now rather than wait for its silence, so coming
    // back resumes at once from the last event it had.
    this.#stream?.reconnectNow();
  };

  #read(): Promise<void> {
    return this.#reads.run();
  }

  async #readOnce(): Promise<void> {
    clearTimeout(this.#retry);
    clearTimeout(this.#refresh);
    this.#refresh = undefined;
    try {
      const board = await this.#board();
      if (this.#stopped) return;
      const fresh = this.#fresh;
      const { state, stale } = takeBoard(fresh ? undefined : this.#view.state, board);
      if (stale) {
        this.#refreshSoon(); // behind the stream: read once more, later
        return;
      }
      this.#fresh = false;
      this.options.onBoard?.(board, fresh);
      const network = this.#view.network === "live" ? "live" : this.#stream ? this.#view.network : "connecting";
      this.#set({ state, updatedAt: this.#now(), error: undefined, network });
      this.#openStream(board.last_event_id);
    } catch (error) {
      if (this.#stopped) return;
      const offline = !this.#online();
      const code = error instanceof ApiError ? error.code : "network";
      // A read of the counts failed while the stream is live (a hiccup): the screen is still current.
      if (!offline && code === "network" && this.#view.network === "live") return this.#retryLater();
      this.#set({
        network: offline ? "offline" : "unavailable",
        error: offline || code === "network" || code === "unauthenticated" ? undefined : code,
      });
      if (!offline) this.#retryLater();
    }
  }

  async #board(): Promise<Board> {
    const { auth } = this.options;
    const fetchFn = this.options.fetch ?? ((input, init) => fetch(input, init));
    const once = async () => {
      const token = auth.accessToken();
      if (!token) throw new ApiError(401, "unauthenticated", "no device token");
      try {
        return await fetchFn(`${this.options.base ?? ""}/api/v1/queue/board`, {
          headers: { accept: "application/json", authorization: `Bearer ${token}` },
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        throw new ApiError(0, "network", "the server could not be reached");
      }
    };
    let response = await once();
    let failure = response.ok ? undefined : await errorOf(response);
    if (failure?.code === "token_expired") {
      await auth.refresh();
      response = await once();
      failure = response.ok ? undefined : await errorOf(response);
    }
    if (failure) {
      if (failure.code === "unauthenticated" || failure.code === "token_expired") auth.sessionEnded();
      throw failure;
    }
    return (await response.json()) as Board;
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#read(), this.options.retryMs ?? 10_000);
  }

  /** Reads the board again a little later; events meanwhile do not push it further away. */
  #refreshSoon(): void {
    if (this.#stopped || this.#refresh) return;
    const [min, max] = this.options.refreshDelayMs ?? [1500, 4000];
    const delay = min + (max - min) * (this.options.random ?? Math.random)();
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      void this.#read();
    }, delay);
  }

  #openStream(after: number): void {
    if (this.#stream) return; // the running stream goes on from where it is
    const make = this.options.makeStream ?? (options => new QueueStream(options));
    this.#stream = make({
      auth: this.options.auth,
      fetch: this.options.fetch,
      base: this.options.base,
      onEvent: event => this.#onEvent(event),
      onState: (state: StreamState, error?: ApiError) => this.#onStreamState(state, error),
    });
    this.#stream.start(after);
  }

  #onEvent(event: QueueEvent): void {
    if (this.#stopped) return;
    if (event.kind === "reset") this.#fresh = true;
    this.options.onEvent?.(event);
    const current = this.#view.state;
    if (!current) return;
    const { state, effect } = applyBoardEvent(current, event);
    this.#set({ state, updatedAt: this.#now() });
    if (effect === "reload") void this.#read();
    else if (effect === "refresh") this.#refreshSoon();
  }

  #onStreamState(state: StreamState, error?: ApiError): void {
    if (this.#stopped) return;
    const network: FeedNetwork = !this.#online()
      ? "offline"
      : state === "live"
        ? "live"
        : state === "connecting"
          ? this.#view.network === "live"
            ? "reconnecting"
            : this.#view.network
          : state === "waiting"
            ? "reconnecting"
            : "unavailable";
    const patch: Partial<FeedView> = { network };
    if (state === "live") patch.updatedAt = this.#now();
    if (error && error.code !== "network") patch.error = error.code;
    else if (state === "live") patch.error = undefined;
    this.#set(patch);
    if (state === "stopped") {
      // Ended without us (no token for a moment, or refused): read the board again later, which opens a
      // new stream; a revoked device leaves the screen first.
      this.#stream = undefined;
      this.#retryLater();
    }
  }

  #set(patch: Partial<FeedView>): void {
    this.#view = { ...this.#view, ...patch };
    for (const listener of this.#listeners) listener(this.#view);
  }
}
