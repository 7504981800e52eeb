import { describe, expect, it } from "vitest";
import { next as A } from "@automerge/automerge";
import { caseEntries, plain } from "./index-entries";

describe("index entries", () => {
  it("lists cases newest first and leaves out the index and the catalogue", () => {
    const doc = {
      schema: "sportello/index@1",
      entries: [
        { url: "automerge:1", kind: "case", title: "Rossi Maria", status: "open", updated_at: "2026-11-27T09:00:00Z" },
        { url: "automerge:2", kind: "directory", title: "Catalogo", status: "", updated_at: "2026-11-27T12:00:00Z" },
        { url: "automerge:3", kind: "case", title: "Diallo Amina", status: "referred", updated_at: "2026-11-27T10:00:00Z" },
        { url: "automerge:4", kind: "index", title: "Indice", status: "", updated_at: "2026-11-27T11:00:00Z" },
      ],
    };
    expect(caseEntries(doc).map(e => e.title)).toEqual(["Diallo Amina", "Rossi Maria"]);
    expect(caseEntries(doc)[0]).toEqual({
      url: "automerge:3",
      kind: "case",
      title: "Diallo Amina",
      status: "referred",
      updatedAt: "2026-11-27T10:00:00Z",
    });
  });

  it("reads scalar strings that Automerge returns as ImmutableString", () => {
    let doc = A.from<{ entries: unknown[] }>({ entries: [] });
    doc = A.change(doc, d => {
      d.entries.push({
        url: new A.ImmutableString("automerge:9"),
        kind: new A.ImmutableString("case"),
        title: new A.ImmutableString("Bianchi Luca"),
        status: new A.ImmutableString("open"),
        updated_at: new A.ImmutableString("2026-11-27T09:00:00Z"),
      });
    });
    expect(plain(A.toJS(doc).entries[0])).toBe("");
    expect(caseEntries(doc).map(e => [e.title, e.status])).toEqual([["Bianchi Luca", "open"]]);
  });

  it("an empty or malformed document has no entries", () => {
    expect(caseEntries(undefined)).toEqual([]);
    expect(caseEntries({ entries: "nope" })).toEqual([]);
    expect(caseEntries({ entries: [null, 3, { kind: "case" }] })).toEqual([]);
  });
});
