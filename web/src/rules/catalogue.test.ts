// The catalogue in force as the forms and the rules read it: the directory's entries (English labels
// optional), and codes valid whether active or not, as on the server (docs/documents.md, "Inactive codes").
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { checkCase, type Json } from "./case-rules";
import { DEFAULT_CATALOGUE, areaLabel, catalogueFromDirectory, labelIn, needLabel, rulesOf, type Catalogue } from "./catalogue";

const corpus = JSON.parse(
  readFileSync(new URL("../../../schema/tests/fixtures/validation-corpus.json", import.meta.url), "utf8"),
) as { today: string; cases: { name: string; doc: Json; actor: { user_id: string; role: "operator"; areas: string[] } }[] };
const full = corpus.cases.find(c => c.name === "a full case is valid")!;

function withNeed(code: string): Json {
  const doc = structuredClone(full.doc) as { needs: { code: string; note: string }[] };
  doc.needs = [{ code, note: "" }];
  return doc as unknown as Json;
}

function verdict(doc: Json, catalogue: Catalogue) {
  return checkCase(doc, {
    actor: { userId: full.actor.user_id, role: full.actor.role, areas: full.actor.areas },
    catalogue: rulesOf(catalogue),
    today: corpus.today,
  });
}

const directory = {
  schema: "sportello/directory@1",
  updated_at: "2026-12-01T09:00:00Z",
  areas: [{ code: "elderly", label_it: "Anziani", label_en: "Older people", has_staff: true, active: true }],
  needs: [
    { code: "energy_poverty", label_it: "Povertà energetica", label_en: "Energy poverty", active: true },
    { code: "legal", label_it: "Questioni legali", active: false },
    { code: "other", label_it: { val: "Altro" }, label_en: "  ", active: true },
  ],
};

describe("the catalogue in force", () => {
  test("is read from a directory, English labels optional", () => {
    const catalogue = catalogueFromDirectory(directory)!;
    expect(catalogue.areas).toEqual([{ code: "elderly", labelIt: "Anziani", labelEn: "Older people", hasStaff: true, active: true }]);
    expect(catalogue.needs.map(n => [n.code, n.labelIt, n.labelEn, n.active])).toEqual([
      ["energy_poverty", "Povertà energetica", "Energy poverty", true],
      ["legal", "Questioni legali", undefined, false],
      ["other", "Altro", undefined, true],
    ]);
    expect(catalogueFromDirectory({ schema: "sportello/directory@1" })).toBeUndefined();
    expect(catalogueFromDirectory({ areas: [], needs: [] })).toBeUndefined();
  });

  test("labels fall back to Italian, and to the code for an unknown one", () => {
    const catalogue = catalogueFromDirectory(directory)!;
    expect(needLabel(catalogue, "energy_poverty", "en")).toBe("Energy poverty");
    expect(needLabel(catalogue, "energy_poverty", "it")).toBe("Povertà energetica");
    expect(needLabel(catalogue, "legal", "en")).toBe("Questioni legali");
    expect(needLabel(catalogue, "gone", "it")).toBe("gone");
    expect(areaLabel(catalogue, "elderly", "en")).toBe("Older people");
    expect(labelIn(DEFAULT_CATALOGUE.needs[0], "en")).toBe("Financial hardship");
  });

  test("a need added to the catalogue is valid in a case; one it lacks is not", () => {
    const catalogue = catalogueFromDirectory(directory)!;
    expect(verdict(withNeed("energy_poverty"), DEFAULT_CATALOGUE).stage).toBe("invalid");
    expect(verdict(withNeed("energy_poverty"), catalogue).stage).toBe("ok");
  });

  test("a deactivated need stays valid, in new cases too, as on the server", () => {
    const catalogue = catalogueFromDirectory(directory)!;
    expect(catalogue.needs.find(n => n.code === "legal")?.active).toBe(false);
    expect(verdict(withNeed("legal"), catalogue).stage).toBe("ok");
  });
});
