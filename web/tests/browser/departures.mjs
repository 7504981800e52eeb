#!/usr/bin/env node
// A document that leaves the user's index leaves the tablet: an operator (the stock automerge-repo JS
// client, through the real server) refers two cases to the elderly area; the area's social worker has the
// app open and both arrive in her inbox and in her encrypted store. The operator cancels one referral: the
// case leaves the worker's inbox, and no key of that document (snapshot, incremental chunk, sync state)
// remains in her IndexedDB, while the other case stays. After a reload (a new session on the same store)
// the cancelled case does not come back. A decision the worker makes offline on a case the desk cancels
// meanwhile is turned away by the server (she may no longer read it), and then that case goes too. A case
// she has on screen when its referral is cancelled is replaced by the unavailable notice at once.
//
// Started by server/tests/api/web_departures.rs; by hand against a server with an operator and a social
// worker of `elderly` whose passwords are already changed:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 OPERATOR=op.a WORKER=sw.a PASSWORD=… \
//   JS_CLIENT=../tests/js/client.mjs node tests/browser/departures.mjs

import { spawnSync } from "node:child_process";
import {
  apiLogin,
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  newTablet,
  required,
  watchdog,
  watchPage,
} from "./harness.mjs";
import { keysInIndexedDb as keysOf, storedInIndexedDb } from "./store-helpers.mjs";

const operator = required("OPERATOR");
const worker = required("WORKER");
const password = required("PASSWORD");
watchdog(180);

const syncUrl = `${base.replace(/^http/, "ws")}/sync`;

function jsClient(tokens, args) {
  const result = spawnSync("node", [process.env.JS_CLIENT, ...args, "--url", syncUrl, "--timeout", "10"], {
    env: { ...process.env, SPORTELLO_ACCESS_TOKEN: tokens.access_token },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`client.mjs ${args[0]} failed (${result.status}): ${result.stdout} ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A case the operator records and refers to `area` at once. */
function referCase(tokens, familyName, givenName, area) {
  const now = new Date().toISOString();
  const doc = {
    schema: "sportello/case@1",
    created_at: now,
    created_by: tokens.user.id,
    channel: "desk",
    person: { given_name: givenName, family_name: familyName, languages: ["it"] },
    needs: [{ code: "elderly_care", note: "vive sola" }],
    summary: "Colloquio allo sportello: chiede assistenza domiciliare.",
    urgency: "normal",
    consent: { privacy_notice: true, data_sharing: false, recorded_at: now },
    referrals: [{ id: "r1", area, reason: "assistenza domiciliare", status: "proposed", created_by: tokens.user.id, created_at: now }],
    status: "referred",
  };
  return jsClient(tokens, ["create", "--doc", JSON.stringify(doc)]).url;
}

async function logIn(page) {
  await page.goto(base);
  await page.getByLabel("Nome utente").fill(worker);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Entra" }).click();
  await page.getByRole("heading", { name: "Invii al tuo servizio" }).waitFor();
  await page.locator('[data-connection="online"]').waitFor();
}

const browser = await launchBrowser();
try {
  const desk = await apiLogin(operator, password);
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  const errors = collectConsoleErrors(page);
  const rows = page.locator("referral-inbox li[data-case]");
  let conti;
  let bassi;

  await check("two referred cases reach the social worker's inbox and her encrypted store", async () => {
    await logIn(page);
    conti = referCase(desk, "Conti", "Maria", "elderly");
    bassi = referCase(desk, "Bassi", "Giulia", "elderly");
    await rows.filter({ hasText: "Conti Maria" }).waitFor();
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor();
    await storedInIndexedDb(page, conti);
    await storedInIndexedDb(page, bassi);
  });

  await check("the operator cancels one referral: the case leaves the inbox and every key of it the store", async () => {
    jsClient(desk, [
      "edit",
      "--doc-url",
      conti,
      "--set",
      "referrals.0.status=cancelled",
      "--set",
      `referrals.0.decided_by=${desk.user.id}`,
      "--set",
      `referrals.0.decided_at=${new Date().toISOString()}`,
    ]);
    await rows.filter({ hasText: "Conti Maria" }).waitFor({ state: "detached" });
    await page.waitForFunction(
      async docId => {
        for (const { name } of await indexedDB.databases()) {
          if (!name.startsWith("sportello-user-")) continue;
          const db = await new Promise(r => (indexedDB.open(name).onsuccess = e => r(e.target.result)));
          const keys = await new Promise(r => (db.transaction("chunks").objectStore("chunks").getAllKeys().onsuccess = e => r(e.target.result)));
          db.close();
          if (keys.some(k => k[0] === docId)) return false;
        }
        return true;
      },
      conti.replace("automerge:", ""),
      { polling: 100 },
    );
    const left = await keysOf(page, conti);
    if (left.length !== 0) throw new Error(`keys of the cancelled case remain: ${left.join(", ")}`);
    if ((await keysOf(page, bassi)).length === 0) throw new Error("the other case left the store too");
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor();
  });

  await check("after a reload the cancelled case does not come back", async () => {
    await page.reload();
    await logIn(page);
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor();
    if ((await rows.filter({ hasText: "Conti Maria" }).count()) !== 0) throw new Error("the cancelled case is listed again");
    const left = await keysOf(page, conti);
    if (left.length !== 0) throw new Error(`keys of the cancelled case came back: ${left.join(", ")}`);
  });

  await check("a decision made offline on a case cancelled meanwhile is turned away, then the case goes", async () => {
    const galli = referCase(desk, "Galli", "Sara", "elderly");
    await rows.filter({ hasText: "Galli Sara" }).waitFor();
    await storedInIndexedDb(page, galli);
    await context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    await rows.filter({ hasText: "Galli Sara" }).getByRole("link").click();
    await page.getByRole("button", { name: "Accetta l'invio" }).click();
    await page.getByText("Invio accettato").waitFor();
    await page.getByRole("link", { name: "Torna agli invii" }).click();
    jsClient(desk, [
      "edit",
      "--doc-url",
      galli,
      "--set",
      "referrals.0.status=cancelled",
      "--set",
      `referrals.0.decided_by=${desk.user.id}`,
      "--set",
      `referrals.0.decided_at=${new Date().toISOString()}`,
    ]);
    // Offline, the tablet cannot know: the case and its unsynced decision stay.
    if ((await keysOf(page, galli)).length === 0) throw new Error("the case left the store while offline");
    await context.setOffline(false);
    await page.locator('[data-connection="online"]').waitFor();
    await rows.filter({ hasText: "Galli Sara" }).waitFor({ state: "detached" });
    await page.waitForFunction(
      async docId => {
        for (const { name } of await indexedDB.databases()) {
          if (!name.startsWith("sportello-user-")) continue;
          const db = await new Promise(r => (indexedDB.open(name).onsuccess = e => r(e.target.result)));
          const keys = await new Promise(r => (db.transaction("chunks").objectStore("chunks").getAllKeys().onsuccess = e => r(e.target.result)));
          db.close();
          if (keys.some(k => k[0] === docId)) return false;
        }
        return true;
      },
      galli.replace("automerge:", ""),
      { polling: 100 },
    );
    const server = jsClient(desk, ["open", "--doc-url", galli, "--expect", "ready"]).doc;
    if (server.referrals[0].status !== "cancelled") throw new Error(`the server holds ${JSON.stringify(server.referrals)}`);
  });

  await check("a case on screen when its referral is cancelled stops showing at once", async () => {
    const ferri = referCase(desk, "Ferri", "Lucia", "elderly");
    await rows.filter({ hasText: "Ferri Lucia" }).getByRole("link").click();
    await page.getByRole("button", { name: "Accetta l'invio" }).waitFor();
    jsClient(desk, [
      "edit",
      "--doc-url",
      ferri,
      "--set",
      "referrals.0.status=cancelled",
      "--set",
      `referrals.0.decided_by=${desk.user.id}`,
      "--set",
      `referrals.0.decided_at=${new Date().toISOString()}`,
    ]);
    // The same screen, without navigating: the case's content is replaced by the unavailable notice.
    await page.locator("referral-case").getByRole("alert").filter({ hasText: "non è disponibile" }).waitFor();
    if ((await page.getByText("Ferri").count()) !== 0) throw new Error("the departed case's name is still on screen");
    if ((await page.getByRole("button", { name: "Accetta l'invio" }).count()) !== 0) throw new Error("its decisions are still offered");
    await page.getByRole("link", { name: "Torna agli invii" }).click();
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor();
  });

  await check("no unexpected script errors", async () => {
    const unexpected = errors.unexpected();
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by check(); the totals below set the exit code.
} finally {
  await browser.close();
  finish();
}
