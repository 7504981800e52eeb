import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo/slim";
import type { IndexEntry } from "../sync/index-entries";
import { headsOf } from "../sync/heads";
import { CaseLibrary, type SyncSource } from "./case-library";

function library() {
  const repo = new Repo({ network: [] });
  let listener: ((view: { index: { entries: IndexEntry[] } }) => void) | undefined;
  const source: SyncSource = {
    whenStarted: async () => repo,
    localDocuments: async () => [],
    serverStorageId: undefined,
    subscribe(l) {
      listener = l;
      l({ index: { entries: [] } });
      return () => (listener = undefined);
    },
  };
  const cases = new CaseLibrary(source);
  const setIndex = (entries: IndexEntry[]) => listener?.({ index: { entries } });
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
