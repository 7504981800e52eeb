import { describe, expect, test } from "vitest";
import { CATALOGUE_MESSAGES, cm } from "./catalogue-messages";
import { bodyOf, checkDraft, draftOf, emptyDraft, fieldOfError, withEntry, type CatalogueView } from "./catalogue-model";

const view: CatalogueView = {
  areas: [{ code: "elderly", label_it: "Anziani", label_en: "Older people", active: true, has_staff: true }],
  needs: [
    { code: "economic", label_it: "Difficoltà economiche", label_en: null, active: true },
    { code: "legal", label_it: "Questioni legali", label_en: "Legal matters", active: false },
  ],
  updated_at: "2026-12-01T09:00:00.000Z",
};

describe("the catalogue section's rules", () => {
  test("a draft is checked as the server checks it", () => {
    const draft = { ...emptyDraft(), code: "energy_poverty", labelIt: " Povertà energetica " };
    expect(checkDraft(draft, true, ["economic"])).toEqual({});
    expect(checkDraft({ ...draft, code: "Energy" }, true, [])).toEqual({ code: "error.code" });
    expect(checkDraft({ ...draft, code: "x" }, true, [])).toEqual({ code: "error.code" });
    expect(checkDraft({ ...draft, code: "economic" }, true, ["economic"])).toEqual({ code: "error.codeTaken" });
    expect(checkDraft({ ...draft, code: "Energy" }, false, []), "an existing code is not checked").toEqual({});
    expect(checkDraft({ ...draft, labelIt: "   " }, true, [])).toEqual({ label_it: "error.required" });
    expect(checkDraft({ ...draft, labelIt: "a".repeat(201) }, true, [])).toEqual({ label_it: "error.tooLong" });
    expect(checkDraft({ ...draft, labelIt: "à".repeat(200) }, true, [])).toEqual({});
    expect(checkDraft({ ...draft, labelEn: "two\nlines" }, true, [])).toEqual({ label_en: "error.oneLine" });
    expect(checkDraft({ ...draft, labelEn: "  " }, true, []), "a blank English label is none").toEqual({});
  });

  test("the body carries trimmed labels, null for no English one, and has_staff for areas only", () => {
    const draft = { ...draftOf(view.needs[0]), labelIt: " Povertà ", labelEn: " " };
    expect(bodyOf("needs", draft)).toEqual({ label_it: "Povertà", label_en: null, active: true });
    expect(bodyOf("areas", { ...draftOf(view.areas[0]), hasStaff: false })).toEqual({
      label_it: "Anziani",
      label_en: "Older people",
      active: true,
      has_staff: false,
    });
  });

  test("a refusal is shown at the field it names", () => {
    expect(fieldOfError("validation_failed", "label_it must be 1 to 200 printable characters")).toBe("label_it");
    expect(fieldOfError("validation_failed", "label_en must be 1 to 200 printable characters")).toBe("label_en");
    expect(fieldOfError("invalid_request", 'invalid code "X": use 2 to 40 lowercase letters')).toBe("code");
    expect(fieldOfError("catalogue_full", "the catalogue already holds 200 needs")).toBe("form");
    expect(fieldOfError("internal", "internal error")).toBe("form");
  });

  test("an entry replaces its code in place or is appended, as on the server", () => {
    const changed = withEntry(view, "needs", { ...view.needs[0], active: false });
    expect(changed.needs.map(n => [n.code, n.active])).toEqual([
      ["economic", false],
      ["legal", false],
    ]);
    const added = withEntry(view, "needs", { code: "energy_poverty", label_it: "Povertà energetica", label_en: null, active: true });
    expect(added.needs.map(n => n.code)).toEqual(["economic", "legal", "energy_poverty"]);
    expect(view.needs.length, "the view itself is not changed").toBe(2);
  });

  test("every message exists in both languages, and the confirmation says codes are never deleted", () => {
    expect(Object.keys(CATALOGUE_MESSAGES.en).sort()).toEqual(Object.keys(CATALOGUE_MESSAGES.it).sort());
    expect(cm("confirm.deactivate.body", {}, "it")).toMatch(/non vengono mai cancellati/);
    expect(cm("confirm.deactivate.body", {}, "en")).toMatch(/never deleted/);
    expect(cm("confirm.deactivate.title", { label: "Altro" }, "it")).toBe("Disattivare «Altro»?");
  });
});
