import { describe, expect, test } from "vitest";
import { announcementOf } from "./authors";

describe("author announcements", () => {
  const user = "7b0e8a52-3f1c-4d7e-9a6b-2c5d8e1f4a90";
  test("an announcement relayed by the server carries the stamped user id", () => {
    expect(announcementOf(`user-${user}-3`, { type: "sportello/author", actor: "ab12", name: "Giulia Neri" })).toEqual({
      actor: "ab12",
      name: "Giulia Neri",
      userId: user,
    });
  });
  test("a sender the server did not stamp, or another message, is no announcement", () => {
    expect(announcementOf("peer-123", { type: "sportello/author", actor: "ab12", name: "x" })).toBeUndefined();
    expect(announcementOf("sportello-server", { type: "sportello/author", actor: "ab12", name: "x" })).toBeUndefined();
    expect(announcementOf(`user-${user}-3`, { type: "sportello/refused", code: "x" })).toBeUndefined();
    expect(announcementOf(`user-${user}-3`, { type: "sportello/author", actor: "not hex!", name: "x" })).toBeUndefined();
  });
  test("names are bounded", () => {
    expect(announcementOf(`user-${user}-1`, { type: "sportello/author", actor: "ab", name: "n".repeat(500) })?.name).toHaveLength(100);
  });
});
