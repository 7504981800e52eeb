import { describe, expect, test } from "vitest";
import { readCase, type CaseView } from "../../model/case-doc";
import { mayWriteCase, referralRows } from "./referral-rows";

function view(family: string, referrals: Record<string, string>[]): CaseView {
  return readCase({
    schema: "sportello/case@1",
    person: { given_name: "Anna", family_name: family },
    referrals: referrals.map((r, i) => ({ id: `r${i}`, reason: "", created_by: "u", ...r })),
    status: "referred",
  });
}

describe("referralRows", () => {
  const cases = [
    { url: "automerge:A1", view: view("Rossi", [{ area: "elderly", status: "proposed", created_at: "2026-11-27T09:00:00Z" }]) },
    { url: "automerge:B2", view: view("Bianchi", [{ area: "elderly", status: "proposed", created_at: "2026-11-28T09:00:00Z" }]) },
    {
      url: "automerge:C3",
      view: view("Verdi", [
        { area: "elderly", status: "closed", created_at: "2026-10-01T09:00:00Z", decided_at: "2026-11-01T09:00:00Z" },
        { area: "housing", status: "proposed", created_at: "2026-11-29T09:00:00Z" },
      ]),
    },
    { url: "automerge:D4", view: view("Neri", [{ area: "elderly", status: "accepted", created_at: "2026-11-20T09:00:00Z", decided_at: "2026-11-21T09:00:00Z" }]) },
  ];

  test("newest proposals first, then the cases in charge, then the area's history; other areas left out", () => {
    const rows = referralRows(cases, ["elderly"]);
    expect(rows.map(r => [r.title, r.group])).toEqual([
      ["Bianchi Anna", "to_decide"],
      ["Rossi Anna", "to_decide"],
      ["Neri Anna", "in_charge"],
      ["Verdi Anna", "history"],
    ]);
    expect(rows[0].documentId).toBe("B2");
  });

  test("a worker of two areas sees both; nobody's areas, nothing", () => {
    expect(referralRows(cases, ["elderly", "housing"]).map(r => r.referral.area)).toContain("housing");
    expect(referralRows(cases, [])).toEqual([]);
  });

  test("only a proposed or accepted referral lets the area write the case", () => {
    expect(mayWriteCase(cases[0].view, ["elderly"])).toBe(true);
    expect(mayWriteCase(cases[3].view, ["elderly"])).toBe(true);
    expect(mayWriteCase(cases[2].view, ["elderly"])).toBe(false);
    expect(mayWriteCase(cases[2].view, ["housing"])).toBe(true);
  });
});
