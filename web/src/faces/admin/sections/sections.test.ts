import { describe, expect, it } from "vitest";
import { sectionOfHash, SECTIONS } from "./sections";

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
});
