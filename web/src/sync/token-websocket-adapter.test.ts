import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { cbor, type PeerId } from "@automerge/automerge-repo/slim";
import { TokenWebSocketAdapter, syncUrlFor, urlWithToken } from "./token-websocket-adapter";

// A tiny stand-in for the server's refusal (docs/sync-protocol.md §3.1): every upgrade is accepted, then
// told `error` and closed with 1008. It records the URLs it was asked for.
async function refusingServer(reason: string) {
  const urls: string[] = [];
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", (socket: WebSocket, request) => {
    urls.push(request.url ?? "");
    socket.send(cbor.encode({ type: "error", senderId: "sportello-server", message: reason }));
    socket.close(1008, reason);
  });
  await new Promise(resolve => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  return { urls, url: `ws://127.0.0.1:${port}/sync`, close: () => new Promise(r => server.close(r)) };
}

const wait = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out");
    await wait(10);
  }
}

describe("token WebSocket adapter", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("sends the token in the query, surfaces the server's error, and stops retrying once the token is gone", async () => {
    const server = await refusingServer("token_expired");
    cleanups.push(server.close);
    let token: string | undefined = "tok/en+1";
    const errors: string[] = [];
    const adapter = new TokenWebSocketAdapter(server.url, () => token, message => errors.push(message), 50);
    cleanups.push(() => adapter.stop());

    adapter.connect("peer-1" as PeerId);
    await until(() => errors.length > 0);
    expect(errors[0]).toBe("token_expired");
    expect(new URL(server.urls[0], "ws://x").searchParams.get("access_token")).toBe("tok/en+1");

    // The stock adapter reconnects after a close; while the token is there, so does this one.
    await until(() => server.urls.length >= 2);
    token = undefined;
    // The attempt under way when the token went ends, and the adapter stays down.
    await until(() => adapter.socket === undefined);
    const attempts = server.urls.length;
    await wait(300);
    expect(server.urls.length).toBe(attempts);
  });

  it("opens no socket until the check before connecting allows it, and checks again before each reconnection", async () => {
    const server = await refusingServer("busy");
    cleanups.push(server.close);
    let allowed = false;
    let checks = 0;
    const adapter = new TokenWebSocketAdapter(
      server.url,
      () => "token",
      () => undefined,
      50,
      async () => {
        checks += 1;
        return allowed;
      },
    );
    cleanups.push(() => adapter.stop());

    adapter.connect("peer-1" as PeerId);
    await until(() => checks >= 3);
    expect(server.urls).toHaveLength(0);
    allowed = true;
    await until(() => server.urls.length >= 2);
    const before = checks;
    // The server closed the first socket: the reconnection was checked again.
    expect(before).toBeGreaterThanOrEqual(server.urls.length + 2);
  });

  it("a refreshed token is used at the next connection", async () => {
    const server = await refusingServer("token_expired");
    cleanups.push(server.close);
    let token = "first";
    const adapter = new TokenWebSocketAdapter(server.url, () => token, () => (token = "second"), 50);
    cleanups.push(() => adapter.stop());
    adapter.connect("peer-1" as PeerId);
    await until(() => server.urls.length >= 2);
    expect(server.urls.slice(0, 2).map(u => new URL(u, "ws://x").searchParams.get("access_token"))).toEqual([
      "first",
      "second",
    ]);
  });

  it("does not connect at all without a token", async () => {
    const server = await refusingServer("unauthenticated");
    cleanups.push(server.close);
    const adapter = new TokenWebSocketAdapter(server.url, () => undefined, () => undefined, 50);
    adapter.connect("peer-1" as PeerId);
    await wait(200);
    expect(server.urls).toEqual([]);
    expect(adapter.socket).toBeUndefined();
  });

  it("can be disconnected twice (stopped, then shut down with its Repo)", async () => {
    const server = await refusingServer("busy");
    cleanups.push(server.close);
    const adapter = new TokenWebSocketAdapter(server.url, () => "t", () => undefined, 50);
    adapter.connect("peer-1" as PeerId);
    // (Node's `ws`, unlike a browser, throws when a socket still connecting is closed: wait for it.)
    await until(() => adapter.socket !== undefined && adapter.socket.readyState !== adapter.socket.CONNECTING);
    adapter.stop();
    expect(() => adapter.disconnect()).not.toThrow();
    expect(adapter.socket).toBeUndefined();
  });

  it("builds the sync URL of the page's origin", () => {
    expect(syncUrlFor({ protocol: "https:", host: "sportello.comune.it" })).toBe("wss://sportello.comune.it/sync");
    expect(syncUrlFor({ protocol: "http:", host: "127.0.0.1:8080" })).toBe("ws://127.0.0.1:8080/sync");
    expect(urlWithToken("ws://h/sync", "a b&c")).toBe("ws://h/sync?access_token=a+b%26c");
  });
});
