import { describe, expect, test } from "vitest";
import { nextStatuses, referralTransition } from "./transitions";

const operator = { role: "operator" as const, areas: [] };
const housingWorker = { role: "social_worker" as const, areas: ["housing"] };

describe("the moves a screen offers", () => {
  test("an operator may cancel a proposed referral, and close one only to an area without staff", () => {
    expect(nextStatuses("proposed", operator, "housing", true)).toEqual(["cancelled"]);
    expect(nextStatuses("proposed", operator, "territorial_network", false)).toEqual(["cancelled", "closed"]);
    expect(nextStatuses("cancelled", operator, "housing", true)).toEqual([]);
  });
  test("a social worker of the area accepts, rejects, then closes; of another area nothing", () => {
    expect(nextStatuses("proposed", housingWorker, "housing", true)).toEqual(["accepted", "rejected"]);
    expect(nextStatuses("accepted", housingWorker, "housing", true)).toEqual(["closed"]);
    expect(nextStatuses("proposed", housingWorker, "elderly", true)).toEqual([]);
    expect(referralTransition("proposed", "accepted", housingWorker, "elderly", true)).toBe("other_area");
  });
  test("an admin moves nothing, and an unchanged status is always fine", () => {
    expect(nextStatuses("proposed", { role: "admin", areas: [] }, "housing", true)).toEqual([]);
    expect(referralTransition("closed", "closed", { role: "admin", areas: [] }, "housing", true)).toBeUndefined();
  });
});
