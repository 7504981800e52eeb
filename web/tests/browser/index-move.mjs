#!/usr/bin/env node
// The index moves (issue 12): after an approved erasure the server gives every user a new index document
// and deletes the old ones, whose history held the erased person's name. An operator's tablet is online
// with two cases at the desk; two privacy officers request and approve (four eyes, over REST) the erasure
// of one. The server closes the tablet's sync connection with `index_moved`; the app refreshes its tokens
// (the answer names the new index), deletes the old index from its encrypted store and follows the new one:
// the other case stays, the erased one is gone from the list and from IndexedDB, and a case the desk
// creates afterwards arrives live. Then the same with the tablet offline during the move: back online, its
// first sync of the old index is answered `index_moved`, and it moves the same way. After a reload, the local
// data unlocked offline open on the last index (the URL sealed in the store is the new one).
//
// Started by server/tests/api/web_departures.rs; by hand against a server with an operator and two privacy
// officers whose passwords are already changed (and no second factor required):
//
//   SPORTELLO_URL=http://127.0.0.1:8080 OPERATOR=op.a OFFICER_A=rp.a OFFICER_B=rp.b PASSWORD=… \
//   JS_CLIENT=../tests/js/client.mjs node tests/browser/index-move.mjs

import {
  apiLogin,
  base,
  check,
  consoleErrors as collectConsoleErrors,
  createCase,
  finish,
  launchBrowser,
  newTablet,
  noAxeViolations,
  required,
  serviceWorkerControls,
  shot,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";
import { goneFromIndexedDb, keysInIndexedDb, storedInIndexedDb } from "./store-helpers.mjs";

const operator = required("OPERATOR");
const officerA = required("OFFICER_A");
const officerB = required("OFFICER_B");
const password = required("PASSWORD");
watchdog(240);

async function post(token, path, body) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** One officer requests the erasure of the case at `url`, the other approves it (four eyes). */
async function erase(officers, url) {
  const id = url.replace("automerge:", "");
  const asked = await post(officers[0].access_token, `/api/v1/privacy/cases/${id}/erasure`, { reason: "subject_request" });
  const approved = await post(officers[1].access_token, `/api/v1/privacy/erasures/${asked.request.id}/approve`, {});
  if (!approved.erased_documents.includes(id)) throw new Error(`not erased: ${JSON.stringify(approved)}`);
}

/** A case at the desk, made by the stock JS client as the operator; its URL. */
const newCase = async (tokens, familyName, givenName) => JSON.parse(await createCase(tokens, familyName, givenName)).url;

/** The index the app's session names now (its tokens). */
const appIndex = page => page.evaluate(() => document.querySelector("app-shell")?.tokens?.index_doc);

async function logIn(page) {
  await page.getByLabel("Nome utente").fill(operator);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Entra" }).click();
}

const browser = await launchBrowser();
try {
  const desk = await apiLogin(operator, password);
  const officers = [await apiLogin(officerA, password), await apiLogin(officerB, password)];
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  const errors = collectConsoleErrors(page);
  const row = url => page.locator(`[data-case="${url}"]`);
  const indexes = [desk.index_doc];
  let conti;
  let bassi;
  let galli;

  await check("the operator's tablet is online with two cases at the desk, both in its store with the index", async () => {
    await page.goto(base);
    await logIn(page);
    await page.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
    await page.locator('[data-connection="online"]').waitFor();
    conti = await newCase(desk, "Conti", "Maria");
    bassi = await newCase(desk, "Bassi", "Giulia");
    await row(conti).filter({ hasText: "Conti Maria" }).waitFor();
    await row(bassi).filter({ hasText: "Bassi Giulia" }).waitFor();
    if ((await appIndex(page)) !== indexes[0]) throw new Error(`the app follows ${await appIndex(page)}, not ${indexes[0]}`);
    for (const url of [conti, bassi, indexes[0]]) await storedInIndexedDb(page, url);
    // For the offline reload at the end.
    await serviceWorkerControls(page);
  });

  await check("an erasure is approved: the tablet follows the new index and deletes the old one", async () => {
    await erase(officers, conti);
    await row(conti).waitFor({ state: "detached" });
    await page.waitForFunction(old => {
      const now = document.querySelector("app-shell")?.tokens?.index_doc;
      return now && now !== old;
    }, indexes[0]);
    indexes.push(await appIndex(page));
    const server = (await apiLogin(operator, password)).index_doc;
    if (server !== indexes[1]) throw new Error(`the server names ${server}, the app follows ${indexes[1]}`);
    await goneFromIndexedDb(page, indexes[0]);
    await goneFromIndexedDb(page, conti);
    await storedInIndexedDb(page, indexes[1]);
    // The case both indexes list stays, on screen and in the store.
    await row(bassi).filter({ hasText: "Bassi Giulia" }).waitFor();
    if ((await keysInIndexedDb(page, bassi)).length === 0) throw new Error("the case that stays left the store");
    await page.locator('[data-connection="online"]').waitFor();
  });

  await check("the tablet syncs the new index: a case the desk creates afterwards arrives live", async () => {
    galli = await newCase(desk, "Galli", "Sara");
    await row(galli).filter({ hasText: "Galli Sara" }).waitFor();
    if ((await page.getByText("Conti").count()) !== 0) throw new Error("the erased name is on screen");
    await noAxeViolations(page, "the cases after the index moved");
    await touchTargetsAreLargeEnough(page, "the cases after the index moved");
    await row(galli).scrollIntoViewIfNeeded();
    await shot(page, "tablet-index-moved");
  });

  await check("offline during a second move, back online the tablet is told index_moved and moves the same way", async () => {
    await context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    await erase(officers, bassi);
    // Offline, nothing can have changed yet.
    await row(bassi).waitFor();
    if ((await appIndex(page)) !== indexes[1]) throw new Error("the index changed while offline");
    await context.setOffline(false);
    await page.waitForFunction(old => {
      const now = document.querySelector("app-shell")?.tokens?.index_doc;
      return now && now !== old;
    }, indexes[1]);
    indexes.push(await appIndex(page));
    await row(bassi).waitFor({ state: "detached" });
    await goneFromIndexedDb(page, indexes[1]);
    await goneFromIndexedDb(page, bassi);
    await storedInIndexedDb(page, indexes[2]);
    await row(galli).filter({ hasText: "Galli Sara" }).waitFor();
    await page.locator('[data-connection="online"]').waitFor();
  });

  await check("after a reload the local data unlocked offline open on the last index", async () => {
    await context.setOffline(true);
    await page.reload();
    await logIn(page);
    await page.getByRole("button", { name: "Apri senza rete" }).click();
    await page.locator('[data-connection="offline"]').waitFor();
    if ((await appIndex(page)) !== indexes[2]) throw new Error(`the sealed session names ${await appIndex(page)}`);
    await page.locator('[data-index-status="ready"]').waitFor();
    await row(galli).filter({ hasText: "Galli Sara" }).waitFor();
    for (const url of [conti, bassi]) if ((await row(url).count()) !== 0) throw new Error(`${url} is listed again`);
    for (const url of [indexes[0], indexes[1], conti, bassi]) {
      const left = await keysInIndexedDb(page, url);
      if (left.length !== 0) throw new Error(`keys of ${url} came back: ${left.join(", ")}`);
    }
    await context.setOffline(false);
    await page.locator('[data-connection="online"]').waitFor();
    await row(galli).filter({ hasText: "Galli Sara" }).waitFor();
    if ((await appIndex(page)) !== indexes[2]) throw new Error("the index changed after the reload");
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
