// A device's session (a totem or a waiting-room display): the credential an admin enrolled it with
// (`spdc_…`, docs/api.md §3.9) is kept on the device, exchanged for a device token
// (`POST /api/v1/auth/device-token`), and exchanged again before that token ends or when the server says it
// has. A revoked device (the exchange answers 401) forgets its credential and says so: it stops until an
// admin enrols it again. The network being away is not a revocation: the device keeps its credential and
// tries again with back-off.
//
// The credential and the current token live in IndexedDB (`CredentialStore`), so a kiosk that restarts
// comes back by itself. Neither is ever logged. The state machine is pure over its injected store, fetch
// and clock, and unit-tested (device-session.test.ts).

import { ApiError, errorOf } from "../data/api";
import type { QueueAuth } from "../data/queue";
import { done, openDatabase, request } from "../store/idb";

export type DeviceKind = "totem" | "display";

export interface DeviceInfo {
  id: string;
  kind: DeviceKind;
  name: string;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

/** What the device keeps across restarts. */
export interface StoredDevice {
  credential: string;
  device?: DeviceInfo;
  accessToken?: string;
  /** Epoch ms after which the token is no longer used. */
  tokenExpiresAt?: number;
}

export interface CredentialStore {
  load(): Promise<StoredDevice | undefined>;
  save(device: StoredDevice): Promise<void>;
  clear(): Promise<void>;
}

export type DeviceState =
  | { kind: "loading" }
  /** No credential: the enrolment screen. `revoked` when the server refused the one it had. */
  | { kind: "unenrolled"; revoked: boolean; wrongKind?: DeviceKind }
  | { kind: "ready"; device: DeviceInfo }
  /** A credential but no token yet and no server: try again later (the face may still work offline). */
  | { kind: "offline"; device?: DeviceInfo };

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface DeviceSessionOptions {
  /** The kind this face needs: a display credential on a totem is refused before use. */
  kind: DeviceKind;
  store: CredentialStore;
  fetch?: Fetch;
  now?: () => number;
  base?: string;
}

const CREDENTIAL = /^spdc_[A-Za-z0-9_-]{43}$/;
/** A token is renewed when less than this is left of it (and at most halfway through its life). */
const RENEW_BEFORE_MS = 24 * 3600_000;

/** The credential in what was typed or scanned: the bare `spdc_…`, or an enrolment link that carries it
 *  (`…/totem#enrol=spdc_…`, the QR code the console shows). Undefined when there is none. */
export function credentialIn(input: string): string | undefined {
  const text = input.trim();
  if (CREDENTIAL.test(text)) return text;
  const found = /(?:^|[#?&])enrol=(spdc_[A-Za-z0-9_-]{43})(?:$|&)/.exec(text);
  return found?.[1];
}

export class DeviceSession {
  #state: DeviceState = { kind: "loading" };
  #stored?: StoredDevice;
  #listeners = new Set<(state: DeviceState) => void>();
  #exchanging?: Promise<void>;
  readonly #fetch: Fetch;
  readonly #now: () => number;
  readonly #base: string;

  constructor(private readonly options: DeviceSessionOptions) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? (() => Date.now());
    this.#base = options.base ?? "";
  }

  get state(): DeviceState {
    return this.#state;
  }

  subscribe(listener: (state: DeviceState) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#state);
    return () => this.#listeners.delete(listener);
  }

  /** Loads what the device kept and, when it has a credential, gets a token. */
  async start(): Promise<void> {
    this.#stored = await this.options.store.load();
    if (!this.#stored) return this.#set({ kind: "unenrolled", revoked: false });
    if (this.#tokenUsable()) this.#set({ kind: "ready", device: this.#stored.device! });
    else this.#set({ kind: "offline", device: this.#stored.device });
    await this.renewIfDue();
  }

  /** Enrols with a typed or scanned credential: exchanges it first, keeps it only if the server took it. */
  async enrol(input: string): Promise<void> {
    const credential = credentialIn(input);
    if (!credential) throw new ApiError(422, "invalid_credential_format", "not a device credential");
    const answer = await this.#exchange(credential);
    if (answer.device.kind !== this.options.kind) {
      this.#set({ kind: "unenrolled", revoked: false, wrongKind: answer.device.kind });
      throw new ApiError(422, "wrong_device_kind", `this credential is for a ${answer.device.kind}`);
    }
    await this.#keep(credential, answer);
  }

  /** The token for a request, or undefined when there is none usable. */
  accessToken(): string | undefined {
    return this.#tokenUsable() ? this.#stored?.accessToken : undefined;
  }

  /** Exchanges the credential again when the token is missing, ending or ended. Safe to call often: one
   *  exchange runs at a time. Network failures leave the state `offline`; a 401 means revoked. */
  renewIfDue(): Promise<void> {
    const stored = this.#stored;
    if (!stored) return Promise.resolve();
    const due = !stored.accessToken || !stored.tokenExpiresAt || stored.tokenExpiresAt - this.#now() < RENEW_BEFORE_MS;
    return due ? this.renewNow() : Promise.resolve();
  }

  renewNow(): Promise<void> {
    const stored = this.#stored;
    if (!stored) return Promise.resolve();
    this.#exchanging ??= (async () => {
      try {
        const answer = await this.#exchange(stored.credential);
        await this.#keep(stored.credential, answer);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) await this.revoked();
        else if (!this.#tokenUsable()) this.#set({ kind: "offline", device: stored.device });
      } finally {
        this.#exchanging = undefined;
      }
    })();
    return this.#exchanging;
  }

  /** The server refused the device: forget the credential and show the enrolment screen, saying why. */
  async revoked(): Promise<void> {
    this.#stored = undefined;
    await this.options.store.clear();
    this.#set({ kind: "unenrolled", revoked: true });
  }

  /** The auth a queue client or event stream needs (data/queue.ts): a 401 from a queue route means the
   *  token ended or the device was revoked; renewing tells which. */
  queueAuth(): QueueAuth {
    return {
      accessToken: () => this.accessToken(),
      refresh: () => this.renewNow(),
      sessionEnded: () => void this.renewNow(),
    };
  }

  #tokenUsable(): boolean {
    const stored = this.#stored;
    return !!stored?.accessToken && !!stored.device && (stored.tokenExpiresAt ?? 0) > this.#now();
  }

  async #keep(credential: string, answer: DeviceTokenAnswer): Promise<void> {
    const stored: StoredDevice = {
      credential,
      device: answer.device,
      accessToken: answer.access_token,
      tokenExpiresAt: this.#now() + answer.expires_in * 1000,
    };
    await this.options.store.save(stored);
    this.#stored = stored;
    this.#set({ kind: "ready", device: answer.device });
  }

  async #exchange(credential: string): Promise<DeviceTokenAnswer> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}/api/v1/auth/device-token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ credential }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "the server could not be reached");
    }
    if (!response.ok) throw await errorOf(response);
    try {
      return (await response.json()) as DeviceTokenAnswer;
    } catch {
      throw new ApiError(0, "network", "the answer was cut off");
    }
  }

  #set(state: DeviceState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

interface DeviceTokenAnswer {
  access_token: string;
  expires_in: number;
  device: DeviceInfo;
}

/** The device's credential store in IndexedDB (one database per face, so a test machine can be both). */
export function indexedDbCredentialStore(name: string, factory: IDBFactory = indexedDB): CredentialStore {
  const KEY = "device";
  const open = () => openDatabase(factory, name, 1, ["device"]);
  return {
    async load() {
      const db = await open();
      try {
        const tx = db.transaction("device", "readonly");
        return (await request(tx.objectStore("device").get(KEY))) as StoredDevice | undefined;
      } finally {
        db.close();
      }
    },
    async save(device) {
      const db = await open();
      try {
        const tx = db.transaction("device", "readwrite");
        tx.objectStore("device").put(device, KEY);
        await done(tx);
      } finally {
        db.close();
      }
    },
    async clear() {
      const db = await open();
      try {
        const tx = db.transaction("device", "readwrite");
        tx.objectStore("device").delete(KEY);
        await done(tx);
      } finally {
        db.close();
      }
    },
  };
}
