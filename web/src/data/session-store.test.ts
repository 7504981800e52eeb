// The session with the tablet's encrypted store (a fake vault here; the real one is tested in src/store/):
// what is persisted, what is dropped, and in which order.
import { describe, expect, it } from "vitest";
import { ApiError, type Api, type SessionTokens } from "./api";
import { INACTIVITY_LOCK_MS, PreviousPasswordNeeded, Session, type SessionVault, type StoredSession, type Timers } from "./session";
import { WrongPasswordError } from "../store/crypto";
import type { LocalStore } from "../store/local-store";

function tokens(access: string, mustChange = false): SessionTokens {
  return {
    access_token: access,
    refresh_token: `r-${access}`,
    token_type: "Bearer",
    expires_in: 900,
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
  fire(ms: number) {
    for (const [id, timer] of this.pending) {
      if (timer.ms === ms) {
        this.pending.delete(id);
        timer.callback();
      }
    }
  }
}

/** One user's store: records in a map, a password that unlocks it, a log of what happened to it. */
class FakeStore {
  records = new Map<string, unknown>();
  log: string[] = [];
  open = true;
  constructor(public password: string) {}
  handle(): LocalStore {
    return {
      userId: "u1",
      records: {
        get: async (name: string) => structuredClone(this.records.get(name)),
        put: async (name: string, value: unknown) => void this.records.set(name, structuredClone(value)),
        delete: async (name: string) => void this.records.delete(name),
      },
      rewrap: async (current: string, next: string) => {
        if (current !== this.password) throw new WrongPasswordError();
        this.log.push("rewrap");
        this.password = next;
      },
      close: () => {
        this.log.push("close");
        this.open = false;
      },
    } as unknown as LocalStore;
  }
  get session() {
    return this.records.get("session") as StoredSession | undefined;
  }
}

function fakeVault(store: FakeStore): SessionVault {
  return {
    openAfterLogin: async (_id, _name, password) => {
      if (password !== store.password) throw new WrongPasswordError();
      store.open = true;
      return store.handle();
    },
    unlock: async (_name, password) => {
      if (password !== store.password) throw new WrongPasswordError();
      store.open = true;
      return store.handle();
    },
    knows: async name => name === "mario.rossi",
    forget: async () => {
      store.records.clear();
      store.log.push("forget");
    },
  };
}

function fakeApi(overrides: Partial<Api> = {}): Api & { loggedOut: string[] } {
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
const offline = async () => {
  throw new ApiError(0, "network", "offline");
};

describe("the session with the encrypted store", () => {
  it("an online login opens the store and seals the resumable session in it, refresh token included", async () => {
    const store = new FakeStore("p");
    const session = new Session(fakeApi(), new ManualTimers(), fakeVault(store));
    await session.login("mario.rossi", "p");
    expect(session.store).toBeDefined();
    await flush();
    expect(store.session).toMatchObject({ refresh_token: "r-a1", index_doc: "automerge:abc", user: { id: "u1" } });
  });

  it("each refresh persists the rotated refresh token (the spent one would end the session)", async () => {
    const store = new FakeStore("p");
    const session = new Session(fakeApi(), new ManualTimers(), fakeVault(store));
    await session.login("mario.rossi", "p");
    await session.refreshNow();
    await flush();
    expect(store.session?.refresh_token).toBe("r-a2");
  });

  it("a refresh naming a new index (issue 12: it moved) seals the new URL where the old one was", async () => {
    const store = new FakeStore("p");
    let index: string | null | undefined = "automerge:new-index";
    const api = fakeApi({ refresh: async () => ({ ...tokens("a2"), index_doc: index }) });
    const session = new Session(api, new ManualTimers(), fakeVault(store));
    await session.login("mario.rossi", "p");
    await session.refreshNow();
    await flush();
    expect(session.state.kind === "signed-in" && session.state.tokens.index_doc).toBe("automerge:new-index");
    expect(store.session?.index_doc).toBe("automerge:new-index");

    // An answer naming none keeps the one the session has.
    index = undefined;
    await session.refreshNow();
    await flush();
    expect(store.session?.index_doc).toBe("automerge:new-index");

    // The next offline unlock follows the new index.
    session.lock();
    await flush();
    await session.unlock("p");
    expect(session.state.kind === "signed-in" && session.state.tokens.index_doc).toBe("automerge:new-index");
  });

  it("offline, a returning user unlocks with the password and works without an access token", async () => {
    const store = new FakeStore("p");
    store.records.set("session", { user: tokens("x").user, index_doc: "automerge:abc", session_expires_at: "", refresh_token: "r-old" });
    const session = new Session(fakeApi({ login: offline, refresh: offline }), new ManualTimers(), fakeVault(store));
    await expect(session.login("mario.rossi", "p")).rejects.toMatchObject({ code: "network" });
    expect(await session.canUnlockOffline("mario.rossi")).toBe(true);
    await expect(session.unlockOffline("mario.rossi", "wrong")).rejects.toBeInstanceOf(WrongPasswordError);
    await session.unlockOffline("mario.rossi", "p");
    expect(session.state.kind).toBe("signed-in");
    expect(session.accessToken()).toBeUndefined();
    expect(session.state.kind === "signed-in" && session.state.tokens.index_doc).toBe("automerge:abc");
  });

  it("when the network is back, a session unlocked offline refreshes with the stored token and goes on", async () => {
    const store = new FakeStore("p");
    store.records.set("session", { user: tokens("x").user, index_doc: "automerge:abc", session_expires_at: "", refresh_token: "r-old" });
    const presented: string[] = [];
    let reachable = false;
    const api = fakeApi({
      refresh: async token => {
        presented.push(token);
        if (!reachable) throw new ApiError(0, "network", "offline");
        return tokens("a2");
      },
    });
    const session = new Session(api, new ManualTimers(), fakeVault(store));
    await session.unlockOffline("mario.rossi", "p");
    await flush();
    reachable = true;
    session.networkBack();
    await flush();
    expect(presented).toEqual(["r-old", "r-old"]);
    expect(session.accessToken()).toBe("a2");
    expect(store.session?.refresh_token).toBe("r-a2");
  });

  it("a session ended by the server drops the store after the sync engine flushed, and forgets the dead token", async () => {
    const store = new FakeStore("p");
    const session = new Session(fakeApi(), new ManualTimers(), fakeVault(store));
    session.beforeRelease = async () => void store.log.push("flush");
    await session.login("mario.rossi", "p");
    session.end("error.session_ended");
    expect(session.state).toEqual({ kind: "signed-out", notice: "error.session_ended" });
    expect(session.store).toBeUndefined();
    await flush();
    expect(store.log).toEqual(["flush", "close"]);
    expect(store.session?.refresh_token).toBeUndefined();
    expect(store.session?.user.id).toBe("u1");
  });

  it("locks after the inactivity time, keeps the token sealed, and unlocks with the password", async () => {
    const timers = new ManualTimers();
    const store = new FakeStore("p");
    const session = new Session(fakeApi({ refresh: async () => tokens("a9") }), timers, fakeVault(store));
    await session.login("mario.rossi", "p");
    timers.fire(INACTIVITY_LOCK_MS);
    expect(session.state).toEqual({ kind: "locked", username: "mario.rossi" });
    expect(session.accessToken()).toBeUndefined();
    await flush();
    expect(store.open).toBe(false);
    expect(store.session?.refresh_token).toBe("r-a1");
    await expect(session.unlock("wrong")).rejects.toBeInstanceOf(WrongPasswordError);
    await session.unlock("p");
    await flush();
    expect(session.state.kind).toBe("signed-in");
    expect(session.accessToken()).toBe("a9");
  });

  it("a password change re-wraps the store's key under the new password", async () => {
    const store = new FakeStore("temp");
    const api = fakeApi({ login: async () => tokens("one-time", true) });
    const session = new Session(api, new ManualTimers(), fakeVault(store));
    await session.login("mario.rossi", "temp");
    await session.changePassword("temp", "una-frase-lunga-e-nuova");
    expect(store.log).toContain("rewrap");
    expect(store.password).toBe("una-frase-lunga-e-nuova");
  });

  it("a password changed elsewhere asks for the previous one, then re-wraps under the new", async () => {
    const store = new FakeStore("previous");
    const api = fakeApi();
    const session = new Session(api, new ManualTimers(), fakeVault(store));
    await expect(session.login("mario.rossi", "current")).rejects.toBeInstanceOf(PreviousPasswordNeeded);
    expect(session.state.kind).toBe("signed-out");
    await flush();
    expect(api.loggedOut).toEqual(["a1"]);
    await session.login("mario.rossi", "current", "previous");
    expect(session.state.kind).toBe("signed-in");
    expect(store.password).toBe("current");
  });

  it("a user who no longer knows the previous password may discard the tablet's copy and start afresh", async () => {
    const store = new FakeStore("previous");
    store.records.set("session", { user: tokens("x").user, session_expires_at: "", refresh_token: "r-old" });
    const vault = fakeVault(store);
    vault.openAfterLogin = async (_id, _name, password) => {
      if (store.records.size > 0 && password !== store.password) throw new WrongPasswordError();
      store.password = password;
      return store.handle();
    };
    const session = new Session(fakeApi(), new ManualTimers(), vault);
    await expect(session.login("mario.rossi", "current")).rejects.toBeInstanceOf(PreviousPasswordNeeded);
    await session.login("mario.rossi", "current", undefined, true);
    expect(store.log).toContain("forget");
    expect(session.state.kind).toBe("signed-in");
  });

  it("unlocked offline after a logout (no refresh token), the network coming back asks for a login", async () => {
    const store = new FakeStore("p");
    store.records.set("session", { user: tokens("x").user, index_doc: "automerge:abc", session_expires_at: "" });
    const session = new Session(fakeApi(), new ManualTimers(), fakeVault(store));
    await session.unlockOffline("mario.rossi", "p");
    expect(session.state.kind).toBe("signed-in");
    session.networkBack();
    await flush();
    expect(session.state).toEqual({ kind: "signed-out", notice: "error.login_to_sync" });
  });
});
