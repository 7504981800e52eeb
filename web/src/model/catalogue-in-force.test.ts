import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo/slim";
import { DEFAULT_CATALOGUE } from "../rules/catalogue";
import { CatalogueInForce, directoryUrlOf, type DirectorySource } from "./catalogue-in-force";

function until(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (condition()) resolve();
      else if (Date.now() - started > 3000) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

/** A sync engine with no network whose index is ready at once. */
function source(repo: Repo): DirectorySource {
  return {
    whenStarted: async () => repo,
    subscribe: listener => {
      listener({ index: { status: "ready" } });
      return () => undefined;
    },
  };
}

function seed(repo: Repo) {
  const directory = repo.create<Record<string, unknown>>({
    schema: "sportello/directory@1",
    updated_at: "2026-12-01T09:00:00Z",
    areas: [{ code: "elderly", label_it: "Anziani", has_staff: true, active: true }],
    needs: [
      { code: "economic", label_it: "Difficoltà economiche", active: true },
      { code: "legal", label_it: "Questioni legali", active: true },
    ],
  });
  const index = repo.create<Record<string, unknown>>({
    schema: "sportello/index@1",
    entries: [
      { url: "automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu", kind: "case", title: "Rossi Maria", status: "open", updated_at: "2026-12-01T09:00:00Z" },
      { url: directory.url, kind: "directory", title: "Catalogo dei servizi", status: "", updated_at: "2026-12-01T09:00:00Z" },
    ],
  });
  return { directory, index };
}

describe("the catalogue in force on the tablet", () => {
  test("the index names the directory", () => {
    expect(directoryUrlOf({ entries: [{ url: "automerge:x", kind: "case" }, { url: { val: "automerge:d" }, kind: "directory" }] })).toBe("automerge:d");
    expect(directoryUrlOf({ entries: [{ url: "automerge:x", kind: "case" }] })).toBeUndefined();
    expect(directoryUrlOf(undefined)).toBeUndefined();
  });

  test("is the defaults until the directory arrives, then follows its changes, and the defaults again after the session", async () => {
    const repo = new Repo({ network: [] });
    const { directory, index } = seed(repo);
    const inForce = new CatalogueInForce();
    expect(inForce.current).toBe(DEFAULT_CATALOGUE);
    const seen: string[][] = [];
    inForce.subscribe(catalogue => seen.push(catalogue.needs.filter(n => n.active).map(n => n.code)));

    const stop = inForce.follow(source(repo), index.url);
    await until(() => inForce.fromDirectory, "the directory");
    expect(inForce.current.needs.map(n => n.code)).toEqual(["economic", "legal"]);

    directory.change(doc => {
      (doc.needs as Record<string, unknown>[]).push({ code: "energy_poverty", label_it: "Povertà energetica", label_en: "Energy poverty", active: true });
      (doc.needs as Record<string, unknown>[])[1].active = false;
    });
    await until(() => inForce.current.needs.length === 3, "the change");
    expect(seen.at(-1)).toEqual(["economic", "energy_poverty"]);
    expect(inForce.current.needs[2].labelEn).toBe("Energy poverty");

    // A change that says nothing new (the index, a timestamp) re-renders nothing.
    const before = seen.length;
    directory.change(doc => void (doc.updated_at = "2026-12-01T10:00:00Z"));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(seen.length).toBe(before);

    stop();
    directory.change(doc => void (doc.needs as Record<string, unknown>[]).push({ code: "late", label_it: "Tardi", active: true }));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(inForce.current.needs.length).toBe(3);
    inForce.reset();
    expect(inForce.current).toBe(DEFAULT_CATALOGUE);
    expect(inForce.fromDirectory).toBe(false);
  });
});
