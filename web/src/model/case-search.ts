// Searching the cases at the desk as the operator types: by name (any order, accents and case ignored)
// or by codice fiscale (any part of it). Pure and fast: rows carry a prepared search key.

export interface Searchable {
  title: string;
  fiscalCode: string;
}

/** Lower case, accents removed, spaces squeezed. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

export function searchKey(row: Searchable): string {
  return `${fold(row.title)} ${row.fiscalCode.toLowerCase()}`;
}

/** The rows whose name or fiscal code contains every word of `query`, in their order. */
export function searchCases<T extends Searchable & { key?: string }>(rows: readonly T[], query: string): T[] {
  const words = fold(query).split(" ").filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter(row => {
    const key = row.key ?? searchKey(row);
    return words.every(word => key.includes(word));
  });
}
