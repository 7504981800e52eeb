import { describe, expect, it } from "vitest";
import type { AccountGrant, UserAccount } from "../api-types";
import { approvalBlock, filterUsers, isValidUsername, patchOf } from "./users-model";

function user(username: string, display_name: string, role: UserAccount["role"], areas: string[] = []): UserAccount {
  return {
    id: `id-${username}`,
    username,
    display_name,
    role,
    areas,
    disabled: false,
    must_change_password: false,
    locked_until: null,
    created_at: "2026-12-01T08:00:00.000Z",
    updated_at: "2026-12-01T08:00:00.000Z",
  };
}

const USERS = [
  user("admin", "Amministratore", "admin"),
  user("lucia.bianchi", "Lucía Bianchi", "social_worker", ["elderly"]),
  user("mario.rossi", "Mario Rossi", "operator"),
];

describe("users model", () => {
  it("filters by role and by every word of the search, ignoring case and accents", () => {
    expect(filterUsers(USERS, { role: "", search: "" }).map(u => u.username)).toEqual(["admin", "lucia.bianchi", "mario.rossi"]);
    expect(filterUsers(USERS, { role: "operator", search: "" }).map(u => u.username)).toEqual(["mario.rossi"]);
    expect(filterUsers(USERS, { role: "", search: "LUCIA bian" }).map(u => u.username)).toEqual(["lucia.bianchi"]);
    expect(filterUsers(USERS, { role: "admin", search: "rossi" })).toEqual([]);
  });

  it("keeps the username rule of the server", () => {
    for (const ok of ["op1", "luca.esempio", "a_b-c.9"]) expect(isValidUsername(ok)).toBe(true);
    for (const bad of ["ab", "Mario.Rossi", "1abc", "mario rossi", "x".repeat(65)]) expect(isValidUsername(bad)).toBe(false);
  });

  it("asks only for what changed", () => {
    const mario = USERS[2];
    expect(patchOf(mario, { display_name: "Mario Rossi", role: "operator", areas: [] })).toBeNull();
    expect(patchOf(mario, { display_name: " Mario R. ", role: "operator", areas: [] })).toEqual({ display_name: "Mario R." });
    expect(patchOf(mario, { display_name: "Mario Rossi", role: "social_worker", areas: ["housing", "elderly"] })).toEqual({
      role: "social_worker",
      areas: ["elderly", "housing"],
    });
    const lucia = USERS[1];
    expect(patchOf(lucia, { display_name: "Lucía Bianchi", role: "social_worker", areas: ["elderly"] })).toBeNull();
    expect(patchOf(lucia, { display_name: "Lucía Bianchi", role: "social_worker", areas: ["elderly", "migrants"] })).toEqual({
      areas: ["elderly", "migrants"],
    });
    // Away from social worker: the server drops the areas itself.
    expect(patchOf(lucia, { display_name: "Lucía Bianchi", role: "operator", areas: ["elderly"] })).toEqual({ role: "operator" });
  });

  it("tells why an admin may not approve a request", () => {
    const grant = { requested_by: "id-admin", user_id: "id-new" } as AccountGrant;
    expect(approvalBlock(grant, "id-admin")).toBe("ownRequest");
    expect(approvalBlock({ ...grant, user_id: "id-other" }, "id-other")).toBe("ownAccount");
    expect(approvalBlock(grant, "id-second")).toBeUndefined();
  });
});
