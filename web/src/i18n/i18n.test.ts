import { afterEach, describe, expect, it as test } from "vitest";
import { en } from "./en";
import { it } from "./it";
import { pickLanguage, setLanguage, t, tCount, tOr } from "./index";

describe("message catalogues", () => {
  afterEach(() => setLanguage("it"));

  test("english has exactly the italian keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(it).sort());
  });

  test("every placeholder of a message is in its translation too", () => {
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(it) as (keyof typeof it)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(it[key]));
    }
  });

  test("italian is chosen when no preferred language is supported", () => {
    expect(pickLanguage(["fr-FR", "ar"])).toBe("it");
    expect(pickLanguage(["en-GB", "it"])).toBe("en");
    expect(pickLanguage([])).toBe("it");
  });

  test("placeholders are filled and numbers formatted for the language", () => {
    expect(t("shell.pending.some", { count: 12000 })).toBe("Modifiche in attesa di arrivare al server: 12.000");
    setLanguage("en");
    expect(t("shell.pending.some", { count: 12000 })).toBe("Changes waiting to reach the server: 12,000");
  });

  test("counts take the plural form of the language", () => {
    expect(tCount("cases.count", 1)).toBe("1 documento");
    expect(tCount("cases.count", 0)).toBe("0 documenti");
    expect(tCount("cases.count", 3)).toBe("3 documenti");
  });

  test("an unknown error code falls back to the generic message", () => {
    expect(tOr("error.made_up", "error.unknown", { code: "made_up" })).toBe(
      "Qualcosa non ha funzionato (made_up). Riprova.",
    );
  });
});
