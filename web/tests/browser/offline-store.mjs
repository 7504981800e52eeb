#!/usr/bin/env node
// The encrypted local store, offline: an operator logs in online, goes offline, records a case through the
// app's own Repo, reloads the app with no network, opens the local data with the password, and finds the
// case there; nothing readable rests in IndexedDB; back online, the case reaches the server with no action
// from the user (read back with the stock JS client). Started by server/tests/api/web_store.rs; by hand:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_USERNAME=op.store SPORTELLO_ONE_TIME_PASSWORD=… \
//   JS_CLIENT=../tests/js/client.mjs node tests/browser/offline-store.mjs
//
// Until the intake screen exists the case is written through the narrow test handle (src/sync/test-handle.ts).

import {
  apiLogin,
  check,
  createCase,
  consoleErrors as collectConsoleErrors,
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
import {
  caseDoc,
  createInApp,
  dumpIndexedDb,
  enableTestHandle,
  firstLogin,
  openOnServer,
  readInApp,
  storedInIndexedDb,
  userIdOf,
} from "./store-helpers.mjs";

const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const password = "melograno-lanterna-ottobre-17";
const person = { family_name: "Esposito", given_name: "Carmela", fiscal_code: "RSSMRA85T10A562S" };
watchdog(150);

const browser = await launchBrowser();

try {
  const context = await newTablet(browser);
  await enableTestHandle(context);
  // The page's clock is Playwright's (it runs on its own) so that the inactivity lock can be reached.
  await context.clock.install();
  const page = await context.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  let url;

  await check("after an online login (and the forced password change) the shell is online", async () => {
    await firstLogin(page, username, oneTime, password);
    await page.locator('[data-pending="0"]').waitFor();
  });

  await check("a case created on the server appears in the list (its index document is kept in the store)", async () => {
    await createCase(await apiLogin(username, password), "Diallo", "Amina");
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
  });

  await check("offline, a case recorded in the app waits as a change for the server", async () => {
    await serviceWorkerControls(page);
    await context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    url = await createInApp(page, caseDoc(await userIdOf(page), person));
    await page.locator('[data-pending="1"]').waitFor();
    await storedInIndexedDb(page, url);
  });

  await check("reloaded with no network, a wrong password does not open the local data, with a clear message", async () => {
    await page.reload();
    await page.getByLabel("Nome utente").fill(username);
    await page.getByLabel("Password", { exact: true }).fill("non-la-password-giusta");
    await page.getByRole("button", { name: "Entra" }).click();
    const open = page.getByRole("button", { name: "Apri senza rete" });
    await open.waitFor();
    await noAxeViolations(page, "login offline with the offer");
    await touchTargetsAreLargeEnough(page, "login offline with the offer");
    await shot(page, "login-offline-unlock");
    await open.click();
    await page.getByText("Password non corretta per i dati di questo tablet.").waitFor();
  });

  await check("with the right password the local data open offline, and the case is there", async () => {
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Apri senza rete" }).click();
    await page.locator('[data-connection="offline"]').waitFor();
    // The outbox opened the local case: it still waits for the server.
    await page.locator('[data-pending="1"]').waitFor();
    // The list of cases comes from the index document in the store.
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
    const doc = await readInApp(page, url);
    if (doc.person.family_name !== person.family_name || doc.person.fiscal_code !== person.fiscal_code) {
      throw new Error(`the case read back offline is not the one written: ${JSON.stringify(doc.person)}`);
    }
    await shot(page, "shell-offline-unlocked");
  });

  await check("nothing readable is in IndexedDB: no name, codice fiscale, token or Automerge chunk in clear", async () => {
    const rows = await dumpIndexedDb(page);
    const chunks = rows.filter(r => r.store === "chunks");
    if (chunks.length === 0) throw new Error("no chunk in IndexedDB: the store was not used");
    if (!chunks.some(r => r.key.includes(url.replace("automerge:", "")))) throw new Error("the case is not in the store");
    const secrets = ["Diallo", "Amina", person.family_name, person.given_name, person.fiscal_code, "sfratto", "sprt_", password, "Giulia", username];
    for (const row of rows) {
      for (const secret of secrets) {
        if (row.text.toLowerCase().includes(secret.toLowerCase()) || row.key.toLowerCase().includes(secret.toLowerCase())) {
          throw new Error(`plaintext "${secret}" found in ${row.db}/${row.store} ${row.key}`);
        }
      }
      // Saved Automerge documents and changes start with these magic bytes, compressed or not.
      if (row.automergeMagic) throw new Error(`an unencrypted Automerge chunk in ${row.db}/${row.store} ${row.key}`);
    }
  });

  await check("back online, the case reaches the server with no action from the user", async () => {
    await context.setOffline(false);
    await page.locator('[data-connection="online"]').waitFor();
    await page.locator('[data-pending="0"]').waitFor();
    const tokens = await apiLogin(username, password);
    const result = openOnServer(tokens.access_token, url);
    if (result.doc?.person?.fiscal_code !== person.fiscal_code) {
      throw new Error(`the server's copy differs: ${JSON.stringify(result.doc?.person)}`);
    }
  });

  await check("after 15 minutes without activity the app locks, and the password unlocks it", async () => {
    await page.clock.fastForward("15:10");
    await page.getByRole("heading", { name: "App bloccata" }).waitFor();
    const handle = await page.evaluate(() => window.sportelloTestHandle !== undefined);
    if (handle) throw new Error("the app's Repo is still reachable while locked");
    await noAxeViolations(page, "unlock");
    await touchTargetsAreLargeEnough(page, "unlock");
    await shot(page, "unlock");
    await page.getByLabel("Password", { exact: true }).fill("non-la-password-giusta");
    await page.getByRole("button", { name: "Sblocca" }).click();
    await page.getByText("Password non corretta per i dati di questo tablet.").waitFor();
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sblocca" }).click();
    await page.locator('[data-connection="online"]').waitFor();
    await page.locator('[data-pending="0"]').waitFor();
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
  });

  await check("no script errors besides the network failures of the offline steps", async () => {
    const unexpected = consoleErrors.unexpected().filter(text => !/401|Unauthorized/.test(text));
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
