#!/usr/bin/env node
// A session ended by the server, with unsynced work on the tablet: the operator records a case offline, an
// admin disables the operator's account (which ends the sessions without marking them lost: ending them
// from the console would also wipe the tablet, see lifecycle.mjs) and enables it again, and at the app's
// next contact with the server it returns to the login
// screen with the data key and the tokens gone from memory; the case stays encrypted on the tablet, and
// after the next login it reaches the server with no action from the user. Started by
// server/tests/api/web_store.rs, which passes an admin's access token.
//
// Environment: see harness.mjs, and SPORTELLO_USERNAME, SPORTELLO_ONE_TIME_PASSWORD, SPORTELLO_ADMIN_TOKEN.

import {
  apiLogin,
  base,
  check,
  finish,
  launchBrowser,
  newTablet,
  noAxeViolations,
  required,
  shot,
  watchdog,
  watchPage,
} from "./harness.mjs";
import { firstLogin, openOnServer, storedInIndexedDb, userIdOf } from "./store-helpers.mjs";

const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const adminToken = required("SPORTELLO_ADMIN_TOKEN");
const password = "castagno-faro-dicembre-23";
const person = { family_name: "Ferraro", given_name: "Luca", fiscal_code: "RSSMRA85T10A562S" };
watchdog(150);

const browser = await launchBrowser();

try {
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  let url;
  let userId;

  await check("an operator records a case while offline: it waits on the tablet", async () => {
    await firstLogin(page, username, oneTime, password);
    userId = await userIdOf(page);
    await context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    await page.getByRole("button", { name: "Nuova accoglienza" }).click();
    await page.getByLabel("Informativa consegnata e spiegata").check();
    await page.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
    url = `automerge:${page.url().split("#/caso/")[1]}`;
    await page.getByLabel("Nome", { exact: true }).fill(person.given_name);
    await page.getByLabel("Cognome", { exact: true }).fill(person.family_name);
    await page.getByLabel("Cognome", { exact: true }).press("Tab");
    await page.getByRole("heading", { name: `Accoglienza: ${person.given_name} ${person.family_name}` }).waitFor();
    await page.locator('[data-pending="1"]').waitFor();
    await storedInIndexedDb(page, url);
  });

  await check("an admin disables and re-enables the operator; at the next contact the app returns to the login screen", async () => {
    for (const disabled of [true, false]) {
      const response = await fetch(`${base}/api/v1/admin/users/${userId}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ disabled }),
      });
      if (!response.ok) throw new Error(`disabled: ${disabled}: ${response.status}`);
    }
    await context.setOffline(false);
    await page.getByText("La sessione è terminata. Accedi di nuovo.").waitFor();
    await page.getByRole("heading", { name: "Accesso" }).waitFor();
    // The shell (and the case it showed) is gone with the session.
    if ((await page.locator("app-shell").count()) !== 0) throw new Error("the shell is still on the page");
    await noAxeViolations(page, "login after the session ended");
    await shot(page, "login-session-ended");
  });

  await check("the case never reached the server while the session was over", async () => {
    const tokens = await apiLogin(username, password);
    let reached = true;
    try {
      openOnServer(tokens.access_token, url);
    } catch {
      reached = false;
    }
    if (reached) throw new Error("the case is on the server already: it was not waiting on the tablet");
  });

  await check("after the next login the unsynced case reaches the server with no action from the user", async () => {
    await page.getByLabel("Nome utente").fill(username);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.locator('[data-connection="online"]').waitFor();
    await page.locator('[data-pending="0"]').waitFor();
    const tokens = await apiLogin(username, password);
    const result = openOnServer(tokens.access_token, url);
    if (result.doc?.person?.family_name !== person.family_name) {
      throw new Error(`the server's copy differs: ${JSON.stringify(result.doc?.person)}`);
    }
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
