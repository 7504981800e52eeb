#!/usr/bin/env node
// The first scenario of the tablet app: an operator logs in with a one-time password, changes it, sees a
// case created through the sync server by the stock JS client appear live, goes offline, reloads the app
// from the service worker, logs in again and out. Started by the Rust test in server/tests/api/web_browser.rs,
// which runs the server and creates the account; by hand against any server:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_USERNAME=op.web SPORTELLO_ONE_TIME_PASSWORD=… \
//   node tests/browser/shell.mjs
//
// Environment: see harness.mjs, and SPORTELLO_USERNAME, SPORTELLO_ONE_TIME_PASSWORD (required),
// SPORTELLO_NEW_PASSWORD (default below).

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

const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const newPassword = process.env.SPORTELLO_NEW_PASSWORD ?? "girasole-tramonto-bicicletta-42";
watchdog(240);

const browser = await launchBrowser();

try {
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);

  await check("the login screen opens at / and has no accessibility violations", async () => {
    await page.goto(base);
    await page.getByLabel("Nome utente").waitFor();
    await noAxeViolations(page, "login");
    await touchTargetsAreLargeEnough(page, "login");
    await shot(page, "login");
  });

  await check("a wrong password is refused with a message", async () => {
    await page.getByLabel("Nome utente").fill(username);
    await page.getByLabel("Password", { exact: true }).fill("non-la-password-giusta");
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByText("Nome utente o password non corretti.").waitFor();
    consoleErrors.clear(); // the browser logs the 401 it was meant to get
  });

  await check("a one-time password leads to the forced password change", async () => {
    await page.getByLabel("Password", { exact: true }).fill(oneTime);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("heading", { name: "Cambia la password" }).waitFor();
    await noAxeViolations(page, "password change");
    await touchTargetsAreLargeEnough(page, "password change");
    await shot(page, "password-change");
  });

  await check("after the change the shell shows the empty index, online, nothing waiting", async () => {
    await page.getByLabel("Password attuale (temporanea)").fill(oneTime);
    await page.getByLabel("Nuova password", { exact: true }).fill(newPassword);
    await page.getByLabel("Ripeti la nuova password").fill(newPassword);
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
    await page.locator('[data-index-status="ready"]').waitFor();
    await page.getByText("Nessun caso per ora.").waitFor();
    await page.locator('[data-connection="online"]').waitFor();
    await page.locator('[data-pending="0"]').waitFor();
    await noAxeViolations(page, "shell");
    await touchTargetsAreLargeEnough(page, "shell");
  });

  await check("a case created through the sync server appears in the list live", async () => {
    await createCase(await apiLogin(username, newPassword), "Diallo", "Amina");
    const row = page.locator("[data-case]", { hasText: "Diallo Amina" });
    await row.waitFor();
    await row.getByText("Aperto").waitFor();
    await row.getByText("Salvato sul server").waitFor();
    await noAxeViolations(page, "shell with a case");
    await shot(page, "shell");
  });

  await check("going offline shows the offline indicator", async () => {
    // The service worker must control the page before the network goes (it precached the shell).
    await serviceWorkerControls(page);
    await context.setOffline(true);
    await page.locator('[data-connection="offline"]').waitFor();
    await page.getByText("Non in linea").waitFor();
    await noAxeViolations(page, "shell offline");
    await shot(page, "shell-offline");
  });

  await check("the app shell reloads with no network (service worker)", async () => {
    await page.reload();
    await page.getByLabel("Nome utente").waitFor();
    const wasm = await page.evaluate(async () => {
      const names = await caches.keys();
      for (const name of names) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) if (request.url.endsWith(".wasm")) return request.url;
      }
      return "";
    });
    if (!wasm) throw new Error("automerge.wasm is not in the service worker's cache");
  });

  await check("back online, logging in again and logging out returns to the login screen", async () => {
    await context.setOffline(false);
    await page.getByLabel("Nome utente").fill(username);
    await page.getByLabel("Password", { exact: true }).fill(newPassword);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
    await page.getByRole("button", { name: "Esci" }).click();
    await page.getByLabel("Nome utente").waitFor();
    await page.getByRole("heading", { name: "Accesso" }).waitFor();
  });

  await check("no script errors besides the network failures of the offline step", async () => {
    const unexpected = consoleErrors.unexpected();
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
