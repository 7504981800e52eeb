#!/usr/bin/env node
// client.mjs — drive the stock automerge-repo JS client (Repo + WebSocketClientAdapter, no storage)
// against a sync server, for Sportello's interoperability tests. See README.md in this folder.
//
//   node client.mjs create --url URL --doc JSON|@FILE [--scalar-strings]
//   node client.mjs open   --url URL --doc-url automerge:... [--expect ready|unavailable]
//   node client.mjs edit   --url URL --doc-url automerge:... --set PATH=VALUE ... [--push PATH=VALUE ...]
//   node client.mjs keep-refused --url URL --doc-url automerge:... --set PATH=VALUE ... --until PATH=VALUE
//                          [--ready-file FILE] [--reconnect]
//   common: [--timeout SECONDS (10): bound on the whole run, from process start] [--peer-id ID] [--debug]
//
// Prints exactly one JSON line on stdout (the result) and exits with:
//   0 success (create/edit acknowledged by the server; open answered "ready" or "unavailable")
//   1 timeout, lost connection, or unexpected error
//   2 usage error
//   3 refused by the server at connection level (`error` message, policy close code, HTTP error at upgrade)
//   4 the server would not take our change or document (ephemeral message / doc-unavailable while waiting
//     for the acknowledgement), or `edit` of a document that is unavailable
//   5 `open --expect X` and the answer was not X; `keep-refused` and the server took the change
//
// The access token travels in the `access_token` query parameter of --url (or comes from the environment
// variable SPORTELLO_ACCESS_TOKEN, which is then appended to the URL). It is never printed: everything
// written to stdout and stderr by this process (including the library's debug output) is redacted.

import { isDeepStrictEqual, parseArgs } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";

export const EXIT = { OK: 0, FAIL: 1, USAGE: 2, REFUSED: 3, REJECTED: 4, EXPECT: 5 };
const DEFAULT_TIMEOUT_S = 10;
// The stock adapter retries every 5 s by default; keep the same value so the client behaves as in the PWA.
const RETRY_INTERVAL_MS = 5000;
// Grace time after an ephemeral message before a pending change is declared rejected.
const EPHEMERAL_GRACE_MS = 300;

// ---------------------------------------------------------------------------------------------------------
// Redaction: installed before any library is loaded (libraries are imported dynamically below).
const secrets = new Set();
const redact = text => {
  let out = String(text).replace(/(access_token=)[^&\s"'#]*/gi, "$1[redacted]");
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
};
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) =>
    write(typeof chunk === "string" || chunk instanceof Uint8Array ? redact(Buffer.from(chunk).toString()) : chunk, ...rest);
}
// The library reports some errors with console.log: keep stdout for our one JSON result line.
console.log = (...args) => console.error(...args);
console.info = console.log;
console.debug = console.log;
// `debug` reads DEBUG when it is loaded; we turn it on only with --debug (output redacted, on stderr).
const wantDebug = process.argv.includes("--debug");
if (wantDebug) process.env.DEBUG = "automerge-repo:*,WebsocketServer";
else delete process.env.DEBUG;

// ---------------------------------------------------------------------------------------------------------
let finished = false;
let shutdownHook = async () => {};

/** Print the one result line, shut the client down cleanly (bounded), exit with `code`. */
function finish(code, result, message) {
  if (finished) return;
  finished = true;
  if (message) process.stderr.write(`client.mjs: ${message}\n`);
  const hardExit = setTimeout(() => process.exit(code), 1500);
  hardExit.unref?.();
  process.stdout.write(JSON.stringify(result) + "\n", () => {
    Promise.race([shutdownHook().catch(() => {}), new Promise(r => setTimeout(r, 500))]).finally(() =>
      process.exit(code)
    );
  });
}

function usage(message) {
  finish(EXIT.USAGE, { status: "usage", message }, `${message}\n${USAGE}`);
}

const USAGE = `usage:
  node client.mjs create --url WS_URL --doc JSON|@FILE [--scalar-strings]
  node client.mjs open   --url WS_URL --doc-url automerge:ID [--expect ready|unavailable]
  node client.mjs edit   --url WS_URL --doc-url automerge:ID (--set PATH=VALUE | --push PATH=VALUE)... [--scalar-strings]
  node client.mjs keep-refused --url WS_URL --doc-url automerge:ID (--set|--push PATH=VALUE)... --until PATH=VALUE
                         [--ready-file FILE] [--reconnect]
  common options: --timeout SECONDS (default ${DEFAULT_TIMEOUT_S}), --peer-id ID, --debug
  WS_URL like ws://127.0.0.1:8080/sync with the token in its access_token query parameter
  (or in the environment variable SPORTELLO_ACCESS_TOKEN, then appended to WS_URL); never printed`;

process.on("uncaughtException", err => {
  const http = /Unexpected server response: (\d+)/.exec(err?.message ?? "");
  if (http) {
    finish(EXIT.REFUSED, { status: "refused", reason: `http ${http[1]} at upgrade`, http_status: Number(http[1]) },
      `server refused the WebSocket upgrade with HTTP ${http[1]}`);
  } else {
    finish(EXIT.FAIL, { status: "error", reason: String(err?.message ?? err) }, `uncaught error: ${err?.stack ?? err}`);
  }
});
process.on("unhandledRejection", err => {
  finish(EXIT.FAIL, { status: "error", reason: String(err?.message ?? err) }, `unhandled rejection: ${err?.stack ?? err}`);
});

// ---------------------------------------------------------------------------------------------------------
let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string" },
      doc: { type: "string" },
      "doc-url": { type: "string" },
      set: { type: "string", multiple: true },
      push: { type: "string", multiple: true },
      timeout: { type: "string" },
      "peer-id": { type: "string" },
      expect: { type: "string" },
      until: { type: "string" },
      "ready-file": { type: "string" },
      reconnect: { type: "boolean" },
      "scalar-strings": { type: "boolean" },
      debug: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (e) {
  usage(e.message);
}
if (args) await main(args);

async function main({ values: opt, positionals }) {
  if (opt.help) {
    process.stdout.write(USAGE + "\n");
    process.exit(0);
  }
  const command = positionals[0];
  if (!["create", "open", "edit", "keep-refused"].includes(command) || positionals.length !== 1)
    return usage(`expected one command: create, open, edit or keep-refused`);
  if (!opt.url) return usage("--url is required");
  const timeoutS = opt.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(opt.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) return usage("--timeout must be a positive number of seconds");

  let url;
  try {
    url = new URL(opt.url);
  } catch {
    return usage("--url is not a valid URL");
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return usage("--url must be ws:// or wss://");
  const envToken = process.env.SPORTELLO_ACCESS_TOKEN;
  if (envToken && !url.searchParams.has("access_token")) url.searchParams.set("access_token", envToken);
  const token = url.searchParams.get("access_token");
  // Tokens are also redacted wherever their exact text appears; only from 8 characters on, so that a toy
  // test token such as "ok" cannot mangle the JSON output (real access tokens are long JWTs).
  if (token && token.length >= 8) {
    secrets.add(token);
    secrets.add(encodeURIComponent(token));
  }

  const [{ Repo, cbor, isValidAutomergeUrl, parseAutomergeUrl }, { WebSocketClientAdapter }, A] =
    await Promise.all([
      import("@automerge/automerge-repo"),
      import("@automerge/automerge-repo-network-websocket"),
      import("@automerge/automerge"),
    ]);

  // Validate command-specific input before connecting.
  let initialDoc;
  let docUrl;
  let edits = [];
  const scalar = !!opt["scalar-strings"];
  if (command === "create") {
    if (opt.doc === undefined) return usage("create needs --doc JSON (or --doc @file.json)");
    try {
      const text = opt.doc.startsWith("@") ? readFileSync(opt.doc.slice(1), "utf8") : opt.doc;
      initialDoc = JSON.parse(text);
    } catch (e) {
      return usage(`--doc is not valid JSON: ${e.message}`);
    }
    if (initialDoc === null || typeof initialDoc !== "object" || Array.isArray(initialDoc))
      return usage("--doc must be a JSON object");
    if (scalar) initialDoc = toScalarStrings(initialDoc, A);
  } else {
    docUrl = opt["doc-url"];
    if (!docUrl || !isValidAutomergeUrl(docUrl)) return usage("--doc-url must be a valid automerge: URL");
  }
  let until;
  if (command === "keep-refused") {
    const eq = opt.until?.indexOf("=") ?? -1;
    if (eq <= 0) return usage("keep-refused needs --until PATH=VALUE");
    until = { path: parsePath(opt.until.slice(0, eq)), value: parseValue(opt.until.slice(eq + 1)) };
  } else if (opt.until !== undefined || opt["ready-file"] !== undefined || opt.reconnect) {
    return usage("--until, --ready-file and --reconnect apply to keep-refused only");
  }
  if (command === "edit" || command === "keep-refused") {
    for (const [kind, list] of [["set", opt.set ?? []], ["push", opt.push ?? []]]) {
      for (const item of list) {
        const eq = item.indexOf("=");
        if (eq <= 0) return usage(`--${kind} expects PATH=VALUE, got ${JSON.stringify(item)}`);
        const path = parsePath(item.slice(0, eq));
        const value = parseValue(item.slice(eq + 1));
        edits.push({ kind, path, value: scalar ? toScalarStrings(value, A) : value });
      }
    }
    if (edits.length === 0) return usage(`${command} needs at least one --set or --push`);
  }
  if (opt.expect !== undefined && (command !== "open" || !["ready", "unavailable"].includes(opt.expect)))
    return usage("--expect ready|unavailable applies to open only");

  // -------------------------------------------------------------------------------------------------------
  // Connection observation. The stock adapter ignores `error` messages (it only logs them), reconnects every
  // 5 s after any close, and under Node *throws* from its socket error handler for anything but ECONNREFUSED
  // (e.g. "Unexpected server response: 401"), which would crash the process. We subclass it to observe these
  // events without changing what goes over the wire.
  const state = {
    stage: "connect",
    lastError: null, // last socket error (e.g. ECONNREFUSED)
    lastClose: null, // last close, e.g. "closed with code 1006"
    server: null, // { peer_id, protocol, metadata }
    serverError: null, // the `error` message, if any
    docUnavailable: new Set(), // document ids for which the server sent doc-unavailable
    ephemeral: [], // { documentId, message }
  };
  const onRefused = (reason, extra = {}) =>
    finish(EXIT.REFUSED, { status: "refused", reason, ...extra }, `server refused the connection: ${reason}`);

  let pendingErrorTimer = null;
  class ObservedWebSocketClientAdapter extends WebSocketClientAdapter {
    constructor(u, retry) {
      super(u, retry);
      // Replaces the stock handler, which rethrows under Node (see above). Same behaviour otherwise.
      this.onError = event => {
        const err = event?.error;
        const msg = err?.message ?? event?.message ?? "websocket error";
        state.lastError = err?.code ?? msg;
        const http = /Unexpected server response: (\d+)/.exec(msg);
        if (http) onRefused(`http ${http[1]} at upgrade`, { http_status: Number(http[1]) });
      };
    }
    connect(peerId, peerMetadata) {
      super.connect(peerId, peerMetadata);
      const socket = this.socket;
      socket.addEventListener("close", ev => {
        const close = { code: ev.code, reason: String(ev.reason ?? "") };
        if (socket !== this.socket) return; // an abandoned retry socket
        if (state.serverError) {
          clearTimeout(pendingErrorTimer);
          return onRefused(state.serverError.message ?? "error", { close_code: close.code, close_reason: close.reason });
        }
        if (close.code === 1008 || (close.code >= 4000 && close.code <= 4999))
          return onRefused(close.reason || `closed with code ${close.code}`, { close_code: close.code, close_reason: close.reason });
        state.lastClose = `closed with code ${close.code}${close.reason ? ` (${close.reason})` : ""}`;
      });
    }
    receiveMessage(bytes) {
      let message;
      try {
        message = cbor.decode(new Uint8Array(bytes));
      } catch {
        message = undefined;
      }
      if (message && typeof message === "object") {
        if (message.type === "peer") {
          state.server = {
            peer_id: message.senderId,
            protocol: message.selectedProtocolVersion,
            metadata: message.peerMetadata ?? null,
          };
          peerSeen();
        } else if (message.type === "error") {
          state.serverError = { message: String(message.message ?? "") };
          // The server closes right after `error`; report then (with the close code), or after 1 s anyway.
          pendingErrorTimer = setTimeout(() => onRefused(state.serverError.message), 1000);
        } else if (message.type === "doc-unavailable") {
          state.docUnavailable.add(message.documentId);
          wake();
        } else if (message.type === "ephemeral") {
          let contents;
          try {
            contents = cbor.decode(new Uint8Array(message.data));
          } catch {
            contents = { undecodable: true };
          }
          state.ephemeral.push({ documentId: message.documentId, message: contents });
          wake();
        }
      }
      return super.receiveMessage(bytes);
    }
  }

  let peerSeen;
  const peerPromise = new Promise(resolve => (peerSeen = resolve));
  // Waiters re-check their condition on every relevant event (and on a short poll as a backstop).
  const wakers = new Set();
  const wake = () => wakers.forEach(w => w());

  const adapter = new ObservedWebSocketClientAdapter(url.toString(), RETRY_INTERVAL_MS);
  const repo = new Repo({ network: [adapter], ...(opt["peer-id"] ? { peerId: opt["peer-id"] } : {}) });
  shutdownHook = async () => {
    const socket = adapter.socket;
    const closed = socket && socket.readyState <= 1 ? new Promise(r => socket.addEventListener("close", r)) : null;
    try {
      adapter.disconnect();
    } catch {
      /* not connected yet */
    }
    if (closed) await closed;
  };

  // Latest sync state per (document) for the current server peer. `repo.synchronizer` is marked @hidden in
  // the typings, but it is exactly the event the Repo itself uses to fill `handle.getSyncInfo(storageId)`,
  // without the requirement that the server advertise a storageId.
  const serverSyncState = new Map();
  repo.synchronizer.on("sync-state", ({ peerId, documentId, syncState }) => {
    if (state.server && peerId === state.server.peer_id) {
      serverSyncState.set(documentId, syncState);
      wake();
    }
  });

  const timer = setTimeout(() => {
    const result = { status: "timeout", stage: state.stage, timeout_s: timeoutS };
    if (state.lastError) result.last_error = String(state.lastError);
    if (state.lastClose) result.last_close = state.lastClose;
    const detail = [state.lastError, state.lastClose].filter(Boolean).join("; ");
    finish(EXIT.FAIL, result, `timed out after ${timeoutS} s while waiting for: ${state.stage}` +
      (detail ? ` (${detail})` : ""));
  }, Math.max(0, timeoutS * 1000 - process.uptime() * 1000)); // the bound counts from process start
  timer.unref?.();

  /** Resolve when check() returns a truthy value; re-checked on events and every 50 ms. */
  const waitFor = (check, handle) =>
    new Promise(resolve => {
      const run = () => {
        if (finished) return;
        const v = check();
        if (v) {
          wakers.delete(run);
          clearInterval(poll);
          handle?.off("heads-changed", run);
          resolve(v);
        }
      };
      const poll = setInterval(run, 50);
      wakers.add(run);
      handle?.on("heads-changed", run);
      run();
    });

  const hexHeads = handle => A.getHeads(handle.doc());
  const plain = handle => toPlainJSON(A.toJS(handle.doc()));

  /** Wait until the server's last sync message shows that it has every change we have. */
  const waitAcknowledged = async handle => {
    state.stage = "acknowledgement";
    let ephemeralSince = null;
    const outcome = await waitFor(() => {
      const ss = serverSyncState.get(handle.documentId);
      if (ss && ss.theirHeads && A.hasOurChanges(handle.doc(), ss)) return "ack";
      if (state.docUnavailable.has(handle.documentId)) return "doc-unavailable";
      if (state.ephemeral.some(e => e.documentId === handle.documentId)) {
        ephemeralSince ??= Date.now();
        if (Date.now() - ephemeralSince >= EPHEMERAL_GRACE_MS) return "ephemeral";
      }
      return null;
    }, handle);
    if (outcome === "ack") return;
    const ephemeral = state.ephemeral.filter(e => e.documentId === handle.documentId).map(e => e.message);
    finish(EXIT.REJECTED, {
      status: "rejected",
      reason: outcome,
      url: handle.url,
      ...(ephemeral.length ? { ephemeral } : {}),
    }, `the server did not take the change (${outcome})`);
    await new Promise(() => {}); // finish() exits
  };

  // -------------------------------------------------------------------------------------------------------
  await peerPromise;
  if (finished) return;
  state.stage = command === "create" ? "acknowledgement" : "find";
  const server = state.server;

  if (command === "create") {
    const handle = repo.create(initialDoc);
    await waitAcknowledged(handle);
    return finish(EXIT.OK, { status: "ok", url: handle.url, document_id: handle.documentId, heads: hexHeads(handle), server });
  }

  // open / edit: find the document. With allowableStates including "unavailable", find() resolves with the
  // handle in state "unavailable" instead of rejecting with `Document ... is unavailable`.
  const { documentId } = parseAutomergeUrl(docUrl);
  const handle = await repo.find(docUrl, { allowableStates: ["ready", "unavailable"] });
  if (finished) return;
  if (handle.state === "unavailable") {
    if (!state.docUnavailable.has(documentId)) {
      // The client also marks a document unavailable when it has no connected peer left (e.g. the server
      // closed the connection): that is not an answer from the server.
      return finish(EXIT.FAIL, { status: "error", reason: "unavailable without doc-unavailable from the server",
        last_error: state.lastError, last_close: state.lastClose }, "document marked unavailable, but the server never sent doc-unavailable");
    }
    const result = { status: "unavailable", url: docUrl };
    if (command === "edit") return finish(EXIT.REJECTED, result, "document unavailable: cannot edit");
    if (opt.expect && opt.expect !== "unavailable")
      return finish(EXIT.EXPECT, result, `expected ${opt.expect}, got unavailable`);
    return finish(EXIT.OK, result);
  }

  // Ready: make sure we hold everything the server announced (its heads are all in ours).
  state.stage = "sync";
  await waitFor(() => {
    const ss = serverSyncState.get(documentId);
    if (!ss || !ss.theirHeads) return false;
    const ours = new Set(hexHeads(handle));
    return ss.theirHeads.every(h => ours.has(h));
  }, handle);

  if (command === "keep-refused") return keepRefused();

  if (command === "open") {
    const result = { status: "ready", url: docUrl, heads: hexHeads(handle), doc: plain(handle) };
    if (opt.expect && opt.expect !== "ready") return finish(EXIT.EXPECT, result, `expected ${opt.expect}, got ready`);
    return finish(EXIT.OK, result);
  }

  // edit
  try {
    handle.change(d => {
      for (const { kind, path, value } of edits) applyEdit(d, kind, path, value);
    });
  } catch (e) {
    return finish(EXIT.USAGE, { status: "usage", message: `cannot apply edit: ${e.message}` }, `cannot apply edit: ${e.message}`);
  }
  await waitAcknowledged(handle);
  return finish(EXIT.OK, { status: "ok", url: docUrl, heads: hexHeads(handle), doc: plain(handle) });

  /** keep-refused: make a change the server refuses, keep it (as a client that ignores refusals does),
   *  then wait until an edit made elsewhere reaches us anyway (`--until PATH=VALUE`). */
  async function keepRefused() {
    handle.change(d => {
      for (const { kind, path, value } of edits) applyEdit(d, kind, path, value);
    });
    state.stage = "refusal";
    const refusal = await waitFor(() => {
      const ss = serverSyncState.get(documentId);
      if (ss && ss.theirHeads && A.hasOurChanges(handle.doc(), ss)) return { taken: true };
      const e = state.ephemeral.find(e => e.documentId === documentId && e.message?.type === "sportello/refused");
      return e ? { taken: false, message: e.message } : null;
    }, handle);
    if (refusal.taken)
      return finish(EXIT.EXPECT, { status: "ok", url: docUrl, heads: hexHeads(handle) }, "expected a refusal, the server took the change");
    if (opt.reconnect) {
      // A new connection: the server starts from a fresh sync state, and we offer the refused change again.
      state.stage = "reconnect";
      const before = state.server;
      state.server = null;
      adapter.socket?.close();
      await waitFor(() => state.server && state.server !== before);
      if (finished) return;
    }
    if (opt["ready-file"]) writeFileSync(opt["ready-file"], JSON.stringify(refusal.message));
    state.stage = "until";
    await waitFor(() => isDeepStrictEqual(valueAt(plain(handle), until.path), until.value), handle);
    return finish(EXIT.OK, { status: "ok", url: docUrl, refused: refusal.message, heads: hexHeads(handle), doc: plain(handle) });
  }
}

function parsePath(text) {
  return text.split(".").map(p => (/^\d+$/.test(p) ? Number(p) : p));
}

/** A command-line value: JSON when it parses, else the text itself. */
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function valueAt(doc, path) {
  return path.reduce((v, seg) => (v === undefined || v === null ? undefined : v[seg]), doc);
}

// ---------------------------------------------------------------------------------------------------------
function applyEdit(doc, kind, path, value) {
  let target = doc;
  for (const seg of path.slice(0, -1)) {
    if (target[seg] === undefined || target[seg] === null) {
      if (kind === "push" || typeof seg !== "string") throw new Error(`no such path: ${path.join(".")}`);
      target[seg] = {};
    }
    target = target[seg];
  }
  const last = path[path.length - 1];
  if (kind === "set") {
    target[last] = value;
  } else {
    if (target[last] === undefined) target[last] = [];
    const list = target[last];
    if (!Array.isArray(list) && typeof list?.push !== "function") throw new Error(`not a list: ${path.join(".")}`);
    list.push(value);
  }
}

/** Turn every string into an ImmutableString (an Automerge scalar string rather than a Text object). */
function toScalarStrings(value, A) {
  if (typeof value === "string") return new A.ImmutableString(value);
  if (Array.isArray(value)) return value.map(v => toScalarStrings(v, A));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toScalarStrings(v, A);
    return out;
  }
  return value;
}

/** JSON form of a document: bytes as {"$bytes": base64}; ImmutableString, Counter and Date use their toJSON. */
function toPlainJSON(value) {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString("base64") } : v))
  );
}
