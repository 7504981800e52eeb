#!/usr/bin/env node
// The admin console (`/admin`), with two admins in two browsers: an operator is refused and logged out; a
// new admin's one-time password leads to the forced change; admin A asks for a new operator and copies the
// first part of its one-time password; admin B approves in the console and copies the second part; the
// operator logs in on the tablet app (`/`) with both parts and changes the password; A renames an account
// and withdraws a role change; A enrols a totem (credential and QR code of the enrolment link, which the
// test checks module by module against the encoder), enrols and revokes a display, edits a line and the
// opening hours (a wrong interval is caught beside its field); the audit log shows those actions with names
// beside ids, and its CSV holds exactly the rows shown; English switch; A ends B's sessions and B sees the
// session-ended screen; the console at tablet size; axe on every screen, 44 px targets; no `.wasm` ever
// requested (by the pages or a service worker: the console registers none).
// Started by server/tests/api/web_admin.rs (which makes the two admins and the operator); by hand:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_ADMIN_A=admin SPORTELLO_ADMIN_B=seconda.admin \
//   SPORTELLO_ADMIN_PASSWORD=… SPORTELLO_OPERATOR=op.esistente SPORTELLO_OPERATOR_PASSWORD=… \
//   SPORTELLO_NEW_ADMIN=terza.admin SPORTELLO_NEW_ADMIN_PASSWORD=<its one-time password> node tests/browser/admin.mjs
//
// Environment: see harness.mjs, and the variables above (accounts whose passwords are already changed, but
// the new admin's: a one-time password, for the forced change).

import { readFileSync } from "node:fs";
import qrcode from "qrcode-generator";
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
  shot,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";

const adminA = required("SPORTELLO_ADMIN_A");
const adminB = required("SPORTELLO_ADMIN_B");
const adminPassword = required("SPORTELLO_ADMIN_PASSWORD");
const operator = required("SPORTELLO_OPERATOR");
const operatorPassword = required("SPORTELLO_OPERATOR_PASSWORD");
const newAdmin = required("SPORTELLO_NEW_ADMIN");
const newAdminOneTime = required("SPORTELLO_NEW_ADMIN_PASSWORD");
const newUser = "nuovo.operatore";
const newPassword = "pioggia-lampione-ciliegia-31";
watchdog(240);

const browser = await launchBrowser();
const wasmRequests = [];

/** A console browser: Italian, 1280×800, clipboard allowed, every request watched for `.wasm`. */
async function consoleContext(viewport = { width: 1280, height: 800 }) {
  const context = await newTablet(browser, viewport);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  context.on("request", request => {
    // The page's own requests and its service worker's (a precache would fetch automerge.wasm too).
    if (new URL(request.url()).pathname.endsWith(".wasm")) wasmRequests.push(`${request.serviceWorker() ? "service worker: " : ""}${request.url()}`);
  });
  return context;
}

async function signIn(page, username, password) {
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Accedi" }).click();
}

async function screen(page, name) {
  await noAxeViolations(page, name);
  await touchTargetsAreLargeEnough(page, name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, `admin-${name}`);
}

/** Clicks the copy button of a one-time field and returns what reached the clipboard (and the field's value). */
async function copyFrom(page, label) {
  const field = page.getByLabel(label, { exact: true });
  const value = await field.inputValue();
  await page.locator("admin-copy-once", { has: field }).getByRole("button", { name: "Copia" }).click();
  await page.getByText("Copiato negli appunti.").first().waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== value) throw new Error(`the clipboard holds ${JSON.stringify(copied)}, the field ${JSON.stringify(value)}`);
  return value;
}

async function go(page, sectionName, heading) {
  await page.getByRole("navigation").getByRole("link", { name: sectionName }).click();
  await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
}

async function confirmDialog(page, button) {
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: button }).click();
  await dialog.waitFor({ state: "hidden" });
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

try {
  const contextA = await consoleContext();
  const pageA = await contextA.newPage();
  watchPage(pageA);
  const errorsA = collectConsoleErrors(pageA);
  let firstPart = "";
  let secondPart = "";

  await check("the console opens at /admin on its sign-in screen", async () => {
    await pageA.goto(`${base}/admin`);
    await pageA.getByRole("heading", { name: "Accesso alla console" }).waitFor();
    await screen(pageA, "login");
  });

  await check("an operator is told the console is for admins, and its session is ended", async () => {
    const admin = await apiLogin(adminA, adminPassword);
    const headers = { authorization: `Bearer ${admin.access_token}` };
    const users = await (await fetch(`${base}/api/v1/admin/users`, { headers })).json();
    const id = users.find(u => u.username === operator).id;
    const liveSessions = async () => (await (await fetch(`${base}/api/v1/admin/sessions?user_id=${id}`, { headers })).json()).length;
    const before = await liveSessions();
    await signIn(pageA, operator, operatorPassword);
    await pageA.getByText("Questa console è riservata agli amministratori e ai referenti privacy.", { exact: false }).waitFor();
    await pageA.getByRole("link", { name: "Apri l'app del tablet" }).waitFor();
    await noAxeViolations(pageA, "not an admin");
    errorsA.clear();
    // The session the console opened was logged out at once: no more live sessions than before.
    const after = await liveSessions();
    if (after !== before) throw new Error(`the operator had ${before} live session(s), now ${after}`);
    await fetch(`${base}/api/v1/auth/logout`, { method: "POST", headers });
  });

  await check("a new admin's one-time password leads to the forced change, then to the console", async () => {
    const context = await consoleContext();
    const page = await context.newPage();
    watchPage(page);
    await page.goto(`${base}/admin#devices`);
    await signIn(page, newAdmin, newAdminOneTime);
    await page.getByRole("heading", { name: "Scegli una nuova password" }).waitFor();
    await screen(page, "password-change");
    await page.getByLabel("Nuova password", { exact: true }).fill(newPassword);
    await page.getByLabel("Ripeti la nuova password").fill(`${newPassword}!`);
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByText("Le due password non coincidono.").waitFor();
    await page.getByLabel("Nuova password", { exact: true }).fill("password1234");
    await page.getByLabel("Ripeti la nuova password").fill("password1234");
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByText("Password troppo debole:", { exact: false }).waitFor();
    await page.getByLabel("Nuova password", { exact: true }).fill(newPassword);
    await page.getByLabel("Ripeti la nuova password").fill(newPassword);
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByRole("heading", { name: "Dispositivi", level: 2 }).waitFor();
    // The new password works, the one-time one no longer does.
    await apiLogin(newAdmin, newPassword);
    const old = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: newAdmin, password: newAdminOneTime }),
    });
    if (old.status !== 401) throw new Error(`the one-time password still answers ${old.status}`);
    await context.close();
    watchPage(pageA);
  });

  await check("admin A signs in and lands on the users, the section in the URL", async () => {
    await signIn(pageA, adminA, adminPassword);
    await pageA.getByRole("heading", { name: "Utenti", level: 2 }).waitFor();
    await pageA.locator(`tr[data-user="${operator}"]`).waitFor();
    if (new URL(pageA.url()).hash !== "#users") throw new Error(`hash ${new URL(pageA.url()).hash}`);
    await pageA.getByText("Nessuna richiesta in attesa.").waitFor();
    await screen(pageA, "users");
  });

  await check("the list filters by role and by name", async () => {
    await pageA.getByLabel("Ruolo", { exact: true }).selectOption("admin");
    await pageA.locator(`tr[data-user="${operator}"]`).waitFor({ state: "detached" });
    await pageA.locator(`tr[data-user="${adminB}"]`).waitFor();
    await pageA.getByLabel("Ruolo", { exact: true }).selectOption("");
    await pageA.getByLabel("Cerca per nome").fill(operator.slice(0, 6).toUpperCase());
    await pageA.locator(`tr[data-user="${adminB}"]`).waitFor({ state: "detached" });
    await pageA.locator(`tr[data-user="${operator}"]`).waitFor();
    await pageA.getByLabel("Cerca per nome").fill("");
  });

  const contextB = await consoleContext();
  const pageB = await contextB.newPage();
  const errorsB = collectConsoleErrors(pageB);
  await check("admin B signs in on its own computer: nothing waits yet", async () => {
    await pageB.goto(`${base}/admin#users`);
    await signIn(pageB, adminB, adminPassword);
    await pageB.getByText("Nessuna richiesta in attesa.").waitFor();
  });

  await check("admin A asks for an operator and copies the first part of the one-time password", async () => {
    await pageA.getByRole("button", { name: "Nuovo utente" }).click();
    await pageA.getByLabel("Nome utente", { exact: true }).fill(newUser);
    await pageA.getByLabel("Nome visualizzato").fill("Nuova Operatrice");
    await pageA.locator("#role").selectOption("social_worker");
    await pageA.getByLabel("Anziani").check();
    await noAxeViolations(pageA, "new user form");
    await pageA.getByRole("heading", { name: "Nuovo utente" }).scrollIntoViewIfNeeded();
    await shot(pageA, "admin-user-form");
    await pageA.locator("#role").selectOption("operator");
    if (await pageA.getByLabel("Anziani").count()) throw new Error("areas offered to an operator");
    await pageA.getByRole("button", { name: "Invia la richiesta" }).click();
    await pageA.getByRole("heading", { name: "Richiesta inviata" }).waitFor();
    firstPart = await copyFrom(pageA, "Prima parte della password temporanea");
    if (!/^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/.test(firstPart)) throw new Error(`first part ${firstPart}`);
    await pageA.getByText("Verrà mostrato solo ora", { exact: false }).waitFor();
    // The request waits; A cannot approve its own.
    const row = pageA.locator(`tr[data-grant="${newUser}"]`);
    await row.getByText("Richiesta tua", { exact: false }).waitFor();
    if (await row.getByRole("button", { name: "Approva" }).count()) throw new Error("A may approve its own request");
    await screen(pageA, "user-requested");
  });

  await check("admin B, already in its console, sees the request after Aggiorna, approves it and copies the second part", async () => {
    watchPage(pageB);
    await pageB.getByText("Nessuna richiesta in attesa.").waitFor();
    await pageB.getByRole("button", { name: "Aggiorna" }).click();
    const row = pageB.locator(`tr[data-grant="${newUser}"]`);
    await row.getByText("Nuovo account").waitFor();
    await row.getByText(adminA, { exact: true }).waitFor();
    await noAxeViolations(pageB, "pending grant");
    await shot(pageB, "admin-grants");
    await row.getByRole("button", { name: "Approva" }).click();
    await pageB.getByRole("heading", { name: "Richiesta approvata" }).waitFor();
    secondPart = await copyFrom(pageB, "Seconda parte della password temporanea");
    await pageB.locator(`tr[data-user="${newUser}"]`).getByText("Deve cambiare password").waitFor();
    await pageB.getByText("Nessuna richiesta in attesa.").waitFor();
    await screen(pageB, "grant-approved");
  });

  await check("the operator logs in on the tablet with both parts and changes the password", async () => {
    const tablet = await newTablet(browser);
    const page = await tablet.newPage();
    watchPage(page);
    await page.goto(base);
    await page.getByLabel("Nome utente").fill(newUser);
    const oneTime = `${firstPart}-${secondPart}`;
    await page.getByLabel("Password", { exact: true }).fill(oneTime);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("heading", { name: "Cambia la password" }).waitFor();
    await page.getByLabel("Password attuale (temporanea)").fill(oneTime);
    await page.getByLabel("Nuova password", { exact: true }).fill(newPassword);
    await page.getByLabel("Ripeti la nuova password").fill(newPassword);
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
    await tablet.close();
    watchPage(pageA);
  });

  await check("back in A's console the new operator is active with its own password", async () => {
    await go(pageA, "Dispositivi", "Dispositivi");
    await go(pageA, "Utenti", "Utenti");
    const row = pageA.locator(`tr[data-user="${newUser}"]`);
    await row.getByText("Attivo").waitFor();
    if (await row.getByText("Deve cambiare password").count()) throw new Error("still must change the password");
    await row.getByText("Nuova Operatrice").waitFor();
  });

  await check("A renames an account at once; a change of role waits for approval, and A withdraws it", async () => {
    await pageA.getByRole("button", { name: `Modifica ${operator}` }).click();
    await pageA.getByLabel("Nome visualizzato").fill("Operatore Esistente");
    await pageA.getByRole("button", { name: "Salva le modifiche" }).click();
    await pageA.getByText(`Account ${operator} aggiornato.`).waitFor();
    await pageA.locator(`tr[data-user="${operator}"]`).getByText("Operatore Esistente").waitFor();
    await pageA.getByRole("button", { name: `Modifica ${operator}` }).click();
    await pageA.locator("#role").selectOption("social_worker");
    await pageA.getByRole("button", { name: "Salva le modifiche" }).click();
    await pageA.getByText("Scegli almeno un'area per un assistente sociale.").waitFor();
    await pageA.getByLabel("Casa e politiche abitative").check();
    await pageA.getByRole("button", { name: "Salva le modifiche" }).click();
    await pageA.getByText(`Richiesta inviata: il nuovo ruolo o le nuove aree di ${operator}`, { exact: false }).waitFor();
    const row = pageA.locator(`tr[data-grant="${operator}"]`);
    await row.getByText("Cambio di ruolo o aree").waitFor();
    await row.getByText("Casa e politiche abitative").waitFor();
    // Until approved the account keeps its role.
    await pageA.locator(`tr[data-user="${operator}"]`).getByText("Operatore", { exact: true }).waitFor();
    await row.getByRole("button", { name: "Ritira" }).click();
    await confirmDialog(pageA, "Ritira");
    await pageA.getByText("Richiesta ritirata.").waitFor();
    await pageA.getByText("Nessuna richiesta in attesa.").waitFor();
  });

  let totemCredential = "";
  await check("A enrols a totem: the credential once, with a copy button and the QR code of the enrolment link", async () => {
    await go(pageA, "Dispositivi", "Dispositivi");
    if (new URL(pageA.url()).hash !== "#devices") throw new Error(`hash ${new URL(pageA.url()).hash}`);
    await pageA.getByLabel("Tipo").selectOption("totem");
    await pageA.getByLabel("Nome", { exact: true }).fill("Totem ingresso");
    await pageA.getByRole("button", { name: "Registra", exact: true }).click();
    await pageA.getByRole("heading", { name: "Totem ingresso registrato" }).waitFor();
    totemCredential = await copyFrom(pageA, "Credenziale di registrazione");
    if (!/^spdc_[A-Za-z0-9_-]{43}$/.test(totemCredential)) throw new Error(`credential ${totemCredential}`);
    const link = await pageA.getByLabel("Link di registrazione", { exact: true }).inputValue();
    if (link !== `${base}/totem#enrol=${totemCredential}`) throw new Error(`link ${link}`);
    // The QR code drawn is the link's: the same modules as the encoder makes for it.
    const qr = pageA.getByRole("img", { name: "Codice QR del link di registrazione di Totem ingresso" });
    const path = await qr.locator("path").getAttribute("d");
    const modules = Number(await qr.getAttribute("data-modules"));
    const code = qrcode(0, "M");
    code.addData(link, "Byte");
    code.make();
    if (modules !== code.getModuleCount()) throw new Error(`${modules} modules, expected ${code.getModuleCount()}`);
    const drawn = new Set();
    for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)/g)) for (let i = 0; i < Number(w); i++) drawn.add(`${Number(y) - 4},${Number(x) - 4 + i}`);
    for (let row = 0; row < modules; row++)
      for (let col = 0; col < modules; col++)
        if (drawn.has(`${row},${col}`) !== code.isDark(row, col)) throw new Error(`module ${row},${col} differs`);
    await pageA.locator('tr[data-device="Totem ingresso"]').getByText("Attivo").waitFor();
    await screen(pageA, "devices");
    // The credential works: the device can exchange it for a token.
    const response = await fetch(`${base}/api/v1/auth/device-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ credential: totemCredential }),
    });
    if (response.status !== 200) throw new Error(`device-token: ${response.status}`);
  });

  await check("A enrols a display and revokes it after a confirmation", async () => {
    await pageA.getByLabel("Tipo").selectOption("display");
    await pageA.getByLabel("Nome", { exact: true }).fill("Schermo prova");
    await pageA.getByRole("button", { name: "Registra", exact: true }).click();
    await pageA.getByRole("heading", { name: "Schermo prova registrato" }).waitFor();
    // Escape cancels: nothing is revoked.
    await pageA.getByRole("button", { name: "Revoca Schermo prova" }).click();
    await pageA.getByRole("dialog").waitFor();
    await pageA.keyboard.press("Escape");
    await pageA.getByRole("dialog").waitFor({ state: "hidden" });
    await pageA.locator('tr[data-device="Schermo prova"]').getByText("Attivo").waitFor();
    await pageA.getByRole("button", { name: "Revoca Schermo prova" }).click();
    await noAxeViolations(pageA, "revoke confirmation");
    await shot(pageA, "admin-device-revoke");
    await confirmDialog(pageA, "Revoca");
    await pageA.getByText("Schermo prova revocato.").waitFor();
    await pageA.locator('tr[data-device="Schermo prova"]').getByText("Revocato il", { exact: false }).waitFor();
    if (await pageA.getByRole("heading", { name: "Schermo prova registrato" }).count()) throw new Error("the revoked credential is still shown");
  });

  await check("A edits line A and adds line C", async () => {
    await go(pageA, "Coda", "Coda");
    await pageA.locator('tr[data-line="A"]').getByRole("button", { name: "Modifica" }).click();
    await pageA.getByLabel("Nome in italiano").fill("Anagrafe e accoglienza");
    await pageA.getByLabel("Limite di biglietti al giorno").fill("120");
    await pageA.getByRole("button", { name: "Salva", exact: true }).click();
    await pageA.getByText("Fila A salvata.").waitFor();
    const rowA = pageA.locator('tr[data-line="A"]');
    await rowA.getByText("Anagrafe e accoglienza").waitFor();
    await rowA.getByText("120").waitFor();
    await pageA.getByRole("button", { name: "Nuova fila" }).click();
    await pageA.getByLabel("Codice", { exact: true }).fill("C");
    await pageA.getByLabel("Nome in italiano").fill("Casa");
    await pageA.getByLabel("Nome in inglese").fill("Housing");
    await pageA.getByRole("button", { name: "Salva", exact: true }).click();
    await pageA.locator('tr[data-line="C"]').getByText("Housing").waitFor();
  });

  await check("A sets the opening hours: a wrong interval is shown beside its field, then saved", async () => {
    await pageA.getByRole("button", { name: "Aggiungi fascia: lunedì" }).click();
    await pageA.getByRole("button", { name: "Aggiungi fascia: lunedì" }).click();
    await pageA.locator("#closes-1-1").fill("13:00");
    await pageA.locator("#opens-1-1").fill("14:00");
    await pageA.getByRole("button", { name: "Salva orari e chiusure" }).click();
    const error = pageA.locator("#err-1-1");
    await error.getByText("la chiusura deve venire dopo l'apertura", { exact: false }).waitFor();
    if ((await pageA.locator("#opens-1-1").getAttribute("aria-invalid")) !== "true") throw new Error("the field is not marked");
    await noAxeViolations(pageA, "schedule error");
    await pageA.locator("#closes-1-1").fill("17:00");
    await pageA.getByRole("button", { name: "Aggiungi fascia: mercoledì" }).click();
    await pageA.getByLabel("Nuovo giorno di chiusura").fill("2026-12-25");
    await pageA.getByRole("button", { name: "Aggiungi giorno" }).click();
    await pageA.getByRole("button", { name: "Salva orari e chiusure" }).click();
    await pageA.getByText("Orari salvati.").waitFor();
    await pageA.locator('[data-closed-date="2026-12-25"]').waitFor();
    await pageA.locator("admin-display-settings").waitFor({ state: "attached" });
    await screen(pageA, "queue");
  });

  let rowsShown = [];
  await check("the audit log shows A's actions with names beside ids, and B's approval", async () => {
    await go(pageA, "Registro accessi", "Registro accessi");
    await pageA.locator("tr[data-seq]").first().waitFor();
    await pageA.getByLabel("Chi", { exact: true }).selectOption({ label: adminA });
    await pageA.getByRole("button", { name: "Cerca" }).click();
    for (const action of [
      "admin.grant_request",
      "admin.device_enrol",
      "admin.device_revoke",
      "admin.queue_line_update",
      "admin.queue_schedule_update",
    ])
      await pageA.locator(`tr[data-action="${action}"]`).first().waitFor();
    const enrol = pageA.locator('tr[data-action="admin.device_enrol"]').last();
    await enrol.getByText("Totem ingresso").waitFor();
    rowsShown = await pageA.locator("tr[data-seq]").evaluateAll(rows => rows.map(r => [r.dataset.seq, r.dataset.action]));
    if (rowsShown.some(([, action]) => action === "admin.grant_approve")) throw new Error("B's approval under A's filter");
    await screen(pageA, "audit");
    // B's approval, with the new user's name beside its id.
    await pageA.getByLabel("Chi", { exact: true }).selectOption({ label: adminB });
    await pageA.getByLabel("Azione", { exact: true }).selectOption("admin.user_create");
    await pageA.getByRole("button", { name: "Cerca" }).click();
    const created = pageA.locator('tr[data-action="admin.user_create"]', { hasText: newUser });
    await created.waitFor();
    const actor = (await created.locator("td").nth(1).innerText()).trim();
    if (!actor.startsWith(adminB)) throw new Error(`the approver shown is ${actor}`);
  });

  await check("the CSV of the audit log holds exactly the rows shown", async () => {
    await pageA.getByLabel("Azione", { exact: true }).selectOption("");
    await pageA.getByLabel("Chi", { exact: true }).selectOption({ label: adminA });
    await pageA.getByRole("button", { name: "Cerca" }).click();
    await pageA.locator('tr[data-action="admin.queue_schedule_update"]').first().waitFor();
    const shown = await pageA.locator("tr[data-seq]").evaluateAll(rows => rows.map(r => [r.dataset.seq, r.dataset.action]));
    if (shown.length < rowsShown.length) throw new Error("fewer rows than before");
    if (await pageA.getByRole("button", { name: "Mostra voci più vecchie" }).count()) throw new Error("the test expects one page");
    const [download] = await Promise.all([pageA.waitForEvent("download"), pageA.getByRole("button", { name: "Scarica CSV" }).click()]);
    if (!/^registro-accessi-.*\.csv$/.test(download.suggestedFilename())) throw new Error(download.suggestedFilename());
    const records = parseCsv(readFileSync(await download.path(), "utf8"));
    if (records[0].join(",") !== "seq,at,actor_id,actor_name,actor_role,session_id,action,target,target_name,outcome,request_id")
      throw new Error(`header ${records[0]}`);
    const csv = records.slice(1).map(r => [r[0], r[6]]);
    if (JSON.stringify(csv) !== JSON.stringify(shown)) throw new Error(`CSV ${JSON.stringify(csv.slice(0, 5))}… ≠ shown ${JSON.stringify(shown.slice(0, 5))}…`);
    if (!records.slice(1).every(r => r[3] === adminA && r[4] === "admin")) throw new Error("actor names in the CSV");
    const enrolRecord = records.find(r => r[6] === "admin.device_enrol" && r[8] === "Totem ingresso");
    if (!enrolRecord) throw new Error("the totem's name beside its id in the CSV");
  });

  await check("older entries load page by page, and the CSV holds every page shown", async () => {
    await pageA.getByLabel("Chi", { exact: true }).selectOption({ label: adminB });
    await pageA.getByLabel("Azione", { exact: true }).selectOption("admin.user_list");
    await pageA.getByRole("button", { name: "Cerca" }).click();
    await pageA.locator('[data-audit-count="100"]').waitFor();
    await pageA.getByRole("button", { name: "Mostra voci più vecchie" }).click();
    await pageA.getByRole("button", { name: "Mostra voci più vecchie" }).waitFor({ state: "detached" });
    const seqs = await pageA.locator("tr[data-seq]").evaluateAll(rows => rows.map(r => Number(r.dataset.seq)));
    if (seqs.length <= 100) throw new Error(`${seqs.length} rows after the second page`);
    if (!seqs.every((seq, i) => i === 0 || seq < seqs[i - 1])) throw new Error("the rows are not strictly newest first");
    const [download] = await Promise.all([pageA.waitForEvent("download"), pageA.getByRole("button", { name: "Scarica CSV" }).click()]);
    const records = parseCsv(readFileSync(await download.path(), "utf8")).slice(1);
    if (JSON.stringify(records.map(r => Number(r[0]))) !== JSON.stringify(seqs)) throw new Error("the CSV is not the rows shown");
    if (!records.every(r => r[3] === adminB && r[6] === "admin.user_list")) throw new Error("a row outside the filters in the CSV");
  });

  await check("the console switches to English and back", async () => {
    await pageA.getByRole("button", { name: "Switch to English" }).click();
    await pageA.getByRole("heading", { name: "Audit log", level: 2 }).waitFor();
    await pageA.getByRole("navigation").getByRole("link", { name: "Users" }).waitFor();
    await noAxeViolations(pageA, "english");
    await pageA.getByRole("button", { name: "Passa all'italiano" }).click();
    await pageA.getByRole("heading", { name: "Registro accessi", level: 2 }).waitFor();
  });

  await check("A ends B's sessions and B's console shows the session ended", async () => {
    await go(pageA, "Utenti", "Utenti");
    await pageA.getByRole("button", { name: `Sessioni ${adminB}` }).click();
    await pageA.getByRole("heading", { name: `Sessioni attive di ${adminB}` }).waitFor();
    await pageA.locator("[data-sessions] tbody tr").first().waitFor();
    await noAxeViolations(pageA, "sessions");
    await shot(pageA, "admin-sessions");
    await pageA.getByRole("button", { name: "Termina tutte" }).click();
    await confirmDialog(pageA, "Termina tutte");
    await pageA.getByText("Nessuna sessione attiva.").waitFor();
    watchPage(pageB);
    await pageB.getByRole("navigation").getByRole("link", { name: "Dispositivi" }).click();
    await pageB.getByRole("heading", { name: "Sessione terminata" }).waitFor();
    errorsB.clear(); // the browser logs the 401 it was meant to get
    await screen(pageB, "session-ended");
    await pageB.getByRole("button", { name: "Accedi di nuovo" }).click();
    await pageB.getByRole("heading", { name: "Accesso alla console" }).waitFor();
    watchPage(pageA);
  });

  await check("on a tablet (820×1180) the sections become tabs and nothing overflows the page", async () => {
    const tablet = await consoleContext({ width: 820, height: 1180 });
    const page = await tablet.newPage();
    await page.goto(`${base}/admin#audit`);
    await signIn(page, adminA, adminPassword);
    await page.getByRole("heading", { name: "Registro accessi", level: 2 }).waitFor();
    for (const [section, heading, ready] of [
      ["Dispositivi", "Dispositivi", 'tr[data-device="Totem ingresso"]'],
      ["Coda", "Coda", 'tr[data-line="C"]'],
      ["Utenti", "Utenti", `tr[data-user="${newUser}"]`],
    ]) {
      await go(page, section, heading);
      await page.locator(ready).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) throw new Error(`${section}: the page is ${overflow} px wider than the screen`);
      await noAxeViolations(page, `tablet, ${section}`);
      await touchTargetsAreLargeEnough(page, `tablet, ${section}`);
    }
    await shot(page, "admin-tablet");
    await tablet.close();
  });

  await check("logging out returns to the sign-in screen, and a reload asks for the password again", async () => {
    await pageA.getByRole("button", { name: "Esci" }).click();
    await pageA.getByText("Sei uscito dalla console.").waitFor();
    await pageA.goto(`${base}/admin#devices`);
    await pageA.getByRole("heading", { name: "Accesso alla console" }).waitFor();
    const stored = await pageA.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    if (/access|refresh|sprt_|eyJ/.test(stored)) throw new Error(`a token is stored: ${stored}`);
  });

  await check("no .wasm was requested and no unexpected script error", async () => {
    if (wasmRequests.length) throw new Error(`requested: ${wasmRequests.join(", ")}`);
    // The console registers no service worker (it works only online): nothing precaches the tablet's files.
    const registrations = await pageA.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);
    if (registrations !== 0) throw new Error(`${registrations} service worker(s) registered by the console`);
    const unexpected = [...errorsA.unexpected(), ...errorsB.unexpected()].filter(text => !/status of 40[13]/.test(text));
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
