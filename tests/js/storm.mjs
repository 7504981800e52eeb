#!/usr/bin/env node
// storm.mjs — the reconnect storm with the stock automerge-repo JS client as the load: TABLETS tablets
// (one Repo + WebSocketClientAdapter each, as in the PWA, no storage) each create CASES cases of about 2 KB
// while offline, then all connect at once. The storm ends when the server has acknowledged every change
// (its sync state shows it holds all of them: `A.hasOurChanges`, the test client's own criterion).
// Run by scripts/bench-sync-js.sh, against Sportello or against the reference server (reference-server.mjs).
//
//   node storm.mjs --url ws://127.0.0.1:PORT/sync --tablets 50 --cases 20 --server-pid PID
//                  [--login http://127.0.0.1:PORT --username-prefix load.op --password-env VAR]
//                  [--timeout 300]
//
// With --login each tablet logs in first as <prefix><n> (1-based) over the REST API, and its cases are
// valid Sportello cases created by that user; without it (the reference server) every tablet connects with
// no token. Server CPU (utime + stime from /proc/PID/stat) and resident memory (VmRSS sampled every 50 ms,
// and VmHWM) are read around the storm only: the logins are outside it.
// Prints one JSON line: {tablets, cases, documents, seconds, server_cpu_ms, cpu_ms_per_document,
// rss_before_mib, rss_peak_mib, hwm_mib}. Exits 1 on timeout or when the server refused something.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as A from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" },
    tablets: { type: "string", default: "50" },
    cases: { type: "string", default: "20" },
    "server-pid": { type: "string" },
    login: { type: "string" },
    "username-prefix": { type: "string", default: "load.op" },
    "password-env": { type: "string", default: "SPORTELLO_LOADGEN_PASSWORD" },
    timeout: { type: "string", default: "300" },
  },
});
if (!opt.url || !opt["server-pid"]) {
  console.error("storm.mjs: --url and --server-pid are required");
  process.exit(2);
}
const TABLETS = Number(opt.tablets);
const CASES = Number(opt.cases);
const PID = opt["server-pid"];
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const timer = setTimeout(() => {
  console.error(`storm.mjs: not converged within ${opt.timeout} s`);
  process.exit(1);
}, Number(opt.timeout) * 1000);
timer.unref();

function serverCpuMs() {
  const stat = readFileSync(`/proc/${PID}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is the state (field 3 of proc(5)): utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
function serverMemoryKib(name) {
  const line = readFileSync(`/proc/${PID}/status`, "utf8")
    .split("\n")
    .find(l => l.startsWith(`${name}:`));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

/** About 2 KB of Italian-looking text, different per case (not personal data: generated). */
function summaryFor(tablet, n) {
  const words = ["richiesta", "contributo", "affitto", "colloquio", "servizio", "famiglia", "lavoro", "scuola"];
  let text = `Tablet ${tablet}, caso ${n}: `;
  for (let i = 0; text.length < 2000; i++) text += `${words[(i * 7 + n + tablet) % words.length]} `;
  return text;
}

async function login(n) {
  const response = await fetch(`${opt.login}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: `${opt["username-prefix"]}${n}`, password: process.env[opt["password-env"]] }),
  });
  if (!response.ok) throw new Error(`login of tablet ${n}: HTTP ${response.status}`);
  return response.json();
}

// 1. Offline: every tablet logs in (when asked) and creates its cases with no network adapter.
const tablets = [];
for (let n = 1; n <= TABLETS; n++) {
  const tokens = opt.login ? await login(n) : undefined;
  const repo = new Repo({ network: [], sharePolicy: async () => true });
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const handles = [];
  for (let c = 0; c < CASES; c++) {
    handles.push(
      repo.create({
        schema: "sportello/case@1",
        created_at: now,
        created_by: tokens?.user.id ?? "00000000-0000-4000-8000-000000000000",
        channel: "desk",
        person: { given_name: `Persona${c}`, family_name: `Tablet${n}`, languages: ["it"] },
        needs: [],
        summary: summaryFor(n, c),
        urgency: "normal",
        consent: { privacy_notice: true, data_sharing: false, recorded_at: now },
        referrals: [],
        status: "open",
      }),
    );
  }
  tablets.push({ repo, handles, token: tokens?.access_token, acknowledged: new Set(), refused: false });
}

// 2. The storm: all connect at once; each tablet watches its server sync states.
const documents = TABLETS * CASES;
let acknowledged = 0;
let refused = 0;
let rssPeak = 0;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, serverMemoryKib("VmRSS"))), 50);
const rssBefore = serverMemoryKib("VmRSS");
const cpuBefore = serverCpuMs();
const started = performance.now();

const done = new Promise(resolve => {
  for (const tablet of tablets) {
    const byId = new Map(tablet.handles.map(h => [h.documentId, h]));
    tablet.repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
      const handle = byId.get(documentId);
      if (!handle || tablet.acknowledged.has(documentId)) return;
      if (syncState.theirHeads && A.hasOurChanges(handle.doc(), syncState)) {
        tablet.acknowledged.add(documentId);
        acknowledged += 1;
        if (acknowledged + refused === documents) resolve();
      }
    });
    tablet.repo.networkSubsystem.on("message", message => {
      if (message.type === "ephemeral" || message.type === "doc-unavailable" || message.type === "error") {
        refused += 1;
        console.error(`storm.mjs: the server answered ${message.type} on a document`);
        if (acknowledged + refused >= documents) resolve();
      }
    });
    const url = tablet.token ? `${opt.url}?access_token=${encodeURIComponent(tablet.token)}` : opt.url;
    tablet.repo.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url, 60_000));
  }
});
await done;

const seconds = (performance.now() - started) / 1000;
const cpu = serverCpuMs() - cpuBefore;
clearInterval(sampler);
rssPeak = Math.max(rssPeak, serverMemoryKib("VmRSS"));
const mib = kib => Math.round((kib / 1024) * 10) / 10;
console.log(
  JSON.stringify({
    tablets: TABLETS,
    cases: CASES,
    documents,
    refused,
    seconds: Math.round(seconds * 100) / 100,
    server_cpu_ms: Math.round(cpu),
    cpu_ms_per_document: Math.round((cpu / documents) * 100) / 100,
    rss_before_mib: mib(rssBefore),
    rss_peak_mib: mib(rssPeak),
    hwm_mib: mib(serverMemoryKib("VmHWM")),
  }),
);
for (const tablet of tablets) await tablet.repo.shutdown().catch(() => undefined);
process.exit(refused > 0 ? 1 : 0);
