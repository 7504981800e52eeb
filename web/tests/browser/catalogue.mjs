#!/usr/bin/env node
// The catalogue, edited in the admin console and used on a tablet: an admin opens the console's catalogue
// section, adds a need with Italian and English labels and deactivates another after a confirmation that
// says codes are never deleted; an operator's tablet (the tablet app at `/`, signed in in another browser
// context, its intake form open) shows the new need and no longer offers the deactivated one, without a
// reload; the operator records the new need and the server accepts it. The console loads no Automerge
// (no `.wasm`); axe finds nothing in the section, its dialog or the tablet's form; 44 px targets;
// screenshot `admin-catalogue.png`.
//
// Started by server/tests/api/web_catalogue.rs; by hand against a server with an admin and an operator
// whose passwords are already changed:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_ADMIN=admin SPORTELLO_ADMIN_PASSWORD=… \
//   SPORTELLO_OPERATOR=op.a SPORTELLO_OPERATOR_PASSWORD=… node tests/browser/catalogue.mjs

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
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

const adminName = required("SPORTELLO_ADMIN");
const adminPassword = required("SPORTELLO_ADMIN_PASSWORD");
const operatorName = required("SPORTELLO_OPERATOR");
const operatorPassword = required("SPORTELLO_OPERATOR_PASSWORD");
watchdog(180);

const browser = await launchBrowser();

try {
  // The operator's tablet: signed in, a new intake open.
  const tablet = await newTablet(browser);
  const tabletPage = await tablet.newPage();
  const tabletErrors = collectConsoleErrors(tabletPage);
  // The admin's console, in a browser context of its own.
  const desk = await newTablet(browser, { width: 1366, height: 900 });
  const console_ = await desk.newPage();
  const consoleErrors = collectConsoleErrors(console_);
  const wasm = [];
  console_.on("request", request => {
    if (new URL(request.url()).pathname.endsWith(".wasm")) wasm.push(request.url());
  });
  const needs = tabletPage.locator("intake-form fieldset", { hasText: "Bisogni" });

  await check("the operator's tablet offers the catalogue's needs in a new intake", async () => {
    watchPage(tabletPage);
    await tabletPage.goto(base);
    await tabletPage.getByLabel("Nome utente").fill(operatorName);
    await tabletPage.getByLabel("Password", { exact: true }).fill(operatorPassword);
    await tabletPage.getByRole("button", { name: "Entra" }).click();
    await tabletPage.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
    await tabletPage.locator('[data-connection="online"]').waitFor();
    await tabletPage.getByRole("button", { name: "Nuova accoglienza" }).click();
    await tabletPage.getByRole("heading", { name: "Nuova accoglienza" }).waitFor();
    await needs.getByLabel("Questioni legali", { exact: true }).waitFor();
    if (await needs.getByLabel("Povertà energetica").count()) throw new Error("the new need is there before it exists");
  });

  await check("the admin signs in to the console and opens the catalogue: areas and needs in two tables", async () => {
    watchPage(console_);
    await console_.goto(`${base}/admin#catalogue`);
    await console_.getByLabel("utente").fill(adminName);
    await console_.getByLabel("Password", { exact: true }).fill(adminPassword);
    await console_.getByRole("button", { name: "Accedi", exact: true }).click();
    const heading = console_.getByRole("heading", { name: "Catalogo delle aree e dei bisogni" });
    // The console's shell may open the section named in the hash; otherwise it is one click away.
    await heading.or(console_.getByRole("navigation")).first().waitFor();
    if (!(await heading.isVisible())) {
      await console_.getByRole("link", { name: "Catalogo", exact: true }).or(console_.getByRole("button", { name: "Catalogo", exact: true })).first().click();
    }
    await heading.waitFor();
    const areas = console_.locator("admin-catalogue table#table-areas tbody tr");
    const rows = console_.locator("admin-catalogue table#table-needs tbody tr");
    await rows.first().waitFor();
    if ((await areas.count()) !== 8) throw new Error(`${await areas.count()} areas`);
    if ((await rows.count()) !== 13) throw new Error(`${await rows.count()} needs`);
    await console_.locator('admin-catalogue tr[data-code="economic"]', { hasText: "Financial hardship" }).waitFor();
    await console_.locator('admin-catalogue tr[data-code="territorial_network"]', { hasText: "No (la registra lo sportello)" }).waitFor();
    await noAxeViolations(console_, "the console's catalogue section");
    await touchTargetsAreLargeEnough(console_, "the console's catalogue section");
  });

  await check("a new need with a malformed code or no Italian label is refused at its field, before anything is sent", async () => {
    const form = console_.locator("admin-catalogue form.add.needs");
    await form.getByLabel("Codice", { exact: true }).fill("Povertà");
    await form.getByRole("button", { name: "Aggiungi il bisogno" }).click();
    await form.getByText("Da 2 a 40 lettere minuscole, cifre o _, iniziando con una lettera.", { exact: true }).waitFor();
    await form.getByText("Obbligatoria.", { exact: true }).waitFor();
    if ((await form.getByLabel("Codice", { exact: true }).getAttribute("aria-invalid")) !== "true") throw new Error("the code is not marked invalid");
    await noAxeViolations(console_, "the catalogue's add form with errors");
  });

  await check("the admin adds a need with Italian and English labels", async () => {
    const form = console_.locator("admin-catalogue form.add.needs");
    await form.getByLabel("Codice", { exact: true }).fill("energy_poverty");
    await form.getByLabel("Etichetta in italiano").fill("Povertà energetica");
    await form.getByLabel("Etichetta in inglese (facoltativa)").fill("Energy poverty");
    await form.getByRole("button", { name: "Aggiungi il bisogno" }).click();
    await console_.getByRole("status").filter({ hasText: "«Povertà energetica» aggiunto" }).waitFor();
    const row = console_.locator('admin-catalogue tr[data-code="energy_poverty"]');
    await row.filter({ hasText: "Energy poverty" }).filter({ hasText: "Attivo" }).waitFor();
    if ((await form.getByLabel("Codice", { exact: true }).inputValue()) !== "") throw new Error("the add form was not cleared");
  });

  await check("deactivating a need asks first, saying codes are never deleted; cancelling changes nothing", async () => {
    await console_.getByRole("button", { name: "Disattiva legal" }).click();
    const dialog = console_.getByRole("dialog", { name: "Disattivare «Questioni legali»?" });
    await dialog.waitFor();
    await dialog.getByText("I codici non vengono mai cancellati").waitFor();
    await noAxeViolations(console_, "the catalogue's deactivation dialog");
    await dialog.getByRole("button", { name: "Annulla" }).click();
    await dialog.waitFor({ state: "hidden" });
    await console_.locator('admin-catalogue tr[data-code="legal"]', { hasText: "Attivo" }).waitFor();
  });

  await check("the admin deactivates it; it stays in the table, marked deactivated, and can be reactivated", async () => {
    await console_.getByRole("button", { name: "Disattiva legal" }).click();
    const dialog = console_.getByRole("dialog", { name: "Disattivare «Questioni legali»?" });
    await dialog.getByRole("button", { name: "Disattiva", exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    await console_.getByRole("status").filter({ hasText: "«Questioni legali» disattivato" }).waitFor();
    await console_.locator('admin-catalogue tr[data-code="legal"]', { hasText: "Disattivato" }).waitFor();
    await console_.getByRole("button", { name: "Riattiva legal" }).waitFor();
    if ((await console_.locator("admin-catalogue table#table-needs tbody tr").count()) !== 14) throw new Error("a row went missing");
  });

  await check("the tablet shows the new need and no longer offers the deactivated one, without a reload", async () => {
    watchPage(tabletPage);
    await needs.getByLabel("Povertà energetica", { exact: true }).waitFor();
    await needs.getByLabel("Questioni legali", { exact: true }).waitFor({ state: "detached" });
    await noAxeViolations(tabletPage, "the intake form with the new catalogue");
  });

  await check("the operator records the new need, and the server accepts it", async () => {
    await tabletPage.getByLabel("Informativa consegnata e spiegata").check();
    await tabletPage.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
    await tabletPage.getByLabel("Nome", { exact: true }).fill("Lucia");
    await tabletPage.getByLabel("Cognome", { exact: true }).fill("Ferri");
    await needs.getByLabel("Povertà energetica", { exact: true }).check();
    await tabletPage.getByLabel("Nota su: Povertà energetica").fill("Bollette arretrate");
    await tabletPage.locator('intake-form .top [data-save="saved"]', { hasText: "Salvato sul server" }).waitFor();
  });

  await check("an edited label reaches the tablet too, and the console never loaded Automerge", async () => {
    watchPage(console_);
    await console_.getByRole("button", { name: "Modifica energy_poverty" }).click();
    const input = console_.getByLabel("Etichetta in italiano di energy_poverty");
    await input.fill("Povertà energetica e bollette");
    await console_.getByRole("button", { name: "Salva", exact: true }).click();
    await console_.getByRole("status").filter({ hasText: "«Povertà energetica e bollette» salvato" }).waitFor();
    await needs.getByLabel("Povertà energetica e bollette", { exact: true }).waitFor();
    if (wasm.length) throw new Error(`the console requested ${wasm.join(", ")}`);
    const unexpected = [...consoleErrors.unexpected(), ...tabletErrors.unexpected()];
    if (unexpected.length) throw new Error(`script errors: ${unexpected.join(" | ")}`);
  });

  await check("screenshot of the console's catalogue", async () => {
    await console_.getByRole("button", { name: "Modifica energy_poverty" }).waitFor();
    await touchTargetsAreLargeEnough(tabletPage, "the intake form");
    if (!screenshots) return;
    mkdirSync(screenshots, { recursive: true });
    await console_.screenshot({ path: join(screenshots, "admin-catalogue.png"), fullPage: true });
  });
} catch {
  // The failing check has printed itself.
} finally {
  await browser.close();
  finish();
}
