// Helpers shared by the encrypted-store scenarios (offline-store.mjs, session-end.mjs): the first login
// with its forced password change, the test handle on the app's Repo (installed only when the flag below
// is set before the app starts), the raw contents of IndexedDB, and reading a document back from the
// server with the stock JS client.

import { spawnSync } from "node:child_process";
import { base, TIMEOUT } from "./harness.mjs";

/** Sets the flag that makes the app install `window.sportelloTestHandle` (src/sync/test-handle.ts). */
export async function enableTestHandle(context) {
  await context.addInitScript(() => localStorage.setItem("sportello.test-handle", "on"));
}

/** Logs in through the app with a one-time password and changes it; ends on the shell, online. */
export async function firstLogin(page, username, oneTime, password) {
  await page.goto(base);
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(oneTime);
  await page.getByRole("button", { name: "Entra" }).click();
  await page.getByLabel("Password attuale (temporanea)").fill(oneTime);
  await page.getByLabel("Nuova password", { exact: true }).fill(password);
  await page.getByLabel("Ripeti la nuova password").fill(password);
  await page.getByRole("button", { name: "Cambia la password" }).click();
  await page.locator('[data-connection="online"]').waitFor();
  await page.locator('[data-index-status="ready"]').waitFor();
}

/** A valid case (docs/documents.md) created by `userId`, for `person`. */
export function caseDoc(userId, person) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return {
    schema: "sportello/case@1",
    created_at: now,
    created_by: userId,
    channel: "desk",
    person: { ...person, languages: ["it"] },
    needs: [{ code: "housing", note: "" }],
    summary: "Cerca casa dopo lo sfratto",
    urgency: "normal",
    consent: { privacy_notice: true, data_sharing: false, recorded_at: now },
    referrals: [],
    status: "open",
  };
}

/** The signed-in user's id, as the shell knows it. */
export async function userIdOf(page) {
  return page.evaluate(() => document.querySelector("app-shell")?.tokens?.user?.id);
}

/** Creates a document in the app's own Repo (as the intake screen will), returns its automerge: URL. */
export async function createInApp(page, doc) {
  await page.waitForFunction(() => window.sportelloTestHandle !== undefined, null, { timeout: TIMEOUT });
  return page.evaluate(d => window.sportelloTestHandle.create(d), doc);
}

/** Reads a document from the app's Repo (local store, or the server), as plain JSON. */
export async function readInApp(page, url) {
  await page.waitForFunction(() => window.sportelloTestHandle !== undefined, null, { timeout: TIMEOUT });
  return page.evaluate(u => window.sportelloTestHandle.read(u), url);
}

/**
 * Every IndexedDB database of the page's origin, every object store, every key and value, raw: values as
 * latin1 and UTF-8 text (typed arrays and the typed arrays inside objects), keys as JSON.
 */
export async function dumpIndexedDb(page) {
  return page.evaluate(async () => {
    const latin1 = bytes => Array.from(bytes, b => String.fromCharCode(b)).join("");
    const utf8 = bytes => new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    const flatten = value => {
      if (value instanceof ArrayBuffer) return [new Uint8Array(value)];
      if (ArrayBuffer.isView(value)) return [new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
      if (value && typeof value === "object") return Object.values(value).flatMap(flatten);
      return [new TextEncoder().encode(String(value))];
    };
    const out = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const tx = db.transaction(store, "readonly");
        const get = req => new Promise(resolve => (req.onsuccess = () => resolve(req.result)));
        const [keys, values] = await Promise.all([get(tx.objectStore(store).getAllKeys()), get(tx.objectStore(store).getAll())]);
        keys.forEach((key, i) => {
          const parts = flatten(values[i]);
          const magic = parts.some(b => {
            for (let j = 0; j + 3 < b.length; j++) if (b[j] === 0x85 && b[j + 1] === 0x6f && b[j + 2] === 0x4a && b[j + 3] === 0x83) return true;
            return false;
          });
          out.push({
            db: name,
            store,
            key: JSON.stringify(key),
            text: parts.map(latin1).join("") + parts.map(utf8).join(""),
            automergeMagic: magic,
          });
        });
      }
      db.close();
    }
    return out;
  });
}

/** The document as the server has it, read with the stock automerge-repo JS client (tests/js). */
export function openOnServer(accessToken, url) {
  const jsClient = process.env.JS_CLIENT;
  if (!jsClient) throw new Error("JS_CLIENT is not set");
  const result = spawnSync(
    "node",
    [jsClient, "open", "--url", `${base.replace(/^http/, "ws")}/sync`, "--doc-url", url, "--expect", "ready", "--timeout", "15"],
    { env: { ...process.env, SPORTELLO_ACCESS_TOKEN: accessToken }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`client.mjs open failed (${result.status}): ${result.stdout} ${result.stderr}`);
  return JSON.parse(result.stdout.trim());
}

/** Waits until the document of `url` has a chunk in a user's store (the Repo saves a moment after a change). */
export async function storedInIndexedDb(page, url) {
  await page.waitForFunction(
    async docId => {
      for (const { name } of await indexedDB.databases()) {
        if (!name.startsWith("sportello-user-")) continue;
        const db = await new Promise(r => (indexedDB.open(name).onsuccess = e => r(e.target.result)));
        const keys = await new Promise(r => (db.transaction("chunks").objectStore("chunks").getAllKeys().onsuccess = e => r(e.target.result)));
        db.close();
        if (keys.some(k => k[0] === docId)) return true;
      }
      return false;
    },
    url.replace("automerge:", ""),
    { polling: 100 },
  );
}
