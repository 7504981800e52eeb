// The totem's calls to the server (docs/api.md §3.8): the lines, whether the desk is open, issuing, leasing
// and importing, with the device token of `device/device-session.ts`. Every failure is an `ApiError` with
// the server's code and status, or status 0 (`network`) when no answer came in time or there is no token
// to send (a totem that started with the server away): the ledger's `serverUnreachable` reads both as an
// outage. No token or ticket is ever logged.

import { ApiError } from "../../data/api";
import { errorOf, type QueueAuth, type ServiceLine } from "../../data/queue";
import type { Lease, OfflineTicket } from "./ledger";

/** `IssuedTicket`: what a totem prints. */
export interface IssuedTicket {
  id: string;
  number: string;
  line: string;
  priority: boolean;
  status: string;
  issued_at: string;
  position: number;
  estimated_wait_s: number;
  status_url: string;
  /** The printed ticket's page for a few minutes, without a bearer header (a path on this server). */
  print_url: string;
}

export interface ImportResult {
  imported: number;
  already_imported: number;
  tickets: IssuedTicket[];
}

/** `DeskOpening` (`GET /api/v1/queue/opening`). */
export interface DeskOpening {
  open: boolean;
  next_opening: string | null;
}

export interface TotemApi {
  lines(): Promise<ServiceLine[]>;
  opening(): Promise<DeskOpening>;
  issue(line: string, priority: boolean, clientOpId: string): Promise<IssuedTicket>;
  lease(line: string, size: number): Promise<Lease>;
  importTickets(leaseId: string, tickets: OfflineTicket[]): Promise<ImportResult>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A citizen waits at the screen: past this the server counts as unreachable and the lease takes over. */
export const REQUEST_TIMEOUT_MS = 6_000;

export function createTotemApi(auth: QueueAuth, fetchFn: Fetch = (input, init) => fetch(input, init), base = ""): TotemApi {
  async function once(method: "GET" | "POST", path: string, body: unknown): Promise<Response> {
    const token = auth.accessToken();
    if (!token) throw new ApiError(0, "network", "no device token yet: the server has not been reached");
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetchFn(`${base}/api/v1/queue${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        signal: abort.signal,
      });
    } catch {
      throw new ApiError(0, "network", "the server could not be reached");
    } finally {
      clearTimeout(timer);
    }
  }

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response = await once(method, path, body);
    let failure = response.ok ? undefined : await errorOf(response);
    if (failure?.code === "token_expired") {
      await auth.refresh();
      response = await once(method, path, body);
      failure = response.ok ? undefined : await errorOf(response);
    }
    if (failure) {
      // The session tells an ended token from a revoked device (it exchanges the credential again).
      if (failure.status === 401) auth.sessionEnded();
      throw failure;
    }
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(0, "network", "the answer was cut off");
    }
  }

  return {
    lines: () => call<ServiceLine[]>("GET", "/lines"),
    opening: () => call<DeskOpening>("GET", "/opening"),
    issue: (line, priority, clientOpId) => call<IssuedTicket>("POST", "/tickets", { line, priority, client_op_id: clientOpId }),
    lease: (line, size) => call<Lease>("POST", "/leases", { line, size }),
    importTickets: (leaseId, tickets) => call<ImportResult>("POST", "/tickets/import", { lease_id: leaseId, tickets }),
  };
}
