import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { IDBFactory } from "fake-indexeddb";
import "fake-indexeddb/auto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Repo, initializeWasm } from "@automerge/automerge-repo/slim";
import { TamperedValueError, WrongPasswordError } from "./crypto";
import { StoreLockedError } from "./local-store";
import { NoLocalStoreError, TooManyAttemptsError, Vault, backoffMs, databaseName } from "./vault";

const FAST = 1_000;
const ANNA = { id: "0d9b2c6e-7f51-4c1e-8a43-1e2f3a4b5c6d", username: "anna.verdi" };
const BRUNO = { id: "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", username: "bruno.neri" };
const bytes = (s: string) => new TextEncoder().encode(s);
const textOf = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

let factory: IDBFactory;
let clock: number;
let vault: Vault;

beforeEach(() => {
  factory = new IDBFactory();
  clock = 1_000_000;
  vault = new Vault(factory, FAST, () => clock);
});

/** Every value of every object store of a user's database, raw, as IndexedDB holds it. */
async function rawValues(userId: string): Promise<{ store: string; key: IDBValidKey; value: unknown }[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(databaseName(userId));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out: { store: string; key: IDBValidKey; value: unknown }[] = [];
  for (const store of Array.from(db.objectStoreNames)) {
    const tx = db.transaction(store, "readonly");
    const [keys, values] = await Promise.all([
      new Promise<IDBValidKey[]>(r => (tx.objectStore(store).getAllKeys().onsuccess = e => r((e.target as IDBRequest).result))),
      new Promise<unknown[]>(r => (tx.objectStore(store).getAll().onsuccess = e => r((e.target as IDBRequest).result))),
    ]);
    keys.forEach((key, i) => out.push({ store, key, value: values[i] }));
  }
  db.close();
  return out;
}

async function putRaw(userId: string, store: string, key: IDBValidKey, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(databaseName(userId));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(store, "readwrite");
    tx.objectStore(store).put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe("the encrypted storage adapter", () => {
  it("round-trips values, and load of a missing key is undefined", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["doc1", "snapshot", "h1"], bytes("Rossi Mario"));
    expect(textOf(await store.storage.load(["doc1", "snapshot", "h1"]))).toBe("Rossi Mario");
    expect(await store.storage.load(["doc1", "snapshot", "nope"])).toBeUndefined();
    await store.storage.remove(["doc1", "snapshot", "h1"]);
    expect(await store.storage.load(["doc1", "snapshot", "h1"])).toBeUndefined();
  });

  it("writes nothing readable: every stored value is ciphertext, keys carry no data", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["doc1", "incremental", "h1"], bytes("Rossi Mario RSSMRA80A01H501U"));
    await store.records.put("session", { refresh_token: "sprt_secret", user: { display_name: "Anna Verdi" } });
    const raw = await rawValues(ANNA.id);
    expect(raw.map(r => r.store).sort()).toEqual(["chunks", "meta", "records"]);
    for (const { key, value } of raw) {
      const dump = JSON.stringify(key) + new TextDecoder("latin1").decode(value instanceof Uint8Array ? value : bytes(JSON.stringify(value)));
      for (const secret of ["Rossi", "RSSMRA", "sprt_secret", "Anna", "password di anna", "anna.verdi"]) {
        expect(dump).not.toContain(secret);
      }
    }
  });

  it("refuses a value with a flipped byte loudly, never returning garbage", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["doc1", "snapshot", "h1"], bytes("dati del caso"));
    const [chunk] = (await rawValues(ANNA.id)).filter(r => r.store === "chunks");
    const tampered = new Uint8Array(chunk.value as Uint8Array);
    tampered[tampered.length - 5] ^= 0x80;
    await putRaw(ANNA.id, "chunks", chunk.key, tampered);
    await expect(store.storage.load(["doc1", "snapshot", "h1"])).rejects.toBeInstanceOf(TamperedValueError);
    await expect(store.storage.loadRange(["doc1"])).rejects.toBeInstanceOf(TamperedValueError);
  });

  it("refuses a value moved under another key, and a value that is not its own", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["docA", "snapshot", "h"], bytes("caso A"));
    const [chunk] = (await rawValues(ANNA.id)).filter(r => r.store === "chunks");
    await putRaw(ANNA.id, "chunks", ["docB", "snapshot", "h"], chunk.value);
    await expect(store.storage.load(["docB", "snapshot", "h"])).rejects.toBeInstanceOf(TamperedValueError);
    await putRaw(ANNA.id, "chunks", ["docC", "snapshot", "h"], "plain text someone put here");
    await expect(store.storage.load(["docC", "snapshot", "h"])).rejects.toBeInstanceOf(TamperedValueError);
  });

  it("loadRange returns exactly the keys that start with the prefix, and removeRange removes exactly those", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    const keys = [
      ["doc1"],
      ["doc1", "incremental", "a"],
      ["doc1", "incremental", "b"],
      ["doc1", "snapshot", "c"],
      ["doc1", "sync-state", "server"],
      ["doc10", "incremental", "d"],
      ["doc0", "snapshot", "e"],
      ["storage-adapter-id"],
    ];
    for (const key of keys) await store.storage.save(key, bytes(key.join("/")));
    const sorted = (chunks: { key: string[] }[]) => chunks.map(c => c.key.join("/")).sort();

    const doc1 = await store.storage.loadRange(["doc1"]);
    expect(sorted(doc1)).toEqual(["doc1", "doc1/incremental/a", "doc1/incremental/b", "doc1/snapshot/c", "doc1/sync-state/server"]);
    for (const chunk of doc1) expect(textOf(chunk.data)).toBe(chunk.key.join("/"));
    expect(sorted(await store.storage.loadRange(["doc1", "incremental"]))).toEqual(["doc1/incremental/a", "doc1/incremental/b"]);
    expect(await store.storage.loadRange(["doc1", "nothing"])).toEqual([]);
    expect(await store.storage.loadRange(["doc"])).toEqual([]);
    expect(await store.storage.loadRange([])).toHaveLength(keys.length);

    await store.storage.removeRange(["doc1", "incremental"]);
    expect(sorted(await store.storage.loadRange(["doc1"]))).toEqual(["doc1", "doc1/snapshot/c", "doc1/sync-state/server"]);
    await store.storage.removeRange(["doc1"]);
    expect(await store.storage.loadRange(["doc1"])).toEqual([]);
    expect(sorted(await store.storage.loadRange([]))).toEqual(["doc0/snapshot/e", "doc10/incremental/d", "storage-adapter-id"]);
  });

  it("lists the documents it holds (for the outbox)", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["doc1", "incremental", "a"], bytes("x"));
    await store.storage.save(["doc1", "snapshot", "b"], bytes("x"));
    await store.storage.save(["doc2", "snapshot", "c"], bytes("x"));
    await store.storage.save(["doc3", "sync-state", "s"], bytes("x"));
    await store.storage.save(["storage-adapter-id"], bytes("x"));
    expect((await store.documentIds()).sort()).toEqual(["doc1", "doc2"]);
  });

  it("keeps app records sealed and refuses them once locked", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.records.put("session", { refresh_token: "sprt_x", n: 1 });
    expect(await store.records.get("session")).toEqual({ refresh_token: "sprt_x", n: 1 });
    expect(await store.records.get("missing")).toBeUndefined();
    store.close();
    expect(store.isOpen).toBe(false);
    await expect(store.records.get("session")).rejects.toBeInstanceOf(StoreLockedError);
    await expect(store.storage.save(["d", "snapshot", "h"], bytes("x"))).rejects.toBeInstanceOf(StoreLockedError);
  });

  it("writes a save begun before close to the end (the Repo saves on its own schedule), and refuses one after", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    const begun = store.storage.save(["doc1", "incremental", "late"], bytes("written"));
    store.close();
    await expect(begun).resolves.toBeUndefined();
    await expect(store.storage.save(["doc1", "incremental", "after"], bytes("x"))).rejects.toBeInstanceOf(StoreLockedError);
    const unlocked = await vault.unlock(ANNA.username, "password di anna");
    expect(textOf(await unlocked.storage.load(["doc1", "incremental", "late"]))).toBe("written");
    expect(await unlocked.storage.load(["doc1", "incremental", "after"])).toBeUndefined();
  });

  it("drops a sync state the Repo saves after close (a cache it rebuilds), but never a document's data", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    store.close();
    await expect(store.storage.save(["doc1", "sync-state", "server"], bytes("state"))).resolves.toBeUndefined();
    await expect(store.storage.save(["doc1", "snapshot", "h"], bytes("x"))).rejects.toBeInstanceOf(StoreLockedError);
    const unlocked = await vault.unlock(ANNA.username, "password di anna");
    expect(await unlocked.storage.load(["doc1", "sync-state", "server"])).toBeUndefined();
  });
});

describe("a removed document", () => {
  it("keeps no sync state the Repo saves late for it, until the document itself is saved again", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await store.storage.save(["gone", "snapshot", "h1"], bytes("doc"));
    await store.storage.save(["gone", "sync-state", "server"], bytes("state"));
    await store.storage.save(["other", "sync-state", "server"], bytes("state"));
    await store.removeDocument("gone");
    // The Repo's throttled sync-state save (one timer per peer) fires after the removal.
    await store.storage.save(["gone", "sync-state", "server"], bytes("late"));
    expect(await store.storage.loadRange(["gone"])).toEqual([]);
    await store.storage.save(["other", "sync-state", "server"], bytes("kept"));
    expect(textOf(await store.storage.load(["other", "sync-state", "server"]))).toBe("kept");
    // One still being sealed when the document is removed is dropped too.
    await store.storage.save(["also-gone", "snapshot", "h1"], bytes("doc"));
    const sealing = store.storage.save(["also-gone", "sync-state", "server"], bytes("sealing"));
    await Promise.all([sealing, store.removeDocument("also-gone")]);
    expect(await store.storage.loadRange(["also-gone"])).toEqual([]);
    // Listed again and fetched again: saved whole, its sync state is kept again.
    await store.storage.save(["gone", "snapshot", "h2"], bytes("doc again"));
    await store.storage.save(["gone", "sync-state", "server"], bytes("state again"));
    expect((await store.storage.loadRange(["gone"])).map(chunk => chunk.key[1]).sort()).toEqual(["snapshot", "sync-state"]);
  });
});

describe("the vault", () => {
  it("unlocks a returning user's store offline with the same password, with the data there", async () => {
    const first = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    await first.storage.save(["doc1", "snapshot", "h"], bytes("caso"));
    first.close();
    expect(await vault.knows("Anna.Verdi")).toBe(true);
    expect(await vault.knows("carla")).toBe(false);
    const again = await vault.unlock(ANNA.username, "password di anna");
    expect(again.userId).toBe(ANNA.id);
    expect(textOf(await again.storage.load(["doc1", "snapshot", "h"]))).toBe("caso");
  });

  it("refuses a wrong password, an unknown user, and backs off after repeated failures", async () => {
    (await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna")).close();
    await expect(vault.unlock("nessuno", "x")).rejects.toBeInstanceOf(NoLocalStoreError);
    for (let i = 0; i < 5; i++) {
      await expect(vault.unlock(ANNA.username, `sbagliata ${i}`)).rejects.toBeInstanceOf(WrongPasswordError);
    }
    // Even the right password waits out the back-off, which then lets it through.
    const refused = await vault.unlock(ANNA.username, "password di anna").catch(e => e);
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterMs).toBe(backoffMs(5));
    clock += backoffMs(5);
    const store = await vault.unlock(ANNA.username, "password di anna");
    expect(store.isOpen).toBe(true);
  });

  it("re-wraps on a password change: the new password unlocks the same data, the old does not", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "vecchia");
    await store.storage.save(["doc1", "snapshot", "h"], bytes("caso"));
    await store.rewrap("vecchia", "nuova password");
    store.close();
    await expect(vault.unlock(ANNA.username, "vecchia")).rejects.toBeInstanceOf(WrongPasswordError);
    const again = await vault.unlock(ANNA.username, "nuova password");
    expect(textOf(await again.storage.load(["doc1", "snapshot", "h"]))).toBe("caso");
  });

  it("tells an online login whose password no longer unwraps the store (changed elsewhere)", async () => {
    (await vault.openAfterLogin(ANNA.id, ANNA.username, "vecchia")).close();
    await expect(vault.openAfterLogin(ANNA.id, ANNA.username, "cambiata altrove")).rejects.toBeInstanceOf(WrongPasswordError);
  });

  it("keeps each user of a shared tablet apart: another user's key cannot read a copied value", async () => {
    const anna = await vault.openAfterLogin(ANNA.id, ANNA.username, "stessa password");
    const bruno = await vault.openAfterLogin(BRUNO.id, BRUNO.username, "stessa password");
    await anna.storage.save(["doc1", "snapshot", "h"], bytes("caso di anna"));
    expect(await bruno.storage.load(["doc1", "snapshot", "h"])).toBeUndefined();
    const [chunk] = (await rawValues(ANNA.id)).filter(r => r.store === "chunks");
    await putRaw(BRUNO.id, "chunks", chunk.key, chunk.value);
    await expect(bruno.storage.load(["doc1", "snapshot", "h"])).rejects.toBeInstanceOf(TamperedValueError);
  });
});

describe("automerge-repo on the encrypted store", () => {
  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    await initializeWasm(readFileSync(require.resolve("@automerge/automerge/automerge.wasm")));
  });

  it("finds a document after a restart, and the outbox sees it", async () => {
    const store = await vault.openAfterLogin(ANNA.id, ANNA.username, "password di anna");
    const repo = new Repo({ storage: store.storage, network: [] });
    const handle = repo.create<{ person: { family_name: string } }>({ person: { family_name: "Rossi" } });
    handle.change(doc => {
      doc.person.family_name = "Rossi Bianchi";
    });
    await repo.shutdown();
    store.close();

    const unlocked = await vault.unlock(ANNA.username, "password di anna");
    expect(await unlocked.documentIds()).toEqual([handle.documentId]);
    const restarted = new Repo({ storage: unlocked.storage, network: [] });
    const found = await restarted.find<{ person: { family_name: string } }>(handle.url);
    expect(String(found.doc().person.family_name)).toBe("Rossi Bianchi");
    await restarted.shutdown();
  });
});
