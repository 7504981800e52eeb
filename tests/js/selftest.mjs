#!/usr/bin/env node
// selftest.mjs — proves the JS interoperability harness (client.mjs) against the reference automerge-repo
// sync server (reference-server.mjs), end to end, each client in its own process. Exits 0 when every check
// passes, 1 otherwise; the last line is "selftest: N passed, N failed". Bounded: every client run has a
// timeout and the whole run is aborted after 120 s.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { generateAutomergeUrl, isValidAutomergeUrl } from "@automerge/automerge-repo";

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT = join(here, "client.mjs");
const SERVER = join(here, "reference-server.mjs");
const started = Date.now();

const TOKENS = {
  operatorA: "operator-token-AAAA1111",
  operatorB: "operator-token-BBBB2222",
  refused: "refused-token-CCCC3333",
  http401: "http401-token-DDDD4444",
  readonly: "readonly-token-EEEE5555",
  nocreate: "nocreate-token-FFFF6666",
};

let passed = 0;
let failed = 0;
const check = (name, ok, detail) => {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `: ${detail}` : ""}`);
  }
};

const allOutput = []; // every byte the clients printed, to check that no token leaks

/** Run client.mjs; resolve {code, result (parsed last stdout line), stdout, stderr, ms}. */
function client(args, { env = {}, killAfterMs = 30_000 } = {}) {
  return new Promise(resolve => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLIENT, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", d => (stdout += d));
    child.stderr.on("data", d => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("close", code => {
      clearTimeout(killer);
      allOutput.push(stdout, stderr);
      let result = null;
      try {
        result = JSON.parse(stdout.trim().split("\n").pop());
      } catch {
        /* left null */
      }
      resolve({ code, result, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
const show = r => `exit ${r.code}, ${r.ms} ms, stdout ${r.stdout.trim()}, stderr ${r.stderr.trim().slice(0, 300)}`;

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, "--port", "0", "--max-seconds", "150",
      "--refuse-token", TOKENS.refused, "--http401-token", TOKENS.http401,
      "--readonly-token", TOKENS.readonly, "--nocreate-token", TOKENS.nocreate], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    child.stdout.on("data", d => {
      buf += d;
      const line = buf.split("\n")[0];
      if (buf.includes("\n")) resolve({ child, info: JSON.parse(line) });
    });
    child.on("exit", code => reject(new Error(`reference server exited with ${code}`)));
    setTimeout(() => reject(new Error("reference server did not start in 10 s")), 10_000).unref();
  });
}

/** A loopback port with nothing listening on it (bound, then released). */
function freePort() {
  return new Promise(resolve => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const CASE = {
  schema: "sportello/case@1",
  created_at: "2025-03-04T09:15:00Z",
  created_by: "u-operator-1",
  channel: "desk",
  ticket: 17,
  person: { given_name: "Mario", family_name: "Rossi", fiscal_code: "RSSMRA80A01H501U", languages: ["it", "ar"] },
  needs: [{ code: "housing", note: "sfratto esecutivo" }],
  summary: "Richiesta di supporto abitativo.",
  urgency: "high",
  consent: { privacy_notice: true, data_sharing: false, recorded_at: "2025-03-04T09:16:00Z" },
  referrals: [],
  status: "open",
};

const guard = setTimeout(() => {
  console.log("not ok - selftest did not finish within 120 s");
  console.log(`selftest: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 120_000);

let server;
try {
  server = await startServer();
  const base = server.info.url;
  const url = token => `${base}?access_token=${encodeURIComponent(token)}`;
  console.log(`# reference server at ${base}`);

  // 1. Client A creates a case and waits for the server's acknowledgement.
  const created = await client(["create", "--url", url(TOKENS.operatorA), "--doc", JSON.stringify(CASE)]);
  check("create: exit 0, status ok, a valid automerge URL and heads",
    created.code === 0 && created.result?.status === "ok" && isValidAutomergeUrl(created.result?.url) &&
      created.result.heads?.length === 1, show(created));
  const caseUrl = created.result?.url;

  const randomUrl = generateAutomergeUrl();
  const deadPort = await freePort();
  const [openB, unavailable, scalar, refused, http401, nocreate, noServer, usage, envToken, badToken] =
    await Promise.all([
      // 2. Another client (another process, another token) opens it.
      client(["open", "--url", url(TOKENS.operatorB), "--doc-url", caseUrl, "--expect", "ready"]),
      // 3. A random, never-created document: the server answers doc-unavailable.
      client(["open", "--url", url(TOKENS.operatorB), "--doc-url", randomUrl, "--expect", "unavailable"]),
      // 4. Strings written as scalar strings instead of Text objects.
      client(["create", "--url", url(TOKENS.operatorA), "--scalar-strings", "--doc", JSON.stringify(CASE)]),
      // 5. Refusal the Sportello way: upgrade accepted, `error` message, close 1008.
      client(["open", "--url", url(TOKENS.refused), "--doc-url", caseUrl]),
      // 6. Refusal with HTTP 401 at upgrade (crashes the stock client under Node; must not crash ours).
      client(["open", "--url", url(TOKENS.http401), "--doc-url", caseUrl]),
      // 7. The server will not take a newly created document.
      client(["create", "--url", url(TOKENS.nocreate), "--doc", JSON.stringify(CASE)]),
      // 8. Nothing listening: bounded by --timeout.
      client(["open", "--url", `ws://127.0.0.1:${deadPort}/sync`, "--doc-url", randomUrl, "--timeout", "1.5"]),
      // 9. Usage error.
      client(["open", "--url", url(TOKENS.operatorA), "--doc-url", "automerge:not-a-document-id"]),
      // 10. Token from the environment instead of the URL.
      client(["open", "--url", base, "--doc-url", caseUrl], { env: { SPORTELLO_ACCESS_TOKEN: TOKENS.operatorB } }),
      // 11. --expect mismatch.
      client(["open", "--url", url(TOKENS.operatorB), "--doc-url", randomUrl, "--expect", "ready"]),
    ]);

  check("open by a second client: exit 0, status ready, same content and heads as created",
    openB.code === 0 && openB.result?.status === "ready" && isDeepStrictEqual(openB.result.doc, CASE) &&
      isDeepStrictEqual(openB.result.heads, created.result?.heads), show(openB));
  check("open of a random automerge URL: exit 0, status unavailable, well within the timeout (< 5 s)",
    unavailable.code === 0 && unavailable.result?.status === "unavailable" && unavailable.ms < 5000, show(unavailable));
  const scalarOpen = scalar.result?.url
    ? await client(["open", "--url", url(TOKENS.operatorB), "--doc-url", scalar.result.url])
    : null;
  check("create --scalar-strings, then open: same content",
    scalar.code === 0 && scalarOpen?.code === 0 && isDeepStrictEqual(scalarOpen.result?.doc, CASE),
    `${show(scalar)} / ${scalarOpen && show(scalarOpen)}`);
  check("refusal by `error` message + close 1008: exit 3, status refused, close_code 1008",
    refused.code === 3 && refused.result?.status === "refused" && refused.result.close_code === 1008 && refused.ms < 5000,
    show(refused));
  check("refusal by HTTP 401 at upgrade: exit 3, status refused, http_status 401, no crash",
    http401.code === 3 && http401.result?.status === "refused" && http401.result.http_status === 401, show(http401));
  check("creation refused with doc-unavailable: exit 4, status rejected, reason doc-unavailable",
    nocreate.code === 4 && nocreate.result?.status === "rejected" && nocreate.result.reason === "doc-unavailable",
    show(nocreate));
  check("no server listening: exit 1, status timeout at stage connect, within the timeout (+2.5 s)",
    noServer.code === 1 && noServer.result?.status === "timeout" && noServer.result.stage === "connect" &&
      noServer.ms < 4000, show(noServer));
  check("invalid --doc-url: exit 2", usage.code === 2 && usage.result?.status === "usage", show(usage));
  check("token from SPORTELLO_ACCESS_TOKEN: exit 0, status ready",
    envToken.code === 0 && envToken.result?.status === "ready", show(envToken));
  check("--expect ready on an unavailable document: exit 5", badToken.code === 5 &&
    badToken.result?.status === "unavailable", show(badToken));

  // 12. Edit by client B, then client A sees it.
  const edit = await client(["edit", "--url", url(TOKENS.operatorB), "--doc-url", caseUrl,
    "--set", "person.given_name=Maria", "--set", "urgency=normal",
    "--push", `referrals=${JSON.stringify({ id: "r1", area: "housing", reason: "sfratto", status: "proposed" })}`]);
  const expected = {
    ...CASE,
    urgency: "normal",
    person: { ...CASE.person, given_name: "Maria" },
    referrals: [{ id: "r1", area: "housing", reason: "sfratto", status: "proposed" }],
  };
  check("edit: exit 0, status ok, edited content",
    edit.code === 0 && edit.result?.status === "ok" && isDeepStrictEqual(edit.result.doc, expected), show(edit));
  const reopen = await client(["open", "--url", url(TOKENS.operatorA), "--doc-url", caseUrl, "--debug"]);
  check("open after edit (with --debug): the edit is there, same heads",
    reopen.code === 0 && isDeepStrictEqual(reopen.result?.doc, expected) &&
      isDeepStrictEqual(reopen.result.heads, edit.result?.heads), show(reopen));

  // 13. A peer whose changes the server refuses (ephemeral message), and the document is unchanged after.
  const roEdit = await client(["edit", "--url", url(TOKENS.readonly), "--doc-url", caseUrl, "--set", "status=closed"]);
  check("edit refused with an ephemeral message: exit 4, status rejected, the message is reported",
    roEdit.code === 4 && roEdit.result?.status === "rejected" && roEdit.result.reason === "ephemeral" &&
      roEdit.result.ephemeral?.[0]?.reason === "read_only", show(roEdit));
  const afterRo = await client(["open", "--url", url(TOKENS.operatorA), "--doc-url", caseUrl]);
  check("after the refused edit the server's document is unchanged",
    afterRo.code === 0 && isDeepStrictEqual(afterRo.result?.doc, expected), show(afterRo));

  // 14. No token ever printed.
  const everything = allOutput.join("\n");
  const leaked = Object.values(TOKENS).filter(t => everything.includes(t));
  check("no access token appears in any client output (including --debug)", leaked.length === 0,
    `leaked: ${leaked.join(", ")}`);
} catch (e) {
  check("selftest ran to the end", false, e?.stack ?? String(e));
} finally {
  server?.child.kill("SIGTERM");
  clearTimeout(guard);
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`selftest: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
