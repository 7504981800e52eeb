// The sync engine for one signed-in session: an automerge-repo `Repo` (slim build, WASM loaded from its
// own cached file) talking to `/sync` through the token adapter, the user's index document open, and the
// status the shell shows. The views subscribe to `SyncView` and never touch the Repo.
//
// Storage: none yet. Nothing is written to IndexedDB until the encrypted local store lands (a later part
// of issue 9), because nothing readable may rest on the tablet; until then documents live in memory.

import { Repo, initializeWasm, type DocHandle, type PeerId, type StorageId } from "@automerge/automerge-repo/slim";
import wasmUrl from "@automerge/automerge/automerge.wasm?url";
import { caseEntries, type IndexEntry } from "./index-entries";
import { RefusalKeeper } from "./refusals";
import { connectionState, pendingCount, type Connection } from "./sync-status";
import { TokenWebSocketAdapter, syncUrlFor } from "./token-websocket-adapter";

export interface SyncView {
  connection: Connection;
  /** The server's last `error` text while refused (e.g. `busy`). */
  refusal?: string;
  pending: number;
  index: { status: "loading" | "ready" | "unavailable"; entries: IndexEntry[] };
}

export interface SyncOptions {
  indexUrl: string;
  accessToken: () => string | undefined;
  /** The server said the session is over (`unauthenticated`, `session ended…`). */
  onSessionEnded: () => void;
  /** The server said the access token expired: refresh it, the next reconnection uses the new one. */
  onTokenExpired: () => void;
}

let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= initializeWasm(wasmUrl).then(() => undefined);
  return wasmReady;
}

const STATUS_EVERY_MS = 1000;
const SESSION_OVER = ["unauthenticated", "session ended", "password_change_required", "account changed"];

export class SyncClient {
  #view: SyncView = { connection: "connecting", pending: 0, index: { status: "loading", entries: [] } };
  #listeners = new Set<(view: SyncView) => void>();
  #repo?: Repo;
  #adapter?: TokenWebSocketAdapter;
  #serverPeer?: PeerId;
  #serverStorage?: StorageId;
  #refusal?: string;
  #index?: DocHandle<unknown>;
  #timer?: ReturnType<typeof setInterval>;
  #stopped = false;
  #started: Promise<Repo>;
  #resolveStarted!: (repo: Repo) => void;
  /** The server's refusals on this session's documents: refused changes are dropped (refusals.ts). */
  readonly refusals = new RefusalKeeper();

  constructor(private readonly options: SyncOptions) {
    this.#started = new Promise(resolve => (this.#resolveStarted = resolve));
  }

  /** The session's Repo once the WASM is loaded (the case model creates and opens documents in it). */
  whenStarted(): Promise<Repo> {
    return this.#started;
  }

  /** The server's storage id while it is connected: whose acknowledged heads say what is on the server. */
  get serverStorageId(): StorageId | undefined {
    return this.#serverStorage;
  }

  get view(): SyncView {
    return this.#view;
  }

  subscribe(listener: (view: SyncView) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#view);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    await loadWasm();
    if (this.#stopped) return;
    const adapter = new TokenWebSocketAdapter(syncUrlFor(location), this.options.accessToken, message =>
      this.#onServerError(message),
    );
    adapter.on("peer-candidate", ({ peerId, peerMetadata }) => {
      this.#serverPeer = peerId;
      this.#serverStorage = peerMetadata.storageId;
      this.#refusal = undefined;
      this.#update();
      if (this.#view.index.status === "unavailable") void this.#openIndex();
    });
    adapter.on("peer-disconnected", () => {
      this.#serverPeer = undefined;
      this.#update();
    });
    this.#adapter = adapter;
    this.#repo = new Repo({ network: [adapter], sharePolicy: async () => true });
    this.refusals.attach(this.#repo, () => this.#serverStorage);
    addEventListener("online", this.#onBrowserNetwork);
    addEventListener("offline", this.#onBrowserNetwork);
    this.#timer = setInterval(() => this.#update(), STATUS_EVERY_MS);
    this.#resolveStarted(this.#repo);
    await this.#openIndex();
  }

  /** Disconnects and forgets everything of this session (its documents were only in memory). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    removeEventListener("online", this.#onBrowserNetwork);
    removeEventListener("offline", this.#onBrowserNetwork);
    this.#adapter?.stop();
    this.#listeners.clear();
    this.refusals.detach();
    await this.#repo?.shutdown().catch(() => undefined);
    this.#repo = undefined;
  }

  #onBrowserNetwork = () => this.#update();

  #onServerError(message: string): void {
    if (message === "token_expired") {
      this.options.onTokenExpired();
      return;
    }
    if (SESSION_OVER.some(reason => message.startsWith(reason))) {
      this.#adapter?.stop();
      this.options.onSessionEnded();
      return;
    }
    this.#refusal = message;
    this.#update();
  }

  async #openIndex(): Promise<void> {
    const repo = this.#repo;
    if (!repo || this.#index) return;
    this.#setIndex("loading");
    try {
      const handle = await repo.find<unknown>(this.options.indexUrl as never);
      if (this.#stopped) return;
      this.#index = handle;
      handle.on("change", () => this.#setIndex("ready"));
      this.#setIndex("ready");
    } catch {
      // Unavailable: offline at start, or the server has not answered yet. Retried when the server
      // answers (peer-candidate).
      if (!this.#stopped) this.#setIndex("unavailable");
    }
  }

  #setIndex(status: SyncView["index"]["status"]): void {
    const entries = this.#index ? caseEntries(this.#index.doc()) : this.#view.index.entries;
    this.#view = { ...this.#view, index: { status, entries } };
    this.#update(true);
  }

  #update(changed = false): void {
    if (this.#stopped) return;
    const connection = connectionState({
      browserOnline: navigator.onLine,
      serverPeer: this.#serverPeer !== undefined,
      refusal: this.#refusal,
    });
    const storage = this.#serverStorage;
    const handles = this.#repo ? Object.values(this.#repo.handles).filter(h => h.isReady()) : [];
    const pending = pendingCount(
      handles.map(handle => ({
        local: handle.heads() ?? [],
        server: storage ? handle.getSyncInfo(storage)?.lastHeads : undefined,
      })),
    );
    const next = { ...this.#view, connection, refusal: connection === "refused" ? this.#refusal : undefined, pending };
    if (
      changed ||
      next.connection !== this.#view.connection ||
      next.pending !== this.#view.pending ||
      next.refusal !== this.#view.refusal
    ) {
      this.#view = next;
      for (const listener of this.#listeners) listener(next);
    }
  }
}
