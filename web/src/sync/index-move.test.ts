import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo/slim";
import { Vault } from "../store/vault";
import type { LocalStore } from "../store/local-store";
import { LISTED_RECORD } from "./departures";
import { ACKED_RECORD, INDEXES_RECORD, documentIdOf, movedIndexId, retiredIndexes, sweepRetiredIndexes } from "./index-move";

describe("which index moved", () => {
  it("names the old id only when the tokens name another index than the one followed", () => {
    const table: [string | undefined, string | null | undefined, string | undefined][] = [
      ["automerge:old", "automerge:new", "old"],
      ["automerge:same", "automerge:same", undefined],
      ["automerge:same", "same", undefined],
      [undefined, "automerge:new", undefined], // no engine running: nothing to move
      ["automerge:old", undefined, undefined], // an answer naming no index keeps the one followed
      ["automerge:old", null, undefined],
    ];
    for (const [running, next, expected] of table) expect(movedIndexId(running, next), `${running} → ${next}`).toBe(expected);
  });

  it("retires every index followed here but the current one, each once", () => {
    expect(retiredIndexes(["a", "b", "a", "automerge:c"], "automerge:c")).toEqual(["a", "b"]);
    expect(retiredIndexes(["c"], "automerge:c")).toEqual([]);
    expect(retiredIndexes([], "automerge:c")).toEqual([]);
    expect(documentIdOf("automerge:xyz")).toBe("xyz");
  });
});

describe("sweeping a retired index from the sealed store", () => {
  const ANNA = { id: "4f0c1a2b-3d4e-4f5a-8b6c-7d8e9f0a1b2c", username: "anna.verdi" };

  async function setup() {
    const vault = new Vault(new IDBFactory(), 1_000, () => 1_000_000);
    const store: LocalStore = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    const repo = new Repo({ network: [], storage: store.storage });
    const make = async (doc: Record<string, unknown>) => {
      const handle = repo.create(doc);
      await repo.flush([handle.documentId]);
      return handle;
    };
    const keys = async (id: string) => (await store.storage.loadRange([id])).length;
    return { vault, store, repo, make, keys };
  }

  it("deletes every key of the old index and what the session kept of it, and keeps the cases and the new index", async () => {
    const { store, repo, make, keys } = await setup();
    const kept = await make({ n: 1 });
    const old = await make({ schema: "sportello/index@1", entries: [{ url: kept.url, kind: "case", title: "Rossi Maria" }] });
    const current = await make({ schema: "sportello/index@1", entries: [{ url: kept.url, kind: "case" }] });
    await store.records.put(INDEXES_RECORD, [old.documentId]);
    await store.records.put(ACKED_RECORD, { [old.documentId]: old.heads(), [kept.documentId]: kept.heads() });
    await store.records.put(LISTED_RECORD, [kept.documentId]);
    await repo.shutdown();

    const gone = await sweepRetiredIndexes(store, current.url);

    expect(gone).toEqual([old.documentId]);
    expect(await keys(old.documentId)).toBe(0);
    expect(await keys(kept.documentId)).toBeGreaterThan(0);
    expect(await keys(current.documentId)).toBeGreaterThan(0);
    expect((await store.documentIds()).sort()).toEqual([kept.documentId, current.documentId].sort());
    expect(Object.keys((await store.records.get<Record<string, string[]>>(ACKED_RECORD)) ?? {})).toEqual([kept.documentId]);
    expect(await store.records.get(LISTED_RECORD)).toEqual([kept.documentId]);
    expect(await store.records.get(INDEXES_RECORD)).toEqual([current.documentId]);
    // Done once: the next start deletes nothing.
    expect(await sweepRetiredIndexes(store, current.url)).toEqual([]);
  });

  it("never deletes the index followed now, and records the first one followed", async () => {
    const { store, repo, make, keys } = await setup();
    const index = await make({ schema: "sportello/index@1", entries: [] });
    await repo.shutdown();
    expect(await sweepRetiredIndexes(store, index.url)).toEqual([]);
    expect(await store.records.get(INDEXES_RECORD)).toEqual([index.documentId]);
    await store.records.put(INDEXES_RECORD, [index.documentId, index.documentId]);
    expect(await sweepRetiredIndexes(store, index.url)).toEqual([]);
    expect(await keys(index.documentId)).toBeGreaterThan(0);
  });

  it("a store closed in the middle of the move is swept by the next session", async () => {
    const { vault, store, repo, make } = await setup();
    const old = await make({ schema: "sportello/index@1", entries: [] });
    await store.records.put(INDEXES_RECORD, [old.documentId]);
    await repo.shutdown();
    store.close(); // the inactivity lock came first

    await expect(sweepRetiredIndexes(store, "automerge:the-new-index")).rejects.toThrow();

    const again = await vault.unlock(ANNA.username, "password di anna");
    expect(await sweepRetiredIndexes(again, "automerge:the-new-index")).toEqual([old.documentId]);
    expect(await again.storage.loadRange([old.documentId])).toEqual([]);
    expect(await again.documentIds()).toEqual([]);
  });
});
