// The desk's queue for one signed-in operator: the REST calls, the live event stream and the desk settings
// put together into one `DeskView` the panel renders, and the intents the panel sends (choose the desk,
// call the next number, recall, start, finish, no-show, transfer). Online only: offline the view says so
// and the panel disables its buttons; nothing is queued for later.

import { ApiError } from "./api";
import { Coalesced } from "./coalesce";
import {
  applyEvent,
  applyMove,
  createQueueApi,
  deskName,
  loadDeskSettings,
  queueErrorKey,
  saveDeskSettings,
  stateFromTickets,
  type DeskSettings,
  type Fetch,
  type KeyValueStore,
  type Move,
  type QueueApi,
  type QueueAuth,
  type QueueState,
  type ServiceLine,
  type Ticket,
} from "./queue";
import { QueueStream, type StreamState } from "./queue-stream";
import type { MessageKey } from "../i18n";

export type DeskNetwork = "offline" | "connecting" | "live" | "reconnecting" | "unavailable";

export interface DeskView {
  /** The desk and its lines; undefined until chosen on this tablet. */
  settings?: DeskSettings;
  lines: ServiceLine[];
  network: DeskNetwork;
  /** Whether the queue has been read once (counts and the current ticket are meaningful). */
  loaded: boolean;
  queue: QueueState;
  /** The intent in progress (buttons are disabled meanwhile). */
  busy?: "call" | Move | "transfer";
  /** The last failure, in words (catalogue key). */
  error?: MessageKey;
  /** The number the last successful move concerned, and what happened (for a polite announcement). */
  done?: { key: MessageKey; number: string; line?: string };
}

export interface DeskOptions {
  auth: QueueAuth;
  fetch?: Fetch;
  store?: KeyValueStore;
  /** Whether the browser says it is online (navigator.onLine). */
  online?: () => boolean;
  /** Where to listen for `online` / `offline` (window); none in tests. */
  events?: Pick<EventTarget, "addEventListener" | "removeEventListener">;
  /** How long to wait before reading the queue again after the server did not answer. */
  retryMs?: number;
  makeStream?: (options: ConstructorParameters<typeof QueueStream>[0]) => Pick<QueueStream, "start" | "stop" | "reconnectNow">;
}

const EMPTY: QueueState = { waiting: new Map(), lastEventId: 0 };

export class QueueDesk {
  #view: DeskView;
  #listeners = new Set<(view: DeskView) => void>();
  #api: QueueApi;
  #stream?: Pick<QueueStream, "start" | "stop" | "reconnectNow">;
  #stopped = false;
  /** One full read at a time; asked again meanwhile (perhaps for settings just replaced), once more after. */
  readonly #loads = new Coalesced(() => this.#loadOnce(), () => this.#stopped);
  #retry?: ReturnType<typeof setTimeout>;

  constructor(private readonly options: DeskOptions) {
    this.#api = createQueueApi(options.auth, options.fetch);
    this.#view = {
      settings: loadDeskSettings(options.store),
      lines: [],
      network: this.#online() ? "connecting" : "offline",
      loaded: false,
      queue: EMPTY,
    };
  }

  get view(): DeskView {
    return this.#view;
  }

  subscribe(listener: (view: DeskView) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#view);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the lines (and the queue when the desk is chosen) and opens the event stream. */
  async start(): Promise<void> {
    this.options.events?.addEventListener("online", this.#onOnline);
    this.options.events?.addEventListener("offline", this.#onOffline);
    if (this.#online()) await this.#load();
  }

  /** Closes the stream for good (logout, or the panel left the page). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.options.events?.removeEventListener("online", this.#onOnline);
    this.options.events?.removeEventListener("offline", this.#onOffline);
    this.#stream?.stop();
    this.#stream = undefined;
    this.#listeners.clear();
  }

  /** The desk and its lines, chosen once on this tablet (remembered: the desk number and line codes only). */
  async configure(settings: DeskSettings): Promise<void> {
    saveDeskSettings(this.options.store, settings);
    this.#set({ settings, error: undefined, done: undefined, loaded: false, queue: EMPTY });
    if (this.#online()) await this.#load();
  }

  async callNext(): Promise<void> {
    const settings = this.#view.settings;
    if (!settings) return;
    await this.#act("call", () => this.#api.callNext(deskName(settings.desk), settings.lines), "queue.done.called");
  }

  async move(move: Move): Promise<void> {
    const current = this.#view.queue.current;
    if (!current) return;
    const key: Record<Move, MessageKey> = {
      recall: "queue.done.recalled",
      start: "queue.done.started",
      finish: "queue.done.finished",
      "no-show": "queue.done.noShow",
    };
    await this.#act(move, () => this.#api.move(current.id, move), key[move]);
  }

  async transfer(line: string): Promise<void> {
    const current = this.#view.queue.current;
    if (!current) return;
    await this.#act("transfer", () => this.#api.transfer(current.id, line), "queue.done.transferred");
  }

  dismissError(): void {
    this.#set({ error: undefined });
  }

  async #act(busy: NonNullable<DeskView["busy"]>, call: () => Promise<Ticket>, done: MessageKey) {
    const settings = this.#view.settings;
    if (!settings || this.#view.busy || !this.#online()) return;
    this.#set({ busy, error: undefined, done: undefined });
    try {
      const ticket = await call();
      if (this.#stopped) return;
      this.#set({
        busy: undefined,
        queue: applyMove(this.#view.queue, ticket, deskName(settings.desk)),
        done: { key: done, number: ticket.number, line: ticket.line },
      });
    } catch (error) {
      if (this.#stopped) return;
      this.#set({ busy: undefined, error: queueErrorKey(error) });
      // Someone else moved the ticket (another desk, another tablet): read the queue again.
      if (error instanceof ApiError && (error.code === "invalid_transition" || error.code === "not_found")) {
        await this.#load();
      }
    }
  }

  #online(): boolean {
    return this.options.online?.() ?? true;
  }

  #onOnline = () => {
    if (this.#stopped) return;
    this.#set({ network: "connecting" });
    if (this.#stream) this.#stream.reconnectNow();
    else void this.#load();
  };

  #onOffline = () => {
    if (this.#stopped) return;
    this.#set({ network: "offline" });
  };

  /** One full read (lines, the board's event id, today's tickets; then the stream from there). */
  #load(): Promise<void> {
    return this.#loads.run();
  }

  async #loadOnce(): Promise<void> {
    clearTimeout(this.#retry);
    try {
      const lines = await this.#api.lines();
      if (this.#stopped) return;
      this.#set({ lines });
      const settings = this.#view.settings;
      if (!settings) {
        if (this.#view.network === "connecting") this.#set({ network: "live" });
        return;
      }
      const lastEventId = await this.#api.lastEventId();
      const tickets = await this.#api.tickets();
      if (this.#stopped || this.#view.settings !== settings) return;
      this.#set({ loaded: true, queue: stateFromTickets(tickets, deskName(settings.desk), lastEventId) });
      this.#openStream(lastEventId);
    } catch (error) {
      if (this.#stopped) return;
      const offline = !this.#online();
      // No token right now (being refreshed): not an error to show, just a read to try again.
      const tokenless = !this.options.auth.accessToken();
      this.#set({
        network: offline ? "offline" : "unavailable",
        error: offline || tokenless ? undefined : queueErrorKey(error),
      });
      // Online but no answer (the server restarting): read again shortly; offline, the `online` event does.
      if (!offline) this.#retryLater();
    }
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#load(), this.options.retryMs ?? 10_000);
  }

  #openStream(after: number): void {
    if (this.#stream) return; // the running stream continues from where it is
    const make = this.options.makeStream ?? (options => new QueueStream(options));
    this.#stream = make({
      auth: this.options.auth,
      fetch: this.options.fetch,
      onEvent: event => {
        const settings = this.#view.settings;
        if (!settings) return;
        const { state, effect } = applyEvent(this.#view.queue, event, deskName(settings.desk));
        this.#set({ queue: state });
        if (effect === "reload") void this.#load();
      },
      onState: (state: StreamState, error?: ApiError) => {
        if (this.#stopped) return;
        // A refusal in words (too many streams, busy); a dropped connection shows as the network state only.
        if (error && error.code !== "network") this.#set({ error: queueErrorKey(error) });
        const network: DeskNetwork = !this.#online()
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
        this.#set({ network });
        if (state === "stopped") {
          // Ended without us (no token for a moment, or refused): read the queue again later, which opens a
          // new stream; an ended session unmounts the panel first.
          this.#stream = undefined;
          this.#retryLater();
        }
      },
    });
    this.#stream.start(after);
  }

  #set(patch: Partial<DeskView>): void {
    this.#view = { ...this.#view, ...patch };
    for (const listener of this.#listeners) listener(this.#view);
  }
}
