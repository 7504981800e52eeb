// The session: who is signed in and with which tokens. The UI renders `state` and calls the intents
// (`login`, `changePassword`, `logout`); nothing here touches the DOM.
//
// Invariants:
// - Tokens live in memory only (never in localStorage or IndexedDB): a reload signs the user out. The
//   offline unlock with a password-wrapped key comes with the encrypted local store (a later part).
// - Until a one-time password is changed the state is `password-change`: the server answers every other
//   route with 403 `password_change_required`, so the app asks for nothing else.
// - A password change answers with a new token pair and kills the old one at once: the new pair replaces
//   the old before anything else can use it.
// - The access token is refreshed before it expires; a refused refresh ends the session.

import { ApiError, type Api, type SessionTokens } from "./api";
import type { MessageKey } from "../i18n";

export type SessionState =
  | { kind: "signed-out"; notice?: MessageKey }
  | { kind: "password-change"; tokens: SessionTokens }
  | { kind: "signed-in"; tokens: SessionTokens };

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

  constructor(
    private readonly api: Api,
    private readonly timers: Timers = browserTimers,
  ) {}

  get state(): SessionState {
    return this.#state;
  }

  /** The current access token, or undefined once signed out (the sync adapter stops reconnecting then). */
  accessToken(): string | undefined {
    return this.#state.kind === "signed-out" ? undefined : this.#state.tokens.access_token;
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async login(username: string, password: string): Promise<void> {
    const tokens = await this.api.login(username.trim(), password, deviceName());
    this.#enter(tokens);
  }

  async changePassword(current: string, next: string): Promise<void> {
    const token = this.accessToken();
    if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
    const tokens = await this.api.changePassword(token, current, next);
    this.#enter(tokens);
  }

  /** Ends the session on the server (best effort: offline, the token simply expires) and forgets it here. */
  async logout(): Promise<void> {
    const token = this.accessToken();
    this.end();
    if (token) await this.api.logout(token).catch(() => undefined);
  }

  /** Forgets the session at once, e.g. when the server said it ended; `notice` tells the user why. */
  end(notice?: MessageKey): void {
    this.timers.clear(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#set({ kind: "signed-out", notice });
  }

  /** Refreshes the access token now (the sync server said it expired); the next reconnection uses it. */
  async refreshNow(): Promise<void> {
    await this.#refresh();
  }

  #refreshing?: Promise<void>;

  #enter(tokens: SessionTokens): void {
    const kind = tokens.user.must_change_password ? "password-change" : "signed-in";
    this.#set({ kind, tokens });
    this.#scheduleRefresh(refreshDelayMs(tokens.expires_in));
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
    if (state.kind === "signed-out") return;
    try {
      const tokens = await this.api.refresh(state.tokens.refresh_token);
      // Signed out (or signed in again) meanwhile: this answer belongs to a session we no longer hold.
      if (this.#state !== state) return;
      this.#enter({ ...tokens, index_doc: tokens.index_doc ?? state.tokens.index_doc });
    } catch (error) {
      if (this.#state !== state) return;
      if (error instanceof ApiError && (error.code === "network" || error.status >= 500 || error.status === 429)) {
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
