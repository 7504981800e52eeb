// The value rules of `schema/src/values.rs` (phone, e-mail, dates, RFC 3339 UTC timestamps) and the small
// format rules of `schema::validate` (item ids, catalogue codes, user ids), in TypeScript. Each returns the
// normalised value the document must store, or an error code the forms translate.

export type ValueResult = { ok: true; value: string } | { ok: false; error: string };

const ok = (value: string): ValueResult => ({ ok: true, value });
const fail = (error: string): ValueResult => ({ ok: false, error });

/** Characters as Rust counts them (Unicode code points). */
export function charCount(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Rust's `char::is_control` (general category Cc). */
export function isControl(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** Rust's `str::trim` (Unicode White_Space). */
export function rustTrim(value: string): string {
  return value.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, "");
}

export function parsePhone(raw: string): ValueResult {
  const trimmed = rustTrim(raw);
  const plus = trimmed.startsWith("+") ? "+" : "";
  let normal = plus;
  for (const c of trimmed.slice(plus.length)) {
    if (c >= "0" && c <= "9") normal += c;
    else if (c !== " " && c !== "-") return fail("phone.character");
  }
  const digits = normal.length - plus.length;
  if (digits < 6 || digits > 15) return fail("phone.length");
  return ok(normal);
}

export function parseEmail(raw: string): ValueResult {
  const trimmed = rustTrim(raw);
  if (charCount(trimmed) > 254) return fail("email.too_long");
  if ([...trimmed].some(c => /\s/u.test(c) || c === "\u0085" || isControl(c))) return fail("email.whitespace");
  const parts = trimmed.split("@");
  if (parts.length !== 2) return fail("email.at");
  const [local, domain] = parts;
  if (local.length === 0 || charCount(local) > 64) return fail("email.local_part");
  const labels = domain.split(".");
  if (labels.length < 2 || labels.some(l => l.length === 0)) return fail("email.domain");
  return ok(trimmed);
}

function daysInMonth(year: number, month: number): number {
  if ([1, 3, 5, 7, 8, 10, 12].includes(month)) return 31;
  if ([4, 6, 9, 11].includes(month)) return 30;
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return 0;
}

/** `YYYY-MM-DD`, a real day. */
export function parseDate(raw: string): ValueResult {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(raw);
  if (!m) return fail("date.format");
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000) return fail("date.format");
  if (day === 0 || day > daysInMonth(year, month)) return fail("date.no_such_day");
  return ok(raw);
}

/** A birth date: a real day, not after `today`, not before 1900. */
export function parseBirthDate(raw: string, today: string): ValueResult {
  const date = parseDate(raw);
  if (!date.ok) return date;
  if (raw > today) return fail("date.in_the_future");
  if (Number(raw.slice(0, 4)) < 1900) return fail("date.too_early");
  return date;
}

/** RFC 3339 UTC: `YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z`. */
export function parseTimestamp(raw: string): ValueResult {
  const m = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?Z$/.exec(raw);
  if (!m) return fail("timestamp.format");
  const date = parseDate(m[1]);
  if (!date.ok) return fail(date.error === "date.no_such_day" ? "timestamp.no_such_day" : "timestamp.format");
  if (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 59) return fail("timestamp.no_such_time");
  return ok(raw);
}

/** Now as the documents store it (`toISOString`, always UTC with milliseconds). */
export function nowTimestamp(now: Date = new Date()): string {
  return now.toISOString();
}

/** Today's date (local calendar) as `YYYY-MM-DD`. */
export function todayDate(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function isItemId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

export function isCatalogueCode(code: string): boolean {
  return /^[a-z][a-z0-9_]{1,39}$/.test(code);
}

/** A hyphenated UUID, as `uuid::Uuid::parse_str` reads what the documents hold. */
export function isUserId(id: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id);
}

export function isCitizenship(raw: string): boolean {
  return /^[A-Z]{2}$/.test(raw);
}

export function isLanguage(raw: string): boolean {
  return /^[a-z]{2,3}$/.test(raw);
}

export function isTicket(raw: string): boolean {
  return /^[A-Za-z0-9-]{1,16}$/.test(raw);
}
