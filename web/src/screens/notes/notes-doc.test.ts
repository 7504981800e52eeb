import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import * as A from "@automerge/automerge/slim";
import { appendNote, initialNotes, isNotesFor, noteProblem, readNotes } from "./notes-doc";

const CASE = "automerge:2j9TvS1gXcYvE6rRzkJ4vG8Sp3pD";
const WORKER = "7b0e8a52-3f1c-4d7e-9a6b-2c5d8e1f4a90";

describe("case notes", () => {
  test("a new notes document and a note read back as written, strings in the contract's forms", () => {
    let doc = A.from(initialNotes({ caseUrl: CASE, area: "elderly", userId: WORKER, now: "2026-12-01T09:00:00.000Z" }));
    doc = A.change(doc, d => appendNote(d, { id: "n1", author: WORKER, createdAt: "2026-12-01T09:05:00.000Z", text: "Prima visita.\nDa richiamare." }));
    const view = readNotes(doc);
    expect(view).toMatchObject({ caseUrl: CASE, area: "elderly", createdBy: WORKER });
    expect(view.notes).toEqual([{ id: "n1", author: WORKER, createdAt: "2026-12-01T09:05:00.000Z", text: "Prima visita.\nDa richiamare." }]);
    expect(isNotesFor(view, CASE, "elderly")).toBe(true);
    expect(isNotesFor(view, CASE, "housing")).toBe(false);
    const raw = doc as unknown as { case_url: unknown; notes: { text: unknown }[] };
    expect(raw.case_url).toBeInstanceOf(A.ImmutableString);
    expect(typeof raw.notes[0].text).toBe("string"); // a Text object reads as a string
  });

  test("notes the server would refuse are caught first", () => {
    expect(noteProblem("  ")).toBe("empty");
    expect(noteProblem("a".repeat(20_001))).toBe("too_long");
    expect(noteProblem("bell\u0007")).toBe("control_characters");
    expect(noteProblem("righe\r\ne\ttab")).toBeUndefined();
  });
});
