import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_SECONDS, leaseExpired, leaseRemainingMs } from "./lease";

const HOUR = 3600_000;

describe("the offline lease", () => {
  const start = Date.UTC(2026, 10, 27, 8, 0, 0);

  it("holds until the lease after the last contact, then runs out", () => {
    const contact = { lastContactAt: start, leaseSeconds: 24 * 3600 };
    expect(leaseExpired(contact, start + 23 * HOUR)).toBe(false);
    expect(leaseRemainingMs(contact, start + 23 * HOUR)).toBe(HOUR);
    expect(leaseExpired(contact, start + 24 * HOUR)).toBe(true);
    expect(leaseExpired(contact, start + 30 * HOUR)).toBe(true);
  });

  it("takes the server's default when the server never said", () => {
    const contact = { lastContactAt: start };
    expect(leaseRemainingMs(contact, start)).toBe(DEFAULT_LEASE_SECONDS * 1000);
    expect(leaseExpired(contact, start + 71 * HOUR)).toBe(false);
    expect(leaseExpired(contact, start + 72 * HOUR)).toBe(true);
  });

  it("gives a store that never reached the server no offline time", () => {
    expect(leaseExpired({}, start)).toBe(true);
  });
});
