#!/usr/bin/env node
// Browser tests of the tablet app against a real Sportello server, in Debian's Chromium driven by
// playwright-core (no downloaded browser). Started by the Rust test `web_browser` (server/tests/api), which
// runs the server and creates the account; it can also be run by hand against any server:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_USERNAME=op.web SPORTELLO_ONE_TIME_PASSWORD=… \
//   node tests/browser/run.mjs
//
// Environment: SPORTELLO_URL, SPORTELLO_USERNAME, SPORTELLO_ONE_TIME_PASSWORD (required);
// SPORTELLO_NEW_PASSWORD (default below); CHROMIUM (default /usr/bin/chromium); SCREENSHOTS (a folder:
// screenshots at 1280×800 are written there when set); JS_CLIENT (tests/js/client.mjs, to create a case
// through the real sync server with the stock JS client).
// Prints one line per check and "N passed, N failed" at the end; exits 1 when a check failed.

import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

const base = required("SPORTELLO_URL");
const username = required("SPORTELLO_USERNAME");
const oneTime = required("SPORTELLO_ONE_TIME_PASSWORD");
const newPassword = process.env.SPORTELLO_NEW_PASSWORD ?? "girasole-tramonto-bicicletta-42";
const screenshots = process.env.SCREENSHOTS;
const jsClient = process.env.JS_CLIENT;
// Generous: CI runs these beside the whole test suite on 2 cores.
const TIMEOUT = 30_000;
// Nothing may hang the cargo test that runs this: the whole run ends within this bound.
const WATCHDOG = setTimeout(() => {
  console.log(`FAILED - the browser tests did not finish within 240 s\n${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 240_000);
WATCHDOG.unref();

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`run.mjs: ${name} is required`);
    process.exit(2);
  }
  return value;
}

let passed = 0;
let currentPage;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    const view = await currentPage
      ?.evaluate(() => JSON.stringify(document.querySelector("app-shell")?.view ?? null))
      .catch(() => "unreadable");
    console.log(`FAILED - ${name}\n  ${String(error?.stack ?? error).split("\n").slice(0, 6).join("\n  ")}\n  sync view: ${view}`);
    throw error;
  }
}

async function noAxeViolations(page, screen) {
  const results = await new AxeBuilder({ page }).analyze();
  if (results.violations.length > 0) {
    const summary = results.violations
      .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`)
      .join("\n    ");
    throw new Error(`axe found ${results.violations.length} violation(s) on ${screen}:\n    ${summary}`);
  }
}

async function shot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

async function touchTargetsAreLargeEnough(page, screen) {
  const small = await page.evaluate(() => {
    const found = [];
    const visit = root => {
      for (const el of root.querySelectorAll("button, input, a[href], select, textarea")) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && (box.height < 44 || box.width < 44)) found.push(`${el.tagName} ${el.id || el.textContent?.trim()}`);
      }
      for (const el of root.querySelectorAll("*")) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    return found;
  });
  if (small.length) throw new Error(`touch targets under 44 px on ${screen}: ${small.join(", ")}`);
}

async function apiLogin(password) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login over the API: ${response.status}`);
  return response.json();
}

/** Creates a case as this user with the stock automerge-repo JS client (tests/js), through the real server. */
async function createCase(familyName, givenName) {
  if (!jsClient) throw new Error("JS_CLIENT is not set");
  const tokens = await apiLogin(newPassword);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const doc = {
    schema: "sportello/case@1",
    created_at: now,
    created_by: tokens.user.id,
    channel: "desk",
    person: { given_name: givenName, family_name: familyName, languages: ["fr"] },
    needs: [],
    summary: "",
    urgency: "normal",
    consent: { privacy_notice: true, data_sharing: false, recorded_at: now },
    referrals: [],
    status: "open",
  };
  const url = `${base.replace(/^http/, "ws")}/sync`;
  const result = spawnSync("node", [jsClient, "create", "--url", url, "--doc", JSON.stringify(doc), "--timeout", "10"], {
    env: { ...process.env, SPORTELLO_ACCESS_TOKEN: tokens.access_token },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`client.mjs create failed (${result.status}): ${result.stdout} ${result.stderr}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: "it-IT",
    timezoneId: "Europe/Rome",
    serviceWorkers: "allow",
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  currentPage = page;
  const consoleErrors = [];
  page.on("console", message => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", error => consoleErrors.push(String(error)));

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
    consoleErrors.length = 0; // the browser logs the 401 it was meant to get
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
    await createCase("Diallo", "Amina");
    const row = page.locator("tr", { hasText: "Diallo Amina" });
    await row.waitFor();
    await row.getByText("Aperto").waitFor();
    await row.getByText("Caso", { exact: true }).waitFor();
    await noAxeViolations(page, "shell with a case");
    await shot(page, "shell");
  });

  await check("going offline shows the offline indicator", async () => {
    // The service worker must control the page before the network goes (it precached the shell).
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise(resolve => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
      }
    });
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
    await page.locator("tr", { hasText: "Diallo Amina" }).waitFor();
    await page.getByRole("button", { name: "Esci" }).click();
    await page.getByLabel("Nome utente").waitFor();
    await page.getByRole("heading", { name: "Accesso" }).waitFor();
  });

  await check("no script errors besides the network failures of the offline step", async () => {
    const unexpected = consoleErrors.filter(
      text => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|WebSocket connection|net::ERR_/.test(text),
    );
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
