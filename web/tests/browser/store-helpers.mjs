// Helpers shared by the encrypted-store scenarios (offline-store.mjs, session-end.mjs): the first login
// with its forced password change, the raw contents of IndexedDB, and reading a document back from the
// server with the stock JS client.

import { spawnSync } from "node:child_process";
import { base } from "./harness.mjs";

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

/** The signed-in user's id, as the shell knows it. */
export async function userIdOf(page) {
  return page.evaluate(() => document.querySelector("app-shell")?.tokens?.user?.id);
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

/** The keys that name the document of `url`, in every object store of every user's database. */
export async function keysInIndexedDb(page, url) {
  return page.evaluate(async docId => {
    const found = [];
    for (const { name } of await indexedDB.databases()) {
      if (!name.startsWith("sportello-user-")) continue;
      const db = await new Promise(r => (indexedDB.open(name).onsuccess = e => r(e.target.result)));
      for (const store of Array.from(db.objectStoreNames)) {
        const keys = await new Promise(r => (db.transaction(store).objectStore(store).getAllKeys().onsuccess = e => r(e.target.result)));
        for (const key of keys) if (JSON.stringify(key).includes(docId)) found.push(`${name}/${store}:${JSON.stringify(key)}`);
      }
      db.close();
    }
    return found;
  }, url.replace("automerge:", ""));
}

/**
 * Waits until no key of the document of `url` is left in a user's store, and none comes back within
 * `settleMs` (the departure rule sweeps the store again 300 ms after `repo.delete`, for the Repo's late
 * saves); fails if keys stay for `timeoutMs`.
 */
export async function goneFromIndexedDb(page, url, { settleMs = 800, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let left = await keysInIndexedDb(page, url);
  for (;;) {
    if (left.length === 0) {
      await page.waitForTimeout(settleMs);
      left = await keysInIndexedDb(page, url);
      if (left.length === 0) return;
    }
    if (Date.now() > deadline) throw new Error(`keys of ${url} remain: ${left.join(", ")}`);
    await page.waitForTimeout(100);
    left = await keysInIndexedDb(page, url);
  }
}
