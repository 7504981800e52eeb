// CSV the console builds itself (the audit log, which has no CSV on the server, and each statistics table), with the same rules as the
// server's statistics CSV (server/src/queue/stats.rs `csv_field`): RFC 4180 (comma, CRLF, cells with a comma,
// a double quote, CR or LF wrapped in double quotes, inner quotes doubled) and a guard against formula
// injection: a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet
// shows it as text instead of running it. Numbers are written as they are. Pure.

export type CsvValue = string | number | boolean | null | undefined;

/** One cell, escaped. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const formula = /^[=+\-@\t\r]/.test(value);
  const quote = /[,"\r\n]/.test(value);
  let cell = formula ? `'${value}` : value;
  if (quote) cell = `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/** A whole file: the header, then one record per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map(record => record.map(csvCell).join(",") + "\r\n").join("");
}

/** Reads back what `toCsv` wrote (RFC 4180): records of cells, quotes undone. For tests and checks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(cell);
      records.push(record);
      record = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || record.length > 0) records.push([...record, cell]);
  return records;
}
