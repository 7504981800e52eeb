// The session: who is signed in and with which tokens. The UI renders `state` and calls the intents
// (`login`, `changePassword`, `logout`); nothing here touches the DOM.
//
// Invariants:
// - Tokens live in memory; the refresh token also rests in the user's encrypted local store (sealed under
//   the data key, docs/web.md "Storage"), so that after an offline unlock the app can refresh and sync
//   once the network is back with no action from the user. Nothing readable is in localStorage.
// - The password the user types is used for the server login and to derive the store's wrapping key
//   (by the vault), then dropped: the session never keeps it.
// - Logout, the end of the session (the server refused a token or a refresh) and the inactivity lock drop
//   the tokens and the data key from memory; the sync engine flushes to the store first (`beforeRelease`),
//   so no change made before is lost: it syncs after the next login or unlock.
// - Until a one-time password is changed the state is `password-change`: the server answers every other
//   route with 403 `password_change_required`, so the app asks for nothing else.
// - Then, while the role needs a second factor and none is enrolled, the state is `second-factor-enrol`
//   (the server answers 403 `second_factor_enrolment_required` elsewhere, and refuses the sync connection):
//   the app shows the enrolment and nothing else, and syncs nothing. The secret and the recovery codes the
//   server shows once pass through to the screen and are never stored.
// - A login that needs the second factor's code fails with `second_factor_required`; the login screen keeps
//   the password in memory just long enough to send it again with the code.
// - A password change answers with a new token pair and kills the old one at once: the new pair replaces
//   the old before anything else can use it.
// - The access token is refreshed before it expires; a refused refresh ends the session.
// - Issue 12 (docs/security.md "Offline lease", "Remote wipe"): every authenticated answer (login, refresh,
//   password change) is a contact noted in the vault's registry with the session id and the lease; an
//   open session is ended (`lifecycle.leaseLocked`) when the lease after the last contact runs out, the
//   unsynced work kept encrypted. `wipeCheck` asks the server about every session that opened a store here
//   and deletes the marked stores; a `session_wiped` answer anywhere (`wiped()`) deletes the signed-in
//   user's store at once, without flushing or pushing anything more, and shows the `wiped` screen.

import { ApiError, type Api, type SessionTokens, type UserSummary } from "./api";
import type { SecondFactorSetup } from "./second-factor";
import type { MessageKey } from "../i18n";
import type { LocalStore } from "../store/local-store";
import { WrongPasswordError } from "../store/crypto";
import { NoLocalStoreError } from "../store/vault";
import { leaseRemainingMs, type Contact } from "../store/lease";

/** The local store is wrapped under a previous password (changed on another device): ask for it. */
/** The roles that work in the admin console (`/admin`), never on the tablet: they hold no case. */
export const CONSOLE_ROLES: readonly string[] = ["admin", "privacy_officer"];

/** An admin or a privacy officer logged in on the tablet: the session was ended at once, no local store was
 *  made; the login screen sends them to the console. */
export class ConsoleRoleError extends Error {
  constructor() {
    super("this account works in the admin console");
    this.name = "ConsoleRoleError";
  }
}

export class PreviousPasswordNeeded extends Error {
  constructor() {
    super("the local store needs the previous password");
    this.name = "PreviousPasswordNeeded";
  }
}

export type SessionState =
  | { kind: "signed-out"; notice?: MessageKey }
  /** Locked after inactivity: the same user unlocks with the password (or another user signs in). */
  | { kind: "locked"; username: string }
  | { kind: "password-change"; tokens: SessionTokens }
  /** The role needs a second factor and none is enrolled (after any password change): enrol first. */
  | { kind: "second-factor-enrol"; tokens: SessionTokens }
  /** Signed in; after an offline unlock `tokens.access_token` is empty until a refresh succeeds. */
  | { kind: "signed-in"; tokens: SessionTokens }
  /** An admin marked a session of this tablet lost: its local data were deleted (issue 12). */
  | { kind: "wiped" };

/** The inactivity lock: after this long without a touch or a key, the app locks (one place to change it). */
export const INACTIVITY_LOCK_MS = 15 * 60_000;

/** What the session needs of the tablet's vault (src/store/vault.ts). */
export interface SessionVault {
  openAfterLogin(userId: string, username: string, password: string): Promise<LocalStore>;
  unlock(username: string, password: string): Promise<LocalStore>;
  knows(username: string): Promise<boolean>;
  forget(userId: string): Promise<void>;
  /** Issue 12; optional so that a vault without the lifecycle (tests) still serves. */
  noteContact?(userId: string, sessionId: string | undefined, leaseSeconds: number | undefined): Promise<void>;
  contact?(userId: string): Promise<Contact | undefined>;
  sessionIds?(): Promise<string[]>;
  forgetWiped?(sessionIds: string[]): Promise<string[]>;
  forgetUser?(userId: string): Promise<void>;
}

/** The session id (`sid` claim) of an access token, read without checking it (the server does that). */
export function sessionIdOf(accessToken: string): string | undefined {
  try {
    const payload = accessToken.split(".")[1];
    if (!payload) return undefined;
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const sid = (JSON.parse(json) as { sid?: unknown }).sid;
    return typeof sid === "string" ? sid : undefined;
  } catch {
    return undefined;
  }
}

/** The longest a single timer waits (browsers fire longer ones at once); the lease timer re-arms. */
const MAX_TIMER_MS = 24 * 3600_000;

/** The session as it rests in the encrypted store (record `session`): enough to resume after an unlock. */
export interface StoredSession {
  user: UserSummary;
  index_doc?: string | null;
  session_expires_at: string;
  /** Absent after a logout or the end of the session: the next contact with the server needs a login. */
  refresh_token?: string;
}

const SESSION_RECORD = "session";

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** When to refresh an access token valid for `expiresIn` seconds: a minute early, or at 80 % for short ones. */
export function refreshDelayMs(expiresIn: number): number {
  const seconds = Math.max(5, expiresIn - 60, expiresIn * 0.8);
  return Math.round(seconds * 1000);
}

/** How long to wait before retrying a refresh that could not reach the server. */
const REFRESH_RETRY_MS = 15_000;

export class Session {
  #state: SessionState = { kind: "signed-out" };
  #listeners = new Set<(state: SessionState) => void>();
  #refreshTimer: unknown;
  #idleTimer: unknown;
  #leaseTimer: unknown;
  #lastTouch = 0;
  #store?: LocalStore;
  #persisting: Promise<void> = Promise.resolve();
  /** Runs before the store is closed (the sync engine flushes its documents into it). */
  beforeRelease?: () => Promise<void>;

  constructor(
    private readonly api: Api,
    private readonly timers: Timers = browserTimers,
    private readonly vault?: SessionVault,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The signed-in user's unlocked local store (undefined without a vault, or once released). */
  get store(): LocalStore | undefined {
    return this.#store;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The current access token, or undefined once signed out (the sync adapter stops reconnecting then). */
  accessToken(): string | undefined {
    const state = this.#state;
    if (state.kind !== "signed-in" && state.kind !== "password-change" && state.kind !== "second-factor-enrol") {
      return undefined;
    }
    return state.tokens.access_token || undefined;
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Online login; then the user's local store is created or unlocked with the same password. A network
   * failure is thrown as `ApiError` `network`: the login screen then offers `unlockOffline`.
   */
  async login(
    username: string,
    password: string,
    previousPassword?: string,
    discardLocal = false,
    secondFactor?: string,
  ): Promise<void> {
    const tokens = await this.api.login(username.trim(), password, deviceName(), secondFactor);
    if (CONSOLE_ROLES.includes(tokens.user.role)) {
      void this.api.logout(tokens.access_token).catch(() => undefined);
      throw new ConsoleRoleError();
    }
    if (this.vault) {
      const store = await this.#openStore(tokens, password, previousPassword, discardLocal);
      await this.#release(false);
      this.#store = store;
      const previous = await store.records.get<StoredSession>(SESSION_RECORD).catch(() => undefined);
      if (previous?.refresh_token) this.#endOrphan(previous.refresh_token);
    }
    this.#enter(tokens);
  }

  /**
   * The store after an online login. If the password was changed elsewhere, the store is still wrapped
   * under the previous one: without `previousPassword` the new server session is ended again and
   * `PreviousPasswordNeeded` thrown (the screen asks for it); with it, the key is re-wrapped under `password`.
   * `discardLocal` (the user does not know the previous password) deletes the tablet's copy first: what
   * had not reached the server is lost, and the screen says so before.
   */
  async #openStore(
    tokens: SessionTokens,
    password: string,
    previousPassword?: string,
    discardLocal = false,
  ): Promise<LocalStore> {
    const vault = this.vault as SessionVault;
    try {
      return await vault.openAfterLogin(tokens.user.id, tokens.user.username, password);
    } catch (error) {
      if (!(error instanceof WrongPasswordError)) throw error;
      if (discardLocal) {
        await vault.forget(tokens.user.id);
        return vault.openAfterLogin(tokens.user.id, tokens.user.username, password);
      }
      if (previousPassword === undefined) {
        void this.api.logout(tokens.access_token).catch(() => undefined);
        throw new PreviousPasswordNeeded();
      }
      const store = await vault.unlock(tokens.user.username, previousPassword).catch(async unlockError => {
        await this.api.logout(tokens.access_token).catch(() => undefined);
        throw unlockError;
      });
      await store.rewrap(previousPassword, password);
      return store;
    }
  }

  /** Whether `username` has logged in on this tablet before (offline unlock is possible). */
  async canUnlockOffline(username: string): Promise<boolean> {
    return (await this.vault?.knows(username.trim())) ?? false;
  }

  /**
   * Offline: unlocks the local store of a user who has logged in here before and resumes their session
   * from it. With no access token the app works on local data; the refresh token (if the session had one)
   * is presented as soon as the server can be reached.
   */
  async unlockOffline(username: string, password: string): Promise<void> {
    if (!this.vault) throw new NoLocalStoreError();
    const store = await this.vault.unlock(username.trim(), password);
    const stored = await store.records.get<StoredSession>(SESSION_RECORD).catch(error => {
      store.close();
      throw error;
    });
    if (!stored) {
      store.close();
      throw new NoLocalStoreError();
    }
    await this.#release(false);
    this.#store = store;
    this.#enter({
      access_token: "",
      refresh_token: stored.refresh_token ?? "",
      token_type: "Bearer",
      expires_in: 0,
      session_expires_at: stored.session_expires_at,
      user: stored.user,
      index_doc: stored.index_doc,
    });
    void this.#armLease(stored.user.id);
    if (stored.refresh_token) void this.#refresh();
  }

  /** Unlocks after the inactivity lock: the same user, the same way as an offline unlock. */
  async unlock(password: string): Promise<void> {
    const state = this.#state;
    if (state.kind !== "locked") throw new NoLocalStoreError();
    await this.unlockOffline(state.username, password);
  }

  async changePassword(current: string, next: string): Promise<void> {
    const token = this.accessToken();
    if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
    const tokens = await this.api.changePassword(token, current, next);
    // The same data key, wrapped under the new password (the data are not re-encrypted). A failure leaves
    // the store under the old password, which still unlocks it offline.
    await this.#store?.rewrap(current, next).catch(() => undefined);
    this.#enter(tokens);
  }

  /** A new pending second-factor secret (shown once by the enrolment screen). */
  async setupSecondFactor(): Promise<SecondFactorSetup> {
    const token = this.accessToken();
    if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
    return this.api.setupSecondFactor(token);
  }

  /** Confirms the pending secret with the app's code: the factor is active; the recovery codes, shown once,
   *  are returned to the screen. The state stays `second-factor-enrol` until `finishEnrolment`. */
  async confirmSecondFactor(code: string): Promise<string[]> {
    const token = this.accessToken();
    if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
    return (await this.api.confirmSecondFactor(token, code)).recovery_codes;
  }

  /** The user has saved the recovery codes: on into the app (the session's routes are open now). */
  finishEnrolment(): void {
    const state = this.#state;
    if (state.kind !== "second-factor-enrol") return;
    this.#enter({ ...state.tokens, user: { ...state.tokens.user, second_factor: "enrolled" } });
  }

  /** Ends the session on the server (best effort: offline, the token simply expires) and forgets it here. */
  async logout(): Promise<void> {
    const token = this.accessToken();
    this.end();
    if (token) await this.api.logout(token).catch(() => undefined);
  }

  /**
   * Forgets the session at once, e.g. when the server said it ended; `notice` tells the user why. The
   * tokens and the data key leave memory; the store keeps the unsynced work, encrypted, for the next login.
   */
  end(notice?: MessageKey): void {
    this.#clearTimers();
    this.#set({ kind: "signed-out", notice });
    void this.#release(true);
  }

  /** Locks the app (inactivity): tokens and data key leave memory; the user unlocks with the password. */
  lock(): void {
    const state = this.#state;
    if ((state.kind !== "signed-in" && state.kind !== "password-change" && state.kind !== "second-factor-enrol") || !this.#store) {
      return;
    }
    this.#clearTimers();
    this.#set({ kind: "locked", username: state.tokens.user.username });
    void this.#release(false);
  }

  /** The user did something: the inactivity lock starts counting again. */
  touch(): void {
    if (!this.#store || this.#state.kind === "signed-out" || this.#state.kind === "locked") return;
    const now = Date.now();
    // Rescheduling a timer on every key press is wasted work: a few seconds of slack change nothing.
    if (now - this.#lastTouch < 5_000 && this.#idleTimer !== undefined) return;
    this.#lastTouch = now;
    this.timers.clear(this.#idleTimer);
    this.#idleTimer = this.timers.set(() => this.lock(), INACTIVITY_LOCK_MS);
  }

  /**
   * The browser says the network is back: a session unlocked offline refreshes now (and syncs); one with
   * no refresh token (unlocked after a logout) asks for a login, which then syncs the local work.
   */
  networkBack(): void {
    if (this.#state.kind === "signed-in" && !this.accessToken()) void this.#refresh();
  }

  /** Refreshes the access token now (the sync server said it expired); the next reconnection uses it. */
  async refreshNow(): Promise<void> {
    await this.#refresh();
  }

  #refreshing?: Promise<void>;

  #enter(tokens: SessionTokens): void {
    const kind = tokens.user.must_change_password
      ? "password-change"
      : tokens.user.second_factor === "required"
        ? "second-factor-enrol"
        : "signed-in";
    this.#set({ kind, tokens });
    if (tokens.access_token) {
      this.#scheduleRefresh(refreshDelayMs(tokens.expires_in));
      void this.#noteContact(tokens);
    }
    this.#persist({
      user: tokens.user,
      index_doc: tokens.index_doc,
      session_expires_at: tokens.session_expires_at,
      refresh_token: tokens.refresh_token || undefined,
    });
    this.touch();
  }

  /** Seals the resumable session into the store; writes are chained so the latest always lands last. */
  #persist(record: StoredSession): void {
    const store = this.#store;
    if (!store) return;
    this.#persisting = this.#persisting.then(() => store.records.put(SESSION_RECORD, record)).catch(() => undefined);
  }

  /**
   * Drops the store from memory after the sync engine has flushed into it. `forgetToken`: the session is
   * over on the server, so its refresh token is dead and is removed from the store too.
   */
  async #release(forgetToken: boolean): Promise<void> {
    const store = this.#store;
    if (!store) return;
    this.#store = undefined;
    await this.beforeRelease?.().catch(() => undefined);
    await this.#persisting;
    if (forgetToken) {
      const stored = await store.records.get<StoredSession>(SESSION_RECORD).catch(() => undefined);
      if (stored?.refresh_token) {
        await store.records.put(SESSION_RECORD, { ...stored, refresh_token: undefined }).catch(() => undefined);
      }
    }
    store.close();
  }

  /** An earlier session of this tablet left a refresh token behind (the app was reloaded): end it. */
  #endOrphan(refreshToken: string): void {
    void this.api
      .refresh(refreshToken)
      .then(tokens => this.api.logout(tokens.access_token))
      .catch(() => undefined);
  }

  /** An authenticated answer: the registry learns the session id and the lease starts again. */
  async #noteContact(tokens: SessionTokens): Promise<void> {
    if (!this.vault?.noteContact || !this.#store) return;
    await this.vault
      .noteContact(tokens.user.id, sessionIdOf(tokens.access_token), tokens.offline_lease_seconds)
      .catch(() => undefined);
    await this.#armLease(tokens.user.id);
  }

  /** (Re)arms the timer that ends the session when the offline lease after the last contact runs out. */
  async #armLease(userId: string): Promise<void> {
    if (!this.vault?.contact) return;
    const contact = await this.vault.contact(userId).catch(() => undefined);
    if (!contact) return;
    const state = this.#state;
    if (state.kind !== "signed-in" && state.kind !== "password-change") return;
    this.timers.clear(this.#leaseTimer);
    const remaining = leaseRemainingMs(contact, this.now());
    if (remaining <= 0) {
      this.#leaseRanOut();
      return;
    }
    this.#leaseTimer = this.timers.set(() => void this.#armLease(userId), Math.min(remaining, MAX_TIMER_MS));
  }

  /** The lease ran out: like the inactivity lock, but only an online login opens the store again. */
  #leaseRanOut(): void {
    this.#clearTimers();
    this.#set({ kind: "signed-out", notice: "lifecycle.leaseLocked" });
    void this.#release(false);
  }

  /**
   * Remote wipe (issue 12): asks the server about every session that opened a store on this tablet and
   * deletes the stores of the marked ones. Returns `unreachable` when the server did not answer (then
   * nothing may sync yet), `wiped` when the signed-in user's store was among them, else `clear`.
   */
  async wipeCheck(): Promise<"clear" | "wiped" | "unreachable"> {
    if (!this.vault?.sessionIds || !this.vault.forgetWiped) return "clear";
    const state = this.#state;
    const current =
      state.kind === "signed-in" || state.kind === "password-change" ? sessionIdOf(state.tokens.access_token) : undefined;
    const ids = await this.vault.sessionIds().catch(() => [] as string[]);
    const asked = [...new Set([...(current ? [current] : []), ...ids])];
    if (asked.length === 0) return "clear";
    let marked: string[];
    try {
      marked = await this.api.wipeCheck(asked);
    } catch (error) {
      if (error instanceof ApiError && error.code === "network") return "unreachable";
      return "unreachable";
    }
    if (marked.length === 0) return "clear";
    const now = this.#state;
    const userId = now.kind === "signed-in" || now.kind === "password-change" ? now.tokens.user.id : undefined;
    // The signed-in user's store is closed first (nothing more written to it), then deleted.
    const own = current ?? (userId ? (await this.vault.contact?.(userId).catch(() => undefined))?.sessionId : undefined);
    if (userId && own !== undefined && marked.includes(own)) {
      await this.wiped();
      await this.vault.forgetWiped(marked).catch(() => []);
      return "wiped";
    }
    const wiped = await this.vault.forgetWiped(marked).catch(() => [] as string[]);
    if (wiped.length > 0 && this.#state.kind === "signed-out") this.#set({ kind: "wiped" });
    return "clear";
  }

  /**
   * The server said `session_wiped`: drop everything of this user on this tablet, pushing nothing more
   * (no flush, no logout call), and show the `wiped` screen.
   */
  async wiped(): Promise<void> {
    const state = this.#state;
    const userId = state.kind === "signed-in" || state.kind === "password-change" ? state.tokens.user.id : undefined;
    this.#clearTimers();
    const store = this.#store;
    this.#store = undefined;
    store?.close();
    this.#set({ kind: "wiped" });
    if (userId) await (this.vault?.forgetUser?.(userId) ?? this.vault?.forget(userId))?.catch(() => undefined);
  }

  /** Leaves the `wiped` screen for the sign-in screen. */
  acknowledgeWipe(): void {
    if (this.#state.kind === "wiped") this.#set({ kind: "signed-out" });
  }

  #clearTimers(): void {
    this.timers.clear(this.#leaseTimer);
    this.#leaseTimer = undefined;
    this.timers.clear(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.timers.clear(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #scheduleRefresh(ms: number): void {
    this.timers.clear(this.#refreshTimer);
    this.#refreshTimer = this.timers.set(() => void this.#refresh(), ms);
  }

  /** One refresh at a time: presenting a refresh token twice ends the session on the server. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshOnce().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const state = this.#state;
    if (state.kind !== "signed-in" && state.kind !== "password-change" && state.kind !== "second-factor-enrol") return;
    if (!state.tokens.refresh_token) {
      // Unlocked offline after a logout: nothing to resume with; a login is needed to reach the server.
      this.end("error.login_to_sync");
      return;
    }
    try {
      const tokens = await this.api.refresh(state.tokens.refresh_token);
      // Signed out (or signed in again) meanwhile: this answer belongs to a session we no longer hold.
      if (this.#state !== state) return;
      this.#enter({ ...tokens, index_doc: tokens.index_doc ?? state.tokens.index_doc });
    } catch (error) {
      if (this.#state !== state) return;
      if (error instanceof ApiError && error.code === "session_wiped") {
        await this.wiped();
      } else if (error instanceof ApiError && (error.code === "network" || error.status >= 500 || error.status === 429)) {
        this.#scheduleRefresh(REFRESH_RETRY_MS);
      } else {
        this.end("error.session_ended");
      }
    }
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

function deviceName(): string | undefined {
  if (typeof navigator === "undefined") return undefined;
  return "Tablet (web)";
}
