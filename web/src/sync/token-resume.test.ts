// `resume()`: after an offline unlock the adapter starts with no token and stays down; once a refresh
// gives it one, `resume()` connects with it. (Kept apart from token-websocket-adapter.test.ts.)
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { PeerId } from "@automerge/automerge-repo/slim";
import { TokenWebSocketAdapter } from "./token-websocket-adapter";

async function recordingServer() {
  const urls: string[] = [];
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", (_socket: WebSocket, request) => urls.push(request.url ?? ""));
  await new Promise(resolve => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  return {
    urls,
    url: `ws://127.0.0.1:${port}/sync`,
    close: () => {
      for (const client of server.clients) client.terminate();
      return new Promise(r => server.close(r));
    },
  };
}

const wait = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out");
    await wait(10);
  }
}

describe("token WebSocket adapter resume", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("connects on resume once a token exists, and not before", async () => {
    const server = await recordingServer();
    cleanups.push(server.close);
    let token: string | undefined;
    // The stock retry interval: a short one would open a second socket whenever the first takes longer than
    // it to open (the stock adapter retries until `open`), which a loaded CI machine does.
    const adapter = new TokenWebSocketAdapter(server.url, () => token, () => undefined);
    cleanups.push(() => adapter.stop());
    adapter.connect("peer-1" as PeerId);
    adapter.resume();
    await wait(150);
    expect(server.urls).toEqual([]);

    token = "after-refresh";
    adapter.resume();
    await until(() => server.urls.length === 1);
    expect(new URL(server.urls[0], "ws://x").searchParams.get("access_token")).toBe("after-refresh");
    // A second resume while the socket is open does not open another.
    adapter.resume();
    await wait(150);
    expect(server.urls).toHaveLength(1);
  }, 20_000);
});
