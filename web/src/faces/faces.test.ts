import { describe, expect, it } from "vitest";
import { faceOf } from "./faces";

describe("faceOf", () => {
  it.each([
    ["/", "tablet"],
    ["/index.html", "tablet"],
    ["/totem", "totem"],
    ["/totem/", "totem"],
    ["/TOTEM", "totem"],
    ["/display", "display"],
    ["/display/room-2", "display"],
    ["/admin", "admin"],
    ["/admin/", "admin"],
    ["/administrator", "tablet"],
    ["/totems", "tablet"],
    ["/cases/admin", "tablet"],
  ])("%s is the %s face", (path, face) => {
    expect(faceOf(path)).toBe(face);
  });
});
