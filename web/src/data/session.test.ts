import { describe, expect, it } from "vitest";
import { ApiError, type Api, type SessionTokens } from "./api";
import { ConsoleRoleError, Session, refreshDelayMs, type SessionState, type Timers } from "./session";

function tokens(access: string, mustChange = false, expiresIn = 900): SessionTokens {
  return {
    access_token: access,
    refresh_token: `r-${access}`,
    token_type: "Bearer",
    expires_in: expiresIn,
    session_expires_at: "2026-11-27T21:00:00Z",
    user: { id: "u1", username: "mario.rossi", display_name: "Mario Rossi", role: "operator", areas: [], must_change_password: mustChange },
    index_doc: "automerge:abc",
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
  fireAll() {
    const due = [...this.pending.values()];
    this.pending.clear();
    due.forEach(t => t.callback());
  }
}

function fakeApi(overrides: Partial<Api>): Api & { loggedOut: string[] } {
  const loggedOut: string[] = [];
  return {
    loggedOut,
    login: async () => tokens("a1"),
    refresh: async () => tokens("a2"),
    changePassword: async () => tokens("a3"),
    logout: async token => void loggedOut.push(token),
    setupSecondFactor: async () => ({ secret_base32: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x" }),
    confirmSecondFactor: async () => ({ recovery_codes: ["aaaaa-bbbbb-ccccc-ddddd-eeeee"] }),
    me: async () => {
      throw new ApiError(0, "network", "not in this test");
    },
    wipeCheck: async () => [],
    uploadReads: async reads => ({ recorded: reads.length, duplicates: 0, ignored: 0 }),
    ...overrides,
  };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe("session", () => {
  it("an admin or a privacy officer is sent to the console: the session ends at once and nothing is entered", async () => {
    for (const role of ["admin", "privacy_officer"] as const) {
      const officer = tokens(`t-${role}`);
      officer.user = { ...officer.user, role };
      const api = fakeApi({ login: async () => officer });
      const session = new Session(api, new ManualTimers());
      await expect(session.login("anna", "p")).rejects.toBeInstanceOf(ConsoleRoleError);
      await flush();
      expect(session.state.kind).toBe("signed-out");
      expect(session.accessToken()).toBeUndefined();
      expect(api.loggedOut).toEqual([`t-${role}`]);
    }
  });

  it("a one-time password leads to the password change, and the new token pair replaces the old", async () => {
    let usedToken = "";
    const api = fakeApi({
      login: async () => tokens("one-time", true),
      changePassword: async token => {
        usedToken = token;
        return tokens("fresh");
      },
    });
    const session = new Session(api, new ManualTimers());
    const seen: SessionState["kind"][] = [];
    session.subscribe(state => seen.push(state.kind));

    await session.login(" mario.rossi ", "temp");
    expect(session.state.kind).toBe("password-change");
    await session.changePassword("temp", "una-frase-lunga-e-nuova");

    expect(usedToken).toBe("one-time");
    expect(session.state.kind).toBe("signed-in");
    expect(session.accessToken()).toBe("fresh");
    expect(seen).toEqual(["password-change", "signed-in"]);
  });

  it("a role that needs a second factor enrols after the password change, and then enters the app", async () => {
    const required = (access: string, mustChange = false): SessionTokens => {
      const base = tokens(access, mustChange);
      return { ...base, user: { ...base.user, role: "social_worker", second_factor: "required" } };
    };
    const confirmed: [string, string][] = [];
    const api = fakeApi({
      login: async () => required("one-time", true),
      changePassword: async () => required("fresh"),
      confirmSecondFactor: async (token, code) => {
        confirmed.push([token, code]);
        return { recovery_codes: ["aaaaa-bbbbb-ccccc-ddddd-eeeee", "fffff-ggggg-hhhhh-iiiii-jjjjj"] };
      },
    });
    const session = new Session(api, new ManualTimers());
    const seen: SessionState["kind"][] = [];
    session.subscribe(state => seen.push(state.kind));

    await session.login("mario.rossi", "temp");
    await session.changePassword("temp", "una-frase-lunga-e-nuova");
    expect(session.state.kind).toBe("second-factor-enrol");
    expect(session.accessToken()).toBe("fresh");
    expect((await session.setupSecondFactor()).secret_base32).toBe("JBSWY3DPEHPK3PXP");
    const codes = await session.confirmSecondFactor("123456");
    expect(confirmed).toEqual([["fresh", "123456"]]);
    expect(codes).toHaveLength(2);
    // The recovery codes are on screen: nothing moves until the user says they are saved.
    expect(session.state.kind).toBe("second-factor-enrol");
    session.finishEnrolment();
    expect(session.state.kind).toBe("signed-in");
    expect(session.state.kind === "signed-in" && session.state.tokens.user.second_factor).toBe("enrolled");
    expect(seen).toEqual(["password-change", "second-factor-enrol", "signed-in"]);
  });

  it("a login's second factor code goes to the server with the password", async () => {
    const sent: (string | undefined)[] = [];
    const api = fakeApi({
      login: async (_username, _password, _device, secondFactor) => {
        sent.push(secondFactor);
        if (!secondFactor) throw new ApiError(401, "second_factor_required", "code needed");
        return tokens("a1");
      },
    });
    const session = new Session(api, new ManualTimers());
    await expect(session.login("mario.rossi", "p")).rejects.toMatchObject({ code: "second_factor_required" });
    expect(session.state.kind).toBe("signed-out");
    await session.login("mario.rossi", "p", undefined, false, "654321");
    expect(sent).toEqual([undefined, "654321"]);
    expect(session.state.kind).toBe("signed-in");
  });

  it("logging out forgets the tokens at once and tells the server", async () => {
    const api = fakeApi({});
    const session = new Session(api, new ManualTimers());
    await session.login("mario.rossi", "p");
    await session.logout();
    expect(session.accessToken()).toBeUndefined();
    expect(session.state).toEqual({ kind: "signed-out", notice: undefined });
    expect(api.loggedOut).toEqual(["a1"]);
  });

  it("logging out offline still signs out here", async () => {
    const api = fakeApi({
      logout: async () => {
        throw new ApiError(0, "network", "offline");
      },
    });
    const session = new Session(api, new ManualTimers());
    await session.login("mario.rossi", "p");
    await expect(session.logout()).resolves.toBeUndefined();
    expect(session.state.kind).toBe("signed-out");
  });

  it("the access token is refreshed before it expires", async () => {
    const timers = new ManualTimers();
    const session = new Session(fakeApi({}), timers);
    await session.login("mario.rossi", "p");
    expect([...timers.pending.values()][0].ms).toBe(refreshDelayMs(900));
    timers.fireAll();
    await flush();
    expect(session.accessToken()).toBe("a2");
    expect(session.state.kind === "signed-in" && session.state.tokens.index_doc).toBe("automerge:abc");
  });

  it("a refused refresh ends the session with a notice", async () => {
    const timers = new ManualTimers();
    const api = fakeApi({
      refresh: async () => {
        throw new ApiError(401, "invalid_refresh_token", "no");
      },
    });
    const session = new Session(api, timers);
    await session.login("mario.rossi", "p");
    timers.fireAll();
    await flush();
    expect(session.state).toEqual({ kind: "signed-out", notice: "error.session_ended" });
  });

  it("a refresh that cannot reach the server is retried and keeps the session", async () => {
    const timers = new ManualTimers();
    const api = fakeApi({
      refresh: async () => {
        throw new ApiError(0, "network", "offline");
      },
    });
    const session = new Session(api, timers);
    await session.login("mario.rossi", "p");
    timers.fireAll();
    await flush();
    expect(session.state.kind).toBe("signed-in");
    expect(timers.pending.size).toBe(1);
  });

  it("refreshes a minute early, or at 80 % of a short lifetime", () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(60)).toBe(48_000);
    expect(refreshDelayMs(1)).toBe(5_000);
  });
});

describe("session refresh", () => {
  it("two refreshes asked at once present the refresh token only once", async () => {
    let calls = 0;
    const api = fakeApi({
      refresh: async () => {
        calls += 1;
        await flush();
        return tokens("a2");
      },
    });
    const session = new Session(api, new ManualTimers());
    await session.login("mario.rossi", "p");
    await Promise.all([session.refreshNow(), session.refreshNow()]);
    expect(calls).toBe(1);
  });
});
