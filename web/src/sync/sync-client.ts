// The sync engine for one signed-in session: an automerge-repo `Repo` (slim build, WASM loaded from its
// own cached file) talking to `/sync` through the token adapter, the user's index document open, and the
// status the shell shows. The views subscribe to `SyncView` and never touch the Repo.
//
// Storage: the user's encrypted local store (src/store/), when the session has one. Documents rest there
// sealed under the data key; the outbox opens every one of them at start, because automerge-repo offers
// the server only the documents it has open, so changes made offline (before a reload, a restart, the end
// of a session) reach the server with no action from the user. The heads the server last acknowledged
// are kept in the store too, so the count of waiting changes is right offline after a restart.

import { Repo, initializeWasm, type DocHandle, type PeerId, type StorageId } from "@automerge/automerge-repo/slim";
import wasmUrl from "@automerge/automerge/automerge.wasm?url";
import type { LocalStore } from "../store/local-store";
import { caseEntries, type IndexEntry } from "./index-entries";
import { RefusalKeeper } from "./refusals";
import { DepartureKeeper } from "./departures";
import { ACKED_RECORD, documentIdOf, sweepRetiredIndexes } from "./index-move";
import { routeServerError } from "./server-errors";
import { headsOf } from "./heads";
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
  /** The user's unlocked local store; without one, documents live in memory for the session. */
  store?: LocalStore;
  /** Issue 12: the server said `session_wiped` (an admin marked this session lost). */
  onSessionWiped?: () => void;
  /** Issue 12: runs before every (re)connection; only `true` lets it sync (the remote-wipe check). */
  beforeConnect?: () => Promise<boolean>;
  /**
   * Issue 12: the server said `index_moved` (an erasure was approved and the user has a new index): the
   * adapter is stopped; refresh the tokens, whose `index_doc` names the new index, stop this engine and
   * start one on the new index, which deletes the old one from the store first (index-move.ts). Left
   * running (no new index came), this engine connects again after `INDEX_MOVED_RETRY_MS`.
   */
  onIndexMoved?: () => void;
}

/** After `index_moved`, how long this engine stays down before it tries again (when nobody replaced it). */
export const INDEX_MOVED_RETRY_MS = 15_000;

let wasmReady: Promise<void> | undefined;

/** The cache the service worker answers automerge.wasm from (vite.config.ts, `runtimeCaching`). */
export const WASM_CACHE = "sportello-wasm";

/** Puts automerge.wasm in the worker's cache (once per version), so the app starts offline. Not precached by
 *  the worker: the totem and display, which share it, never need the file. Done from the page, not left to
 *  the worker, because the first load may come before the worker controls the page. */
async function keepWasmForOffline(): Promise<void> {
  if (typeof caches === "undefined") return;
  try {
    const cache = await caches.open(WASM_CACHE);
    if (!(await cache.match(wasmUrl))) await cache.add(wasmUrl);
  } catch {
    // No cache storage (a private window) or no network: the next start tries again.
  }
}

function loadWasm(): Promise<void> {
  if (!wasmReady) {
    wasmReady = initializeWasm(wasmUrl).then(() => undefined);
    // After the load, so that the file comes from the browser's HTTP cache (or the worker already kept it).
    void wasmReady.then(keepWasmForOffline);
  }
  return wasmReady;
}

/**
 * Compiles automerge.wasm ahead of the session (main.ts calls it once the page has loaded): the login
 * screen waits for a password for seconds, and the unlock no longer pays for the compilation. A failure
 * is forgotten, so that the session's own attempt tries again.
 */
export function prepareWasm(): void {
  loadWasm().catch(() => (wasmReady = undefined));
}

const STATUS_EVERY_MS = 1000;

/** Documents of the store the outbox opens at once. */
const OUTBOX_AT_ONCE = 8;

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
  /** Documents that left the user's index leave the tablet (departures.ts). */
  readonly departures = new DepartureKeeper();
  #stopping?: Promise<void>;
  #localDocuments: Promise<string[]>;
  #resolveLocalDocuments!: (urls: string[]) => void;
  #acked: Record<string, string[]> = {};
  #ackedDirty = false;
  /** Set by `index_moved`: the adapter stays down (`resume` does nothing) until the retry timer. */
  #indexMoved?: ReturnType<typeof setTimeout>;

  constructor(private readonly options: SyncOptions) {
    this.#started = new Promise(resolve => (this.#resolveStarted = resolve));
    this.#localDocuments = new Promise(resolve => (this.#resolveLocalDocuments = resolve));
  }

  /** The session's Repo once the WASM is loaded (the case model creates and opens documents in it). */
  whenStarted(): Promise<Repo> {
    return this.#started;
  }

  /**
   * The URLs of every document this tablet holds for the user (the outbox), once they are open: the case
   * list shows those the server does not list yet (created offline, before a reload).
   */
  localDocuments(): Promise<string[]> {
    return this.#localDocuments;
  }

  /** The server's storage id while it is connected: whose acknowledged heads say what is on the server. */
  get serverStorageId(): StorageId | undefined {
    return this.#serverStorage;
  }

  /**
   * The heads the server last acknowledged for a document, as kept in the store: after a restart offline
   * the sync state is empty, and these say what is already on the server.
   */
  acknowledgedHeads(documentId: string): readonly string[] | undefined {
    return this.#acked[documentId];
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
    const adapter = new TokenWebSocketAdapter(
      syncUrlFor(location),
      this.options.accessToken,
      message => this.#onServerError(message),
      undefined,
      this.options.beforeConnect,
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
    const store = this.options.store;
    // Issue 12: an index followed here before it moved is deleted before anything opens the store's
    // documents, so it is never offered to the server again (index-move.ts).
    if (store) await sweepRetiredIndexes(store, this.options.indexUrl).catch(() => undefined);
    if (this.#stopped) return;
    this.#acked = (await store?.records.get<Record<string, string[]>>(ACKED_RECORD).catch(() => undefined)) ?? {};
    if (this.#stopped) return;
    this.#repo = new Repo({ network: [adapter], storage: store?.storage, sharePolicy: async () => true });
    this.refusals.attach(this.#repo, () => this.#serverStorage);
    this.#attachDepartures(this.#repo);
    addEventListener("online", this.#onBrowserNetwork);
    addEventListener("offline", this.#onBrowserNetwork);
    document.addEventListener("visibilitychange", this.#onHidden);
    this.#timer = setInterval(() => this.#update(), STATUS_EVERY_MS);
    this.#resolveStarted(this.#repo);
    void this.#openOutbox();
    await this.#openIndex();
  }

  /** A token exists again (a refresh after an offline unlock): connect now. */
  resume(): void {
    if (this.#indexMoved !== undefined) return;
    this.#adapter?.resume();
  }

  /** The index document this engine follows (its `automerge:` URL). */
  get indexUrl(): string {
    return this.options.indexUrl;
  }

  /**
   * Disconnects, writes every open document to the store (the Repo's shutdown flushes) and forgets the
   * session's documents from memory. Idempotent: the session awaits it before it closes the store.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopOnce();
    return this.#stopping;
  }

  async #stopOnce(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#indexMoved);
    removeEventListener("online", this.#onBrowserNetwork);
    removeEventListener("offline", this.#onBrowserNetwork);
    document.removeEventListener("visibilitychange", this.#onHidden);
    this.#adapter?.stop();
    this.#listeners.clear();
    this.refusals.detach();
    this.departures.detach();
    // Every ready document reaches the store before the session closes it. (The Repo's own shutdown
    // flushes every handle, and one not ready makes its Promise.all reject before the others are written.)
    await this.#flush();
    await this.#repo?.shutdown().catch(() => undefined);
    await this.#saveAcked();
    this.#repo = undefined;
  }

  /** The outbox: opens every document of the local store, so the Repo offers their changes to the server. */
  async #openOutbox(): Promise<void> {
    const store = this.options.store;
    const repo = this.#repo;
    if (!store || !repo) {
      this.#resolveLocalDocuments([]);
      return;
    }
    const ids = await store.documentIds().catch(() => []);
    // A few at a time: a thousand loads at once would queue the index's own load (the list of cases comes
    // from it) behind all of them, and the page would show nothing until every case was open.
    let next = 0;
    const worker = async () => {
      while (next < ids.length && !this.#stopped) {
        const id = ids[next++];
        await repo.find(id as never).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: OUTBOX_AT_ONCE }, worker));
    this.#resolveLocalDocuments(ids.map(id => `automerge:${id}`));
    this.#update(true);
  }

  /** Deletion of the documents that leave the index: what the keeper needs of this session. */
  #attachDepartures(repo: Repo): void {
    const indexId = documentIdOf(this.options.indexUrl);
    void this.departures.attach(repo, this.options.store, {
      serverHeads: id => {
        const storage = this.#serverStorage;
        const handle = storage ? repo.handles[id as never] : undefined;
        return (handle?.isReady() ? handle.getSyncInfo(storage!)?.lastHeads : undefined) ?? this.#acked[id];
      },
      forget: id => {
        this.refusals.dismiss(id);
        if (!(id in this.#acked)) return;
        delete this.#acked[id];
        this.#ackedDirty = true;
        void this.#saveAcked();
      },
      outboxOpen: this.#localDocuments,
      indexId,
    });
  }

  #followIndexForDepartures(index: DocHandle<unknown>): void {
    index.on("change", () => this.departures.indexChanged(index.doc()));
    this.departures.indexChanged(index.doc());
  }

  async #saveAcked(): Promise<void> {
    const store = this.options.store;
    if (!store || !this.#ackedDirty) return;
    this.#ackedDirty = false;
    await store.records.put(ACKED_RECORD, this.#acked).catch(() => undefined);
  }

  #onBrowserNetwork = () => this.#update();

  #browserOnline = true;

  /**
   * The browser says the network went or came back (seen by the event or by the next status tick,
   * whichever comes first): close the socket at once, so no change leaves on a half-dead connection the
   * app already shows as offline, or reconnect at once instead of waiting for the adapter's 5 s retry.
   */
  #followBrowserNetwork(online: boolean): void {
    if (online === this.#browserOnline) return;
    this.#browserOnline = online;
    if (online) this.#adapter?.resume();
    else this.#adapter?.stop();
  }

  /** The tab is hidden (switched away, closing, the tablet sleeping): write the latest changes now. */
  #onHidden = () => {
    if (document.visibilityState === "hidden") void this.#flush();
  };

  async #flush(): Promise<void> {
    const repo = this.#repo;
    if (!repo || !this.options.store) return;
    const ready = Object.values(repo.handles)
      .filter(handle => handle.isReady())
      .map(handle => handle.documentId);
    await repo.flush(ready).catch(() => undefined);
  }

  #onServerError(message: string): void {
    routeServerError(message, {
      stop: () => this.#adapter?.stop(),
      onTokenExpired: () => this.options.onTokenExpired(),
      onSessionEnded: () => this.options.onSessionEnded(),
      onSessionWiped: this.options.onSessionWiped && (() => this.options.onSessionWiped?.()),
      onIndexMoved: () => this.#onIndexMoved(),
      refused: refusal => {
        this.#refusal = refusal;
        this.#update();
      },
    });
  }

  /**
   * The server closed the connection with `index_moved`: stay down (a token refresh alone must not
   * reconnect this engine to the old index) while the app refreshes and starts an engine on the new one.
   * If the refresh named no new index, try again later rather than at once (no loop with the server).
   */
  #onIndexMoved(): void {
    clearTimeout(this.#indexMoved);
    this.#indexMoved = setTimeout(() => {
      this.#indexMoved = undefined;
      if (!this.#stopped) this.#adapter?.resume();
    }, INDEX_MOVED_RETRY_MS);
    this.options.onIndexMoved?.();
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
      this.#followIndexForDepartures(handle);
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
    this.#followBrowserNetwork(navigator.onLine);
    const connection = connectionState({
      browserOnline: navigator.onLine,
      serverPeer: this.#serverPeer !== undefined,
      refusal: this.#refusal,
    });
    const storage = this.#serverStorage;
    const handles = this.#repo ? Object.values(this.#repo.handles).filter(h => h.isReady()) : [];
    const pending = pendingCount(
      handles.map(handle => {
        const reported = storage ? handle.getSyncInfo(storage)?.lastHeads : undefined;
        const id = handle.documentId;
        if (reported && !sameList(reported, this.#acked[id])) {
          this.#acked[id] = [...reported];
          this.#ackedDirty = true;
        }
        return { local: headsOf(handle), server: reported ?? this.#acked[id] };
      }),
    );
    void this.#saveAcked();
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

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((item, i) => item === b[i]);
}
