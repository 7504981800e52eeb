#!/usr/bin/env node
// reference-server.mjs — the plain automerge-repo sync server (Repo + WebSocketServerAdapter, in memory),
// used to validate client.mjs before / independently of the Sportello server. Loopback only.
//
//   node reference-server.mjs [--port N (0 = any free port)] [--max-seconds S (600)]
//                             [--refuse-token T]... [--http401-token T]...
//
// Prints one JSON line on stdout when listening: {"status":"listening","url":"ws://127.0.0.1:PORT/sync",...}
// and runs until SIGTERM/SIGINT, or --max-seconds (so a forgotten process always ends by itself).
//
// The access_token query parameter is ignored, except to simulate refusals for the client's sake:
//   --refuse-token T  : accept the upgrade, send a CBOR `error` message, close with 1008 (what Sportello does)
//   --http401-token T : answer the upgrade with HTTP 401 (what Sportello must NOT do; see README.md)
//   --readonly-token T: drop this peer's sync messages that carry changes and answer with an `ephemeral`
//                       message on the document (how Sportello answers a refused change)
//   --nocreate-token T: answer this peer's `sync` for a document the server does not hold with
//                       `doc-unavailable` (a refused offline creation)
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { WebSocketServer } from "ws";
import * as A from "@automerge/automerge";
import { Repo, cbor } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";

const { values: opt } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "max-seconds": { type: "string", default: "600" },
    "refuse-token": { type: "string", multiple: true, default: [] },
    "http401-token": { type: "string", multiple: true, default: [] },
    "readonly-token": { type: "string", multiple: true, default: [] },
    "nocreate-token": { type: "string", multiple: true, default: [] },
  },
});
const HOST = "127.0.0.1";
const PATH = "/sync";
const peerId = "reference-sync-server";

const http = createServer((req, res) => {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
});
const wss = new WebSocketServer({ noServer: true });

http.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url ?? "/", `http://${HOST}`);
  if (url.pathname !== PATH) {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    return;
  }
  const token = url.searchParams.get("access_token");
  if (token && opt["http401-token"].includes(token)) {
    socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, ws => {
    if (token && opt["refuse-token"].includes(token)) {
      ws.send(cbor.encode({ type: "error", senderId: peerId, message: "unauthorized" }));
      ws.close(1008, "unauthorized");
      return;
    }
    if (token && opt["readonly-token"].includes(token)) ws.simulate = "readonly";
    if (token && opt["nocreate-token"].includes(token)) ws.simulate = "nocreate";
    wss.emit("connection", ws, req);
  });
});

// The stock server adapter, plus the two refusal simulations for sockets tagged in the upgrade handler.
let ephemeralCount = 0;
class SimulatingServerAdapter extends WebSocketServerAdapter {
  receiveMessage(messageBytes, socket) {
    if (socket.simulate) {
      let m;
      try {
        m = cbor.decode(messageBytes);
      } catch {
        m = undefined;
      }
      if (m?.type === "sync" && socket.simulate === "nocreate" && !repo.handles[m.documentId]?.isReady()) {
        this.send({ type: "doc-unavailable", senderId: peerId, targetId: m.senderId, documentId: m.documentId });
        return;
      }
      if (m?.type === "sync" && socket.simulate === "readonly" && A.decodeSyncMessage(m.data).changes.length > 0) {
        this.send({
          type: "ephemeral",
          senderId: peerId,
          targetId: m.senderId,
          documentId: m.documentId,
          sessionId: "reference-server",
          count: ++ephemeralCount,
          data: cbor.encode({ type: "change_refused", reason: "read_only" }),
        });
        return;
      }
    }
    return super.receiveMessage(messageBytes, socket);
  }
}

// A sync server: keeps every document it receives, answers requests, announces nothing on its own.
const repo = new Repo({
  network: [new SimulatingServerAdapter(wss)],
  peerId,
  sharePolicy: async () => false,
});

http.listen(Number(opt.port), HOST, () => {
  const { port } = http.address();
  process.stdout.write(
    JSON.stringify({ status: "listening", url: `ws://${HOST}:${port}${PATH}`, port, peer_id: peerId }) + "\n"
  );
});

let stopping = false;
const stop = code => {
  if (stopping) return;
  stopping = true;
  for (const client of wss.clients) client.terminate();
  repo.shutdown().catch(() => {});
  http.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
};
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
setTimeout(() => {
  process.stderr.write(`reference-server: --max-seconds ${opt["max-seconds"]} reached, stopping\n`);
  stop(0);
}, Number(opt["max-seconds"]) * 1000).unref();
