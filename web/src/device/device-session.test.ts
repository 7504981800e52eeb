import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { IDBFactory } from "fake-indexeddb";
import { ApiError } from "../data/api";
import { credentialIn, DeviceSession, indexedDbCredentialStore, type DeviceState, type StoredDevice } from "./device-session";

const CREDENTIAL = "spdc_" + "a".repeat(43);
const TOTEM = { id: "d1", kind: "totem", name: "Ingresso", created_at: "2026-12-01T08:00:00Z", revoked_at: null, last_seen_at: null };

function memoryStore(initial?: StoredDevice) {
  let value = initial;
  return {
    saved: () => value,
    load: async () => value,
    save: async (device: StoredDevice) => void (value = device),
    clear: async () => void (value = undefined),
  };
}

/** A fake `/auth/device-token` answering with the given status, counting calls. */
function server(status: () => number | "down", device = TOTEM) {
  const calls: string[] = [];
  const fetch = async (_url: string, init?: RequestInit) => {
    calls.push(JSON.parse(String(init?.body)).credential);
    const s = status();
    if (s === "down") throw new TypeError("Failed to fetch");
    const body = s === 200 ? { access_token: `tok${calls.length}`, token_type: "Bearer", expires_in: 30 * 86400, device } : { error: "unauthenticated", message: "no" };
    return new Response(JSON.stringify(body), { status: s });
  };
  return { fetch, calls };
}

describe("credentialIn", () => {
  it("takes the bare credential, trimmed", () => expect(credentialIn(`  ${CREDENTIAL}\n`)).toBe(CREDENTIAL));
  it("takes it out of an enrolment link (the console's QR code)", () => {
    expect(credentialIn(`https://comune.example/totem#enrol=${CREDENTIAL}`)).toBe(CREDENTIAL);
  });
  it.each(["", "spdc_short", "spdc_" + "a".repeat(44), `x${CREDENTIAL}`, "https://x/totem#enrol=nope"])("refuses %j", input => {
    expect(credentialIn(input)).toBeUndefined();
  });
});

describe("DeviceSession", () => {
  it("enrols: exchanges first, keeps the credential only once the server took it", async () => {
    const store = memoryStore();
    const srv = server(() => 200);
    const session = new DeviceSession({ kind: "totem", store, fetch: srv.fetch });
    await session.start();
    expect(session.state).toEqual({ kind: "unenrolled", revoked: false });
    await session.enrol(CREDENTIAL);
    expect(session.state).toEqual({ kind: "ready", device: TOTEM });
    expect(session.accessToken()).toBe("tok1");
    expect(store.saved()?.credential).toBe(CREDENTIAL);
  });

  it("a refused credential is not kept", async () => {
    const store = memoryStore();
    const session = new DeviceSession({ kind: "totem", store, fetch: server(() => 401).fetch });
    await session.start();
    await expect(session.enrol(CREDENTIAL)).rejects.toBeInstanceOf(ApiError);
    expect(store.saved()).toBeUndefined();
  });

  it("a display's credential is refused on a totem, and not kept", async () => {
    const store = memoryStore();
    const session = new DeviceSession({ kind: "totem", store, fetch: server(() => 200, { ...TOTEM, kind: "display" }).fetch });
    await session.start();
    await expect(session.enrol(CREDENTIAL)).rejects.toMatchObject({ code: "wrong_device_kind" });
    expect(store.saved()).toBeUndefined();
    expect(session.state).toMatchObject({ kind: "unenrolled", wrongKind: "display" });
  });

  it("comes back after a restart without asking the server while its token is fresh", async () => {
    let now = 1_000_000;
    const store = memoryStore({ credential: CREDENTIAL, device: TOTEM as never, accessToken: "kept", tokenExpiresAt: now + 10 * 86400_000 });
    const srv = server(() => 200);
    const session = new DeviceSession({ kind: "totem", store, fetch: srv.fetch, now: () => now });
    await session.start();
    expect(srv.calls).toHaveLength(0);
    expect(session.accessToken()).toBe("kept");
    // A day before it ends, it is exchanged again.
    now += 9.5 * 86400_000;
    await session.renewIfDue();
    expect(srv.calls).toHaveLength(1);
    expect(session.accessToken()).toBe("tok1");
  });

  it("without network it keeps its credential and says offline; the server back, it is ready", async () => {
    let up = false;
    const store = memoryStore({ credential: CREDENTIAL });
    const session = new DeviceSession({ kind: "totem", store, fetch: server(() => (up ? 200 : "down")).fetch });
    const seen: DeviceState["kind"][] = [];
    session.subscribe(s => seen.push(s.kind));
    await session.start();
    expect(session.state.kind).toBe("offline");
    expect(store.saved()?.credential).toBe(CREDENTIAL);
    up = true;
    await session.renewNow();
    expect(session.state.kind).toBe("ready");
    expect(seen).toEqual(["loading", "offline", "ready"]);
  });

  it("a revoked device forgets its credential and says so", async () => {
    const store = memoryStore({ credential: CREDENTIAL, device: TOTEM as never, accessToken: "old", tokenExpiresAt: 0 });
    const session = new DeviceSession({ kind: "totem", store, fetch: server(() => 401).fetch });
    await session.start();
    expect(session.state).toEqual({ kind: "unenrolled", revoked: true });
    expect(store.saved()).toBeUndefined();
    expect(session.accessToken()).toBeUndefined();
  });

  it("concurrent renewals make one exchange", async () => {
    const srv = server(() => 200);
    const session = new DeviceSession({ kind: "totem", store: memoryStore({ credential: CREDENTIAL }), fetch: srv.fetch });
    await Promise.all([session.start(), session.renewNow(), session.renewNow()]);
    expect(srv.calls.length).toBeLessThanOrEqual(2);
    await Promise.all([session.renewNow(), session.renewNow(), session.renewNow()]);
    expect(srv.calls.length).toBeLessThanOrEqual(3);
  });
});

describe("indexedDbCredentialStore", () => {
  it("keeps the device across instances (a restart) and forgets it on clear", async () => {
    const factory = new IDBFactory();
    const device: StoredDevice = { credential: CREDENTIAL, accessToken: "t", tokenExpiresAt: 5 };
    await indexedDbCredentialStore("sportello-totem", factory).save(device);
    expect(await indexedDbCredentialStore("sportello-totem", factory).load()).toEqual(device);
    expect(await indexedDbCredentialStore("sportello-display", factory).load()).toBeUndefined();
    await indexedDbCredentialStore("sportello-totem", factory).clear();
    expect(await indexedDbCredentialStore("sportello-totem", factory).load()).toBeUndefined();
  });
});
