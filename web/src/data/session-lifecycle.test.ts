// The session's part of the tablet's data lifecycle (issue 12), on an injected clock and manual timers:
// the offline lease ends an open session when it runs out, a `session_wiped` answer deletes the user's
// store without pushing anything, and the wipe check deletes only the marked stores.
import { describe, expect, it } from "vitest";
import { ApiError, type Api, type SessionTokens } from "./api";
import { Session, sessionIdOf, type SessionVault, type Timers } from "./session";
import type { Contact } from "../store/lease";
import type { LocalStore } from "../store/local-store";

const HOUR = 3600_000;
const SESSION = "11111111-1111-4111-8111-111111111111";

function jwt(claims: object): string {
  const b64 = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256" })}.${b64(claims)}.signature`;
}

function tokens(sid = SESSION, lease = 24 * 3600): SessionTokens {
  return {
    access_token: jwt({ sid, sub: "u1" }),
    refresh_token: "r1",
    token_type: "Bearer",
    expires_in: 900,
    session_expires_at: "2026-11-27T21:00:00Z",
    user: { id: "u1", username: "mario.rossi", display_name: "Mario Rossi", role: "operator", areas: [], must_change_password: false },
    index_doc: "automerge:abc",
    offline_lease_seconds: lease,
  };
}

class ManualTimers implements Timers {
  pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  set(callback: () => void, ms: number) {
    const id = this.#next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clear(handle: unknown) {
    this.pending.delete(handle as number);
  }
  /** Fires the timers set for exactly `ms`. */
  fire(ms: number) {
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms === ms) {
        this.pending.delete(id);
        timer.callback();
      }
    }
  }
}

/** A vault with one user's store and its registry entry, and a log of what happened. */
function fakeVault(clock: () => number) {
  const log: string[] = [];
  const records = new Map<string, unknown>();
  let entry: (Contact & { sessionId?: string }) | undefined;
  const store = {
    userId: "u1",
    records: {
      get: async (name: string) => structuredClone(records.get(name)),
      put: async (name: string, value: unknown) => void records.set(name, structuredClone(value)),
      delete: async (name: string) => void records.delete(name),
    },
    close: () => log.push("close"),
  } as unknown as LocalStore;
  const vault: Required<SessionVault> = {
    openAfterLogin: async () => {
      entry = { ...entry, lastContactAt: clock() };
      return store;
    },
    unlock: async () => store,
    knows: async () => entry !== undefined,
    forget: async () => void log.push("forget"),
    noteContact: async (_user, sessionId, leaseSeconds) => {
      entry = { sessionId, leaseSeconds, lastContactAt: clock() };
    },
    contact: async () => entry,
    sessionIds: async () => (entry?.sessionId ? [entry.sessionId] : []),
    forgetWiped: async ids => {
      if (!entry?.sessionId || !ids.includes(entry.sessionId)) return [];
      entry = undefined;
      log.push("forget");
      return ["u1"];
    },
    forgetUser: async () => {
      entry = undefined;
      log.push("forget");
    },
  };
  return { vault, log, records, entry: () => entry };
}

function fakeApi(overrides: Partial<Api> = {}): Api & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    login: async () => tokens(),
    refresh: async () => tokens(),
    changePassword: async () => tokens(),
    logout: async () => void calls.push("logout"),
    setupSecondFactor: async () => ({ secret_base32: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x" }),
    confirmSecondFactor: async () => ({ recovery_codes: ["aaaaa-bbbbb-ccccc-ddddd-eeeee"] }),
    me: async () => {
      throw new ApiError(0, "network", "offline");
    },
    wipeCheck: async ids => (calls.push(`wipe-check ${ids.join(",")}`), []),
    uploadReads: async reads => ({ recorded: reads.length, duplicates: 0, ignored: 0 }),
    ...overrides,
  };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe("the offline lease in the session", () => {
  it("reads the session id from the access token", () => {
    expect(sessionIdOf(tokens().access_token)).toBe(SESSION);
    expect(sessionIdOf("not a token")).toBeUndefined();
  });

  it("notes each contact and ends an open session when the lease after the last contact runs out", async () => {
    let now = Date.UTC(2026, 10, 27, 8, 0, 0);
    const timers = new ManualTimers();
    const { vault, log, entry } = fakeVault(() => now);
    const session = new Session(fakeApi(), timers, vault, () => now);
    await session.login("mario.rossi", "p");
    await flush();
    expect(entry()).toMatchObject({ sessionId: SESSION, leaseSeconds: 24 * 3600, lastContactAt: now });

    // Twenty-four hours without a contact (the refresh timer is not run: the network is gone; the user
    // kept working, so the inactivity lock did not come first).
    now += 24 * HOUR;
    timers.fire(24 * HOUR);
    await flush();
    expect(session.state).toEqual({ kind: "signed-out", notice: "lifecycle.leaseLocked" });
    await flush();
    expect(log).toContain("close");
    expect(log).not.toContain("forget");
  });
});

describe("the remote wipe in the session", () => {
  it("a refresh answered session_wiped deletes the user's store and shows the wiped screen, pushing nothing", async () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0);
    const api = fakeApi({
      refresh: async () => {
        throw new ApiError(401, "session_wiped", "wiped");
      },
    });
    const { vault, log } = fakeVault(() => now);
    const session = new Session(api, new ManualTimers(), vault, () => now);
    let flushed = false;
    session.beforeRelease = async () => void (flushed = true);
    await session.login("mario.rossi", "p");
    await session.refreshNow();
    expect(session.state).toEqual({ kind: "wiped" });
    expect(log).toEqual(["close", "forget"]);
    expect(flushed).toBe(false);
    expect(api.calls).not.toContain("logout");
    session.acknowledgeWipe();
    expect(session.state.kind).toBe("signed-out");
  });

  it("the wipe check asks about the tablet's sessions and deletes a marked store", async () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0);
    let marked: string[] = [];
    const api = fakeApi({ wipeCheck: async () => marked });
    const { vault, log } = fakeVault(() => now);
    const session = new Session(api, new ManualTimers(), vault, () => now);
    await session.login("mario.rossi", "p");
    await flush();
    expect(await session.wipeCheck()).toBe("clear");
    expect(session.state.kind).toBe("signed-in");
    marked = [SESSION];
    expect(await session.wipeCheck()).toBe("wiped");
    expect(session.state).toEqual({ kind: "wiped" });
    expect(log).toContain("forget");
  });

  it("a session unlocked offline is wiped by the session id its registry entry holds", async () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0);
    let online = true;
    const api = fakeApi({
      refresh: async () => {
        if (!online) throw new ApiError(0, "network", "offline");
        return tokens();
      },
      wipeCheck: async ids => (ids.includes(SESSION) ? [SESSION] : []),
    });
    const { vault, log } = fakeVault(() => now);
    const session = new Session(api, new ManualTimers(), vault, () => now);
    await session.login("mario.rossi", "p");
    await flush();
    online = false;
    session.lock();
    await flush();
    await session.unlock("p");
    await flush();
    expect(session.state.kind).toBe("signed-in");
    expect(session.accessToken()).toBeUndefined();
    expect(await session.wipeCheck()).toBe("wiped");
    expect(session.state).toEqual({ kind: "wiped" });
    expect(log.filter(entry => entry === "forget").length).toBeGreaterThan(0);
  });

  it("an unreachable server is no answer: nothing may sync until the check succeeds", async () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0);
    const api = fakeApi({
      wipeCheck: async () => {
        throw new ApiError(0, "network", "offline");
      },
    });
    const { vault } = fakeVault(() => now);
    const session = new Session(api, new ManualTimers(), vault, () => now);
    await session.login("mario.rossi", "p");
    await flush();
    expect(await session.wipeCheck()).toBe("unreachable");
    expect(session.state.kind).toBe("signed-in");
  });
});
