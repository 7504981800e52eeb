// The message catalogues and the one function that reads them. The language is chosen once at start from
// the browser's preferences (Italian when nothing matches); numbers and dates go through Intl.
import { en } from "./en";
import { it, type MessageKey } from "./it";

export type { MessageKey };
export type Language = "it" | "en";

const catalogues: Record<Language, Record<MessageKey, string>> = { it, en };

let current: Language = "it";

/** Picks the first supported language of `preferred` (e.g. navigator.languages); Italian otherwise. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "it" || base === "en") return base;
  }
  return "it";
}

export function setLanguage(language: Language): void {
  current = language;
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

export function language(): Language {
  return current;
}

/** The message for `key` with `{name}` placeholders filled from `values`. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  const template = catalogues[current][key] ?? it[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatters(current).number.format(value) : value;
  });
}

/** `t` for a key built at run time (an error code, a kind): falls back to `fallback` when unknown. */
export function tOr(key: string, fallback: MessageKey, values: Record<string, string | number> = {}): string {
  return key in it ? t(key as MessageKey, values) : t(fallback, values);
}

/** A count in words: `{base}.one` or `{base}.other`, by the language's plural rules. */
export function tCount(base: "cases.count", count: number): string {
  const form = formatters(current).plural.select(count) === "one" ? "one" : "other";
  return t(`${base}.${form}`, { count });
}

/** The language's Intl formatters, made once: constructing one costs far more than using it (a list of
 * 1,000 cases formats 1,000 dates at every render). */
const made = new Map<Language, { number: Intl.NumberFormat; plural: Intl.PluralRules; dateTime: Intl.DateTimeFormat }>();
function formatters(language: Language) {
  let found = made.get(language);
  if (!found) {
    found = {
      number: new Intl.NumberFormat(language),
      plural: new Intl.PluralRules(language),
      dateTime: new Intl.DateTimeFormat(language, { dateStyle: "short", timeStyle: "short" }),
    };
    made.set(language, found);
  }
  return found;
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return formatters(current).dateTime.format(date);
}
