// The encrypted local store: one IndexedDB database per user on this tablet, every value in it sealed with
// the user's data key (./crypto.ts). It gives automerge-repo its storage adapter and the app a few named
// records (the session's refresh token, the server's last acknowledged heads, cached answers).
//
// Invariants:
// - Every value written to `chunks` and `records` is AES-GCM ciphertext under the data key, with its
//   storage key bound as additional data. Reading a value that fails its tag throws `TamperedValueError`:
//   never garbage, never silently skipped.
// - Storage keys are automerge-repo's own (`[documentId, "snapshot"|"incremental"|"sync-state", hash]`,
//   `["storage-adapter-id"]`: random ids and content hashes) or the app's record names (fixed words). No
//   name, codice fiscale or other personal datum is ever part of a key.
// - The database is named by the user id from login (`sportello-user-<uuid>`): each user of a shared
//   tablet has a separate store, under a separate key.
// - `close()` drops the data key and the connection; every later call fails with `StoreLockedError`.

import type { Chunk, StorageAdapterInterface, StorageKey } from "@automerge/automerge-repo/slim";
import { open, rewrapDataKey, seal, type WrappedKey } from "./crypto";
import { done, request } from "./idb";

export const CHUNKS = "chunks";
export const RECORDS = "records";
export const META = "meta";
/** The key record's name in `meta`. */
export const KEY_RECORD = "data-key";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The store was locked (logout, session end, inactivity): its key is gone from memory. */
export class StoreLockedError extends Error {
  constructor() {
    super("the local store is locked");
    this.name = "StoreLockedError";
  }
}

function chunkAad(userId: string, key: StorageKey): string {
  return `sportello/chunk@1\u0000${userId}\u0000${JSON.stringify(key)}`;
}

function recordAad(userId: string, name: string): string {
  return `sportello/record@1\u0000${userId}\u0000${name}`;
}

/** Every key that starts with `prefix` (itself included): arrays sort after strings in IndexedDB. */
function prefixRange(prefix: StorageKey): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}

function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // Not something this store wrote: refuse like a failed tag.
  return new Uint8Array(0);
}

export class LocalStore {
  #key?: CryptoKey;
  #db?: IDBDatabase;
  /** Saves begun before `close()` and still sealing: the database closes once they are written. */
  #saving = 0;
  #closeWhenSaved?: IDBDatabase;

  constructor(
    readonly userId: string,
    db: IDBDatabase,
    key: CryptoKey,
  ) {
    this.#db = db;
    this.#key = key;
  }

  get isOpen(): boolean {
    return this.#key !== undefined;
  }

  #open(): { db: IDBDatabase; key: CryptoKey } {
    if (!this.#db || !this.#key) throw new StoreLockedError();
    return { db: this.#db, key: this.#key };
  }

  /** The automerge-repo storage adapter over this store. */
  readonly storage: StorageAdapterInterface = {
    load: key => this.#load(CHUNKS, key, chunkAad(this.userId, key)),
    save: (key, data) => {
      // The Repo saves each peer's sync state on a timer of its own (one throttle per peer, not per
      // document), which can fire after the session closed the store (lock, logout) or after the document
      // was removed (it left the index; an old index swept): that is a cache the Repo rebuilds at the next
      // sync, so such a late save is dropped. Every other late write still fails loudly.
      const documentId = String(key[0]);
      if (key[1] === "sync-state") {
        if (!this.isOpen || this.#removed.has(documentId)) return Promise.resolve();
        // Checked again once sealed: the document may have been removed meanwhile.
        return this.#save(CHUNKS, key, chunkAad(this.userId, key), data, () => this.#removed.has(documentId));
      }
      // Saved whole again: the document came back (listed again, fetched again).
      if (key[1] === "snapshot" || key[1] === "incremental") this.#removed.delete(documentId);
      return this.#save(CHUNKS, key, chunkAad(this.userId, key), data);
    },
    remove: key => this.#remove(CHUNKS, key),
    loadRange: prefix => this.#loadRange(prefix),
    removeRange: prefix => this.#removeRange(prefix),
  };

  /** Named app records (JSON values), sealed like the chunks. */
  readonly records = {
    get: async <T>(name: string): Promise<T | undefined> => {
      const plain = await this.#load(RECORDS, name, recordAad(this.userId, name));
      return plain === undefined ? undefined : (JSON.parse(decoder.decode(plain)) as T);
    },
    put: (name: string, value: unknown): Promise<void> =>
      this.#save(RECORDS, name, recordAad(this.userId, name), encoder.encode(JSON.stringify(value))),
    delete: (name: string): Promise<void> => this.#remove(RECORDS, name),
  };

  /** The ids of every document with data in this store: the outbox opens each of them at start. */
  async documentIds(): Promise<string[]> {
    const { db } = this.#open();
    const keys = await request(db.transaction(CHUNKS, "readonly").objectStore(CHUNKS).getAllKeys());
    const ids = new Set<string>();
    for (const key of keys) {
      if (Array.isArray(key) && key.length >= 2 && (key[1] === "snapshot" || key[1] === "incremental")) {
        ids.add(String(key[0]));
      }
    }
    return [...ids];
  }

  /**
   * Removes every key of a document (`[id, …]`: snapshots, incremental chunks, sync states): what is left
   * once the document left the tablet (sync/departures.ts, sync/index-move.ts). A sync state the Repo
   * saves for it afterwards is dropped, until the document itself is saved again.
   */
  async removeDocument(documentId: string): Promise<void> {
    this.#removed.add(documentId);
    await this.#removeRange([documentId]);
  }

  /** Documents removed in this session, until saved again: their late sync states are dropped. */
  #removed = new Set<string>();

  /** Wraps the same data key under `next` (a password change); the data are not re-encrypted. */
  async rewrap(current: string, next: string): Promise<void> {
    const { db } = this.#open();
    const record = (await request(db.transaction(META, "readonly").objectStore(META).get(KEY_RECORD))) as WrappedKey;
    const rewrapped = await rewrapDataKey(record, current, next, this.userId, record.iterations);
    const tx = db.transaction(META, "readwrite");
    tx.objectStore(META).put(rewrapped, KEY_RECORD);
    await done(tx);
  }

  /** Drops the data key and closes the database: the data stay on the tablet, encrypted. */
  close(): void {
    this.#key = undefined;
    if (this.#saving === 0) this.#db?.close();
    else this.#closeWhenSaved = this.#db;
    this.#db = undefined;
  }

  async #load(store: string, key: IDBValidKey, aad: string): Promise<Uint8Array | undefined> {
    const { db, key: dataKey } = this.#open();
    const sealed = await request(db.transaction(store, "readonly").objectStore(store).get(key));
    if (sealed === undefined) return undefined;
    return open(dataKey, aad, asBytes(sealed));
  }

  // A save begun before `close()` is written to the end (sealing is asynchronous, and a write the Repo
  // started must not be lost, nor reject after the session ended: the Repo writes its storage id on its own
  // schedule); one begun after it is refused with StoreLockedError.
  async #save(store: string, key: IDBValidKey, aad: string, data: Uint8Array, dropIf?: () => boolean): Promise<void> {
    const { db, key: dataKey } = this.#open();
    this.#saving += 1;
    try {
      const sealed = await seal(dataKey, aad, data);
      if (dropIf?.()) return;
      const tx = db.transaction(store, "readwrite");
      tx.objectStore(store).put(sealed, key);
      await done(tx);
    } finally {
      this.#saving -= 1;
      if (this.#saving === 0 && this.#closeWhenSaved) {
        this.#closeWhenSaved.close();
        this.#closeWhenSaved = undefined;
      }
    }
  }

  async #remove(store: string, key: IDBValidKey): Promise<void> {
    const { db } = this.#open();
    const tx = db.transaction(store, "readwrite");
    tx.objectStore(store).delete(key);
    await done(tx);
  }

  async #loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const { db, key: dataKey } = this.#open();
    const tx = db.transaction(CHUNKS, "readonly");
    const range = prefixRange(prefix);
    const [keys, values] = await Promise.all([
      request(tx.objectStore(CHUNKS).getAllKeys(range)),
      request(tx.objectStore(CHUNKS).getAll(range)),
    ]);
    return Promise.all(
      keys.map(async (key, i) => {
        const storageKey = key as StorageKey;
        return { key: storageKey, data: await open(dataKey, chunkAad(this.userId, storageKey), asBytes(values[i])) };
      }),
    );
  }

  async #removeRange(prefix: StorageKey): Promise<void> {
    const { db } = this.#open();
    const tx = db.transaction(CHUNKS, "readwrite");
    tx.objectStore(CHUNKS).delete(prefixRange(prefix));
    await done(tx);
  }
}
