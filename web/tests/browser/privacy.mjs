#!/usr/bin/env node
// The privacy officer's screens in the console (`/admin`), against the real server: officer A signs in and
// sees only the privacy sections; a wrong codice fiscale is caught in the browser (nothing sent); the right
// one finds the case (sent in a POST body, never in a URL, and cleared from the form); the access report
// lists the accesses the test made (the operator's creation, the colleague's read, a social worker's refused
// request) with a summary, by
// person, printed (print CSS: no console chrome; its heading names the comune) and as a CSV equal to the
// rows shown (the comune in its last column); A requests the
// erasure with a typed confirmation and cannot approve it; officer B approves it in another browser and
// sees the erased ids; the case is then gone from the look-up. The officer on the tablet app is sent to
// the console. axe and 44 px on every screen. Screenshots: privacy-*.png.
// Started by server/tests/api/web_privacy.rs (which makes the accounts and the case); by hand:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_OFFICER_A=rp.elena SPORTELLO_OFFICER_B=rp.franco \
//   SPORTELLO_PASSWORD=… SPORTELLO_FISCAL_CODE=… SPORTELLO_CASE_ID=… SPORTELLO_OPERATOR=op.anna \
//   SPORTELLO_COLLEAGUE=op.bruno SPORTELLO_COMUNE_NAME="Comune di Sassuolo" node tests/browser/privacy.mjs
//
// SPORTELLO_COMUNE_NAME is the server's --comune-name; without it the heading must use the general words.

import { readFileSync } from "node:fs";
import {
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  newTablet,
  noAxeViolations,
  required,
  shot,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";

const officerA = required("SPORTELLO_OFFICER_A");
const officerB = required("SPORTELLO_OFFICER_B");
const password = required("SPORTELLO_PASSWORD");
const fiscalCode = required("SPORTELLO_FISCAL_CODE");
const caseId = required("SPORTELLO_CASE_ID");
const operator = required("SPORTELLO_OPERATOR");
const colleague = required("SPORTELLO_COLLEAGUE");
const socialWorker = required("SPORTELLO_SOCIAL_WORKER");
const comune = process.env.SPORTELLO_COMUNE_NAME?.trim() || undefined;
watchdog(240);

const browser = await launchBrowser();
/** Every URL the browsers asked for: the fiscal code must be in none. */
const urls = [];

async function consoleContext(viewport = { width: 1280, height: 900 }) {
  const context = await newTablet(browser, viewport);
  context.on("request", request => urls.push(request.url()));
  return context;
}

async function signIn(page, username) {
  await page.goto(`${base}/admin`);
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Accedi" }).click();
}

async function screen(page, name) {
  await noAxeViolations(page, name);
  await touchTargetsAreLargeEnough(page, name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, `privacy-${name}`);
}

async function go(page, sectionName, heading) {
  await page.getByRole("navigation").getByRole("link", { name: sectionName }).click();
  await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
}

/** RFC 4180, as the console writes it. */
function parseCsv(text) {
  const records = [];
  let record = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") record.push(cell), (cell = "");
    else if (c === "\r" && text[i + 1] === "\n") record.push(cell), records.push(record), (record = []), (cell = ""), i++;
    else cell += c;
  }
  return records;
}

/** The report's table rows as the page shows them: [when, who, what, document]. */
async function reportRows(page) {
  return page.locator("table[data-access-rows] tbody tr").evaluateAll(rows =>
    rows.map(row => ({
      action: row.getAttribute("data-action"),
      actor: row.getAttribute("data-actor"),
      cells: [...row.querySelectorAll("td")].map(td => td.textContent.replace(/\s+/g, " ").trim()),
    })),
  );
}

try {
  const contextA = await consoleContext();
  const pageA = await contextA.newPage();
  watchPage(pageA);
  const errorsA = collectConsoleErrors(pageA);
  let lookupBodies = [];
  pageA.on("request", request => {
    if (request.url().endsWith("/api/v1/privacy/lookup")) lookupBodies.push({ method: request.method(), body: request.postData() });
  });

  await check("officer A signs in to the console and sees only the privacy sections", async () => {
    await signIn(pageA, officerA);
    await pageA.getByRole("heading", { name: "Diritti dell'interessato", level: 2 }).waitFor();
    const links = await pageA.getByRole("navigation").getByRole("link").allTextContents();
    const names = links.map(l => l.trim());
    if (JSON.stringify(names) !== JSON.stringify(["Diritti dell'interessato", "Cancellazioni", "La mia password"]))
      throw new Error(`navigation: ${names.join(", ")}`);
    if (!pageA.url().endsWith("#privacy")) throw new Error(pageA.url());
    // An admin's section named in the hash is not this role's: the first of its own stays.
    await pageA.evaluate(() => (location.hash = "#users"));
    await pageA.getByRole("heading", { name: "Diritti dell'interessato", level: 2 }).waitFor();
    if (await pageA.locator("admin-users").count()) throw new Error("the users section opened");
    await screen(pageA, "lookup");
  });

  await check("a wrong codice fiscale is explained beside the field and never sent", async () => {
    const field = pageA.getByLabel("Codice fiscale dell'interessato");
    await field.fill(fiscalCode.slice(0, 15));
    await pageA.getByRole("button", { name: "Cerca" }).click();
    await pageA.getByText("Il codice fiscale ha 16 caratteri (ne hai inseriti 15).").waitFor();
    if ((await field.getAttribute("aria-invalid")) !== "true") throw new Error("the field is not marked invalid");
    const wrongCheck = fiscalCode.slice(0, 15) + (fiscalCode[15] === "A" ? "B" : "A");
    await field.fill(wrongCheck);
    await pageA.getByRole("button", { name: "Cerca" }).click();
    await pageA.getByText("Il carattere di controllo (l'ultimo) non corrisponde").waitFor();
    if (lookupBodies.length) throw new Error(`a look-up was sent: ${JSON.stringify(lookupBodies)}`);
    await noAxeViolations(pageA, "lookup with an error");
  });

  await check("the right code (typed in lower case, with spaces) finds the case; it went in a POST body and left the form", async () => {
    const field = pageA.getByLabel("Codice fiscale dell'interessato");
    await field.fill(` ${fiscalCode.toLowerCase()} `);
    await pageA.getByRole("button", { name: "Cerca" }).click();
    await pageA.locator(`tr[data-case="${caseId}"]`).waitFor();
    if ((await field.inputValue()) !== "") throw new Error("the code is still in the form");
    if (lookupBodies.length !== 1 || lookupBodies[0].method !== "POST") throw new Error(JSON.stringify(lookupBodies));
    if (JSON.parse(lookupBodies[0].body).fiscal_code !== fiscalCode) throw new Error(`sent ${lookupBodies[0].body}`);
    const shown = await pageA.locator("admin-privacy").evaluate(el => el.shadowRoot.textContent);
    if (shown.includes(fiscalCode)) throw new Error("the code is still on the screen");
    await pageA.getByText(`termina con …${fiscalCode.slice(-4)}`).waitFor();
    const rows = await pageA.locator("table[data-cases] tbody tr").count();
    if (rows !== 1) throw new Error(`${rows} cases found`);
    await screen(pageA, "results");
  });

  let shownRows = [];
  await check("the access report lists the operator's creation and the colleague's read, with a summary", async () => {
    await pageA.getByRole("button", { name: `Registro accessi del fascicolo ${caseId}` }).click();
    await pageA.getByRole("heading", { name: "Registro degli accessi al fascicolo", level: 2 }).waitFor();
    await pageA.locator("table[data-access-rows]").waitFor();
    shownRows = await reportRows(pageA);
    const created = shownRows.find(r => r.action === "doc.create");
    if (!created || created.actor !== operator || !created.cells[2].includes("Ha creato") || created.cells[3] !== "Fascicolo")
      throw new Error(`no creation by ${operator}: ${JSON.stringify(shownRows)}`);
    if (!created.cells[1].includes(`(${operator})`) || !created.cells[1].includes("operatore dello sportello"))
      throw new Error(`who: ${created.cells[1]}`);
    const read = shownRows.find(r => r.action === "doc.read" && r.actor === colleague);
    if (!read || !read.cells[2].includes("Ha letto")) throw new Error(`no read by ${colleague}: ${JSON.stringify(shownRows)}`);
    const denied = shownRows.find(r => r.action === "doc.denied" && r.actor === socialWorker);
    if (!denied || !denied.cells[2].includes("Accesso negato") || !denied.cells[1].includes("assistente sociale"))
      throw new Error(`no denial for ${socialWorker}: ${JSON.stringify(shownRows)}`);
    // Oldest first, times as Rome reads them (dd/mm/yyyy hh:mm:ss).
    for (const r of shownRows) if (!/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/.test(r.cells[0])) throw new Error(`time: ${r.cells[0]}`);
    if (shownRows.findIndex(r => r.action === "doc.create") > shownRows.indexOf(read)) throw new Error("not oldest first");
    // The people: at least the operator and the colleague; the entries: the rows.
    const people = Number(await pageA.locator("[data-people]").textContent());
    const entries = Number(await pageA.locator("[data-entries]").textContent());
    if (people < 3 || entries !== shownRows.length) throw new Error(`summary: ${people} people, ${entries} entries, ${shownRows.length} rows`);
    const who = await pageA.locator(".doc-head").textContent();
    if (!who.includes(caseId) || !who.includes(`(${officerA}), referente privacy`)) throw new Error(`heading: ${who}`);
    const issuer = (await pageA.locator("[data-issuer]").textContent()).replace(/\s+/g, " ").trim();
    const expectedIssuer = comune ? `Servizi sociali · ${comune}` : "Servizi sociali del Comune";
    if (!issuer.endsWith(expectedIssuer)) throw new Error(`issuer: ${issuer}, expected ${expectedIssuer}`);
    await screen(pageA, "report");
    if (screenshotsWanted()) await pageA.screenshot({ path: `${process.env.SCREENSHOTS}/privacy-report.png`, fullPage: true });
  });

  await check("the report filters by person and groups by person", async () => {
    await pageA.getByLabel("Persona").selectOption({ label: (await pageA.locator("#report-person option").allTextContents()).find(t => t.includes(`(${colleague})`)) });
    const only = await reportRows(pageA);
    if (only.length === 0 || only.some(r => r.actor !== colleague)) throw new Error(JSON.stringify(only));
    await pageA.getByLabel("Persona").selectOption("");
    await pageA.getByLabel("Vista").selectOption("person");
    const groups = await pageA.locator("h3[data-person]").allTextContents();
    if (!groups.some(g => g.includes(`(${operator})`)) || !groups.some(g => g.includes(`(${colleague})`))) throw new Error(groups.join(" | "));
    await noAxeViolations(pageA, "report by person");
    await pageA.getByLabel("Vista").selectOption("time");
  });

  await check("Stampa prints; the print view is the report alone on a white A4-wide page", async () => {
    await pageA.evaluate(() => {
      window.__printed = 0;
      window.print = () => void (window.__printed += 1);
    });
    await pageA.getByRole("button", { name: "Stampa" }).click();
    if ((await pageA.evaluate(() => window.__printed)) !== 1) throw new Error("print was not called");
    await pageA.setViewportSize({ width: 794, height: 1123 });
    await pageA.emulateMedia({ media: "print" });
    const hidden = await pageA.evaluate(() => {
      const app = document.querySelector("sportello-admin").shadowRoot;
      const privacy = app.querySelector("admin-privacy").shadowRoot;
      const display = el => (el ? getComputedStyle(el).display : "missing");
      return {
        header: display(app.querySelector(".layout > header")),
        nav: display(app.querySelector("nav")),
        toolbar: display(privacy.querySelector(".toolbar-report")),
        report: display(privacy.querySelector("article.report")),
        signature: display(privacy.querySelector(".print-only")),
        issuer: display(privacy.querySelector("[data-issuer]")),
      };
    });
    if (hidden.header !== "none" || hidden.nav !== "none" || hidden.toolbar !== "none" || hidden.report === "none" || hidden.signature === "none" || hidden.issuer === "none")
      throw new Error(JSON.stringify(hidden));
    if (screenshotsWanted()) await pageA.screenshot({ path: `${process.env.SCREENSHOTS}/privacy-report-print.png`, fullPage: true });
    await pageA.emulateMedia({ media: "screen" });
    await pageA.setViewportSize({ width: 1280, height: 900 });
  });

  await check("the CSV holds exactly the rows shown, with Italian headers", async () => {
    const [download] = await Promise.all([pageA.waitForEvent("download"), pageA.getByRole("button", { name: "Scarica CSV" }).click()]);
    if (!new RegExp(`^registro-accessi-${caseId.slice(0, 8)}-\\d{4}-\\d{2}-\\d{2}\\.csv$`).test(download.suggestedFilename()))
      throw new Error(download.suggestedFilename());
    const text = readFileSync(await download.path(), "utf8");
    if (!text.startsWith("\uFEFF")) throw new Error("no byte order mark: a spreadsheet may not read it as UTF-8");
    const records = parseCsv(text.slice(1));
    if (records[0][0] !== "Data e ora (Europe/Rome)" || records[0][2] !== "Persona" || records[0][5] !== "Operazione")
      throw new Error(`header: ${records[0].join(",")}`);
    // The comune, when the server names one, is the last column of every record; otherwise there is none.
    const width = comune ? 11 : 10;
    if (records.some(r => r.length !== width) || (comune && (records[0][10] !== "Ente" || records.slice(1).some(r => r[10] !== comune))))
      throw new Error(`comune column: ${JSON.stringify(records.map(r => r.slice(9)))}`);
    const rows = records.slice(1);
    if (rows.length !== shownRows.length) throw new Error(`${rows.length} records, ${shownRows.length} rows`);
    rows.forEach((record, i) => {
      if (record[0] !== shownRows[i].cells[0]) throw new Error(`row ${i}: ${record[0]} ≠ ${shownRows[i].cells[0]}`);
      if (record[3] !== (shownRows[i].actor ?? "")) throw new Error(`row ${i}: ${record[3]} ≠ ${shownRows[i].actor}`);
      if (!shownRows[i].cells[2].startsWith(record[5])) throw new Error(`row ${i}: ${record[5]} ≠ ${shownRows[i].cells[2]}`);
      if (record[8] !== caseId && !record[7].startsWith("Note")) throw new Error(`row ${i}: document ${record[8]}`);
    });
  });

  await check("A requests the erasure: reason, reference and the typed last characters of the case id", async () => {
    await pageA.getByRole("button", { name: "Torna ai risultati" }).click();
    await pageA.getByRole("button", { name: `Richiedi cancellazione del fascicolo ${caseId}` }).click();
    const dialog = pageA.getByRole("dialog", { name: "Richiesta di cancellazione" });
    await dialog.waitFor();
    const send = dialog.getByRole("button", { name: "Invia la richiesta" });
    if (!(await send.isDisabled())) throw new Error("sendable without the confirmation");
    await dialog.getByLabel("Motivo").selectOption("subject_request");
    await dialog.getByLabel("Riferimento (facoltativo)").fill("prot. 2026/4711");
    const code = caseId.replace(/-/g, "").slice(-6);
    await dialog.getByLabel(/Per confermare/).fill("000000" === code ? "111111" : "000000");
    if (!(await send.isDisabled())) throw new Error("sendable with wrong characters");
    await dialog.getByLabel(/Per confermare/).fill(code.toUpperCase());
    await noAxeViolations(pageA, "erasure dialog");
    await shot(pageA, "privacy-erasure-request");
    await send.click();
    await dialog.waitFor({ state: "hidden" });
    await pageA.getByText(`Richiesta di cancellazione inviata per il fascicolo ${caseId}`).waitFor();
  });

  await check("A's own request waits for another officer: no Approve button, the reason said", async () => {
    await go(pageA, "Cancellazioni", "Cancellazioni");
    const row = pageA.locator(`tr[data-case="${caseId}"]`);
    await row.waitFor();
    if ((await row.getAttribute("data-status")) !== "pending") throw new Error(await row.getAttribute("data-status"));
    if (await row.locator("button[data-approve]").count()) throw new Error("A may approve its own request");
    await row.getByText("È una tua richiesta: deve approvarla un altro referente privacy.").waitFor();
    await row.getByText("prot. 2026/4711").waitFor();
    await screen(pageA, "erasures-own");
  });

  const contextB = await consoleContext();
  const pageB = await contextB.newPage();
  watchPage(pageB);
  const errorsB = collectConsoleErrors(pageB);
  await check("officer B approves in another browser and sees the erased documents' ids", async () => {
    await signIn(pageB, officerB);
    await pageB.getByRole("heading", { name: "Diritti dell'interessato", level: 2 }).waitFor();
    await go(pageB, "Cancellazioni", "Cancellazioni");
    const row = pageB.locator(`tr[data-case="${caseId}"]`);
    await row.waitFor();
    await row.getByText("da un altro referente").waitFor();
    await screen(pageB, "erasures-pending");
    await row.getByRole("button", { name: `Approva e cancella il fascicolo ${caseId}` }).click();
    const dialog = pageB.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancella definitivamente" }).click();
    await pageB.locator(`[data-erased="${caseId}"]`).waitFor();
    const ids = await pageB.locator("[data-erased-id]").allTextContents();
    if (!ids.map(s => s.trim()).includes(caseId)) throw new Error(`erased: ${ids.join(", ")}`);
    if (await pageB.locator(`tr[data-case="${caseId}"]`).count()) throw new Error("still pending");
    await screen(pageB, "erasure-done");
  });

  await check("after the erasure the look-up finds nothing", async () => {
    await go(pageB, "Diritti dell'interessato", "Diritti dell'interessato");
    await pageB.getByLabel("Codice fiscale dell'interessato").fill(fiscalCode);
    await pageB.getByRole("button", { name: "Cerca" }).click();
    await pageB.getByText("Nessun fascicolo con questo codice fiscale.").waitFor();
  });

  await check("officer B changes its own password and goes on working with the new session", async () => {
    await go(pageB, "La mia password", "La mia password");
    await pageB.getByLabel("Password attuale").fill(password);
    await pageB.getByLabel("Nuova password", { exact: true }).fill("ombrello-castagna-faro-47");
    await pageB.getByLabel("Ripeti la nuova password").fill("ombrello-castagna-faro-48");
    await pageB.getByRole("button", { name: "Cambia la password" }).click();
    await pageB.getByText("Le due password non coincidono.").waitFor();
    await pageB.getByLabel("Ripeti la nuova password").fill("ombrello-castagna-faro-47");
    await pageB.getByRole("button", { name: "Cambia la password" }).click();
    await pageB.getByText("Password cambiata.").waitFor();
    if ((await pageB.getByLabel("Nome utente").inputValue()) !== officerB) throw new Error("the username field was emptied");
    await screen(pageB, "password");
    // The console's client holds the new pair: the next call works.
    await go(pageB, "Cancellazioni", "Cancellazioni");
    await pageB.getByLabel("Mostra").selectOption("all");
    await pageB.locator(`tr[data-case="${caseId}"][data-status="approved"]`).waitFor();
  });

  await check("the look-up at tablet size (820×1180): axe and 44 px", async () => {
    await pageA.setViewportSize({ width: 820, height: 1180 });
    await go(pageA, "Diritti dell'interessato", "Diritti dell'interessato");
    await noAxeViolations(pageA, "look-up at tablet size");
    await touchTargetsAreLargeEnough(pageA, "look-up at tablet size");
  });

  await check("the privacy officer on the tablet app is sent to the console, with nothing kept", async () => {
    const tablet = await newTablet(browser);
    tablet.on("request", request => urls.push(request.url()));
    const page = await tablet.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel("Nome utente").fill(officerA);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByText("gli amministratori e i referenti privacy usano la console").waitFor();
    const link = page.getByRole("link", { name: "Apri la console di amministrazione" });
    if ((await link.getAttribute("href")) !== "/admin") throw new Error(await link.getAttribute("href"));
    await noAxeViolations(page, "tablet login of a privacy officer");
    await shot(page, "privacy-tablet-refused");
    await tablet.close();
  });

  await check("the fiscal code was in no URL, and no unexpected script error", async () => {
    const leaked = urls.filter(u => u.toUpperCase().includes(fiscalCode));
    if (leaked.length) throw new Error(`in URLs: ${leaked.join(", ")}`);
    const errors = [...errorsA.unexpected(), ...errorsB.unexpected()].filter(text => !/status of 40[0-9]/.test(text));
    if (errors.length) throw new Error(errors.join("\n"));
  });
} catch {
  // check() printed the failure.
} finally {
  await browser.close();
  finish();
}

function screenshotsWanted() {
  return Boolean(process.env.SCREENSHOTS);
}
