import { describe, expect, it } from "vitest";
import { csvCell, parseCsv, toCsv } from "./csv";

describe("csv", () => {
  it("leaves plain text and numbers alone", () => {
    expect(csvCell("admin.user_create")).toBe("admin.user_create");
    expect(csvCell(1843)).toBe("1843");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("quotes separators, quotes and line breaks (RFC 4180)", () => {
    expect(csvCell("Migranti, Intercultura")).toBe('"Migranti, Intercultura"');
    expect(csvCell('lo "sportello"')).toBe('"lo ""sportello"""');
    expect(csvCell("due\r\nrighe")).toBe('"due\r\nrighe"');
  });

  it("defuses cells a spreadsheet would run as a formula", () => {
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+39 06 1234")).toBe("'+39 06 1234");
    expect(csvCell("-3")).toBe("'-3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe('"\'\rx"');
    expect(csvCell("=HYPERLINK(\"http://x\",\"y\")")).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell("a=b-c")).toBe("a=b-c");
  });

  it("writes a header and CRLF-ended records that read back as written", () => {
    const rows = [
      [1, "a,b", null],
      [2, "=cmd", 'x "y"'],
    ];
    const text = toCsv(["seq", "text", "other"], rows);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n")[0]).toBe("seq,text,other");
    expect(parseCsv(text)).toEqual([
      ["seq", "text", "other"],
      ["1", "a,b", ""],
      ["2", "'=cmd", 'x "y"'],
    ]);
  });
});
