import { describe, expect, test } from "vitest";
import { checkCharacter, parseFiscalCode, suggestedBirthDate } from "./fiscal-code";

/** The check letter computed another way: the odd-position table as a string of letters. */
function referenceCheck(first15: string): string {
  const ODD_ORDER = "BAKPLCQDREVOSFTGUHMINJWZYX";
  let total = 0;
  [...first15].forEach((c, i) => {
    const letter = /[0-9]/.test(c) ? String.fromCharCode(65 + Number(c)) : c;
    total += i % 2 === 0 ? ODD_ORDER.indexOf(letter) : letter.charCodeAt(0) - 65;
  });
  return String.fromCharCode(65 + (total % 26));
}

describe("the codice fiscale", () => {
  test("the textbook example is accepted and decoded", () => {
    const result = parseFiscalCode("RSSMRA85T10A562S");
    expect(result).toEqual({
      ok: true,
      value: { code: "RSSMRA85T10A562S", birth: { yearTwoDigits: 85, month: 12, day: 10, sex: "male" }, placeCode: "A562", omocode: false },
    });
  });

  test("lower case and surrounding spaces are normalised", () => {
    const result = parseFiscalCode("  rssmra85t10a562s\n");
    expect(result.ok && result.value.code).toBe("RSSMRA85T10A562S");
  });

  test("a woman's day is over 40 and decodes as female", () => {
    const first15 = "BNCLRA90A41F205";
    const result = parseFiscalCode(first15 + referenceCheck(first15));
    expect(result.ok && result.value.birth).toEqual({ yearTwoDigits: 90, month: 1, day: 1, sex: "female" });
    expect(result.ok && result.value.placeCode).toBe("F205");
  });

  test("omocodia letters stand for digits anywhere and are undone in the decoded data", () => {
    // RSSMRA85T10A562 with the 5 of the year (position 8) and the 2 of the place (position 15) replaced.
    const first15 = "RSSMRA8RT10A56N";
    const result = parseFiscalCode(first15 + referenceCheck(first15));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.omocode).toBe(true);
    expect(result.value.birth.yearTwoDigits).toBe(85);
    expect(result.value.placeCode).toBe("A562");
  });

  test("the check character agrees with an independent computation", () => {
    for (const first15 of ["RSSMRA85T10A562", "BNCLRA90A41F205", "VRDGPP13R10B293", "ZZZZZZ00A01Z999", "AAAAAA00A01A000"]) {
      expect(checkCharacter(first15)).toBe(referenceCheck(first15));
    }
  });

  test("each mistake has its own error, naming positions and never the code", () => {
    expect(parseFiscalCode("RSSMRA85T10A562")).toEqual({ ok: false, error: { kind: "length", length: 15 } });
    expect(parseFiscalCode("RSSMRA85T10A562T")).toEqual({ ok: false, error: { kind: "check_character", expected: "S" } });
    expect(parseFiscalCode("RSSMR185T10A562S")).toEqual({ ok: false, error: { kind: "character", position: 6, expected: "letter" } });
    expect(parseFiscalCode("RSSMRAX5T10A562S")).toEqual({ ok: false, error: { kind: "character", position: 7, expected: "digit" } });
    expect(parseFiscalCode("RSSMRA85F10A562S")).toEqual({ ok: false, error: { kind: "month" } });
    expect(parseFiscalCode("RSSMRA85B30A562S")).toEqual({ ok: false, error: { kind: "day" } });
    expect(parseFiscalCode("RSSMRA85T00A562S")).toEqual({ ok: false, error: { kind: "day" } });
  });

  test("an eleven-digit number is a temporary code or VAT number, with its check digit judged", () => {
    expect(parseFiscalCode("12345678903")).toEqual({ ok: false, error: { kind: "temporary_code", wellFormed: true } });
    expect(parseFiscalCode("12345678901")).toEqual({ ok: false, error: { kind: "temporary_code", wellFormed: false } });
  });

  test("February 29 is allowed whatever the year, February 30 never", () => {
    const ok = "RSSMRA85B29A562";
    expect(parseFiscalCode(ok + referenceCheck(ok)).ok).toBe(true);
    const bad = "RSSMRA85B30A562";
    expect(parseFiscalCode(bad + referenceCheck(bad))).toEqual({ ok: false, error: { kind: "day" } });
  });

  test("the suggested birth date takes the latest century not in the future", () => {
    expect(suggestedBirthDate({ yearTwoDigits: 85, month: 12, day: 10, sex: "male" }, "2026-12-01")).toBe("1985-12-10");
    expect(suggestedBirthDate({ yearTwoDigits: 20, month: 1, day: 5, sex: "male" }, "2026-12-01")).toBe("2020-01-05");
    expect(suggestedBirthDate({ yearTwoDigits: 26, month: 12, day: 25, sex: "male" }, "2026-12-01")).toBe("1926-12-25");
  });
});
