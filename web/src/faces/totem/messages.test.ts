import { describe, expect, it } from "vitest";
import { direction, LANGUAGES, lineName, lineNameLanguage, message, openingTime, printedTime } from "./messages";

describe("the totem's words", () => {
  const line = { name_it: "Accoglienza", name_en: "Welcome desk" };

  it("name a line in Italian or English, the other languages falling back to English", () => {
    expect(lineName(line, "it")).toBe("Accoglienza");
    for (const language of ["en", "fr", "ar", "es", "ro", "uk"] as const) expect(lineName(line, language)).toBe("Welcome desk");
    expect(lineName({ name_it: "Accoglienza", name_en: "" }, "fr")).toBe("Accoglienza");
    expect(lineNameLanguage(line, "ar")).toBe("en");
    expect(lineNameLanguage({ name_it: "Accoglienza", name_en: "" }, "fr")).toBe("it");
  });

  it("give every language its own citizen's words, and staff words in Italian or English", () => {
    const titles = new Set(LANGUAGES.map(language => message(language, "title")));
    expect(titles.size).toBe(LANGUAGES.length);
    expect(message("ar", "enrol.title")).toBe(message("en", "enrol.title"));
    expect(message("it", "staff.pending", { count: 3 })).toBe("Da importare: 3");
    expect(direction("ar")).toBe("rtl");
    expect(LANGUAGES.filter(language => direction(language) === "rtl")).toEqual(["ar"]);
  });

  it("say times in the desk's zone, Europe/Rome", () => {
    expect(printedTime("2026-11-27T08:41:00.000Z")).toBe("27/11/2026 09:41");
    expect(openingTime("2026-11-27T13:00:00.000Z", "it")).toMatch(/venerdì 27 novembre.*14:00/);
  });
});
