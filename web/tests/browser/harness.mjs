// The harness every browser scenario of the tablet app shares (web/tests/browser/*.mjs): numbered checks
// that stop the scenario at the first failure, axe, touch targets, screenshots, and logins and cases made
// through the real server (the stock automerge-repo JS client for cases). Each scenario is a script started
// by a Rust test in server/tests/api (which runs the server and creates the accounts), and prints one line
// per check and "N passed, N failed" at the end.
//
// Environment every scenario reads: SPORTELLO_URL (required); CHROMIUM (default /usr/bin/chromium);
// SCREENSHOTS (a folder: screenshots are written there when set); JS_CLIENT (tests/js/client.mjs).

import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

export const base = required("SPORTELLO_URL");
export const screenshots = process.env.SCREENSHOTS;
const jsClient = process.env.JS_CLIENT;
// Generous: CI runs these beside the whole test suite on 2 cores.
export const TIMEOUT = 30_000;

export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${process.argv[1]}: ${name} is required`);
    process.exit(2);
  }
  return value;
}

/** Nothing may hang the cargo test that runs a scenario: the whole run ends within `seconds`. */
export function watchdog(seconds) {
  const timer = setTimeout(() => {
    console.log(`FAILED - the browser tests did not finish within ${seconds} s\n${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }, seconds * 1000);
  timer.unref();
}

let passed = 0;
let failed = 0;
let currentPage;
/** The page whose sync view a failing check prints. */
export function watchPage(page) {
  currentPage = page;
}

/** One named check; a failure is printed (with the shell's sync view) and rethrown. */
export async function check(name, body) {
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

export async function noAxeViolations(page, screen) {
  const results = await new AxeBuilder({ page }).analyze();
  if (results.violations.length > 0) {
    const summary = results.violations
      .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`)
      .join("\n    ");
    throw new Error(`axe found ${results.violations.length} violation(s) on ${screen}:\n    ${summary}`);
  }
}

export async function shot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

export async function touchTargetsAreLargeEnough(page, screen) {
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

/** Logs in over the REST API (not through the app); returns the login answer. */
export async function apiLogin(username, password) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login over the API: ${response.status}`);
  return response.json();
}

/** Creates a case as `tokens.user` with the stock automerge-repo JS client (tests/js), through the real server. */
export async function createCase(tokens, familyName, givenName) {
  if (!jsClient) throw new Error("JS_CLIENT is not set");
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
  return result.stdout.trim();
}

/** Debian's Chromium, headless. */
export function launchBrowser() {
  return chromium.launch({
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
}

/** A tablet: an Italian browser context of the given size, its service worker allowed. */
export async function newTablet(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, locale: "it-IT", timezoneId: "Europe/Rome", serviceWorkers: "allow" });
  context.setDefaultTimeout(TIMEOUT);
  return context;
}

/** Collects a page's script errors; `unexpected()` leaves out the network failures of offline steps. */
export function consoleErrors(page) {
  const errors = [];
  page.on("console", message => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", error => errors.push(String(error)));
  return {
    clear: () => (errors.length = 0),
    unexpected: () => errors.filter(text => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|WebSocket connection|net::ERR_/.test(text)),
  };
}

/** Waits until the service worker controls the page (it precached the app). */
export async function serviceWorkerControls(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise(resolve => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  });
}

/** Prints the totals and sets the exit code: 1 when a check failed or none ran. */
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
