import { describe, expect, it } from "vitest";
import { CONSOLE_ROLES, sectionOfHash, SECTIONS, sectionsFor } from "./sections";

describe("sections", () => {
  it("picks the section the hash names, the first one otherwise", () => {
    expect(sectionOfHash("#audit").id).toBe("audit");
    expect(sectionOfHash("#devices?x=1").id).toBe("devices");
    expect(sectionOfHash("").id).toBe(SECTIONS[0].id);
    expect(sectionOfHash("#nowhere").id).toBe(SECTIONS[0].id);
  });

  it("has one element per section and unique ids", () => {
    expect(new Set(SECTIONS.map(s => s.id)).size).toBe(SECTIONS.length);
    for (const s of SECTIONS) expect(s.tag).toBe(s.id === "queue" ? "admin-queue-settings" : `admin-${s.id}`);
  });

  it("shows a privacy officer only its own sections, and an admin none of them", () => {
    expect(sectionsFor("privacy_officer").map(s => s.id)).toEqual(["privacy", "erasures", "password"]);
    const admin = sectionsFor("admin").map(s => s.id);
    expect(admin).toContain("users");
    expect(admin).not.toContain("privacy");
    expect(admin).not.toContain("erasures");
    expect(sectionOfHash("#users", "privacy_officer").id).toBe("privacy");
    expect(sectionOfHash("#erasures", "privacy_officer").id).toBe("erasures");
    expect(sectionOfHash("#erasures", "admin").id).toBe("users");
    expect(sectionsFor("operator")).toEqual([]);
    expect(CONSOLE_ROLES).toEqual(["admin", "privacy_officer"]);
  });
});
