#!/usr/bin/env node
// The encrypted local store, offline: an operator logs in online, goes offline, records an intake with a
// referral through the app's intake screen, reloads the app with no network, opens the local data with the
// password, and finds the case there; nothing readable rests in IndexedDB; back online, the case reaches the
// server with no action from the user (read back with the stock JS client), the social worker of the area
// sees the referral arrive in their own browser and accepts it, and the operator's screen shows the
// acceptance live. Started by server/tests/api/web_store.rs; by hand:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_USERNAME=op.store SPORTELLO_ONE_TIME_PASSWORD=… \
//   SPORTELLO_WORKER_USERNAME=sw.casa SPORTELLO_WORKER_ONE_TIME_PASSWORD=… \
//   JS_CLIENT=../tests/js/client.mjs node tests/browser/offline-store.mjs

import {
  apiLogin,
  base,
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
import { dumpIndexedDb, firstLogin, openOnServer, storedInIndexedDb } from "./store-helpers.mjs";

const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const worker = required("SPORTELLO_WORKER_USERNAME");
const workerOneTime = required("SPORTELLO_WORKER_ONE_TIME_PASSWORD");
const password = "melograno-lanterna-ottobre-17";
const workerPassword = "castagna-ruscello-febbraio-29";
const person = { family_name: "Rossi", given_name: "Mario", fiscal_code: "RSSMRA85T10A562S" };
watchdog(150);

const browser = await launchBrowser();

try {
  const context = await newTablet(browser);
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
    await page.getByRole("button", { name: "Nuova accoglienza" }).click();
    await page.getByLabel("Informativa consegnata e spiegata").check();
    await page.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
    url = `automerge:${page.url().split("#/caso/")[1]}`;
    await page.getByLabel("Nome", { exact: true }).fill(person.given_name);
    await page.getByLabel("Cognome", { exact: true }).fill(person.family_name);
    await page.getByLabel("Codice fiscale").fill(person.fiscal_code.toLowerCase());
    await page.getByLabel("Codice fiscale").press("Tab");
    await page.getByLabel("Sintesi del colloquio").fill("Cerca casa dopo lo sfratto");
    await page.getByLabel("Sintesi del colloquio").press("Tab");
    await page.getByRole("heading", { name: `Accoglienza: ${person.given_name} ${person.family_name}` }).waitFor();
    await page.getByLabel("Servizio").selectOption("housing");
    await page.getByLabel("Motivo dell'invio").fill("Emergenza abitativa: sfratto");
    await page.getByRole("button", { name: "Invia al servizio" }).click();
    await page.locator('[data-referral][data-area="housing"][data-status="proposed"]').waitFor();
    await page.locator('[data-pending="1"]').waitFor();
    await storedInIndexedDb(page, url);
    let reached = true;
    try {
      openOnServer((await apiLogin(username, password)).access_token, url);
    } catch {
      reached = false;
    }
    if (reached) throw new Error("the case reached the server while the app showed it offline");
    await page.getByRole("link", { name: "Torna ai casi" }).click();
    await page.locator("[data-case]", { hasText: `${person.family_name} ${person.given_name}` }).waitFor();
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
    // The list of cases comes from the index document in the store, and from the outbox for the case
    // the server has not seen yet.
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
    const local = page.locator("[data-case]", { hasText: `${person.family_name} ${person.given_name}` });
    await local.waitFor();
    // What the server acknowledged before the restart is still known offline.
    await local.locator('[data-save="local"]').waitFor();
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).locator('[data-save="saved"]').waitFor();
    await local.scrollIntoViewIfNeeded();
    await shot(page, "shell-offline-unlocked");
    await local.locator("a").first().click();
    await page.getByRole("heading", { name: `Accoglienza: ${person.given_name} ${person.family_name}` }).waitFor();
    const values = [
      await page.getByLabel("Cognome", { exact: true }).inputValue(),
      await page.getByLabel("Codice fiscale").inputValue(),
      await page.getByLabel("Sintesi del colloquio").inputValue(),
    ];
    if (values.join("|") !== `${person.family_name}|${person.fiscal_code}|Cerca casa dopo lo sfratto`) {
      throw new Error(`the intake read back offline is not the one written: ${values.join("|")}`);
    }
    await page.locator('[data-referral][data-area="housing"][data-status="proposed"]', { hasText: "Emergenza abitativa" }).waitFor();
  });

  await check("nothing readable is in IndexedDB: no name, codice fiscale, token or Automerge chunk in clear", async () => {
    const rows = await dumpIndexedDb(page);
    const chunks = rows.filter(r => r.store === "chunks");
    if (chunks.length === 0) throw new Error("no chunk in IndexedDB: the store was not used");
    if (!chunks.some(r => r.key.includes(url.replace("automerge:", "")))) throw new Error("the case is not in the store");
    const secrets = ["Diallo", "Amina", "Rossi", "Mario", "RSSMRA", "Cerca casa", person.fiscal_code, "sfratto", "sprt_", password, "Giulia", username];
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
    if (result.doc?.person?.fiscal_code !== person.fiscal_code || result.doc?.person?.family_name !== person.family_name) {
      throw new Error(`the server's copy differs: ${JSON.stringify(result.doc?.person)}`);
    }
  });

  await check("the social worker of the area sees the referral arrive and accepts it; the operator's screen shows it live", async () => {
    const office = await newTablet(browser);
    const workerPage = await office.newPage();
    await workerPage.goto(base);
    await workerPage.getByLabel("Nome utente").fill(worker);
    await workerPage.getByLabel("Password", { exact: true }).fill(workerOneTime);
    await workerPage.getByRole("button", { name: "Entra" }).click();
    await workerPage.getByLabel("Password attuale (temporanea)").fill(workerOneTime);
    await workerPage.getByLabel("Nuova password", { exact: true }).fill(workerPassword);
    await workerPage.getByLabel("Ripeti la nuova password").fill(workerPassword);
    await workerPage.getByRole("button", { name: "Cambia la password" }).click();
    await workerPage.getByRole("heading", { name: "Invii al tuo servizio" }).waitFor();
    const row = workerPage.locator("referral-inbox li[data-case]", { hasText: `${person.family_name} ${person.given_name}` });
    await row.getByText("Proposto", { exact: true }).waitFor();
    await row.getByRole("link").click();
    await workerPage.getByRole("button", { name: "Accetta l'invio" }).click();
    await workerPage.getByText("Invio accettato").waitFor();
    // The operator still has the case open: the decision arrives without a reload.
    await page.locator('[data-referral][data-area="housing"][data-status="accepted"]', { hasText: "Accettato" }).waitFor();
    await office.close();
  });

  await check("after 15 minutes without activity the app locks, and the password unlocks it", async () => {
    await page.clock.fastForward("15:10");
    await page.getByRole("heading", { name: "App bloccata" }).waitFor();
    if ((await page.locator("app-shell").count()) !== 0) throw new Error("the shell is still on the page while locked");
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
    // Back where the user was: the case they had open.
    await page.getByRole("heading", { name: `Accoglienza: ${person.given_name} ${person.family_name}` }).waitFor();
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
