import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo/slim";
import { CaseLibrary, type SyncSource } from "./case-library";
import type { Refusal } from "./save-state";
import type { IndexEntry } from "../sync/index-entries";
import { headsOf } from "../sync/heads";

/** A sync engine with no network: the library's Repo, an empty index, and refusals the test sets. */
function offlineSync(repo: Repo) {
  const standing = new Map<string, Refusal>();
  const listeners = new Set<() => void>();
  const sync: SyncSource = {
    whenStarted: async () => repo,
    localDocuments: async () => [],
    serverStorageId: undefined,
    subscribe: listener => {
      listener({ connection: "offline", index: { entries: [] } });
      return () => undefined;
    },
    refusals: {
      noticeFor: url => standing.get(url),
      subscribe: listener => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
  const setNotice = (url: string, refusal?: Refusal) => {
    if (refusal) standing.set(url, refusal);
    else standing.delete(url);
    for (const listener of listeners) listener();
  };
  return { sync, setNotice };
}

describe("the case library", () => {
  test("a case the server refused says so, with the reason, while the refusal stands — even back at the server's state", async () => {
    const repo = new Repo({ network: [] });
    const { sync, setNotice } = offlineSync(repo);
    const library = new CaseLibrary(sync);
    await library.start();
    const handle = await library.create({ userId: "u-1", now: "2026-12-05T09:00:00Z", channel: "desk", privacyNotice: true });
    expect(library.saveStateOf(handle.url)).toBe("local");

    const refusal = { code: "invalid_document", reason: "person.fiscal_code: wrong check character" };
    setNotice(handle.url, refusal);
    expect(library.saveStateOf(handle.url)).toBe("refused");
    expect(library.refusal(handle.url)).toEqual(refusal);
    expect(library.rows().find(row => row.url === handle.url)).toMatchObject({ save: "refused", refusal });

    setNotice(handle.url, undefined);
    expect(library.saveStateOf(handle.url)).toBe("local");
    expect(library.refusal(handle.url)).toBeUndefined();
    library.stop();
    await repo.shutdown();
  });
});

describe("a case that left the tablet", () => {
  test("drops out of the rows and the search as soon as the departures say so, and the others stay", async () => {
    const repo = new Repo({ network: [] });
    const { sync } = offlineSync(repo);
    const departed = new Set<(url: string) => void>();
    const library = new CaseLibrary({
      ...sync,
      departures: {
        onDeparted: listener => {
          departed.add(listener);
          return () => departed.delete(listener);
        },
      },
    });
    await library.start();
    const gone = await library.create(init);
    const kept = await library.create(init);
    expect(library.rows().map(row => row.url).sort()).toEqual([gone.url, kept.url].sort());
    // A screen showing a case hears of its departure (and stops showing it).
    const told: string[] = [];
    const stopListening = library.onDeparted(url => told.push(url));

    for (const listener of departed) listener(gone.url);
    expect(library.rows().map(row => row.url)).toEqual([kept.url]);
    expect(told).toEqual([gone.url]);
    expect(library.openedCount).toBe(1);
    stopListening();
    for (const listener of departed) listener(kept.url);
    expect(told).toEqual([gone.url]);
    library.stop();
    expect(departed.size).toBe(0);
    await repo.shutdown();
  });
});

function library() {
  const repo = new Repo({ network: [] });
  let listener: ((view: { connection: string; index: { entries: IndexEntry[] } }) => void) | undefined;
  const source: SyncSource = {
    whenStarted: async () => repo,
    localDocuments: async () => [],
    serverStorageId: undefined,
    subscribe(l) {
      listener = l;
      l({ connection: "offline", index: { entries: [] } });
      return () => (listener = undefined);
    },
  };
  const cases = new CaseLibrary(source);
  const setIndex = (entries: IndexEntry[]) => listener?.({ connection: "offline", index: { entries } });
  return { repo, cases, setIndex };
}

const init = { userId: "00000000-0000-4000-8000-000000000001", now: "2026-12-05T09:00:00Z", channel: "desk" as const, privacyNotice: true };

describe("headsOf", () => {
  test("a document's heads are the handle's, kept while the document does not change and new after a change", () => {
    const repo = new Repo({ network: [] });
    const handle = repo.create<{ n: number }>({ n: 1 });
    const first = headsOf(handle);
    expect(first).toEqual(handle.heads());
    expect(headsOf(handle)).toBe(first);
    handle.change(doc => (doc.n = 2));
    const second = headsOf(handle);
    expect(second).toEqual(handle.heads());
    expect(second).not.toEqual(first);
  });
});

describe("CaseLibrary.rows", () => {
  test("the same rows come back while nothing changed, and a changed case gets a new row", async () => {
    const { cases } = library();
    await cases.start();
    const a = await cases.create(init);
    await cases.create({ ...init, now: "2026-12-05T10:00:00Z" });
    const rows = cases.rows();
    expect(rows).toHaveLength(2);
    expect(cases.rows()).toBe(rows);
    a.change(doc => {
      (doc.person as Record<string, unknown>).family_name = "Rossi";
    });
    const next = cases.rows();
    expect(next).not.toBe(rows);
    expect(next.find(row => row.url === a.url)?.title).toBe("Rossi");
    expect(next.find(row => row.url === a.url)?.key).toContain("rossi");
  });

  test("an index entry that changes what a row shows rebuilds that row, newest first", async () => {
    const { cases, setIndex } = library();
    await cases.start();
    const entry = (url: string, title: string, updatedAt: string): IndexEntry => ({ url, kind: "case", title, status: "open", updatedAt });
    setIndex([entry("automerge:a", "Bianchi Anna", "2026-12-01T09:00:00Z"), entry("automerge:b", "Verdi Carla", "2026-12-02T09:00:00Z")]);
    const rows = cases.rows();
    expect(rows.map(row => row.title)).toEqual(["Verdi Carla", "Bianchi Anna"]);
    // The index rewrites its entries as new objects: same values, same rows.
    setIndex([entry("automerge:a", "Bianchi Anna", "2026-12-01T09:00:00Z"), entry("automerge:b", "Verdi Carla", "2026-12-02T09:00:00Z")]);
    expect(cases.rows()).toBe(rows);
    setIndex([entry("automerge:a", "Bianchi Anna", "2026-12-03T09:00:00Z"), entry("automerge:b", "Verdi Carla", "2026-12-02T09:00:00Z")]);
    expect(cases.rows().map(row => row.title)).toEqual(["Bianchi Anna", "Verdi Carla"]);
    setIndex([entry("automerge:b", "Verdi Carla", "2026-12-02T09:00:00Z")]);
    expect(cases.rows().map(row => row.title)).toEqual(["Verdi Carla"]);
  });
});
