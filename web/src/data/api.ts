// The REST client: login, refresh, password change and logout against `/api/v1` on the same origin.
// Every failure becomes an `ApiError` with the server's stable code (`invalid_credentials`,
// `password_change_required`…), or `network` when no answer came. No token is ever logged.
//
// Wire types mirror `schema::api` (see docs/api.md); they are the few fields this part of the app reads.

import type { SecondFactorConfirmed, SecondFactorSetup, SecondFactorStatus } from "./second-factor";

export type Role = "operator" | "social_worker" | "admin" | "privacy_officer";

export interface UserSummary {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  areas: string[];
  must_change_password: boolean;
  /** Absent from an older server's answers (read as `optional`). */
  second_factor?: SecondFactorStatus;
}

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  session_expires_at: string;
  user: UserSummary;
  /** `automerge:` URL of the user's index document. */
  index_doc?: string | null;
  /** The offline lease (issue 12), in seconds; absent from older servers. */
  offline_lease_seconds?: number;
}

/** `GET /api/v1/me` (the fields the app reads). */
export interface Me {
  user: UserSummary;
  session_id: string;
  session_expires_at: string;
  offline_lease_seconds?: number;
}

/** One opening of a case on the tablet, as `POST /api/v1/me/reads` takes it (src/store/read-queue.ts). */
export interface ReadUpload {
  event_id: string;
  document_id: string;
  opened_at: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's stable snake_case code, or `network` when the server could not be reached. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The `ApiError` of a failed answer: the server's code and message from its JSON body (docs/api.md §1.4),
 *  or `http_<status>` and the status text when the body is not that. The one reader of error bodies. */
export async function errorOf(response: Response): Promise<ApiError> {
  let json: { error?: unknown; message?: unknown } | undefined;
  try {
    json = (await response.json()) as typeof json;
  } catch {
    json = undefined;
  }
  const code = typeof json?.error === "string" ? json.error : `http_${response.status}`;
  const message = typeof json?.message === "string" ? json.message : response.statusText;
  return new ApiError(response.status, code, message);
}

export interface Api {
  /** `secondFactor`: the authenticator app's code or a recovery code, when the server asked for one. */
  login(username: string, password: string, deviceName?: string, secondFactor?: string): Promise<SessionTokens>;
  refresh(refreshToken: string): Promise<SessionTokens>;
  changePassword(accessToken: string, current: string, next: string): Promise<SessionTokens>;
  logout(accessToken: string): Promise<void>;
  /** Issue 12: a new pending second-factor secret, and its confirmation (answers the recovery codes). */
  setupSecondFactor(accessToken: string): Promise<SecondFactorSetup>;
  confirmSecondFactor(accessToken: string, code: string): Promise<SecondFactorConfirmed>;
  /** Issue 12: the signed-in user and session (the session id is what the wipe check asks about). */
  me(accessToken: string): Promise<Me>;
  /** Issue 12: of these session ids, those an admin marked lost (public, before anything is synced). */
  wipeCheck(sessionIds: string[]): Promise<string[]>;
  /** Issue 12: uploads openings of cases recorded on the tablet. */
  uploadReads(accessToken: string, reads: ReadUpload[]): Promise<{ recorded: number; duplicates: number; ignored: number }>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function createApi(fetchFn: Fetch = (input, init) => fetch(input, init), base = ""): Api {
  async function call<T>(path: string, body: unknown, token?: string, method = "POST"): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetchFn(`${base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "the server could not be reached");
    }
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ApiError(0, "network", "the answer was cut off");
    }
  }

  return {
    login: (username, password, deviceName, secondFactor) =>
      call<SessionTokens>("/auth/login", {
        username,
        password,
        ...(deviceName ? { device_name: deviceName } : {}),
        ...(secondFactor ? { second_factor: secondFactor } : {}),
      }),
    refresh: refreshToken => call<SessionTokens>("/auth/refresh", { refresh_token: refreshToken }),
    changePassword: (accessToken, current, next) =>
      call<SessionTokens>("/me/password", { current_password: current, new_password: next }, accessToken),
    logout: accessToken => call<void>("/auth/logout", undefined, accessToken),
    setupSecondFactor: accessToken => call<SecondFactorSetup>("/me/second-factor/setup", {}, accessToken),
    confirmSecondFactor: (accessToken, code) =>
      call<SecondFactorConfirmed>("/me/second-factor/confirm", { code }, accessToken),
    me: accessToken => call<Me>("/me", undefined, accessToken, "GET"),
    wipeCheck: async sessionIds =>
      (await call<{ wipe: string[] }>("/auth/wipe-check", { session_ids: sessionIds.slice(0, 16) })).wipe,
    uploadReads: (accessToken, reads) =>
      call<{ recorded: number; duplicates: number; ignored: number }>("/me/reads", { reads }, accessToken),
  };
}
