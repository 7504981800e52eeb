import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { cbor, type PeerId } from "@automerge/automerge-repo/slim";
import { routeServerError, serverErrorAction, type ServerErrorHandlers } from "./server-errors";
import { TokenWebSocketAdapter } from "./token-websocket-adapter";

function recorder() {
  const calls: string[] = [];
  const handlers: ServerErrorHandlers = {
    stop: () => calls.push("stop"),
    onTokenExpired: () => calls.push("refresh"),
    onSessionEnded: () => calls.push("ended"),
    onSessionWiped: () => calls.push("wiped"),
    onIndexMoved: () => calls.push("index-moved"),
    refused: message => calls.push(`refused ${message}`),
  };
  return { calls, handlers };
}

describe("the server's error messages", () => {
  it("each text calls for one action", () => {
    const table: [string, ReturnType<typeof serverErrorAction>][] = [
      ["token_expired", "refresh"],
      ["session_wiped", "wiped"],
      ["index_moved", "index-moved"],
      ["unauthenticated", "session-over"],
      ["session ended or account changed", "session-over"],
      ["password_change_required", "session-over"],
      ["busy", "refusal"],
      ["too_many_connections", "refusal"],
    ];
    for (const [message, action] of table) expect(serverErrorAction(message), message).toBe(action);
  });

  it("index_moved stops the adapter and reaches onIndexMoved: neither a refusal nor the end of the session", () => {
    const { calls, handlers } = recorder();
    routeServerError("index_moved", handlers);
    expect(calls).toEqual(["stop", "index-moved"]);
  });

  it("the others reach their own handler", () => {
    for (const [message, expected] of [
      ["token_expired", ["refresh"]],
      ["session_wiped", ["stop", "wiped"]],
      ["session ended or account changed", ["stop", "ended"]],
      ["busy", ["refused busy"]],
    ] as const) {
      const { calls, handlers } = recorder();
      routeServerError(message, handlers);
      expect(calls, message).toEqual(expected);
    }
  });

  it("without its handler, session_wiped ends the session and index_moved only stops", () => {
    const { calls, handlers } = recorder();
    routeServerError("session_wiped", { ...handlers, onSessionWiped: undefined });
    routeServerError("index_moved", { ...handlers, onIndexMoved: undefined });
    expect(calls).toEqual(["stop", "ended", "stop"]);
  });
});

describe("index_moved from a real socket", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const wait = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

  it("reaches onIndexMoved once, and the stopped adapter does not reconnect to the old index", async () => {
    // The server's close (docs/sync-protocol.md §15): the `error` message, then close code 1008.
    const urls: string[] = [];
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    server.on("connection", (socket: WebSocket, request) => {
      urls.push(request.url ?? "");
      socket.send(cbor.encode({ type: "error", senderId: "sportello-server", message: "index_moved" }));
      socket.close(1008, "index_moved");
    });
    await new Promise(resolve => server.once("listening", resolve));
    cleanups.push(() => new Promise(resolve => server.close(resolve)));
    const { port } = server.address() as { port: number };

    const { calls, handlers } = recorder();
    let adapter: TokenWebSocketAdapter | undefined = undefined;
    adapter = new TokenWebSocketAdapter(
      `ws://127.0.0.1:${port}/sync`,
      () => "token",
      message => routeServerError(message, { ...handlers, stop: () => (calls.push("stop"), adapter?.stop()) }),
      50,
    );
    cleanups.push(() => adapter?.stop());
    adapter.connect("peer-1" as PeerId);

    const end = Date.now() + 10_000;
    while (!calls.includes("index-moved") && Date.now() < end) await wait(10);
    expect(calls).toEqual(["stop", "index-moved"]);
    // The retry interval is 50 ms: a stopped adapter would have tried many times by now.
    await wait(400);
    expect(urls).toHaveLength(1);
    expect(adapter.socket).toBeUndefined();
  });
});
