// The index moves (issue 12): after an approved erasure the server gives every user a new index document
// (a fresh id, built from scratch, so its history never held the erased case) and deletes the old one. The
// tablet follows the new id (`index_doc` in the refresh or login answer) and deletes its own copy of the
// old index, whose history still holds the erased case's title (the person's name).
//
// Invariants:
// - The store keeps, sealed, the ids of the index documents followed in it (record `indexes`). Each sync
//   engine, before its Repo exists (so before the outbox opens the store's documents), deletes every key
//   of every index in that record other than its own, then leaves only its own there. So an old index is
//   never offered to the server again, whichever way the new id arrived (a refresh after `index_moved`, a
//   login on a tablet that was off during the move), and a store closed in the middle of a move (a lock,
//   a logout) is swept by the next session.
// - The index the engine follows is never deleted, whatever the record says.
// - Nothing else is decided here: the cases the new index no longer lists leave by the departure rules
//   (departures.ts), from the `listed` record the old index filled; those both indexes list stay.

import type { LocalStore } from "../store/local-store";
import { LISTED_RECORD } from "./departures";

/** The sealed record of the index document ids followed in this store. */
export const INDEXES_RECORD = "indexes";

/** The store record holding, per document id, the heads the server last acknowledged (sync-client.ts). */
export const ACKED_RECORD = "acked-heads";

/** A document id from an `automerge:` URL (or a bare id). */
export function documentIdOf(url: string): string {
  return url.replace(/^automerge:/, "");
}

/**
 * The id of the index that moved away when the session's tokens name `next` while the sync engine follows
 * `running`; undefined when nothing moved (the same index, or either unknown).
 */
export function movedIndexId(running: string | null | undefined, next: string | null | undefined): string | undefined {
  if (!running || !next) return undefined;
  const old = documentIdOf(running);
  return old === documentIdOf(next) ? undefined : old;
}

/** The indexes followed here that are not `current` (each once): those to delete. */
export function retiredIndexes(followed: readonly string[], current: string): string[] {
  const keep = documentIdOf(current);
  return [...new Set(followed.map(documentIdOf))].filter(id => id !== keep);
}

/** What the sweep needs of the store (a `LocalStore`). */
export type SweptStore = Pick<LocalStore, "records" | "removeDocument">;

/**
 * Deletes from the store every index followed here other than `current` (every key `[id, …]`: snapshots,
 * incremental chunks, sync states; its acknowledged heads; its listed id), then records `current` as the
 * one index followed. Returns the ids deleted. Call it before the Repo exists: nothing writes them back.
 */
export async function sweepRetiredIndexes(store: SweptStore, current: string): Promise<string[]> {
  const followed = (await store.records.get<string[]>(INDEXES_RECORD)) ?? [];
  const gone = retiredIndexes(followed, current);
  for (const id of gone) await store.removeDocument(id);
  if (gone.length > 0) {
    const acked = await store.records.get<Record<string, string[]>>(ACKED_RECORD);
    if (acked && gone.some(id => id in acked)) {
      for (const id of gone) delete acked[id];
      await store.records.put(ACKED_RECORD, acked);
    }
    const listed = await store.records.get<string[]>(LISTED_RECORD);
    if (listed?.some(id => gone.includes(id))) {
      await store.records.put(
        LISTED_RECORD,
        listed.filter(id => !gone.includes(id)),
      );
    }
  }
  const own = documentIdOf(current);
  if (followed.length !== 1 || followed[0] !== own) await store.records.put(INDEXES_RECORD, [own]);
  return gone;
}
