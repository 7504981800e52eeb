// The shared corpus (schema/tests/fixtures/validation-corpus.json, generated from the schema crate's
// tests with the verdicts of `sportello_schema::validate`): every entry through the app's rules must reach
// the same verdict — the same stage, and for shape and validation the same paths.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { checkCase, type Json } from "./case-rules";
import { DEFAULT_CATALOGUE, rulesOf } from "./catalogue";
import type { Role } from "./transitions";

interface Entry {
  name: string;
  doc: Json;
  old?: Json;
  actor: { user_id: string; role: Role; areas: string[] };
  expected: { stage: string; paths: string[] };
}

const corpus = JSON.parse(
  readFileSync(new URL("../../../schema/tests/fixtures/validation-corpus.json", import.meta.url), "utf8"),
) as {
  today: string;
  catalogue: { areas: { code: string; label_it: string; has_staff: boolean }[]; needs: { code: string; label_it: string }[] };
  cases: Entry[];
};

describe("the shared validation corpus", () => {
  test("holds entries of every stage", () => {
    expect(new Set(corpus.cases.map(c => c.expected.stage))).toEqual(new Set(["ok", "shape", "hydrate", "invalid"]));
  });

  test("the app's catalogue is the schema crate's default catalogue", () => {
    expect(DEFAULT_CATALOGUE.areas.map(a => ({ code: a.code, label_it: a.labelIt, has_staff: a.hasStaff }))).toEqual(corpus.catalogue.areas);
    expect(DEFAULT_CATALOGUE.needs.map(n => ({ code: n.code, label_it: n.labelIt }))).toEqual(corpus.catalogue.needs);
  });

  test.each(corpus.cases.map(c => [c.name, c] as const))("%s: the same verdict as the server", (_, entry) => {
    const verdict = checkCase(entry.doc, {
      old: entry.old,
      actor: { userId: entry.actor.user_id, role: entry.actor.role, areas: entry.actor.areas },
      catalogue: rulesOf(DEFAULT_CATALOGUE),
      today: corpus.today,
    });
    const paths = entry.expected.stage === "hydrate" ? [] : [...new Set(verdict.errors.map(e => e.path))].sort();
    expect({ stage: verdict.stage, paths }).toEqual(entry.expected);
  });
});
