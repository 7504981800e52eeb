// The area's working notes on a case (`sportello/case-notes@1`, docs/documents.md): reading, the first
// version, and adding a note — checked as the server checks them (validate::case_notes and
// case_notes_change: a note names its author, is never removed, its text is free text of at most 20 000
// characters with line breaks and tabs but no other control characters). Plain module, no DOM.
//
// Strings as the contract wants them: ids, codes, timestamps and the URL as scalar strings
// (`ImmutableString`), the note's text as a collaborative Text.

import * as A from "@automerge/automerge/slim";
import { str } from "../../model/case-doc";

export const NOTES_SCHEMA = "sportello/case-notes@1";
export const NOTE_MAX_CHARS = 20_000;

export interface NoteView {
  id: string;
  author: string;
  createdAt: string;
  text: string;
}

export interface NotesView {
  schema: string;
  caseUrl: string;
  area: string;
  createdBy: string;
  notes: NoteView[];
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function readNotes(doc: unknown): NotesView {
  const root = record(doc);
  return {
    schema: str(root.schema),
    caseUrl: str(root.case_url),
    area: str(root.area),
    createdBy: str(root.created_by),
    notes: (Array.isArray(root.notes) ? root.notes : []).map(n => {
      const note = record(n);
      return { id: str(note.id), author: str(note.author), createdAt: str(note.created_at), text: str(note.text) };
    }),
  };
}

/** The notes of `area` on the case at `caseUrl`? */
export function isNotesFor(view: NotesView, caseUrl: string, area: string): boolean {
  return view.schema === NOTES_SCHEMA && view.caseUrl === caseUrl && view.area === area;
}

/** The first version of an area's notes on a case, as `repo.create` takes it. */
export function initialNotes(init: { caseUrl: string; area: string; userId: string; now: string }): Record<string, unknown> {
  const s = (value: string) => new A.ImmutableString(value);
  return {
    schema: s(NOTES_SCHEMA),
    case_url: s(init.caseUrl),
    area: s(init.area),
    created_by: s(init.userId),
    created_at: s(init.now),
    notes: [],
  };
}

export type NoteProblem = "empty" | "too_long" | "control_characters";

/** Why the server would refuse `text` as a note, if it would (an empty note is refused here only). */
export function noteProblem(text: string): NoteProblem | undefined {
  if (text.trim() === "") return "empty";
  if ([...text].length > NOTE_MAX_CHARS) return "too_long";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text)) return "control_characters";
  return undefined;
}

/** Appends a note inside an Automerge change callback (check it with `noteProblem` first). */
export function appendNote(doc: unknown, note: NoteView): void {
  const root = doc as Record<string, unknown>;
  if (!Array.isArray(root.notes)) root.notes = [];
  (root.notes as unknown[]).push({
    id: new A.ImmutableString(note.id),
    author: new A.ImmutableString(note.author),
    created_at: new A.ImmutableString(note.createdAt),
    text: note.text,
  });
}
