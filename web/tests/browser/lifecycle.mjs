#!/usr/bin/env node
// The tablet's data lifecycle (issue 12) in a real browser, against the real server:
// 1. remote wipe: an admin marks the tablet's session lost through the REST API. Online, the server closes
//    the app's sync connection with `session_wiped` and the app deletes the user's IndexedDB database and
//    registry entry, keys included, at once, and shows the wiped screen; marked while offline, the same
//    happens at its next contact (the wipe check before it connects) — nothing is pushed either way;
// 2. offline reads: cases opened on the tablet while offline reach the audit log as `doc.read_offline`
//    once the network is back.
// Started by server/tests/api/web_lifecycle.rs, which passes an admin's access token.
//
// Environment: see harness.mjs, and SPORTELLO_USERNAME, SPORTELLO_ONE_TIME_PASSWORD, SPORTELLO_READER_USERNAME,
// SPORTELLO_READER_ONE_TIME_PASSWORD, SPORTELLO_ADMIN_TOKEN.

import { base, check, finish, launchBrowser, newTablet, noAxeViolations, required, shot, watchdog, watchPage } from "./harness.mjs";
import { firstLogin, userIdOf } from "./store-helpers.mjs";

const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const readerName = required("SPORTELLO_READER_USERNAME");
const readerOneTime = required("SPORTELLO_READER_ONE_TIME_PASSWORD");
const adminToken = required("SPORTELLO_ADMIN_TOKEN");
const password = "castagno-faro-dicembre-23";
watchdog(170);

const admin = async (path, init = {}) => {
  const response = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status}`);
  return response.status === 204 ? undefined : response.json();
};

const databases = page => page.evaluate(async () => (await indexedDB.databases()).map(db => db.name));

const waitFor = async (what, condition, ms = 30_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 250));
  }
};

const browser = await launchBrowser();

try {
  await (async () => {
    const context = await newTablet(browser);
    const page = await context.newPage();
    watchPage(page);
    let userId;

    // The wiped screen, the user's database gone and the registry without them (no offline unlock left).
    const storeIsGone = async () => {
      await page.getByRole("heading", { name: "Dati del tablet cancellati" }).waitFor();
      await page.getByText("Questo tablet è stato disconnesso dall'amministratore: i dati locali sono stati cancellati").waitFor();
      const left = await waitFor("the store to go", async () => {
        const names = await databases(page);
        return names.includes(`sportello-user-${userId}`) ? undefined : names;
      });
      if (left.includes(`sportello-user-${userId}`)) throw new Error("the store is still there");
      const known = await page.evaluate(async () => {
        const db = await new Promise((resolve, reject) => {
          const req = indexedDB.open("sportello-tablet");
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        if (!db.objectStoreNames.contains("users")) return 0;
        return new Promise(resolve => {
          const req = db.transaction("users").objectStore("users").count();
          req.onsuccess = () => resolve(req.result);
        });
      });
      if (known !== 0) throw new Error(`the registry still has ${known} entries`);
    };
    const markLost = async () => {
      const sessions = await admin(`/admin/sessions?user_id=${userId}`);
      if (sessions.length !== 1) throw new Error(`expected one live session, got ${sessions.length}`);
      await admin(`/admin/sessions/${sessions[0].id}/wipe`, { method: "POST" });
    };
    const newCase = async () => {
      await page.evaluate(() => (location.hash = "#/"));
      await page.getByRole("button", { name: "Nuova accoglienza" }).click();
      await page.getByLabel("Informativa consegnata e spiegata").check();
      await page.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
      await page.locator('[data-pending="0"]').waitFor();
      if (!(await databases(page)).includes(`sportello-user-${userId}`)) throw new Error("no store for the user");
    };


    await check("an operator signs in: the tablet holds an encrypted store for them", async () => {
      await firstLogin(page, username, oneTime, password);
      userId = await userIdOf(page);
      await newCase();
    });

    await check("an admin marks the session lost while the tablet is online: it deletes the store at once and says so", async () => {
      await markLost();
      // No reload: the server closes the open sync connection with `session_wiped`.
      await storeIsGone();
      await noAxeViolations(page, "wiped");
      await shot(page, "tablet-wiped");
      await page.getByRole("button", { name: "Torna all'accesso" }).click();
      await page.getByRole("heading", { name: "Accesso" }).waitFor();
    });

    await check("marked lost while the tablet is offline: at its next contact it deletes the store", async () => {
      await page.getByLabel("Nome utente").fill(username);
      await page.getByLabel("Password", { exact: true }).fill(password);
      await page.getByRole("button", { name: "Entra" }).click();
      await page.locator('[data-connection="online"]').waitFor();
      await newCase();
      await context.setOffline(true);
      await page.locator('[data-connection="offline"]').waitFor();
      await markLost();
      await context.setOffline(false);
      await storeIsGone();
    });
    await context.close();
  })();

  await (async () => {
    const context = await newTablet(browser);
    const page = await context.newPage();
    watchPage(page);
    let documentId;
    let offlineFrom;

    await check("cases opened while offline reach the audit log as doc.read_offline after reconnecting", async () => {
      await firstLogin(page, readerName, readerOneTime, password);
      await page.getByRole("button", { name: "Nuova accoglienza" }).click();
      await page.getByLabel("Informativa consegnata e spiegata").check();
      await page.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
      documentId = page.url().split("#/caso/")[1];
      await page.getByLabel("Nome", { exact: true }).fill("Luca");
      await page.getByLabel("Cognome", { exact: true }).fill("Ferraro");
      await page.getByLabel("Cognome", { exact: true }).press("Tab");
      await page.getByRole("heading", { name: "Accoglienza: Luca Ferraro" }).waitFor();
      await page.locator('[data-pending="0"]').waitFor();
      await context.setOffline(true);
      await page.locator('[data-connection="offline"]').waitFor();
      offlineFrom = new Date().toISOString();
      // Back to the list, then open the case twice, offline.
      for (let i = 0; i < 2; i++) {
        await page.evaluate(() => (location.hash = "#/"));
        await page.evaluate(id => (location.hash = `#/caso/${id}`), documentId);
        await page.getByRole("heading", { name: "Accoglienza: Luca Ferraro" }).waitFor();
      }
      await context.setOffline(false);
      await page.locator('[data-connection="online"]').waitFor();
      const rows = await waitFor("the offline openings in the audit log", async () => {
        const page = await admin(`/admin/audit?action=doc.read_offline`);
        const mine = page.entries.filter(entry => entry.target === documentId);
        return mine.filter(entry => entry.at >= offlineFrom).length >= 2 ? mine : undefined;
      });
      if (rows.some(entry => entry.outcome !== "success")) throw new Error(JSON.stringify(rows));
    });
    await context.close();
  })();
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
