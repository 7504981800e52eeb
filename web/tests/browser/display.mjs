#!/usr/bin/env node
// The waiting-room display (`/display`): enrolled with a typed credential (a wrong one refused in words),
// it shows the lines and the people waiting; an operator's call (made over the REST API) is on the screen
// within a second — measured from the REST call to the number being on screen, and printed — and is
// announced once (speech synthesis captured by an init script), in Italian then English (the admin's
// choice, set by the Rust test); a recall is announced again; with the browser offline the screen says
// so, calls made meanwhile appear once it is back, each announced once and none repeated; the screen at
// 1920×1080 and 1280×720 fits without scrolling; axe finds nothing; no `.wasm` is requested. A second
// display enrols through its enrolment link (the fragment leaves the address bar), and a revoked display
// says so. Started by server/tests/api/web_display.rs; by hand against any server:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_DISPLAY_CREDENTIAL=spdc_… SPORTELLO_LINK_CREDENTIAL=spdc_… \
//   SPORTELLO_DISPLAY_ID=… SPORTELLO_OPERATOR_TOKEN=… SPORTELLO_TOTEM_TOKEN=… SPORTELLO_ADMIN_TOKEN=… \
//   node tests/browser/display.mjs
//
// Environment: see harness.mjs, and SPORTELLO_DISPLAY_CREDENTIAL / SPORTELLO_DISPLAY_ID (the display under
// test), SPORTELLO_LINK_CREDENTIAL (a second display, enrolled by link), SPORTELLO_OPERATOR_TOKEN (an
// operator's access token, to call), SPORTELLO_TOTEM_TOKEN (a totem's, to issue), SPORTELLO_ADMIN_TOKEN
// (to revoke the display at the end). Line A must have two people waiting (A001, A002) at the start, line M
// three.

import {
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  noAxeViolations,
  required,
  shot,
  touchTargetsAreLargeEnough,
  TIMEOUT,
  watchdog,
  watchPage,
} from "./harness.mjs";

const credential = required("SPORTELLO_DISPLAY_CREDENTIAL");
const displayId = required("SPORTELLO_DISPLAY_ID");
const linkCredential = required("SPORTELLO_LINK_CREDENTIAL");
const operatorToken = required("SPORTELLO_OPERATOR_TOKEN");
const totemToken = required("SPORTELLO_TOTEM_TOKEN");
const adminToken = required("SPORTELLO_ADMIN_TOKEN");
/** The bound the call's latency is held to: generous, so a busy machine cannot make the test flaky. The
 *  figure itself is printed (docs/performance.md). */
const CALL_VISIBLE_BOUND_MS = 5000;
watchdog(240);

const browser = await launchBrowser();


async function rest(method, path, token, body) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
const callNext = desk => rest("POST", "/queue/call-next", operatorToken, { desk, lines: ["A"] });
const issue = () => rest("POST", "/queue/tickets", totemToken, { line: "A" });

/** Replaces speech synthesis before any script of the page runs: every utterance is recorded (text,
 *  language) and "ends" shortly after, as a voice would. */
function captureSpeech() {
  const spoken = [];
  Object.defineProperty(window, "__spoken", { value: spoken });
  const synth = window.speechSynthesis;
  synth.speak = utterance => {
    spoken.push({ text: utterance.text, lang: utterance.lang, at: Date.now() });
    setTimeout(() => utterance.onend?.(new Event("end")), 150);
  };
  synth.getVoices = () => [];
  synth.cancel = () => undefined;
}

/** How many times `text` was said. */
const timesSaid = (page, text) => page.evaluate(t => window.__spoken.filter(s => s.text === t).length, text);

async function waitSaid(page, text, times) {
  try {
    await page.waitForFunction(([t, n]) => window.__spoken.filter(s => s.text === t).length >= n, [text, times], { timeout: TIMEOUT });
  } catch (error) {
    const said = await page.evaluate(() => JSON.stringify(window.__spoken ?? "no capture")).catch(e => String(e));
    throw new Error(`"${text}" not said ${times} time(s); said: ${said}\n${error}`);
  }
}

/** Headless Chromium lets every page play sound (whatever `--autoplay-policy` says); a desktop Chromium
 *  started without `--autoplay-policy=no-user-gesture-required` does not. This init script gives a page
 *  that policy: an AudioContext stays suspended until resumed during a user gesture. */
function soundNeedsAGesture() {
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    #allowed = false;
    constructor(...args) {
      super(...args);
      void super.suspend();
    }
    get state() {
      return this.#allowed ? super.state : "suspended";
    }
    async resume() {
      if (!navigator.userActivation.isActive) return;
      this.#allowed = true;
      await super.resume();
      this.dispatchEvent(new Event("statechange"));
    }
  };
}

async function newDisplay(viewport, { gesture = false } = {}) {
  const context = await browser.newContext({ viewport, locale: "it-IT", timezoneId: "Europe/Rome", serviceWorkers: "allow" });
  context.setDefaultTimeout(TIMEOUT);
  await context.addInitScript(captureSpeech);
  if (gesture) await context.addInitScript(soundNeedsAGesture);
  const page = await context.newPage();
  const requested = [];
  page.on("request", request => requested.push(request.url()));
  return { context, page, requested };
}

/** Measures the time from an operator's call over REST to its number being on the display's screen. */
async function timeCallToScreen(page, desk, expected) {
  const started = Date.now();
  const ticket = await callNext(desk);
  if (ticket.number !== expected) throw new Error(`the operator called ${ticket.number}, not ${expected}`);
  await page.locator(`section.hero[data-hero="${expected}"][data-desk="${desk}"]`).waitFor();
  const ms = Date.now() - started;
  console.log(`  measured: ${expected} on the display ${ms} ms after the REST call-next began`);
  if (ms > CALL_VISIBLE_BOUND_MS) throw new Error(`${expected} took ${ms} ms to show (bound ${CALL_VISIBLE_BOUND_MS} ms)`);
  return ms;
}

try {
  const { context, page, requested } = await newDisplay({ width: 1920, height: 1080 });
  // The event-stream requests, with the event each resumed after.
  const streams = [];
  page.on("request", request => {
    if (request.url().includes("/api/v1/queue/events")) streams.push(request.headers()["last-event-id"] ?? null);
  });
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  const hero = page.locator("section.hero");
  const status = page.locator("p.status");
  const timings = [];

  await check("an unenrolled display asks for its credential, and refuses one that is not, in words", async () => {
    await page.goto(`${base}/display`);
    await page.getByRole("heading", { name: "Registra questo display" }).waitFor();
    await noAxeViolations(page, "display enrolment");
    await touchTargetsAreLargeEnough(page, "display enrolment");
    await shot(page, "display-enrol");
    await page.getByLabel("Credenziale del dispositivo").fill("spdc_troppo_corta");
    await page.getByRole("button", { name: "Registra il display" }).click();
    await page.getByRole("alert").getByText("Questa non è una credenziale di dispositivo").waitFor();
  });

  await check("with its credential typed it shows the board: the lines, the people waiting and the estimate, the clock", async () => {
    await page.getByLabel("Credenziale del dispositivo").fill(credential);
    await page.getByRole("button", { name: "Registra il display" }).click();
    await page.locator('[data-screen="board"]').waitFor();
    await page.locator('footer li[data-line="A"][data-waiting="2"]').getByText("2 persone in attesa").waitFor();
    await page.locator('footer li[data-line="M"][data-waiting="3"]').getByText("3 persone in attesa").waitFor();
    await page.locator('footer li[data-line="M"]').getByText("attesa stimata circa", { exact: false }).waitFor();
    await hero.getByText("Nessun numero chiamato finora").waitFor();
    await page.locator(".clock time").waitFor();
    await status.and(page.locator('[data-network="live"]')).waitFor({ state: "attached" });
  });

  await check("with sound allowed (as the kiosk flag allows it) no sound button stands in the way", async () => {
    if (await page.locator('[data-audio="locked"]').count()) throw new Error("the sound button shows");
  });

  await check("an operator's call is on the screen within the bound, with its desk, and announced once", async () => {
    timings.push(await timeCallToScreen(page, "Sportello 2", "A001"));
    await hero.locator(".number").getByText("A001").waitFor();
    await hero.locator(".desk").getByText("Sportello 2").waitFor();
    await page.locator('footer li[data-line="A"][data-waiting="1"]').waitFor();
    await waitSaid(page, "Numero A 1, sportello 2", 1);
    await waitSaid(page, "Number A 1, desk 2", 1);
    const spoken = await page.evaluate(() => window.__spoken.map(s => `${s.lang}: ${s.text}`));
    if (spoken.join(" / ") !== "it-IT: Numero A 1, sportello 2 / en-GB: Number A 1, desk 2") {
      throw new Error(`said: ${JSON.stringify(spoken)}`);
    }
  });

  await check("a recall is announced again, and nothing else is said twice", async () => {
    await rest("POST", `/queue/tickets/${(await rest("GET", "/queue/tickets?status=called", operatorToken))[0].id}/recall`, operatorToken);
    await waitSaid(page, "Numero A 1, sportello 2", 2);
    await waitSaid(page, "Number A 1, desk 2", 2);
    await page.waitForTimeout(2500);
    const said = await timesSaid(page, "Numero A 1, sportello 2");
    if (said !== 2) throw new Error(`"Numero A 1, sportello 2" said ${said} times after a call and a recall`);
  });

  await check("at 1920×1080 the board fits the screen and axe finds nothing", async () => {
    timings.push(await timeCallToScreen(page, "Sportello 1", "A002"));
    await waitSaid(page, "Numero A 2, sportello 1", 1);
    await page.locator('section.recent li[data-recent="A001"]').first().waitFor();
    await page.locator('section.hero[data-hero="A001"], .also [data-calling="A001"]').waitFor();
    await fits(page);
    await noAxeViolations(page, "display board 1920×1080");
    await page.waitForTimeout(13_000); // past the mark of the newest call, for a calm screenshot
    await shot(page, "display-board-1920x1080");
  });

  await check("at 1280×720 the board still fits, the number still large", async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await fits(page);
    const size = await hero.locator(".number").evaluate(el => parseFloat(getComputedStyle(el).fontSize));
    if (size < 96) throw new Error(`the called number is ${size} px at 1280×720`);
    await noAxeViolations(page, "display board 1280×720");
    await shot(page, "display-board-1280x720");
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  await check("offline the screen says so with the time of its last update; calls made meanwhile come after, once each", async () => {
    await context.setOffline(true);
    await status.and(page.locator('[data-network="offline"]')).getByText("Connessione assente").waitFor();
    await status.getByText("ultimo aggiornamento", { exact: false }).waitFor();
    await noAxeViolations(page, "display offline");
    await shot(page, "display-offline");
    // Meanwhile: A003 and A004 are issued, and called to desks 3 and 1.
    await issue();
    const a003 = await callNext("Sportello 3");
    await issue();
    const a004 = await callNext("Sportello 1");
    if (a003.number !== "A003" || a004.number !== "A004") throw new Error(`${a003.number} ${a004.number}`);
    await page.waitForTimeout(1500);
    const streamsBefore = streams.length;
    await context.setOffline(false);
    await status.and(page.locator('[data-network="live"]')).waitFor({ state: "attached" });
    // Both on the screen (which of the two is largest is a tie: the test server's clock stands still).
    for (const number of ["A003", "A004"]) {
      await page.locator(`section.hero[data-hero="${number}"], .also [data-calling="${number}"]`).waitFor();
    }
    await waitSaid(page, "Numero A 3, sportello 3", 1);
    await waitSaid(page, "Numero A 4, sportello 1", 1);
    await page.waitForTimeout(3000);
    const resumed = streams.slice(streamsBefore);
    if (!resumed.length || resumed.some(id => !id)) throw new Error(`the stream reopened without Last-Event-ID: ${JSON.stringify(streams)}`);
    console.log(`  the stream reopened with Last-Event-ID ${resumed.join(", ")}`);
    const counts = await page.evaluate(() => {
      const counts = {};
      for (const s of window.__spoken) counts[s.text] = (counts[s.text] ?? 0) + 1;
      return counts;
    });
    const expected = {
      "Numero A 1, sportello 2": 2,
      "Number A 1, desk 2": 2,
      "Numero A 2, sportello 1": 1,
      "Number A 2, desk 1": 1,
      "Numero A 3, sportello 3": 1,
      "Number A 3, desk 3": 1,
      "Numero A 4, sportello 1": 1,
      "Number A 4, desk 1": 1,
    };
    if (JSON.stringify(counts, Object.keys(expected)) !== JSON.stringify(expected) || Object.keys(counts).length !== 8) {
      throw new Error(`said: ${JSON.stringify(counts)}`);
    }
  });

  await check("a call after the reconnection is on screen within the bound again", async () => {
    await issue();
    timings.push(await timeCallToScreen(page, "Sportello 2", "A005"));
    await waitSaid(page, "Numero A 5, sportello 2", 1);
    console.log(`  measured: REST call to number on screen, ${timings.length} calls: ${timings.join(", ")} ms (max ${Math.max(...timings)} ms)`);
  });

  await check("the display loaded no .wasm and no sync engine", async () => {
    const wasm = requested.filter(url => new URL(url).pathname.endsWith(".wasm"));
    if (wasm.length) throw new Error(`requested: ${wasm.join(", ")}`);
    const tokenInUrl = requested.filter(url => url.includes("access_token"));
    if (tokenInUrl.length) throw new Error(`a token in a URL: ${tokenInUrl.length} requests`);
  });

  // As in a browser started without the kiosk flag: sound needs a gesture there, so the button shows.
  const second = await newDisplay({ width: 1280, height: 720 }, { gesture: true });

  await check("a second display enrols through its enrolment link, which leaves the address bar", async () => {
    await second.page.goto(`${base}/display#enrol=${linkCredential}`);
    await second.page.locator('[data-screen="board"]').waitFor();
    // Every call so far is on it (the test's server clock stands still, so which is "newest" is a tie).
    for (const number of ["A001", "A002", "A003", "A004", "A005"]) {
      await second.page.locator(`section.hero[data-hero="${number}"], .also [data-calling="${number}"]`).waitFor();
    }
    if (second.page.url().includes("enrol") || second.page.url().includes("spdc_")) throw new Error(`address: ${second.page.url()}`);
  });

  await check("without the kiosk flag a one-time 'Attiva audio' button turns the sound on", async () => {
    const button = second.page.locator('[data-audio="locked"]').getByRole("button", { name: "Attiva audio" });
    await button.waitFor();
    await noAxeViolations(second.page, "display with the sound button");
    await touchTargetsAreLargeEnough(second.page, "display with the sound button");
    await shot(second.page, "display-audio-button");
    await button.click();
    await second.page.locator('[data-audio="locked"]').waitFor({ state: "detached" });
    // Sound on: the next call is announced there too.
    await issue();
    await callNext("Sportello 4");
    await waitSaid(second.page, "Numero A 6, sportello 4", 1);
    await second.context.close();
  });

  await check("a revoked display says so and stops", async () => {
    await rest("POST", `/admin/devices/${displayId}/revoke`, adminToken);
    await issue(); // an event: the display reads the board, and hears it no longer may
    await page.locator("[data-revoked]").getByText("Questo display è stato revocato", { exact: false }).waitFor({ timeout: 45_000 });
    await page.getByLabel("Credenziale del dispositivo").waitFor();
    await noAxeViolations(page, "display revoked");
    await shot(page, "display-revoked");
  });

  await check("no unexpected script errors", async () => {
    // The offline steps and the revocation leave network failures and 401s, which are expected.
    const errors = consoleErrors.unexpected().filter(text => !/401|Unauthorized/.test(text));
    if (errors.length) throw new Error(errors.join("\n"));
  });
} catch {
  // the failing check printed itself
} finally {
  await browser.close();
  finish();
}

/** The page fits its window: nothing scrolls either way. */
async function fits(page) {
  const overflow = await page.evaluate(() => ({
    x: document.documentElement.scrollWidth - window.innerWidth,
    y: document.documentElement.scrollHeight - window.innerHeight,
  }));
  if (overflow.x > 0 || overflow.y > 0) throw new Error(`the board overflows by ${overflow.x}×${overflow.y} px`);
}
