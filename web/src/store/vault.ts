// The tablet's vault: finds, creates and unlocks each user's encrypted local store.
//
// - After an online login, `openAfterLogin` creates the user's store (a new random data key wrapped under
//   the password just typed) or unlocks the existing one. The password is used to derive the wrapping key
//   and then dropped: nothing keeps it.
// - Offline, `unlock` finds the store of a user who has logged in on this tablet before (by a hash of the
//   username: the name itself is not stored) and unwraps its key with the password.
// - Offline guessing is bounded by the PBKDF2 cost and a small local back-off after repeated failures
//   (`backoffMs`). The back-off is a speed bump for someone at the screen, not a defence against a copy of
//   the database: there only the cost of PBKDF2 and the strength of the password count (docs/security.md).
//
// Plaintext on the tablet, by design: the registry (username hash → user id, failure count, the id of the
// session that last opened the store, the time of the last contact with the server and the lease it gave)
// and each store's key record (salt, iteration count, wrapped key). Neither reveals data without the
// password. The session id lets the app ask the server whether an admin marked it lost (remote wipe,
// `forgetWiped`); the last contact bounds the offline unlock (the offline lease, ./lease.ts).

import { PBKDF2_ITERATIONS, WrongPasswordError, createDataKey, sha256Hex, unwrapDataKey, type WrappedKey } from "./crypto";
import { deleteDatabase, done, openDatabase, request } from "./idb";
import { leaseExpired, type Contact } from "./lease";
import { CHUNKS, KEY_RECORD, LocalStore, META, RECORDS } from "./local-store";

const REGISTRY_DB = "sportello-tablet";
const REGISTRY_STORE = "users";

/** The IndexedDB database of one user's store: named by the user id from login, never by a name. */
export function databaseName(userId: string): string {
  return `sportello-user-${userId}`;
}

/** No one with this username has logged in on this tablet (offline unlock is not possible). */
export class NoLocalStoreError extends Error {
  constructor() {
    super("no local data for this user on this tablet");
    this.name = "NoLocalStoreError";
  }
}

/** Too many wrong passwords in a row: the next attempt is allowed after `retryAfterMs`. */
export class TooManyAttemptsError extends Error {
  constructor(readonly retryAfterMs: number) {
    super("too many wrong passwords");
    this.name = "TooManyAttemptsError";
  }
}

/** The offline lease ran out: an online login is needed (docs/security.md "Offline lease"). */
export class LeaseExpiredError extends Error {
  constructor() {
    super("the offline lease has run out: connect to the network to sign in");
    this.name = "LeaseExpiredError";
  }
}

interface RegistryEntry extends Contact {
  userId: string;
  failures: number;
  lastFailureAt: number;
  /** The session that last opened this store (asked about by the wipe check). */
  sessionId?: string;
}

/** Free attempts before the back-off starts. */
const FREE_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 15 * 60_000;

/** How long to wait after `failures` wrong passwords in a row: 0 for the first few, then doubling. */
export function backoffMs(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - FREE_ATTEMPTS));
}

function usernameKey(username: string): Promise<string> {
  return sha256Hex(`sportello/username@1\u0000${username.trim().normalize("NFKC").toLowerCase()}`);
}

/**
 * Asks the browser not to evict this origin's storage under pressure (best effort: a browser may say no,
 * and an installed PWA usually gets it). Unsynced work lives here; eviction would lose it.
 */
function requestPersistence(): void {
  if (typeof navigator === "undefined" || !navigator.storage?.persist) return;
  void navigator.storage.persist().catch(() => undefined);
}

export class Vault {
  constructor(
    private readonly factory: IDBFactory = indexedDB,
    /** PBKDF2 iterations for new wrappings (tests lower it; the record keeps the count it was made with). */
    private readonly iterations = PBKDF2_ITERATIONS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Whether `username` has a store on this tablet (the login screen offers the offline unlock then). */
  async knows(username: string): Promise<boolean> {
    return (await this.#entry(await usernameKey(username))) !== undefined;
  }

  /**
   * The user's store after an online login (the server has just verified `password`): created with a new
   * data key the first time, unlocked otherwise. `WrongPasswordError` when the store was wrapped under
   * another password (changed on another device): the app asks for the previous one.
   */
  async openAfterLogin(userId: string, username: string, password: string): Promise<LocalStore> {
    const db = await this.#openUser(userId);
    try {
      const existing = (await request(db.transaction(META, "readonly").objectStore(META).get(KEY_RECORD))) as
        | WrappedKey
        | undefined;
      let key: CryptoKey;
      if (existing) {
        key = await unwrapDataKey(existing, password, userId);
      } else {
        const created = await createDataKey(password, userId, this.iterations);
        const tx = db.transaction(META, "readwrite");
        tx.objectStore(META).add(created.record, KEY_RECORD);
        await done(tx);
        key = created.key;
      }
      const id = await usernameKey(username);
      const previous = await this.#entry(id);
      // The server has just verified the password: a contact, the start of a new offline lease.
      await this.#register(id, { ...previous, userId, failures: 0, lastFailureAt: 0, lastContactAt: this.now() });
      requestPersistence();
      return new LocalStore(userId, db, key);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * A returning user's store, offline: `NoLocalStoreError` if they never logged in here,
   * `TooManyAttemptsError` during the back-off, `WrongPasswordError` for a wrong password.
   */
  async unlock(username: string, password: string): Promise<LocalStore> {
    const id = await usernameKey(username);
    const entry = await this.#entry(id);
    if (!entry) throw new NoLocalStoreError();
    // Before the key is unwrapped: past the lease, not even a right password opens the store offline.
    if (leaseExpired(entry, this.now())) throw new LeaseExpiredError();
    const wait = entry.lastFailureAt + backoffMs(entry.failures) - this.now();
    if (wait > 0) throw new TooManyAttemptsError(wait);
    const db = await this.#openUser(entry.userId);
    try {
      const record = (await request(db.transaction(META, "readonly").objectStore(META).get(KEY_RECORD))) as
        | WrappedKey
        | undefined;
      if (!record) throw new NoLocalStoreError();
      const key = await unwrapDataKey(record, password, entry.userId);
      await this.#register(id, { ...entry, failures: 0, lastFailureAt: 0 });
      return new LocalStore(entry.userId, db, key);
    } catch (error) {
      db.close();
      if (error instanceof WrongPasswordError) {
        await this.#register(id, { ...entry, failures: entry.failures + 1, lastFailureAt: this.now() });
      }
      throw error;
    }
  }

  /** Deletes a user's store from this tablet (their unsynced changes with it). */
  async forget(userId: string): Promise<void> {
    await deleteDatabase(this.factory, databaseName(userId));
  }

  /**
   * Records an authenticated answer from the server for `userId`'s store: the session it belongs to, the
   * time (the start of the offline lease) and the lease the server gave.
   */
  async noteContact(userId: string, sessionId: string | undefined, leaseSeconds: number | undefined): Promise<void> {
    const found = (await this.#entries()).find(([, entry]) => entry.userId === userId);
    if (!found) return;
    const [id, entry] = found;
    await this.#register(id, {
      ...entry,
      sessionId: sessionId ?? entry.sessionId,
      lastContactAt: this.now(),
      leaseSeconds: leaseSeconds ?? entry.leaseSeconds,
    });
  }

  /** The lease state of `userId`'s store (for the timer that locks an offline session when it runs out). */
  async contact(userId: string): Promise<Contact | undefined> {
    return (await this.#entries()).find(([, entry]) => entry.userId === userId)?.[1];
  }

  /** The session ids that opened the stores on this tablet, for the wipe check (at most 16, newest first). */
  async sessionIds(): Promise<string[]> {
    return (await this.#entries())
      .filter(([, entry]) => entry.sessionId)
      .sort(([, a], [, b]) => (b.lastContactAt ?? 0) - (a.lastContactAt ?? 0))
      .map(([, entry]) => entry.sessionId as string)
      .slice(0, 16);
  }

  /**
   * Remote wipe: deletes the store (and its wrapped key) and the registry entry of every user whose store
   * was opened by one of `sessionIds`. Returns the user ids wiped.
   */
  async forgetWiped(sessionIds: string[]): Promise<string[]> {
    const marked = new Set(sessionIds);
    const wiped: string[] = [];
    for (const [id, entry] of await this.#entries()) {
      if (!entry.sessionId || !marked.has(entry.sessionId)) continue;
      await this.forget(entry.userId);
      await this.#unregister(id);
      wiped.push(entry.userId);
    }
    return wiped;
  }

  /** Remote wipe of one user's store (`session_wiped` from the server while signed in). */
  async forgetUser(userId: string): Promise<void> {
    await this.forget(userId);
    for (const [id, entry] of await this.#entries()) if (entry.userId === userId) await this.#unregister(id);
  }

  async #entries(): Promise<[string, RegistryEntry][]> {
    const db = await openDatabase(this.factory, REGISTRY_DB, 1, [REGISTRY_STORE]);
    try {
      const store = db.transaction(REGISTRY_STORE, "readonly").objectStore(REGISTRY_STORE);
      const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
      return keys.map((key, i) => [String(key), values[i] as RegistryEntry]);
    } finally {
      db.close();
    }
  }

  async #unregister(id: string): Promise<void> {
    const db = await openDatabase(this.factory, REGISTRY_DB, 1, [REGISTRY_STORE]);
    try {
      const tx = db.transaction(REGISTRY_STORE, "readwrite");
      tx.objectStore(REGISTRY_STORE).delete(id);
      await done(tx);
    } finally {
      db.close();
    }
  }

  #openUser(userId: string): Promise<IDBDatabase> {
    return openDatabase(this.factory, databaseName(userId), 1, [META, CHUNKS, RECORDS]);
  }

  async #entry(id: string): Promise<RegistryEntry | undefined> {
    const db = await openDatabase(this.factory, REGISTRY_DB, 1, [REGISTRY_STORE]);
    try {
      return (await request(db.transaction(REGISTRY_STORE, "readonly").objectStore(REGISTRY_STORE).get(id))) as
        | RegistryEntry
        | undefined;
    } finally {
      db.close();
    }
  }

  async #register(id: string, entry: RegistryEntry): Promise<void> {
    const db = await openDatabase(this.factory, REGISTRY_DB, 1, [REGISTRY_STORE]);
    try {
      const tx = db.transaction(REGISTRY_STORE, "readwrite");
      tx.objectStore(REGISTRY_STORE).put(entry, id);
      await done(tx);
    } finally {
      db.close();
    }
  }
}
