#!/usr/bin/env node
// The ticket totem (`/totem`): enrolled by opening its enrolment link (the fragment leaves the address), it
// issues a ticket that an operator then calls; with the network cut it keeps printing from its lease, also
// after a restart; reconnected, its offline tickets join the queue once and in order; Arabic reads right to
// left; outside opening hours it says when the desk opens; revoked, it says so and stops; enrolled again as
// another totem, the offline ticket its old lease can no longer bring in is reported, not dropped. Every screen is
// axe-clean, its buttons work by touch and by keyboard, `print()` is captured (the print link's frame and
// the totem's own offline layout), and no `.wasm` is ever requested. Started by the Rust test in
// server/tests/api/web_totem.rs, which checks the server's tickets afterwards; by hand:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_ENROL_LINK='http://…/totem#enrol=spdc_…' \
//   SPORTELLO_OPERATOR_TOKEN=… SPORTELLO_ADMIN_TOKEN=… SPORTELLO_TOTEM_ID=… node tests/browser/totem.mjs
//
// Environment: see harness.mjs, and SPORTELLO_ENROL_LINK (the link the console's QR code carries),
// SPORTELLO_OPERATOR_TOKEN (an operator's access token: calls and the ticket list), SPORTELLO_ADMIN_TOKEN and
// SPORTELLO_TOTEM_ID (an admin's token and the totem's id: the schedule, and the revocation at the end),
// SPORTELLO_SECOND_CREDENTIAL (another totem's credential, typed to enrol the revoked totem again).

import {
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  noAxeViolations,
  required,
  serviceWorkerControls,
  shot,
  TIMEOUT,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";

const enrolLink = required("SPORTELLO_ENROL_LINK");
const operatorToken = required("SPORTELLO_OPERATOR_TOKEN");
const adminToken = required("SPORTELLO_ADMIN_TOKEN");
const totemId = required("SPORTELLO_TOTEM_ID");
const secondCredential = required("SPORTELLO_SECOND_CREDENTIAL");
watchdog(240);

const browser = await launchBrowser();

async function rest(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

try {
  // A portrait kiosk screen with a touch panel.
  const context = await browser.newContext({
    viewport: { width: 1080, height: 1920 },
    locale: "it-IT",
    timezoneId: "Europe/Rome",
    serviceWorkers: "allow",
    hasTouch: true,
  });
  context.setDefaultTimeout(TIMEOUT);
  // `print()` recorded instead of printed, in the page and in every frame (the print link's frame too): the
  // path of the document that printed and the text it printed.
  await context.addInitScript(() => {
    window.print = () => {
      const layout = document.querySelector("sportello-totem")?.shadowRoot?.querySelector(".print-ticket");
      const text = (layout ?? document.body)?.textContent ?? "";
      const top = window.top;
      top.__prints = top.__prints ?? [];
      top.__prints.push({ path: location.pathname, text: text.replace(/\s+/g, " ").trim() });
    };
  });
  const page = await context.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  const wasm = [];
  page.on("request", request => new URL(request.url()).pathname.endsWith(".wasm") && wasm.push(request.url()));

  const totem = page.locator("sportello-totem");
  const staffLine = totem.locator("footer.staff-line");
  const prints = () => page.evaluate(() => window.__prints ?? []);
  const lineButton = name => totem.getByRole("button", { name: new RegExp(name) });
  const shownNumber = totem.locator(".number .big");

  async function waitForPrints(count) {
    await page.waitForFunction(n => (window.__prints ?? []).length >= n, count, { timeout: TIMEOUT });
    return (await prints())[count - 1];
  }

  async function dismissNumber() {
    await totem.getByRole("button", { name: "Fatto" }).click();
    await shownNumber.waitFor({ state: "detached" });
  }

  await check("a totem with no credential shows the enrolment screen, and refuses what is not a credential", async () => {
    await page.goto(`${base}/totem`);
    await totem.getByRole("heading", { name: "Attivazione del totem" }).waitFor();
    await totem.getByLabel("Credenziale o link di attivazione").fill("not a credential");
    await totem.getByRole("button", { name: "Attiva il totem" }).click();
    await totem.getByText("Questa non è una credenziale di dispositivo").waitFor();
    await noAxeViolations(page, "totem enrolment");
    await touchTargetsAreLargeEnough(page, "totem enrolment");
    await shot(page, "totem-enrol");
  });

  await check("opening the enrolment link enrols the totem and takes the credential out of the address", async () => {
    await page.goto(enrolLink);
    await lineButton("Accoglienza").waitFor();
    await lineButton("Migranti e Intercultura").waitFor();
    expect(!page.url().includes("#") && !page.url().includes("spdc_"), `the address still holds the credential: ${page.url()}`);
    const history = await page.evaluate(() => location.hash);
    expect(history === "", `fragment left: ${history}`);
    await totem.getByRole("heading", { name: "Precedenza" }).waitFor();
    await totem.getByText("Per persone anziane, con disabilità e donne in gravidanza.").waitFor();
  });

  await check("while online it leases a reserve of numbers for each line", async () => {
    await staffLine.getByText("Riserva: A 25, M 25").waitFor();
    await noAxeViolations(page, "totem citizen screen");
    await touchTargetsAreLargeEnough(page, "totem citizen screen");
    await shot(page, "totem-home");
  });

  await check("a tap on a line issues a ticket, prints it from its print link and shows the number", async () => {
    await lineButton("Accoglienza").tap();
    await shownNumber.waitFor();
    expect((await shownNumber.textContent()).trim() === "A001", `shown ${await shownNumber.textContent()}`);
    const printed = await waitForPrints(1);
    expect(/^\/api\/v1\/queue\/tickets\/[0-9a-f-]+\/print\/\d+\.[\w-]+$/.test(printed.path), `printed from ${printed.path}`);
    expect(printed.text.includes("A001") && printed.text.includes("Accoglienza"), `printed ${printed.text}`);
    await noAxeViolations(page, "totem number");
    await shot(page, "totem-number");
    await dismissNumber();
  });

  await check("an operator calls the ticket the totem issued", async () => {
    const called = await rest("POST", "/api/v1/queue/call-next", operatorToken, { desk: "Sportello 1", lines: ["A"] });
    expect(called.number === "A001" && called.status === "called", JSON.stringify(called));
  });

  await check("the app is cached for a restart with no network", async () => {
    await serviceWorkerControls(page);
  });

  await check("with the network cut it keeps printing from its lease: priority chosen and a line taken by keyboard", async () => {
    await context.setOffline(true);
    const toggle = totem.getByRole("button", { name: "Ho diritto alla precedenza" });
    await toggle.focus();
    await page.keyboard.press("Space");
    expect((await toggle.getAttribute("aria-pressed")) === "true", "priority not chosen");
    await lineButton("Migranti e Intercultura").focus();
    await page.keyboard.press("Enter");
    await shownNumber.waitFor();
    expect((await shownNumber.textContent()).trim() === "M500", `shown ${await shownNumber.textContent()}`);
    await totem.locator(".number .mark").getByText("Con precedenza").waitFor();
    const printed = await waitForPrints(2);
    expect(printed.path === "/totem", `printed from ${printed.path}`);
    for (const expected of ["M500", "Migranti e Intercultura", "PRIORITÀ", "server non era raggiungibile", "server was unreachable"]) {
      expect(printed.text.includes(expected), `"${expected}" not in the offline ticket: ${printed.text}`);
    }
    await dismissNumber();
    expect((await toggle.getAttribute("aria-pressed")) === "false", "priority kept for the next citizen");
    await lineButton("Accoglienza").tap();
    await shownNumber.getByText("A500").waitFor();
    await staffLine.getByText("Server non raggiungibile").waitFor();
    await staffLine.getByText("Da importare: 2").waitFor();
    await waitForPrints(3);
    await shot(page, "totem-offline");
    await dismissNumber();
  });

  await check("restarted during the outage it still shows its lines and goes on from the next leased number", async () => {
    await page.reload();
    await lineButton("Accoglienza").waitFor();
    await staffLine.getByText("Da importare: 2").waitFor();
    await lineButton("Accoglienza").click();
    await shownNumber.getByText("A501").waitFor();
    const printed = await waitForPrints(1); // a new page: its own record of prints
    expect(printed.text.includes("A501"), printed.text);
    await dismissNumber();
    await staffLine.getByText("Da importare: 3").waitFor();
  });

  await check("reconnected, it imports its offline tickets and says nothing is left to import", async () => {
    await context.setOffline(false);
    await page.waitForFunction(
      () => !document.querySelector("sportello-totem")?.shadowRoot?.querySelector("footer")?.textContent?.includes("Da importare"),
      null,
      { timeout: TIMEOUT },
    );
    const tickets = await rest("GET", "/api/v1/queue/tickets", operatorToken);
    const numbers = tickets.map(ticket => ticket.number);
    for (const number of ["A001", "M500", "A500", "A501"]) {
      expect(numbers.filter(one => one === number).length === 1, `${number} ${numbers.filter(one => one === number).length} times in ${numbers}`);
    }
    const waiting = tickets.filter(ticket => ticket.status === "waiting").map(ticket => ticket.number);
    expect(JSON.stringify(waiting) === JSON.stringify(["M500", "A500", "A501"]), `waiting in the order ${waiting}`);
  });

  await check("Arabic reads right to left, and the screen stays clean", async () => {
    await totem.getByRole("button", { name: "العربية" }).click();
    await totem.getByRole("heading", { name: "خذ رقمك" }).waitFor();
    const dir = await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang]);
    expect(dir[0] === "rtl" && dir[1] === "ar", `html dir/lang ${dir}`);
    expect((await totem.locator(".screen").getAttribute("dir")) === "rtl", "the screen is not rtl");
    // Line names fall back to English, then Italian.
    await lineButton("Welcome desk").waitFor();
    await noAxeViolations(page, "totem in Arabic");
    await shot(page, "totem-arabic");
    await totem.getByRole("button", { name: "Italiano" }).click();
    const back = await page.evaluate(() => document.documentElement.dir);
    expect(back === "ltr", `dir ${back}`);
  });

  await check("at 1280×800 the same screen fits a landscape kiosk", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await lineButton("Accoglienza").waitFor();
    await noAxeViolations(page, "totem landscape");
    await touchTargetsAreLargeEnough(page, "totem landscape");
    await shot(page, "totem-home-landscape");
  });

  await check("outside opening hours it says when the desk opens", async () => {
    // Open tomorrow morning only (the server's clock is the test's wall clock).
    const tomorrow = ((new Date().getDay() + 7) % 7) + 1; // ISO weekday of tomorrow: today's JS day (0 = Sunday) + 1
    await rest("PUT", "/api/v1/admin/queue/schedule", adminToken, {
      hours: [{ weekday: tomorrow, opens: "08:30", closes: "12:30" }],
      closed_dates: [],
    });
    await page.reload();
    await totem.getByRole("heading", { name: "Lo sportello ora è chiuso." }).waitFor();
    await totem.getByText(/Riapre .*08:30/).waitFor();
    expect((await lineButton("Accoglienza").count()) === 0, "line buttons shown while closed");
    await noAxeViolations(page, "totem closed");
    await shot(page, "totem-closed");
    await rest("PUT", "/api/v1/admin/queue/schedule", adminToken, { hours: [], closed_dates: [] });
    await page.reload();
    await lineButton("Accoglienza").waitFor();
  });

  await check("revoked while it holds an offline ticket, it says so clearly and issues nothing more", async () => {
    await staffLine.getByText("Riserva: A").waitFor();
    await context.setOffline(true);
    await lineButton("Accoglienza").click();
    await shownNumber.getByText("A502").waitFor();
    await dismissNumber();
    await rest("POST", `/api/v1/admin/devices/${totemId}/revoke`, adminToken);
    await context.setOffline(false);
    try {
      await totem.getByRole("heading", { name: "Totem revocato" }).waitFor({ timeout: 15_000 });
    } catch (error) {
      const state = await totem.evaluate(el => JSON.stringify({ session: el.session, busy: el.busy, reachable: el.reachable }));
      throw new Error(`${error.message}\n  totem state: ${state}`);
    }
    await totem.getByText("Da importare: 1").waitFor();
    expect((await lineButton("Accoglienza").count()) === 0, "line buttons still shown");
    await page.reload();
    await totem.getByRole("heading", { name: "Totem revocato" }).waitFor();
    await noAxeViolations(page, "totem revoked");
    await touchTargetsAreLargeEnough(page, "totem revoked");
    await shot(page, "totem-revoked");
  });

  await check("enrolled again with a typed credential, it reports the ticket the server refuses until someone notes it", async () => {
    await totem.getByLabel("Credenziale o link di attivazione").fill(secondCredential);
    await page.keyboard.press("Enter"); // as a USB scanner ends what it types
    await lineButton("Accoglienza").waitFor();
    const refused = staffLine.locator(".refused");
    await refused.getByText(/Biglietti emessi offline che il server non accetta \(unknown_lease\): A502\./).waitFor();
    // The old device's leases are dropped; the new device leases its own.
    await staffLine.getByText("Riserva: A 25, M 25").waitFor();
    await noAxeViolations(page, "totem with a refused offline ticket");
    await shot(page, "totem-set-aside");
    await refused.getByRole("button", { name: "Preso nota" }).click();
    await refused.waitFor({ state: "detached" });
  });

  await check("no WebAssembly was ever requested, and the page logged no unexpected error", async () => {
    expect(wasm.length === 0, `requested ${wasm}`);
    // The answers the scenario provokes: 401 once revoked, 404 unknown_lease for the old lease's import.
    const errors = consoleErrors.unexpected().filter(text => !/status of (401|404)/.test(text));
    expect(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  });

  await context.close();
} catch {
  // The failing check has printed itself.
} finally {
  await browser.close();
  finish();
}
