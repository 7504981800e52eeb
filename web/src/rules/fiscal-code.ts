// The Italian fiscal code (codice fiscale) of a person, checked as the server checks it
// (`schema/src/fiscal_code.rs` is the reference; this is its own TypeScript, with its own tests).
//
// 16 characters: three letters from the surname, three from the given name, two digits of the birth year,
// a month letter, the day (+40 for women), the cadastral code of the birth place (a letter and three
// digits), and a check letter. Omocodia replaces digits with L M N P Q R S T U V (0–9) at any of the seven
// digit positions. Lower case and surrounding spaces are accepted and normalised. Eleven-digit numbers
// (a temporary code or a VAT number) are refused with their own error. Errors never repeat the code.

export type FiscalCodeError =
  | { kind: "length"; length: number }
  | { kind: "character"; position: number; expected: "letter" | "digit" }
  | { kind: "month" }
  | { kind: "day" }
  | { kind: "check_character"; expected: string }
  | { kind: "temporary_code"; wellFormed: boolean };

export interface FiscalCodeBirth {
  /** The last two digits of the birth year (the century is not in the code). */
  yearTwoDigits: number;
  month: number;
  day: number;
  sex: "female" | "male";
}

export interface ParsedFiscalCode {
  code: string;
  birth: FiscalCodeBirth;
  /** The cadastral code of the birth place, omocodia undone (`A562`; `Z…` for a foreign country). */
  placeCode: string;
  omocode: boolean;
}

export type FiscalCodeResult = { ok: true; value: ParsedFiscalCode } | { ok: false; error: FiscalCodeError };

const MONTH_LETTERS = "ABCDEHLMPRST";
const OMOCODIA_LETTERS = "LMNPQRSTUV";
/** 0-based positions that hold digits (or omocodia letters). */
const DIGIT_POSITIONS = [6, 7, 9, 10, 12, 13, 14];
/** Values of 0–9 and A–Z alike in odd positions (counting from 1), the official table. */
const ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const DAYS_IN_MONTH_LEAP = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitValue(c: string): number | undefined {
  if (c >= "0" && c <= "9") return c.charCodeAt(0) - 48;
  const i = OMOCODIA_LETTERS.indexOf(c);
  return i >= 0 ? i : undefined;
}

function isUpperLetter(c: string): boolean {
  return c.length === 1 && c >= "A" && c <= "Z";
}

/** The check character of 15 upper-case ASCII letters and digits. */
export function checkCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15[i];
    const index = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? ODD_VALUES[index] : index;
  }
  return String.fromCharCode(65 + (sum % 26));
}

function temporaryCodeIsWellFormed(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = digits.charCodeAt(i) - 48;
    sum += i % 2 === 0 ? d : d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return digits.charCodeAt(10) - 48 === (10 - (sum % 10)) % 10;
}

function twoDigits(tens: string, units: string): number {
  return (digitValue(tens) ?? 0) * 10 + (digitValue(units) ?? 0);
}

export function parseFiscalCode(raw: string): FiscalCodeResult {
  const trimmed = raw.trim();
  if (/^[0-9]{11}$/.test(trimmed)) {
    return { ok: false, error: { kind: "temporary_code", wellFormed: temporaryCodeIsWellFormed(trimmed) } };
  }
  const chars = [...trimmed];
  if (chars.length !== 16) return { ok: false, error: { kind: "length", length: chars.length } };
  // Only ASCII letters are upper-cased (as Rust's to_ascii_uppercase).
  const code = chars.map(c => (c >= "a" && c <= "z" ? c.toUpperCase() : c));
  for (let i = 0; i < 16; i++) {
    const digit = DIGIT_POSITIONS.includes(i);
    const fits = digit ? digitValue(code[i]) !== undefined : isUpperLetter(code[i]);
    if (!fits) return { ok: false, error: { kind: "character", position: i + 1, expected: digit ? "digit" : "letter" } };
  }
  const month = MONTH_LETTERS.indexOf(code[8]);
  if (month < 0) return { ok: false, error: { kind: "month" } };
  const day = twoDigits(code[9], code[10]);
  const dayOfMonth = day > 40 ? day - 40 : day;
  if (dayOfMonth === 0 || dayOfMonth > DAYS_IN_MONTH_LEAP[month]) return { ok: false, error: { kind: "day" } };
  const normal = code.join("");
  const expected = checkCharacter(normal.slice(0, 15));
  if (code[15] !== expected) return { ok: false, error: { kind: "check_character", expected } };
  const placeDigits = [12, 13, 14].map(i => String(digitValue(code[i]))).join("");
  return {
    ok: true,
    value: {
      code: normal,
      birth: {
        yearTwoDigits: twoDigits(code[6], code[7]),
        month: month + 1,
        day: dayOfMonth,
        sex: day > 40 ? "female" : "male",
      },
      placeCode: `${code[11]}${placeDigits}`,
      omocode: DIGIT_POSITIONS.some(i => !(code[i] >= "0" && code[i] <= "9")),
    },
  };
}

/**
 * The birth date a code suggests, as `YYYY-MM-DD`: the century is not in the code, so the year is the
 * latest one not after `today` (a person born in 1925 and one born in 2025 share the digits 25).
 */
export function suggestedBirthDate(birth: FiscalCodeBirth, today: string): string {
  const currentYear = Number(today.slice(0, 4));
  let year = Math.floor(currentYear / 100) * 100 + birth.yearTwoDigits;
  const candidate = (y: number) => `${String(y).padStart(4, "0")}-${String(birth.month).padStart(2, "0")}-${String(birth.day).padStart(2, "0")}`;
  if (candidate(year) > today) year -= 100;
  return candidate(year);
}
