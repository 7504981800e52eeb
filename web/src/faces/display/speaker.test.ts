import { describe, expect, it } from "vitest";
import { utteranceDeadlineMs, voiceFor } from "./speaker";

const voice = (lang: string, name = lang) => ({ lang, name }) as SpeechSynthesisVoice;

describe("voiceFor", () => {
  const voices = [voice("en-US"), voice("en-GB"), voice("it-IT"), voice("fr_FR"), voice("ar")];

  it("prefers the same tag, then the same language", () => {
    expect(voiceFor(voices, "en-GB")?.lang).toBe("en-GB");
    expect(voiceFor(voices, "it-IT")?.lang).toBe("it-IT");
    expect(voiceFor(voices, "fr-FR")?.lang).toBe("fr_FR"); // some systems write an underscore
    expect(voiceFor(voices, "ar")?.lang).toBe("ar");
    expect(voiceFor([voice("es-MX")], "es-ES")?.lang).toBe("es-MX");
  });

  it("finds none for a language no voice speaks", () => {
    expect(voiceFor(voices, "uk-UA")).toBeUndefined();
    expect(voiceFor([], "it-IT")).toBeUndefined();
  });
});

describe("utteranceDeadlineMs", () => {
  it("leaves a slow voice time, and still ends a silent one", () => {
    expect(utteranceDeadlineMs("Numero A 7, sportello 2")).toBeGreaterThan(5000);
    expect(utteranceDeadlineMs("Numero A 7, sportello 2")).toBeLessThan(10_000);
  });
});
