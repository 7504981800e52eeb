// CSV for the statistics' downloads: RFC 4180 (comma-separated, CRLF after every record, a header row),
// text cells defused against spreadsheet formulas as the server's exports are (a leading `=`, `+`, `-`,
// `@`, tab or CR gets a `'`), numbers written as they are, an absent value as an empty cell.

export type CsvValue = string | number | boolean | null | undefined;

/** One text cell, safe for RFC 4180 and for spreadsheets. */
export function csvField(text: string): string {
  const formula = /^[=+\-@\t\r]/.test(text);
  const quote = /[",\r\n]/.test(text);
  let cell = formula ? `'${text}` : text;
  if (quote) cell = `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

function cellOf(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return csvField(value);
}

/** The CSV text of a header and its rows. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map(record => record.map(cellOf).join(",") + "\r\n").join("");
}

/** Offers `text` as a file download (a Blob URL, released right after). */
export function downloadCsv(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
