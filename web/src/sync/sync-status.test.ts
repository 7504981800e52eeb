import { describe, expect, it } from "vitest";
import { connectionState, pendingCount } from "./sync-status";

describe("connection state", () => {
  it.each([
    [{ browserOnline: false, serverPeer: true }, "offline"],
    [{ browserOnline: false, serverPeer: false, refusal: "busy" }, "offline"],
    [{ browserOnline: true, serverPeer: true, refusal: "busy" }, "online"],
    [{ browserOnline: true, serverPeer: false, refusal: "busy" }, "refused"],
    [{ browserOnline: true, serverPeer: false }, "connecting"],
  ] as const)("%j is %s", (facts, expected) => {
    expect(connectionState(facts)).toBe(expected);
  });
});

describe("pending changes", () => {
  it("counts documents whose local heads the server has not acknowledged", () => {
    expect(
      pendingCount([
        { local: ["a"], server: ["a"] },
        { local: ["b", "c"], server: ["c", "b"] },
        { local: ["d"], server: ["e"] },
        { local: ["f"] },
        { local: [] },
      ]),
    ).toBe(2);
  });

  it("nothing local means nothing waiting", () => {
    expect(pendingCount([])).toBe(0);
  });
});
