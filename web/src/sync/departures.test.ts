import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import "@automerge/automerge";
import { Repo, type DocHandle } from "@automerge/automerge-repo/slim";
import { Vault } from "../store/vault";
import type { LocalStore } from "../store/local-store";
import { DepartureKeeper, LISTED_RECORD, contains, indexDocumentIds, leavesTablet, type Departure } from "./departures";

describe("leavesTablet", () => {
  it("deletes only what left the index and has nothing in flight", () => {
    const d = (wasListed: boolean, listedNow: boolean, acknowledged: boolean, unavailableUnchanged: boolean): Departure => ({
      wasListed,
      listedNow,
      acknowledged,
      unavailableUnchanged,
    });
    const table: [string, Departure, boolean][] = [
      ["still listed", d(true, true, true, false), false],
      ["still listed, unavailable (the index here is behind)", d(true, true, false, true), false],
      ["left, acknowledged", d(true, false, true, false), true],
      ["left, unsynced edit in flight", d(true, false, false, false), false],
      ["left, edit answered doc-unavailable", d(true, false, false, true), true],
      ["created here, never listed, acknowledged", d(false, false, true, false), false],
      ["created here, never listed, refused", d(false, false, false, true), false],
    ];
    for (const [name, departure, expected] of table) expect(leavesTablet(departure), name).toBe(expected);
  });

  it("reads every entry's id whatever its kind, and nothing from what is not an index", () => {
    const doc = {
      entries: [
        { url: "automerge:a", kind: "case" },
        { url: { val: "automerge:b" }, kind: "case_notes" },
        { url: "automerge:c", kind: "directory" },
        { url: "not-a-url", kind: "case" },
        null,
      ],
    };
    expect(indexDocumentIds(doc)).toEqual(new Set(["a", "b", "c"]));
    expect(indexDocumentIds({})).toBeUndefined();
    expect(indexDocumentIds(undefined)).toBeUndefined();
    expect(indexDocumentIds({ entries: [] })).toEqual(new Set());
  });

  it("acknowledged means every local head is among the server's", () => {
    expect(contains(undefined, [])).toBe(true);
    expect(contains(undefined, ["h1"])).toBe(false);
    expect(contains(["h1", "h2"], ["h2"])).toBe(true);
    expect(contains(["h1"], ["h1", "h3"])).toBe(false);
  });
});

describe("DepartureKeeper", () => {
  type Doc = { n: number };
  const ANNA = { id: "0d9b2c6e-7f51-4c1e-8a43-1e2f3a4b5c6d", username: "anna.verdi" };
  const settle = () => new Promise(resolve => setTimeout(resolve, 450));

  async function setup() {
    const vault = new Vault(new IDBFactory(), 1_000, () => 1_000_000);
    const store: LocalStore = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    const repo = new Repo({ network: [], storage: store.storage });
    const server = new Map<string, string[]>();
    const forgotten: string[] = [];
    const keeper = new DepartureKeeper();
    const departed: string[] = [];
    keeper.onDeparted(url => departed.push(url));
    const make = async (n: number) => {
      const handle = repo.create<Doc>({ n }) as DocHandle<Doc>;
      await repo.flush([handle.documentId]);
      return handle;
    };
    const acknowledge = (handle: DocHandle<Doc>) => server.set(handle.documentId, [...handle.heads()]);
    const keys = async (id: string) => (await store.storage.loadRange([id])).length;
    const index = (...handles: DocHandle<Doc>[]) => ({ entries: handles.map(h => ({ url: h.url, kind: "case" })) });
    const unavailable = (handle: DocHandle<Doc>) =>
      repo.networkSubsystem.emit("message", {
        type: "doc-unavailable",
        senderId: "sportello-server",
        targetId: repo.peerId,
        documentId: handle.documentId,
      } as never);
    await keeper.attach(repo, store, {
      serverHeads: id => server.get(id),
      forget: id => forgotten.push(id),
      outboxOpen: Promise.resolve(),
      indexId: "the-index",
    });
    return { repo, store, keeper, departed, forgotten, make, acknowledge, keys, index, unavailable };
  }

  it("deletes a document that left the index once the server has its changes, and never one made here", async () => {
    const { repo, store, keeper, departed, forgotten, make, acknowledge, keys, index } = await setup();
    const synced = await make(1);
    const edited = await make(2);
    const madeHere = await make(3);
    acknowledge(synced);
    acknowledge(edited);
    edited.change(d => (d.n = 20)); // not acknowledged yet
    await repo.flush([edited.documentId]);

    keeper.indexChanged(index(synced, edited));
    keeper.indexChanged(index());
    await settle();

    expect(departed).toEqual([synced.url]);
    expect(forgotten).toEqual([synced.documentId]);
    expect(repo.handles[synced.documentId]).toBeUndefined();
    expect(await keys(synced.documentId)).toBe(0);
    expect(await keys(edited.documentId)).toBeGreaterThan(0);
    expect(await keys(madeHere.documentId)).toBeGreaterThan(0);
    expect(await store.records.get<string[]>(LISTED_RECORD)).toEqual([edited.documentId]);

    // The edit reaches the server: now it goes too.
    acknowledge(edited);
    keeper.review();
    await settle();
    expect(departed).toEqual([synced.url, edited.url]);
    expect(await keys(edited.documentId)).toBe(0);
    expect(repo.handles[madeHere.documentId]?.isReady()).toBe(true);
    keeper.detach();
  });

  it("a doc-unavailable answer to the document as it is lets it go; an edit made after it does not", async () => {
    const { repo, keeper, departed, make, acknowledge, keys, index, unavailable } = await setup();
    const doc = await make(1);
    acknowledge(doc);
    doc.change(d => (d.n = 2));
    keeper.indexChanged(index(doc));
    keeper.indexChanged(index());
    await settle();
    expect(departed).toEqual([]);

    unavailable(doc);
    doc.change(d => (d.n = 3)); // before the answer is looked at: the answer was to older heads
    await repo.flush([doc.documentId]);
    await settle();
    expect(departed).toEqual([]);
    expect(await keys(doc.documentId)).toBeGreaterThan(0);

    unavailable(doc);
    await settle();
    expect(departed).toEqual([doc.url]);
    expect(await keys(doc.documentId)).toBe(0);
    keeper.detach();
  });

  it("after the index moved, the new index deletes nothing while loading and only the case it no longer lists", async () => {
    // Issue 12: the old index listed two cases; the session now follows a new index (another id) whose
    // keeper starts from the `listed` record the old one filled.
    const { repo, store, keeper, make, acknowledge, index } = await setup();
    const kept = await make(1);
    const erased = await make(2);
    acknowledge(kept);
    acknowledge(erased);
    keeper.indexChanged(index(kept, erased));
    await settle(); // the `listed` record is written
    keeper.detach();

    const moved = new DepartureKeeper();
    const gone: string[] = [];
    moved.onDeparted(url => gone.push(url));
    await moved.attach(repo, store, {
      serverHeads: id => (id === kept.documentId ? [...kept.heads()] : [...erased.heads()]),
      forget: () => undefined,
      outboxOpen: Promise.resolve(),
      indexId: "the-new-index",
    });
    // Not loaded yet, then loaded as an empty document (no `entries`): nothing is decided.
    moved.review();
    moved.indexChanged(undefined);
    moved.indexChanged({});
    await settle();
    await settle();
    expect(gone).toEqual([]);
    expect(repo.handles[kept.documentId]?.isReady()).toBe(true);
    expect(repo.handles[erased.documentId]?.isReady()).toBe(true);

    // Built in full: it lists the case both indexes list, not the erased one.
    moved.indexChanged(index(kept));
    await settle();
    expect(gone).toEqual([erased.url]);
    expect(await store.storage.loadRange([erased.documentId])).toEqual([]);
    expect((await store.storage.loadRange([kept.documentId])).length).toBeGreaterThan(0);
    expect(await store.records.get<string[]>(LISTED_RECORD)).toEqual([kept.documentId]);
    moved.detach();
  });

  it("an index that lists the document again keeps it, and the listed ids survive a new session", async () => {
    const { repo, store, keeper, departed, make, index } = await setup();
    const doc = await make(1);
    doc.change(d => (d.n = 2)); // pending
    keeper.indexChanged(index(doc));
    keeper.detach();

    const again = new DepartureKeeper();
    const gone: string[] = [];
    again.onDeparted(url => gone.push(url));
    await again.attach(repo, store, {
      serverHeads: () => [...doc.heads()],
      forget: () => undefined,
      outboxOpen: Promise.resolve(),
      indexId: "the-index",
    });
    again.indexChanged(index(doc));
    await settle();
    expect(gone).toEqual([]);
    again.indexChanged(index());
    await settle();
    expect(gone).toEqual([doc.url]);
    expect(departed).toEqual([]);
    again.detach();
  });
});
