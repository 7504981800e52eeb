// A document that leaves the user's index leaves the tablet (docs/security.md, "Tablets").
//
// The index lists exactly what the user may hold. When an entry goes (a referral cancelled or rejected, a
// case erased), the tablet deletes its copy of that document, but only once no local change to it is in
// flight: the server acknowledged every local change (its heads contain ours), or refused them (the
// refusal keeper has put the document back at the server's heads: acknowledged again), or answered
// `doc-unavailable` to the document as it is now (automerge-repo ignores that answer for a document it
// holds, so it is watched here). Until then the copy stays, so an edit the server would still take is not
// lost.
//
// Invariants:
// - Only ids that the index listed on this tablet are ever deleted: the set of them is kept, sealed, in the
//   store (`listed`), so it survives a restart. A document created here and not listed yet is never
//   deleted by this rule; one that comes back into the index is fetched again from the server.
// - Nothing is decided before the outbox has opened every stored document (until then a document still
//   loading from the store would look empty, hence "acknowledged").
// - Deleting goes through automerge-repo (`repo.delete`: the handle, the synchronizer, the storage
//   subsystem's `removeDoc`), then every key of the document in the store is removed once more after the
//   Repo's throttled saves have run, so no snapshot, incremental chunk or sync state is left.

import type { DocHandle, Repo } from "@automerge/automerge-repo/slim";
import type { LocalStore } from "../store/local-store";
import { headsOf } from "./heads";
import { plain } from "./index-entries";

/** What decides whether a document leaves the tablet. */
export interface Departure {
  /** The user's index listed it at some point on this tablet. */
  wasListed: boolean;
  /** The latest index lists it. */
  listedNow: boolean;
  /** The server acknowledged every local change (true when there is none). */
  acknowledged: boolean;
  /** The server answered `doc-unavailable` to the document as it is now. */
  unavailableUnchanged: boolean;
}

/** Out of the index, and nothing local in flight. */
export function leavesTablet(doc: Departure): boolean {
  return doc.wasListed && !doc.listedNow && (doc.acknowledged || doc.unavailableUnchanged);
}

/** The document ids an index document lists (every kind), or undefined when it is not a readable index. */
export function indexDocumentIds(doc: unknown): Set<string> | undefined {
  const entries = (doc as { entries?: unknown } | undefined)?.entries;
  if (!Array.isArray(entries)) return undefined;
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!entry || typeof entry !== "object") continue;
    const url = plain((entry as Record<string, unknown>).url);
    if (url.startsWith("automerge:")) ids.add(url.slice("automerge:".length));
  }
  return ids;
}

/** `local` ⊆ `server` (hex or bs58 heads, as long as both sides use the same form). */
export function contains(server: readonly string[] | undefined, local: readonly string[]): boolean {
  if (local.length === 0) return true;
  if (!server) return false;
  const held = new Set(server);
  return local.every(head => held.has(head));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && contains(a, b);
}

/** The store record holding the ids the index has listed. */
export const LISTED_RECORD = "listed";

/** How long after `repo.delete` the store is swept (the Repo saves at most every 100 ms). */
const SWEEP_AFTER_MS = 300;
const REVIEW_EVERY_MS = 1000;

export interface DepartureHost {
  /** The heads the server last acknowledged (encoded as `handle.heads()` encodes them). */
  serverHeads(documentId: string): readonly string[] | undefined;
  /** The document left: forget what the session keeps about it (acknowledged heads). */
  forget(documentId: string): void;
  /** Resolves once every document of the store is open (SyncClient.localDocuments). */
  outboxOpen: Promise<unknown>;
  /** The index itself is never deleted. */
  indexId: string;
}

export class DepartureKeeper {
  #repo?: Repo;
  #store?: LocalStore;
  #host?: DepartureHost;
  #listed = new Set<string>();
  #indexIds?: Set<string>;
  #unavailableAt = new Map<string, string[]>();
  #deleting = new Set<string>();
  #listeners = new Set<(url: string) => void>();
  #ready = false;
  #timer?: ReturnType<typeof setInterval>;
  #off?: () => void;

  /** Starts watching `repo`; `store` keeps the listed ids and is swept on deletion. */
  async attach(repo: Repo, store: LocalStore | undefined, host: DepartureHost): Promise<void> {
    this.#repo = repo;
    this.#store = store;
    this.#host = host;
    const onMessage = (message: { type: string; documentId?: string }) => {
      if (message.type !== "doc-unavailable" || !message.documentId) return;
      const handle = repo.handles[message.documentId as never] as DocHandle<unknown> | undefined;
      this.#unavailableAt.set(message.documentId, handle ? headsOf(handle) : []);
      queueMicrotask(() => this.review());
    };
    repo.networkSubsystem.on("message", onMessage as never);
    this.#off = () => repo.networkSubsystem.off("message", onMessage as never);
    const stored = await store?.records.get<string[]>(LISTED_RECORD).catch(() => undefined);
    for (const id of stored ?? []) this.#listed.add(id);
    await host.outboxOpen;
    if (!this.#repo) return;
    this.#ready = true;
    this.#timer = setInterval(() => this.review(), REVIEW_EVERY_MS);
    this.review();
  }

  detach(): void {
    this.#off?.();
    clearInterval(this.#timer);
    this.#listeners.clear();
    this.#repo = undefined;
    this.#ready = false;
  }

  /** Called with the `automerge:` URL of each document that left the tablet. */
  onDeparted(listener: (url: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The index document changed (or loaded). */
  indexChanged(doc: unknown): void {
    const ids = indexDocumentIds(doc);
    if (!ids) return;
    this.#indexIds = ids;
    let grew = false;
    for (const id of ids) {
      if (!this.#listed.has(id)) {
        this.#listed.add(id);
        grew = true;
      }
    }
    if (grew) void this.#saveListed();
    this.review();
  }

  /** Deletes every document that left the index and has nothing in flight. */
  review(): void {
    const repo = this.#repo;
    const index = this.#indexIds;
    if (!repo || !index || !this.#ready) return;
    for (const id of this.#listed) {
      if (index.has(id) || this.#deleting.has(id) || id === this.#host?.indexId) continue;
      const handle = repo.handles[id as never] as DocHandle<unknown> | undefined;
      // Still loading from the store: its heads are not known yet.
      if (handle?.inState(["loading"])) continue;
      const local = handle ? headsOf(handle) : [];
      const unavailableAt = this.#unavailableAt.get(id);
      const departure: Departure = {
        wasListed: true,
        listedNow: false,
        acknowledged: contains(this.#host?.serverHeads(id), local),
        unavailableUnchanged: unavailableAt !== undefined && sameSet(unavailableAt, local),
      };
      if (leavesTablet(departure)) void this.#delete(id);
    }
  }

  async #delete(id: string): Promise<void> {
    const repo = this.#repo;
    if (!repo) return;
    this.#deleting.add(id);
    try {
      if (repo.handles[id as never]) repo.delete(id as never);
      this.#host?.forget(id);
      await new Promise(resolve => setTimeout(resolve, SWEEP_AFTER_MS));
      if (this.#store?.isOpen) await this.#store.removeDocument(id);
      this.#listed.delete(id);
      this.#unavailableAt.delete(id);
      await this.#saveListed();
      for (const listener of this.#listeners) listener(`automerge:${id}`);
    } catch {
      // The store was locked meanwhile: the id stays listed, and the next session deletes what is left.
    } finally {
      this.#deleting.delete(id);
    }
  }

  async #saveListed(): Promise<void> {
    if (!this.#store?.isOpen) return;
    await this.#store.records.put(LISTED_RECORD, [...this.#listed]).catch(() => undefined);
  }
}
