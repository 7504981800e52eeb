// The vault's part of the tablet's data lifecycle (issue 12): the offline lease refuses an unlock past it
// (on an injected clock), and a remote wipe deletes the marked user's database and registry entry only.
import { IDBFactory } from "fake-indexeddb";
import "fake-indexeddb/auto";
import { beforeEach, describe, expect, it } from "vitest";
import { LeaseExpiredError, NoLocalStoreError, Vault, databaseName } from "./vault";

const FAST = 1_000;
const HOUR = 3600_000;
const ANNA = { id: "0d9b2c6e-7f51-4c1e-8a43-1e2f3a4b5c6d", username: "anna.verdi", session: "11111111-1111-4111-8111-111111111111" };
const BRUNO = { id: "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", username: "bruno.neri", session: "22222222-2222-4222-8222-222222222222" };

let factory: IDBFactory;
let clock: number;
let vault: Vault;

beforeEach(() => {
  factory = new IDBFactory();
  clock = Date.UTC(2026, 10, 27, 8, 0, 0);
  vault = new Vault(factory, FAST, () => clock);
});

async function databases(): Promise<string[]> {
  return (await factory.databases()).map(db => db.name ?? "");
}

describe("the offline lease in the vault", () => {
  it("unlocks offline within the lease after the last contact and refuses past it, before the password", async () => {
    (await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna")).close();
    await vault.noteContact(ANNA.id, ANNA.session, 24 * 3600);
    clock += 23 * HOUR;
    (await vault.unlock(ANNA.username, "password di anna")).close();
    clock += 2 * HOUR;
    await expect(vault.unlock(ANNA.username, "password di anna")).rejects.toBeInstanceOf(LeaseExpiredError);
    // A new contact starts a new lease.
    await vault.noteContact(ANNA.id, ANNA.session, 24 * 3600);
    (await vault.unlock(ANNA.username, "password di anna")).close();
    expect((await vault.contact(ANNA.id))?.lastContactAt).toBe(clock);
  });
});

describe("the remote wipe in the vault", () => {
  it("lists the sessions that opened the stores and deletes only the marked user's store and entry", async () => {
    (await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna")).close();
    (await vault.openAfterLogin(BRUNO.id, BRUNO.username, "password di bruno")).close();
    await vault.noteContact(ANNA.id, ANNA.session, 3600);
    await vault.noteContact(BRUNO.id, BRUNO.session, 3600);
    expect((await vault.sessionIds()).sort()).toEqual([ANNA.session, BRUNO.session].sort());
    expect(await databases()).toContain(databaseName(ANNA.id));

    expect(await vault.forgetWiped([ANNA.session, "33333333-3333-4333-8333-333333333333"])).toEqual([ANNA.id]);

    expect(await databases()).not.toContain(databaseName(ANNA.id));
    expect(await databases()).toContain(databaseName(BRUNO.id));
    expect(await vault.knows(ANNA.username)).toBe(false);
    await expect(vault.unlock(ANNA.username, "password di anna")).rejects.toBeInstanceOf(NoLocalStoreError);
    expect(await vault.sessionIds()).toEqual([BRUNO.session]);
  });
});
