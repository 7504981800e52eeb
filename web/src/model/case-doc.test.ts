import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import * as A from "@automerge/automerge/slim";
import { DEFAULT_CATALOGUE, rulesOf } from "../rules/catalogue";
import {
  applyEdit,
  commitEdit,
  conflictsAt,
  initialCase,
  readCase,
  toPlain,
  type CaseDocument,
  type CaseEdit,
  type CaseHolder,
  type EditContext,
} from "./case-doc";

const OPERATOR = "7b0e8a52-3f1c-4d7e-9a6b-2c5d8e1f4a90";
const NOW = "2026-11-27T09:15:00.250Z";
const ctx: EditContext = {
  actor: { userId: OPERATOR, role: "operator", areas: [] },
  catalogue: rulesOf(DEFAULT_CATALOGUE),
  today: "2026-12-01",
};

/** A document holder over plain Automerge, as a DocHandle is over the Repo. */
function holder(doc: A.Doc<CaseDocument>): CaseHolder & { current: A.Doc<CaseDocument> } {
  const h = {
    current: doc,
    doc: () => h.current,
    change: (fn: (d: CaseDocument) => void) => {
      h.current = A.change(h.current, d => fn(d as CaseDocument));
    },
  };
  return h;
}

function newCase(privacyNotice = true) {
  return holder(A.from<CaseDocument>(initialCase({ userId: OPERATOR, now: NOW, channel: "desk", ticket: "A023", privacyNotice })));
}

describe("the case document", () => {
  test("a new case is valid, with scalar strings for codes and a Text summary", () => {
    const h = newCase();
    const doc = h.doc() as Record<string, unknown>;
    expect(doc.schema).toBeInstanceOf(A.ImmutableString);
    expect(typeof doc.summary).toBe("string");
    const view = readCase(doc);
    expect(view.ticket).toBe("A023");
    expect(view.consent).toEqual({ privacyNotice: true, dataSharing: false, recordedAt: NOW });
    expect(commitEdit(h, { kind: "person", field: "family_name", value: "Rossi" }, ctx).stage).toBe("ok");
  });

  test("fields are written as scalars, and reading gives plain strings", () => {
    const h = newCase();
    for (const edit of [
      { kind: "person", field: "given_name", value: "Mario" },
      { kind: "person", field: "fiscal_code", value: "RSSMRA85T10A562S" },
      { kind: "person", field: "phone", value: "+393331234567" },
      { kind: "sex", value: "male" },
      { kind: "languages", value: ["it", "ar"] },
      { kind: "need", code: "housing", on: true },
      { kind: "urgency", value: "high" },
    ] as CaseEdit[]) {
      expect(commitEdit(h, edit, ctx)).toEqual({ stage: "ok", errors: [] });
    }
    const person = (h.doc() as { person: Record<string, unknown> }).person;
    expect(person.phone).toBeInstanceOf(A.ImmutableString);
    const view = readCase(h.doc());
    expect(view.person).toMatchObject({ given_name: "Mario", fiscal_code: "RSSMRA85T10A562S", sex: "male", languages: ["it", "ar"] });
    expect(view.needs).toEqual([{ code: "housing", note: "" }]);
    expect(view.urgency).toBe("high");
  });

  test("an edit the server would refuse is not committed", () => {
    const h = newCase();
    const before = A.getHeads(h.current);
    const verdict = commitEdit(h, { kind: "person", field: "fiscal_code", value: "RSSMRA85T10A562T" }, ctx);
    expect(verdict.stage).toBe("invalid");
    expect(verdict.errors).toEqual([{ path: "person.fiscal_code", code: "fiscal_code.check_character" }]);
    expect(A.getHeads(h.current)).toEqual(before);
  });

  test("without the privacy notice only the names may be written", () => {
    const h = newCase(false);
    expect(commitEdit(h, { kind: "person", field: "given_name", value: "Amina" }, ctx).stage).toBe("ok");
    const verdict = commitEdit(h, { kind: "person", field: "phone", value: "3331234567" }, ctx);
    expect(verdict.errors.map(e => e.path)).toEqual(["consent.privacy_notice"]);
    expect(commitEdit(h, { kind: "consent", privacyNotice: true, dataSharing: false, now: NOW }, ctx).stage).toBe("ok");
    expect(commitEdit(h, { kind: "person", field: "phone", value: "3331234567" }, ctx).stage).toBe("ok");
  });

  test("the summary is edited in place: concurrent edits of different sentences both survive", () => {
    const a = newCase();
    commitEdit(a, { kind: "summary", value: "Prima frase. Seconda frase." }, ctx);
    const b = holder(A.clone(a.current));
    commitEdit(a, { kind: "summary", value: "Prima frase, modificata. Seconda frase." }, ctx);
    commitEdit(b, { kind: "summary", value: "Prima frase. Seconda frase, anche questa." }, ctx);
    const merged = A.merge(a.current, b.current);
    expect(readCase(merged).summary).toBe("Prima frase, modificata. Seconda frase, anche questa.");
  });

  test("a referral is added, then cancelled by the operator; the case status follows", () => {
    const h = newCase();
    const add: CaseEdit = { kind: "add_referral", id: "r-1", area: "housing", reason: "Sfratto", userId: OPERATOR, now: NOW };
    expect(commitEdit(h, add, ctx).stage).toBe("ok");
    expect(readCase(h.doc()).status).toBe("referred");
    expect(readCase(h.doc()).referrals[0]).toMatchObject({ id: "r-1", area: "housing", reason: "Sfratto", status: "proposed", createdBy: OPERATOR });
    const accept: CaseEdit = { kind: "referral_status", id: "r-1", status: "accepted", userId: OPERATOR, now: NOW };
    expect(commitEdit(h, accept, ctx).errors.map(e => e.code)).toEqual(["transition.not_permitted"]);
    const cancel: CaseEdit = { kind: "referral_status", id: "r-1", status: "cancelled", userId: OPERATOR, now: NOW };
    expect(commitEdit(h, cancel, ctx).stage).toBe("ok");
    const view = readCase(h.doc());
    expect(view.referrals[0]).toMatchObject({ status: "cancelled", decidedBy: OPERATOR, decidedAt: NOW });
    expect(view.status).toBe("open");
  });

  test("clearing an optional field removes it", () => {
    const h = newCase();
    commitEdit(h, { kind: "person", field: "email", value: "a@b.it" }, ctx);
    commitEdit(h, { kind: "person", field: "email", value: "" }, ctx);
    expect("email" in (toPlain(h.doc()) as { person: object }).person).toBe(false);
  });

  test("two offline edits of the same field are a conflict showing both values, resolved by writing one", () => {
    const a = newCase();
    const b = holder(A.clone(a.current));
    commitEdit(a, { kind: "person", field: "phone", value: "+391111111" }, ctx);
    commitEdit(b, { kind: "person", field: "phone", value: "+392222222" }, ctx);
    a.current = A.merge(a.current, b.current);
    const conflicts = conflictsAt(a.current, ["person", "phone"]);
    expect(conflicts?.map(c => [c.value, c.mine])).toEqual([
      ["+391111111", true],
      ["+392222222", false],
    ]);
    expect(conflictsAt(a.current, ["person", "given_name"])).toBeUndefined();
    commitEdit(a, { kind: "person", field: "phone", value: "+392222222" }, ctx);
    expect(conflictsAt(a.current, ["person", "phone"])).toBeUndefined();
    expect(readCase(a.current).person.phone).toBe("+392222222");
  });

  test("applyEdit writes a Text reason and note for referrals", () => {
    let doc = A.from<CaseDocument>(initialCase({ userId: OPERATOR, now: NOW, channel: "phone", privacyNotice: true }));
    doc = A.change(doc, d => applyEdit(d, { kind: "add_referral", id: "r-1", area: "elderly", reason: "Badante", userId: OPERATOR, now: NOW }));
    doc = A.change(doc, d => applyEdit(d, { kind: "referral_reason", id: "r-1", value: "Badante notturna" }));
    const referral = (doc as unknown as { referrals: { reason: unknown }[] }).referrals[0];
    expect(typeof referral.reason).toBe("string");
    expect(readCase(doc).referrals[0].reason).toBe("Badante notturna");
  });
});
