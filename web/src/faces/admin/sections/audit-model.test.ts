import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../api-types";
import { parseCsv } from "../ui/csv";
import { AUDIT_CSV_HEADER, auditCsv, auditQuery, badRange, localToRfc3339, NO_FILTERS, targetName } from "./audit-model";

const ADMIN = "9e88417a-1141-42f0-b62a-dddc5eb2837b";
const LUCA = "ed5b2cf2-185d-4b4e-8fce-23d58817f3b8";
const names: Record<string, string> = { [ADMIN]: "admin", [LUCA]: "=luca" };
const nameOf = (id: string) => names[id];

const ENTRIES: AuditEntry[] = [
  {
    seq: 1843,
    at: "2025-03-10T09:12:44.318Z",
    actor_id: ADMIN,
    actor_role: "admin",
    session_id: "39173967-2eab-4994-af6f-8eaed4b1d34e",
    action: "admin.user_update",
    target: LUCA,
    outcome: "success",
    request_id: "00a7a32e69db48f7976b7d4a03957c1f",
  },
  {
    seq: 1842,
    at: "2025-03-10T09:10:02.771Z",
    actor_id: null,
    actor_role: "anonymous",
    session_id: null,
    action: "auth.login",
    target: null,
    outcome: "failure",
    request_id: null,
  },
];

describe("audit model", () => {
  it("puts only the filters that are set in the query", () => {
    expect(auditQuery(NO_FILTERS)).toBe("?limit=100");
    const query = new URLSearchParams(
      auditQuery({ ...NO_FILTERS, actor_id: ADMIN, action: "admin.user_create", target: " x ", outcome: "denied" }, 1842, 500).slice(1),
    );
    expect(Object.fromEntries(query)).toEqual({
      actor_id: ADMIN,
      action: "admin.user_create",
      target: "x",
      outcome: "denied",
      before: "1842",
      limit: "500",
    });
  });

  it("sends the time range as RFC 3339 UTC from the browser's local time", () => {
    const from = localToRfc3339("2026-12-05T09:30");
    expect(from).toBe(new Date(2026, 11, 5, 9, 30).toISOString());
    const query = new URLSearchParams(auditQuery({ ...NO_FILTERS, from: "2026-12-05T09:30", to: "bad" }).slice(1));
    expect(query.get("from")).toBe(from);
    expect(query.has("to")).toBe(false);
    expect(badRange({ ...NO_FILTERS, from: "2026-12-05T10:00", to: "2026-12-05T09:00" })).toBe(true);
    expect(badRange({ ...NO_FILTERS, from: "2026-12-05T08:00", to: "2026-12-05T09:00" })).toBe(false);
  });

  it("names targets that are ids, or ids before a colon", () => {
    expect(targetName(LUCA, nameOf)).toBe("=luca");
    expect(targetName(`${LUCA}:call`, nameOf)).toBe("=luca");
    expect(targetName("/api/v1/admin/users/{id}", nameOf)).toBeUndefined();
    expect(targetName(null, nameOf)).toBeUndefined();
  });

  it("writes one CSV record per row shown, names beside ids, formulas defused", () => {
    const records = parseCsv(auditCsv(ENTRIES, nameOf));
    expect(records[0]).toEqual([...AUDIT_CSV_HEADER]);
    expect(records.slice(1).map(r => r[0])).toEqual(["1843", "1842"]);
    expect(records[1]).toEqual([
      "1843",
      "2025-03-10T09:12:44.318Z",
      ADMIN,
      "admin",
      "admin",
      "39173967-2eab-4994-af6f-8eaed4b1d34e",
      "admin.user_update",
      LUCA,
      "'=luca",
      "success",
      "00a7a32e69db48f7976b7d4a03957c1f",
    ]);
    expect(records[2]).toEqual(["1842", "2025-03-10T09:10:02.771Z", "", "", "anonymous", "", "auth.login", "", "", "failure", ""]);
  });
});
