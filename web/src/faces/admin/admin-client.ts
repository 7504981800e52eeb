// The console's authenticated REST client: every admin page calls the server through one `AdminClient`,
// which puts the access token in the `Authorization` header, refreshes it once on a `401 token_expired`
// (or shortly before it ends) and tells the console when the session is over. Failures are `ApiError`s
// with the server's stable code (docs/api.md §1.4). Tokens are kept in memory only: a reload of the
// console asks for the password again, and nothing of an admin's session stays on the machine.

import { ApiError, errorOf, type Api, type SessionTokens } from "../../data/api";

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface AdminClientOptions {
  api: Api;
  tokens: SessionTokens;
  /** Called once when the session cannot go on (expired refresh, revoked, ended by another admin). */
  onSessionEnded: () => void;
  fetch?: Fetch;
  base?: string;
}

export class AdminClient {
  #tokens: SessionTokens;
  #refreshing?: Promise<void>;
  #ended = false;
  readonly #fetch: Fetch;
  readonly #base: string;

  constructor(private readonly options: AdminClientOptions) {
    this.#tokens = options.tokens;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#base = options.base ?? "";
  }

  /** The signed-in admin. */
  get user() {
    return this.#tokens.user;
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>("GET", path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>("POST", path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PATCH", path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.json<T>("DELETE", path);
  }

  /** A text answer (a CSV export), as the server sent it. */
  async text(path: string): Promise<string> {
    const response = await this.send("GET", path, undefined, "text/csv, text/plain");
    return response.text();
  }

  /** Changes the signed-in user's own password (`POST /me/password`): the server ends every session of the
   *  account and answers a new pair, which this client keeps from now on. */
  async changePassword(current: string, next: string): Promise<void> {
    this.#tokens = await this.options.api.changePassword(this.#tokens.access_token, current, next);
  }

  /** Logs out (the session ends on the server too); never throws. */
  async logout(): Promise<void> {
    try {
      await this.options.api.logout(this.#tokens.access_token);
    } catch {
      // Already over, or no network: the tokens are dropped with this client anyway.
    }
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body, "application/json");
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    let response = await this.#once(method, path, body, accept);
    if (response.status === 401) {
      const code = await errorCode(response.clone());
      if (code === "token_expired") {
        await this.#refresh();
        response = await this.#once(method, path, body, accept);
      }
    }
    if (response.status === 401) this.#end();
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async #once(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${this.#tokens.access_token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await this.#fetch(`${this.#base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "the server could not be reached");
    }
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.options.api
      .refresh(this.#tokens.refresh_token)
      .then(tokens => void (this.#tokens = tokens))
      .catch(() => this.#end())
      .finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.options.onSessionEnded();
  }
}

async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}
