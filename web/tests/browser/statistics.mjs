#!/usr/bin/env node
// The console's statistics: an admin opens "Statistiche", the current month shows its empty states, a
// custom period (November 2026) shows the seeded figures as SVG charts with the right number of bars and
// points, small counts read "< 5" in the charts and the tables, each "Scarica CSV" file holds exactly the
// JSON answer's values, axe finds nothing, the console loads no WebAssembly. Started by the Rust test in
// server/tests/api/web_statistics.rs, which issues, calls, marks a no-show and transfers tickets on
// 25 November 2026 (its clock) beforehand; the cases are created here by the stock automerge-repo JS
// client as the operator. By hand against any server:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_ADMIN_PASSWORD=… SPORTELLO_OPERATOR=op.x \
//   SPORTELLO_OPERATOR_PASSWORD=… JS_CLIENT=../tests/js/client.mjs node tests/browser/statistics.mjs

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  apiLogin,
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  newTablet,
  noAxeViolations,
  required,
  screenshots,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";

const adminPassword = required("SPORTELLO_ADMIN_PASSWORD");
const operatorName = required("SPORTELLO_OPERATOR");
const operatorPassword = required("SPORTELLO_OPERATOR_PASSWORD");
const jsClient = required("JS_CLIENT");
watchdog(180);

const FROM = "2026-11-01";
const TO = "2026-11-30";

/** A case as the operator records it, with need codes and optionally a proposed referral. */
function createCase(tokens, i, needs, referTo) {
  const at = `2026-11-20T10:0${i}:00Z`;
  const doc = {
    schema: "sportello/case@1",
    created_at: at,
    created_by: tokens.user.id,
    channel: "desk",
    person: { given_name: "Riservata", family_name: `Statistica${i}`, languages: [] },
    needs: needs.map(code => ({ code, note: "" })),
    summary: "",
    urgency: "normal",
    consent: { privacy_notice: true, data_sharing: false, recorded_at: at },
    referrals: referTo
      ? [{ id: "r1", area: referTo, reason: "valutazione", status: "proposed", created_by: tokens.user.id, created_at: at }]
      : [],
    status: referTo ? "referred" : "open",
  };
  const result = spawnSync(
    "node",
    [jsClient, "create", "--url", `${base.replace(/^http/, "ws")}/sync`, "--doc", JSON.stringify(doc), "--timeout", "10"],
    { env: { ...process.env, SPORTELLO_ACCESS_TOKEN: tokens.access_token }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`client.mjs create failed (${result.status}): ${result.stdout} ${result.stderr}`);
}

async function api(token, path) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/** Parses RFC 4180 text without quoted cells (the statistics' keys and numbers have none). */
function parseCsv(text) {
  if (!text.endsWith("\r\n")) throw new Error("a CSV record must end with CRLF");
  const [header, ...records] = text.slice(0, -2).split("\r\n").map(line => line.split(","));
  return { header, records };
}

const cell = value => (value === null || value === undefined ? "" : String(value));

function sameRecords(name, csvText, header, expected) {
  const csv = parseCsv(csvText);
  if (csv.header.join(",") !== header.join(",")) throw new Error(`${name}: header ${csv.header} ≠ ${header}`);
  const want = expected.map(r => r.map(cell).join(","));
  const got = csv.records.map(r => r.join(","));
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${name}: CSV ${JSON.stringify(got)} ≠ JSON ${JSON.stringify(want)}`);
}

const browser = await launchBrowser();
try {
  // Seven cases in November: all with `economic`, five with `language`, two with `legal`; five referred to
  // the elderly area.
  const operator = await apiLogin(operatorName, operatorPassword);
  for (let i = 0; i < 7; i++) {
    const needs = ["economic", ...(i < 5 ? ["language"] : ["legal"])];
    createCase(operator, i, needs, i < 5 ? "elderly" : undefined);
  }
  const admin = await apiLogin("admin", adminPassword);

  const context = await newTablet(browser, { width: 1280, height: 900 });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  // The browser's day is pinned (10 December 2026), so "this month" is December whenever the test runs;
  // the server's clock (and the seeded figures) is in November.
  await page.clock.setFixedTime(new Date("2026-12-10T10:00:00+01:00"));
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  const wasm = [];
  page.on("request", request => {
    if (request.url().endsWith(".wasm")) wasm.push(request.url());
  });

  await check("1. the admin logs in to the console and opens the statistics", async () => {
    await page.goto(`${base}/admin`);
    await page.getByLabel("Utente").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill(adminPassword);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Statistiche", exact: true }).click();
    await page.getByRole("heading", { name: "Statistiche", level: 2 }).waitFor();
    await page.getByRole("radio", { name: "Questo mese" }).waitFor();
  });

  await check("2. this month (no data yet) says so in words, with its tables and CSV buttons", async () => {
    await page.locator("admin-statistics figure#queue-days").waitFor();
    const empty = await page.locator("admin-statistics p.empty").count();
    if (empty < 5) throw new Error(`expected the empty states of this month's charts, found ${empty}`);
    const buttons = await page.getByRole("button", { name: /^Scarica CSV/ }).count();
    if (buttons !== 7) throw new Error(`expected 7 CSV buttons, found ${buttons}`);
  });

  await check("3. a custom period that ends before it starts is refused in words", async () => {
    await page.getByRole("radio", { name: "Personalizzato" }).check();
    await page.getByLabel("Dal", { exact: true }).fill("2026-11-30");
    await page.getByLabel("Al", { exact: true }).fill("2026-11-01");
    await page.getByRole("button", { name: "Mostra" }).click();
    await page.getByRole("alert").filter({ hasText: "Il primo giorno non può venire dopo l'ultimo." }).waitFor();
  });

  await check("4. November: the charts have one bar or point per seeded figure", async () => {
    await page.getByLabel("Dal", { exact: true }).fill(FROM);
    await page.getByLabel("Al", { exact: true }).fill(TO);
    await page.getByRole("button", { name: "Mostra" }).click();
    await page.locator("admin-statistics figure#cases-intakes rect.bar").first().waitFor();
    const count = selector => page.locator(`admin-statistics ${selector}`).count();
    const expected = {
      // 25 November: tickets issued on A and on M, stacked on one day.
      "#queue-days rect.bar": 2,
      // 10:00: median and p90 of the two calls.
      "#queue-waiting-by-hour .point": 2,
      // A: one no-show, one transfer; M: none.
      "#queue-lines rect.bar": 2,
      "#cases-intakes rect.bar": 1,
      // economic (7) drawn; language (5, hidden beside legal) and legal (2) as "< 5".
      "#cases-needs rect.bar": 1,
      "#cases-needs text.suppressed-mark": 2,
      // elderly: five proposed.
      "#cases-referrals rect.bar": 1,
    };
    for (const [selector, n] of Object.entries(expected)) {
      const found = await count(selector);
      if (found !== n) throw new Error(`${selector}: ${found} marks, expected ${n}`);
    }
    const title = await page.locator("admin-statistics #queue-days svg title").first().textContent();
    if (title !== "Biglietti emessi per giorno e linea") throw new Error(`chart title: ${title}`);
  });

  await check("5. small counts read '< 5' in the tables", async () => {
    const needs = page.locator("admin-statistics #cases-needs table");
    for (const label of ["Lingua e mediazione", "Questioni legali"]) {
      const row = needs.locator("tr").filter({ has: page.locator("td", { hasText: new RegExp(`^${label}`) }) });
      const text = (await row.locator("td").nth(1).textContent())?.trim();
      if (text !== "< 5") throw new Error(`${label}: "${text}"`);
    }
    const economic = needs.locator("tr").filter({ has: page.locator("td", { hasText: /^Difficoltà economiche/ }) });
    if ((await economic.count()) !== 1) throw new Error("no economic row");
  });

  await check("6. every CSV downloaded from the page holds the JSON answer's values", async () => {
    const query = `from=${FROM}&to=${TO}`;
    const queue = await api(admin.access_token, `/api/v1/queue/stats?${query}`);
    const cases = await api(admin.access_token, `/api/v1/admin/case-stats?${query}`);
    const counts = table => [...table.rows.map(r => [r.key, r.count, r.suppressed]), ["total", table.total.count, table.total.suppressed]];
    const time = cases.decision_time;
    const expected = {
      "queue-days": [["day", "line", "issued"], queue.days.map(d => [d.day, d.line, d.issued])],
      "queue-waiting-by-hour": [["hour", "count", "median_s", "p90_s"], queue.waiting_by_hour.map(h => [h.hour, h.waiting.count, h.waiting.median_s, h.waiting.p90_s])],
      "queue-lines": [["line", "issued", "done", "no_show", "transferred_out"], queue.lines.map(l => [l.line, l.issued, l.done, l.no_show, l.transferred_out])],
      "cases-intakes": [["month", "count", "suppressed"], counts(cases.intakes)],
      "cases-needs": [["need", "count", "suppressed"], counts(cases.needs)],
      "cases-referrals": [
        ["area", "status", "count", "suppressed"],
        cases.referrals.flatMap(a => [...a.statuses.map(s => [a.area, s.key, s.count, s.suppressed]), [a.area, "total", a.total.count, a.total.suppressed]]),
      ],
      "cases-decision-time": [["count", "median_days", "p90_days", "suppressed"], [[time.count, time.median_days, time.p90_days, time.suppressed]]],
    };
    if (cases.needs.rows.find(r => r.key === "legal")?.suppressed !== true) throw new Error("legal (2) should be suppressed in the JSON");
    for (const [id, [header, records]] of Object.entries(expected)) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator(`admin-statistics figure#${id} button.csv`).click()]);
      const name = download.suggestedFilename();
      if (name !== `sportello-${id}-${FROM}-${TO}.csv`) throw new Error(`file name ${name}`);
      sameRecords(id, readFileSync(await download.path(), "utf8"), header, records);
    }
  });

  await check("7. axe finds no violation in the section; buttons and fields are large enough to touch", async () => {
    await noAxeViolations(page, "the console's statistics");
    await touchTargetsAreLargeEnough(page, "the console's statistics");
  });

  await check("8. the console loaded no WebAssembly and logged no error", async () => {
    if (wasm.length) throw new Error(`wasm requested: ${wasm.join(", ")}`);
    const errors = consoleErrors.unexpected();
    if (errors.length) throw new Error(errors.join("\n"));
  });

  if (screenshots) {
    await page.locator("admin-statistics h3").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${screenshots}/admin-statistics.png`, fullPage: true });
  }
} finally {
  await browser.close();
  finish();
}
