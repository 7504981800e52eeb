import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo/slim";
import { CaseLibrary, type SyncSource } from "./case-library";
import type { Refusal } from "./save-state";

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
