import { describe, expect, test } from "vitest";
import { refusalOf, refusedPaths, saveState } from "./save-state";

describe("where a case's changes are", () => {
  test.each([
    ["never acknowledged: only on this tablet", { localHeads: ["a"] }, "local"],
    ["the server answered empty (a creation in progress): only on this tablet", { localHeads: ["a"], serverHeads: [] }, "local"],
    ["every local head acknowledged: saved on the server", { localHeads: ["a", "b"], serverHeads: ["b", "a", "c"] }, "saved"],
    ["an older version acknowledged: waiting", { localHeads: ["b"], serverHeads: ["a"] }, "pending"],
    ["refused and not acknowledged since: refused", { localHeads: ["b"], serverHeads: ["a"], refusal: { code: "invalid_document", reason: "" } }, "refused"],
    ["refused, then acknowledged again: saved", { localHeads: ["c"], serverHeads: ["c"], refusal: { code: "invalid_document", reason: "" } }, "saved"],
  ] as const)("%s", (_, inputs, expected) => {
    expect(saveState(inputs)).toBe(expected);
  });

  test("only the server's sportello/refused messages are refusals", () => {
    const payload = { type: "sportello/refused", code: "invalid_document", reason: "person.phone: a phone number has 6 to 15 digits" };
    expect(refusalOf("sportello-server", payload)).toEqual({ code: "invalid_document", reason: payload.reason });
    expect(refusalOf("user-123-1", payload)).toBeUndefined();
    expect(refusalOf("sportello-server", { type: "presence" })).toBeUndefined();
    expect(refusalOf("sportello-server", "text")).toBeUndefined();
  });

  test("the paths a refusal names are read from its reason", () => {
    expect(
      refusedPaths("person.phone: a phone number has 6 to 15 digits; referrals[0].status: a user with role operator may not move a referral from proposed to accepted"),
    ).toEqual(["person.phone", "referrals[0].status"]);
    expect(refusedPaths("a change was written under an actor id that belongs to another user")).toEqual([]);
  });
});
