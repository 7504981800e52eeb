import { describe, expect, it } from "vitest";
import { ApiError, createApi, type SessionTokens } from "../../data/api";
import { AdminClient } from "./admin-client";

/** A small stand-in for the server's token rules (setting `access` to something else makes the client's
 *  token expired): one live access token at a time, refresh tokens spent on
 *  use, and the session over when `ended` is set. It records every request. */
class FakeServer {
  access = "access-1";
  refreshToken = "sprt_1";
  ended = false;
  refreshes = 0;
  requests: { method: string; url: string; authorization?: string; body?: unknown }[] = [];
  /** Answers by path (after /api/v1) for a valid token. */
  routes: Record<string, (body: unknown) => Response> = {};

  fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    this.requests.push({ method: init?.method ?? "GET", url, authorization: headers.authorization, body });
    const path = url.replace(/^\/api\/v1/, "");
    if (path === "/auth/refresh") {
      if (this.ended || (body as { refresh_token: string }).refresh_token !== this.refreshToken)
        return json(401, { error: "invalid_refresh_token", message: "no" });
      this.refreshes += 1;
      this.access = `access-${this.refreshes + 1}`;
      this.refreshToken = `sprt_${this.refreshes + 1}`;
      return json(200, tokens(this.access, this.refreshToken));
    }
    if (path === "/auth/logout") return new Response(null, { status: 204 });
    if (this.ended) return json(401, { error: "unauthenticated", message: "no" });
    if (headers.authorization !== `Bearer ${this.access}`) return json(401, { error: "token_expired", message: "expired" });
    const route = this.routes[`${init?.method ?? "GET"} ${path}`];
    return route ? route(body) : json(404, { error: "not_found", message: "not found" });
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function tokens(access: string, refresh: string): SessionTokens {
  return {
    access_token: access,
    refresh_token: refresh,
    token_type: "Bearer",
    expires_in: 900,
    session_expires_at: "2026-12-05T20:00:00.000Z",
    user: { id: "u1", username: "admin", display_name: "Admin", role: "admin", areas: [], must_change_password: false },
  };
}

function clientOf(server: FakeServer) {
  let ended = 0;
  const client = new AdminClient({
    api: createApi(server.fetch),
    tokens: tokens(server.access, server.refreshToken),
    onSessionEnded: () => (ended += 1),
    fetch: server.fetch,
  });
  return { client, ended: () => ended };
}

describe("AdminClient", () => {
  it("sends the bearer token and a JSON body under /api/v1", async () => {
    const server = new FakeServer();
    server.routes["POST /admin/devices"] = body => json(201, { echoed: body });
    const { client } = clientOf(server);
    const answer = await client.post<{ echoed: unknown }>("/admin/devices", { kind: "totem", name: "Ingresso" });
    expect(answer.echoed).toEqual({ kind: "totem", name: "Ingresso" });
    expect(server.requests[0]).toMatchObject({ method: "POST", url: "/api/v1/admin/devices", authorization: "Bearer access-1" });
  });

  it("keeps the new pair a change of its own password answers (the old session is over)", async () => {
    const server = new FakeServer();
    server.routes["POST /me/password"] = body => {
      expect(body).toEqual({ current_password: "vecchia-password-1", new_password: "nuova-frase-lunga-2" });
      server.access = "access-new";
      server.refreshToken = "sprt_new";
      return json(200, tokens("access-new", "sprt_new"));
    };
    server.routes["GET /privacy/erasures?status=pending"] = () => json(200, { requests: [] });
    const { client, ended } = clientOf(server);
    await client.changePassword("vecchia-password-1", "nuova-frase-lunga-2");
    await expect(client.get("/privacy/erasures?status=pending")).resolves.toEqual({ requests: [] });
    expect(server.requests.at(-1)?.authorization).toBe("Bearer access-new");
    expect(ended()).toBe(0);
  });

  it("refreshes once on token_expired and repeats the request with the new token", async () => {
    const server = new FakeServer();
    server.routes["GET /admin/users"] = () => json(200, [{ id: "u1" }]);
    const { client, ended } = clientOf(server);
    server.access = "access-expired";
    await expect(client.get("/admin/users")).resolves.toEqual([{ id: "u1" }]);
    expect(server.refreshes).toBe(1);
    expect(server.requests.at(-1)?.authorization).toBe("Bearer access-2");
    expect(ended()).toBe(0);
  });

  it("shares one refresh between requests that expire together", async () => {
    const server = new FakeServer();
    server.routes["GET /admin/users"] = () => json(200, []);
    server.routes["GET /admin/devices"] = () => json(200, []);
    const { client } = clientOf(server);
    server.access = "access-expired";
    await Promise.all([client.get("/admin/users"), client.get("/admin/devices"), client.get("/admin/users")]);
    expect(server.refreshes).toBe(1);
  });

  it("ends the session once when the refresh is refused", async () => {
    const server = new FakeServer();
    const { client, ended } = clientOf(server);
    server.access = "access-expired";
    server.refreshToken = "sprt_spent";
    const error = (await client.get("/admin/users").catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    await client.get("/admin/users").catch(() => undefined);
    expect(ended()).toBe(1);
  });

  it("ends the session when the server no longer knows it", async () => {
    const server = new FakeServer();
    const { client, ended } = clientOf(server);
    server.ended = true;
    await expect(client.get("/admin/users")).rejects.toMatchObject({ status: 401, code: "unauthenticated" });
    expect(ended()).toBe(1);
    expect(server.refreshes).toBe(0);
  });

  it("passes other refusals on with their code and keeps the session", async () => {
    const server = new FakeServer();
    server.routes["POST /admin/grants/g1/approve"] = () => json(403, { error: "self_approval", message: "own request" });
    const { client, ended } = clientOf(server);
    await expect(client.post("/admin/grants/g1/approve")).rejects.toMatchObject({ status: 403, code: "self_approval", message: "own request" });
    expect(ended()).toBe(0);
  });

  it("reads an empty 204 answer as undefined", async () => {
    const server = new FakeServer();
    server.routes["DELETE /admin/sessions/s1"] = () => new Response(null, { status: 204 });
    const { client } = clientOf(server);
    await expect(client.delete("/admin/sessions/s1")).resolves.toBeUndefined();
  });

  it("reports an unreachable server as a network error without ending the session", async () => {
    let ended = 0;
    const client = new AdminClient({
      api: createApi(),
      tokens: tokens("a", "r"),
      onSessionEnded: () => (ended += 1),
      fetch: async () => {
        throw new TypeError("Failed to fetch");
      },
    });
    await expect(client.get("/admin/users")).rejects.toMatchObject({ code: "network" });
    expect(ended).toBe(0);
  });

  it("never throws on logout, even with no network", async () => {
    const failing = async () => {
      throw new TypeError("Failed to fetch");
    };
    const client = new AdminClient({ api: createApi(failing), tokens: tokens("a", "r"), onSessionEnded: () => {}, fetch: failing });
    await expect(client.logout()).resolves.toBeUndefined();
  });
});
