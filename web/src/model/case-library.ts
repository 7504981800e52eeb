// The cases of one session: those the user's index lists (opened in the background, so that search by
// codice fiscale works and they are at hand offline) and those created on this tablet (not in the index
// until the server accepts them). For each: its row in the list, its save state (only on this tablet,
// waiting, saved on the server, refused with the server's reason), and its DocHandle for the editor.
//
// Not pure (it holds the Repo's handles) but free of DOM; the views subscribe to it and call its intents.

import type { DocHandle, Repo, StorageId } from "@automerge/automerge-repo/slim";
import { headsOf } from "../sync/heads";
import type { IndexEntry } from "../sync/index-entries";
import { CASE_SCHEMA, caseTitle, createCase, readCase, type CaseDocument, type CaseView, type NewCase } from "./case-doc";
import { searchKey } from "./case-search";
import { refusalOf, saveState, type Refusal, type SaveState } from "./save-state";

export interface CaseRow {
  url: string;
  title: string;
  fiscalCode: string;
  /** The case's own status (`open`, `referred`, `closed`), or "" while unknown. */
  status: string;
  updatedAt: string;
  save: SaveState;
  refusal?: Refusal;
  createdHere: boolean;
  /** Prepared for search. */
  key: string;
}

/**
 * The server's refusals that still stand (SyncClient.refusals): a refused change is dropped at once, so the
 * document is back at the server's heads, yet the case must say *refused* and why until this tablet's
 * corrected work reaches the server.
 */
export interface RefusalSource {
  noticeFor(url: string): Refusal | undefined;
  subscribe(listener: () => void): () => void;
}

/** What the library needs of the sync engine (SyncClient). */
export interface SyncSource {
  readonly refusals?: RefusalSource;
  whenStarted(): Promise<Repo>;
  /** The documents this tablet holds (the outbox): cases among them not in the index yet are listed too. */
  localDocuments(): Promise<string[]>;
  readonly serverStorageId: StorageId | undefined;
  /** The heads the server last acknowledged as kept in the local store (offline, after a restart). */
  acknowledgedHeads?(documentId: string): readonly string[] | undefined;
  subscribe(listener: (view: { connection: string; index: { entries: IndexEntry[] } }) => void): () => void;
  /** Documents that left the user's index and were deleted from the tablet (sync/departures.ts). */
  readonly departures?: { onDeparted(listener: (url: string) => void): () => void };
}

interface Tracked {
  handle: DocHandle<CaseDocument>;
  createdHere: boolean;
  refusal?: Refusal;
  view: CaseView;
  /** Local and acknowledged heads when a change was last seen waiting, and since when. */
  waiting?: { key: string; since: number };
}

/** How long a change may wait, online, with nothing moving, before the document's sync is nudged. */
const NUDGE_AFTER_MS = 3000;

/** A row as last built, and what it was built from (its save state and refusal are in the row). */
interface CachedRow {
  row: CaseRow;
  entry?: IndexEntry;
  view?: CaseView;
}

const collator = new Intl.Collator("it");

/** The index rewrites its entries as new objects at every change: compare what a row shows. */
function sameEntry(a: IndexEntry | undefined, b: IndexEntry | undefined): boolean {
  return a === b || (!!a && !!b && a.title === b.title && a.status === b.status && a.updatedAt === b.updatedAt);
}

/** Index entries opened at once in the background. */
const OPEN_AT_ONCE = 4;

export class CaseLibrary {
  #repo?: Repo;
  #tracked = new Map<string, Tracked>();
  #index: IndexEntry[] = [];
  #opening = new Set<string>();
  #queue: string[] = [];
  #listeners = new Set<() => void>();
  #unsubscribe?: () => void;
  #stopped = false;
  #notifyScheduled = false;
  #online = false;
  #nudgeTimer?: ReturnType<typeof setInterval>;
  #rowCache = new Map<string, CachedRow>();
  #sorted: CaseRow[] = [];

  /** Issue 12: told of each opening of a case by the user (the case desk), to record it for the audit. */
  onOpened?: (documentId: string) => void;

  constructor(private readonly sync: SyncSource) {}

  /** The case desk opened the case `documentId` for the user (not a background load). */
  noteOpened(documentId: string): void {
    this.onOpened?.(documentId);
  }

  async start(): Promise<void> {
    this.#repo = await this.sync.whenStarted();
    if (this.#stopped) return;
    this.#nudgeTimer = setInterval(() => this.#nudgeStalled(), 1000);
    this.#unsubscribe = this.sync.subscribe(view => {
      this.#online = view.connection === "online";
      if (view.index.entries !== this.#index) {
        this.#index = view.index.entries;
        for (const entry of this.#index) if (entry.kind === "case") this.#enqueue(entry.url);
      }
      this.#notify();
    });
    const unsubscribeRefusals = this.sync.refusals?.subscribe(() => this.#notify());
    const unsubscribeDepartures = this.sync.departures?.onDeparted(url => this.#forget(url));
    const unsubscribeIndex = this.#unsubscribe;
    this.#unsubscribe = () => {
      unsubscribeIndex?.();
      unsubscribeRefusals?.();
      unsubscribeDepartures?.();
    };
    // Cases recorded on this tablet in an earlier session that the server does not list yet (offline, or
    // refused): the store holds them, the index does not.
    void this.sync.localDocuments().then(urls => {
      for (const url of urls) this.#enqueue(url);
    });
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#nudgeTimer);
    this.#unsubscribe?.();
    this.#listeners.clear();
    this.#departureListeners.clear();
    this.#tracked.clear();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A new case in this tablet's Repo; the server learns of it at the next sync. */
  async create(init: NewCase): Promise<DocHandle<CaseDocument>> {
    const repo = this.#repo ?? (await this.sync.whenStarted());
    const handle = createCase(repo, init);
    this.#track(handle, true);
    return handle;
  }

  /** The case at `url`, from memory or the server. */
  async open(url: string): Promise<DocHandle<CaseDocument>> {
    const known = this.#tracked.get(url);
    if (known) return known.handle;
    const repo = this.#repo ?? (await this.sync.whenStarted());
    const handle = await repo.find<CaseDocument>(url as never);
    // The store also holds the index and case notes: only cases are the library's.
    if ((handle.doc() as { schema?: unknown } | undefined)?.schema?.toString() !== CASE_SCHEMA) {
      throw new Error("not a case document");
    }
    const inIndex = this.#index.some(entry => entry.url === url);
    return this.#track(handle, !inIndex).handle;
  }

  /** How many cases are open in memory (the index's, opened in the background, and this tablet's). */
  get openedCount(): number {
    return this.#tracked.size;
  }

  refusal(url: string): Refusal | undefined {
    return this.#tracked.get(url)?.refusal ?? this.#standingRefusal(url);
  }

  #standingRefusal(url: string): Refusal | undefined {
    const notice = this.sync.refusals?.noticeFor(url);
    return notice ? { code: notice.code, reason: notice.reason } : undefined;
  }

  saveStateOf(url: string): SaveState {
    const tracked = this.#tracked.get(url);
    return tracked ? this.#saveState(tracked) : "saved";
  }

  /**
   * Every case of the session: the index's and this tablet's, newest first. Rows are rebuilt only for the
   * cases that changed since the last call (and sorted again only then), and the same array comes back
   * when none did: the list asks at every change of any case, and with 1,000 cases rebuilding them all each
   * time was most of the start-up time.
   */
  rows(): CaseRow[] {
    const next = new Map<string, CachedRow>();
    let changed = false;
    const take = (url: string, entry?: IndexEntry) => {
      const tracked = this.#tracked.get(url);
      // The save state is worked out every time (cheap: the heads are cached per document state), so that
      // whatever moves it (a change, an acknowledgement, a refusal) shows; the rest of the row is rebuilt
      // only when the case's document or its index entry changed.
      const save = tracked ? this.#saveState(tracked) : "saved";
      const refusal = this.refusal(url);
      const cached = this.#rowCache.get(url);
      if (
        cached &&
        sameEntry(cached.entry, entry) &&
        cached.view === tracked?.view &&
        cached.row.save === save &&
        cached.row.refusal?.code === refusal?.code &&
        cached.row.refusal?.reason === refusal?.reason
      ) {
        next.set(url, cached);
        return;
      }
      changed = true;
      next.set(url, { row: this.#row(url, entry), entry, view: tracked?.view });
    };
    for (const entry of this.#index) if (entry.kind === "case") take(entry.url, entry);
    for (const url of this.#tracked.keys()) if (!next.has(url)) take(url);
    if (!changed && next.size === this.#rowCache.size) return this.#sorted;
    this.#rowCache = next;
    this.#sorted = [...next.values()]
      .map(cached => cached.row)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || collator.compare(a.title, b.title) || a.url.localeCompare(b.url));
    return this.#sorted;
  }

  #row(url: string, entry?: IndexEntry): CaseRow {
    const tracked = this.#tracked.get(url);
    const title = tracked ? caseTitle(tracked.view) : (entry?.title ?? "");
    const fiscalCode = tracked?.view.person.fiscal_code ?? "";
    const row: CaseRow = {
      url,
      title,
      fiscalCode,
      status: tracked?.view.status ?? entry?.status ?? "",
      updatedAt: entry?.updatedAt ?? tracked?.view.createdAt ?? "",
      save: tracked ? this.#saveState(tracked) : "saved",
      refusal: this.refusal(url),
      createdHere: tracked?.createdHere ?? false,
      key: "",
    };
    row.key = searchKey(row);
    return row;
  }

  #saveState(tracked: Tracked): SaveState {
    if (this.#standingRefusal(tracked.handle.url)) return "refused";
    const storage = this.sync.serverStorageId;
    const live = storage ? tracked.handle.getSyncInfo(storage)?.lastHeads : undefined;
    const serverHeads = live ?? this.sync.acknowledgedHeads?.(tracked.handle.documentId);
    return saveState({ localHeads: headsOf(tracked.handle), serverHeads, refusal: tracked.refusal });
  }

  #track(handle: DocHandle<CaseDocument>, createdHere: boolean): Tracked {
    const known = this.#tracked.get(handle.url);
    if (known) return known;
    const tracked: Tracked = { handle, createdHere, view: readCase(handle.doc()) };
    this.#tracked.set(handle.url, tracked);
    handle.on("change", () => {
      tracked.view = readCase(handle.doc());
      this.#notify();
    });
    handle.on("remote-heads", () => {
      // Acknowledged again: an earlier refusal no longer stands.
      if (tracked.refusal && this.#saveState({ ...tracked, refusal: undefined }) === "saved") tracked.refusal = undefined;
      this.#notify();
    });
    handle.on("ephemeral-message", ({ senderId, message }) => {
      const refusal = refusalOf(senderId, message);
      if (refusal) {
        tracked.refusal = refusal;
        this.#notify();
      }
    });
    this.#notify();
    return tracked;
  }

  /**
   * Observed with automerge-repo 2.5.6 (web/tests/browser/intake.mjs, about one run in three): right after
   * merging a peer's concurrent changes, a local change is sometimes not offered to the server until the
   * next local change — the Repo's document synchronizer misses that "change" event. A change the user
   * made must not wait for another one: when a document's changes have waited, online, for a few seconds
   * with neither its heads nor the server's moving, its synchronizer is given the "change" event again (a
   * sync message with nothing new is harmless).
   */
  #nudgeStalled(): void {
    if (!this.#online) return;
    const storage = this.sync.serverStorageId;
    for (const tracked of this.#tracked.values()) {
      const state = this.#saveState(tracked);
      if (state !== "pending" && state !== "local") {
        tracked.waiting = undefined;
        continue;
      }
      const server = storage ? tracked.handle.getSyncInfo(storage)?.lastHeads : undefined;
      const key = `${(tracked.handle.heads() ?? []).join(",")}|${(server ?? []).join(",")}`;
      const now = Date.now();
      if (tracked.waiting?.key !== key) {
        tracked.waiting = { key, since: now };
      } else if (now - tracked.waiting.since >= NUDGE_AFTER_MS) {
        tracked.waiting.since = now;
        const handle = tracked.handle;
        handle.emit("change", { handle, doc: handle.doc(), patches: [], patchInfo: { before: handle.doc(), after: handle.doc(), source: "change" } });
      }
    }
  }

  /** The case left the tablet (its index entry went, and the tablet deleted it): no row, no handle. */
  #forget(url: string): void {
    this.#tracked.delete(url);
    this.#queue = this.#queue.filter(queued => queued !== url);
    for (const listener of this.#departureListeners) listener(url);
    this.#notify();
  }

  readonly #departureListeners = new Set<(url: string) => void>();

  /**
   * Calls `listener` with the URL of each case that leaves this tablet (issue 12, "What leaves the
   * tablet"): a screen showing that case must stop showing it, since the user may no longer read it.
   */
  onDeparted(listener: (url: string) => void): () => void {
    this.#departureListeners.add(listener);
    return () => this.#departureListeners.delete(listener);
  }

  #enqueue(url: string): void {
    if (this.#tracked.has(url) || this.#opening.has(url) || this.#queue.includes(url)) return;
    this.#queue.push(url);
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped && this.#opening.size < OPEN_AT_ONCE && this.#queue.length > 0) {
      const url = this.#queue.shift()!;
      this.#opening.add(url);
      void this.open(url)
        .catch(() => undefined) // unavailable (gone from the desk, or offline): the index row stays
        .finally(() => {
          this.#opening.delete(url);
          this.#pump();
        });
    }
  }

  /** Listeners run at most once per task, however many handles changed. */
  #notify(): void {
    if (this.#notifyScheduled || this.#stopped) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      for (const listener of this.#listeners) listener();
    });
  }
}
