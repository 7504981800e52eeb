import { describe, expect, it } from "vitest";
import { ApiError } from "../../data/api";
import { adminLanguage, CATALOGUES, errorText, fill, m, setAdminLanguage } from "./messages";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map(match => match[1]).sort();

describe("console messages", () => {
  it("say the same things in both languages: every key, the same placeholders, no empty text", () => {
    const it = CATALOGUES.it;
    const en = CATALOGUES.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(it).sort());
    for (const key of Object.keys(it) as (keyof typeof it)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(it[key]));
      expect(it[key].trim(), key).not.toBe("");
      expect(en[key].trim(), key).not.toBe("");
    }
  });

  it("fills placeholders and switches language", () => {
    expect(adminLanguage()).toBe("it");
    expect(m("users.disabled", { name: "mario.rossi" })).toBe("Account mario.rossi disattivato.");
    setAdminLanguage("en");
    expect(m("users.disabled", { name: "mario.rossi" })).toBe("Account mario.rossi disabled.");
    setAdminLanguage("it");
    expect(fill("{a} e {b}", { a: "x" })).toBe("x e {b}");
  });

  it("turns the server's codes into words, with its reason only where it is the reason", () => {
    expect(errorText(new ApiError(403, "self_approval", "own request"))).toBe(
      "Non puoi approvare una tua richiesta o una che riguarda il tuo account.",
    );
    expect(errorText(new ApiError(422, "validation_failed", "hours[0]: closes must be after opens"))).toBe(
      "Dati non validi: hours[0]: closes must be after opens",
    );
    expect(errorText(new ApiError(409, "something_new", "x"))).toBe("Errore imprevisto (something_new).");
    expect(errorText(new Error("boom"))).toBe("Errore imprevisto (client).");
  });
});
