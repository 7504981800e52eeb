// The user's index document (`sportello/index@1`, docs/documents.md) as rows for "cases at the desk".
// Pure: the view never reads the Automerge document itself.
//
// Strings in documents written by the server or by other clients may come back as `ImmutableString`
// (scalar strings) or as plain strings (text objects): `plain` reads both.

export type EntryKind = "case" | "case_notes" | "index" | "directory";

export interface IndexEntry {
  url: string;
  kind: EntryKind | string;
  title: string;
  status: string;
  updatedAt: string;
}

/** A string field however Automerge hands it back (string, ImmutableString, or missing). */
export function plain(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const inner = (value as { val?: unknown }).val;
    if (typeof inner === "string") return inner;
  }
  return "";
}

/** The kinds of documents a person at the desk works on; the index itself and the catalogue are not cases. */
const CASE_KINDS = new Set(["case", "case_notes"]);

/** The case entries of an index document, most recently updated first (then by title). */
export function caseEntries(doc: unknown): IndexEntry[] {
  const entries = (doc as { entries?: unknown } | undefined)?.entries;
  if (!Array.isArray(entries)) return [];
  const rows: IndexEntry[] = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== "object") continue;
    const record = entry as Record<string, unknown>;
    const row = {
      url: plain(record.url),
      kind: plain(record.kind),
      title: plain(record.title),
      status: plain(record.status),
      updatedAt: plain(record.updated_at),
    };
    if (row.url && CASE_KINDS.has(row.kind)) rows.push(row);
  }
  return rows.sort(
    (a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.title.localeCompare(b.title, "it") || a.url.localeCompare(b.url),
  );
}
