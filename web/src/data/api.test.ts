import { describe, expect, it } from "vitest";
import { ApiError, createApi } from "./api";

type Call = { url: string; init?: RequestInit };

function fakeFetch(status: number, body: unknown, calls: Call[] = []) {
  return async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  };
}

describe("api client", () => {
  it("logs in with a JSON body on the same origin", async () => {
    const calls: Call[] = [];
    const api = createApi(fakeFetch(200, { access_token: "a", refresh_token: "r" }, calls));
    const tokens = await api.login("mario.rossi", "segreta");
    expect(tokens.access_token).toBe("a");
    expect(calls[0].url).toBe("/api/v1/auth/login");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ username: "mario.rossi", password: "segreta" });
  });

  it("turns an error answer into the server's stable code", async () => {
    const api = createApi(fakeFetch(401, { error: "invalid_credentials", message: "wrong" }));
    await expect(api.login("x", "y")).rejects.toMatchObject({ status: 401, code: "invalid_credentials" });
  });

  it("names an answer without an error body by its status", async () => {
    const api = createApi(async () => new Response("<html>", { status: 502 }));
    await expect(api.login("x", "y")).rejects.toMatchObject({ code: "http_502" });
  });

  it("reports a failed request as a network error", async () => {
    const api = createApi(async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await api.login("x", "y").catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("network");
  });

  it("sends the access token as a bearer token to change the password", async () => {
    const calls: Call[] = [];
    const api = createApi(fakeFetch(200, { access_token: "new" }, calls));
    await api.changePassword("old-token", "temp", "nuova-password-lunga");
    const headers = calls[0].init?.headers as Record<string, string>;
    expect(headers.authorization).toBe("Bearer old-token");
    expect(calls[0].url).toBe("/api/v1/me/password");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({
      current_password: "temp",
      new_password: "nuova-password-lunga",
    });
  });

  it("accepts an empty answer to logout", async () => {
    const api = createApi(fakeFetch(204, undefined));
    await expect(api.logout("t")).resolves.toBeUndefined();
  });
});
