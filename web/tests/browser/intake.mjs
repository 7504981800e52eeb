#!/usr/bin/env node
// The intake at the desk: an operator records an intake online through the app (privacy notice first,
// codice fiscale checked and decoded, contacts, needs, summary, urgency, consent, a referral, a cancelled
// referral); the stock JS client reads the stored document from the server with those values; the case is
// in the list as saved on the server, and search finds it by name and by codice fiscale. Then two
// operators edit the case offline at once — different fields and the same field (the phone): both edits
// survive, the conflict is shown with who wrote each value, and keeping one resolves it on both tablets.
// axe and 44 px targets on every new screen; screenshots at 1280×800, and layouts at 800×1280 and 390×844.
//
// Started by server/tests/api/web_intake.rs; by hand against a server with two operators whose passwords
// are already changed:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 OPERATOR_A=op.a OPERATOR_B=op.b OPERATOR_PASSWORD=… \
//   OPERATOR_B_NAME="Marco Bianchi" node tests/browser/intake.mjs

import { spawnSync } from "node:child_process";
import {
  apiLogin,
  base,
  check,
  consoleErrors as collectConsoleErrors,
  createCase,
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

const operatorA = required("OPERATOR_A");
const operatorB = required("OPERATOR_B");
const password = required("OPERATOR_PASSWORD");
const nameB = required("OPERATOR_B_NAME");
const FISCAL_CODE = "DLLMNA90A41Z330M";
watchdog(240);

/** The case as the server stores it, read by the stock automerge-repo JS client. */
function serverCopy(tokens, url) {
  const result = spawnSync(
    "node",
    [process.env.JS_CLIENT, "open", "--url", `${base.replace(/^http/, "ws")}/sync`, "--doc-url", url, "--expect", "ready", "--timeout", "10"],
    { env: { ...process.env, SPORTELLO_ACCESS_TOKEN: tokens.access_token }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`client.mjs open failed (${result.status}): ${result.stdout} ${result.stderr}`);
  return JSON.parse(result.stdout).doc;
}

async function logIn(page, username) {
  await page.goto(base);
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Entra" }).click();
  await page.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
  await page.locator('[data-connection="online"]').waitFor();
}

/** JSON with the keys of every object sorted (Automerge hands keys back in its own order). */
function canonical(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function expectEqual(actual, expected, what) {
  if (canonical(actual) !== canonical(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Waits until `read()` returns `expected` (the other tablet's edits arrive in their own time). */
async function eventually(read, expected, what, timeout = 30_000) {
  const until = Date.now() + timeout;
  let last;
  while (Date.now() < until) {
    last = await read();
    if (canonical(last) === canonical(expected)) return;
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: expected ${canonical(expected)}, still ${canonical(last)}`);
}

async function noHorizontalOverflow(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error(`${what} overflows sideways by ${overflow} px`);
}

/**
 * A tablet whose network can be cut for real. Playwright's `setOffline` fails new requests but leaves an
 * open WebSocket working, so the sync connection is routed through the test: going offline closes it (as a
 * dropped Wi-Fi does) and refuses new ones until the network is back.
 */
async function cuttableTablet(viewport) {
  const context = await newTablet(browser, viewport);
  const sockets = new Set();
  let offline = false;
  await context.routeWebSocket(/\/sync/, ws => {
    if (offline) {
      void ws.close({ code: 1001, reason: "offline" });
      return;
    }
    ws.connectToServer();
    sockets.add(ws);
    ws.onClose(() => sockets.delete(ws));
  });
  context.cut = async cut => {
    offline = cut;
    await context.setOffline(cut);
    if (cut) for (const ws of [...sockets]) await ws.close({ code: 1001, reason: "offline" });
  };
  return context;
}

const browser = await launchBrowser();

try {
  const tabletA = await cuttableTablet();
  const page = await tabletA.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  const tokensA = await apiLogin(operatorA, password);
  await createCase(tokensA, "Rossi", "Mario");
  let caseUrl = "";

  await check("'Nuova accoglienza' opens an intake with the privacy notice first and every other field disabled", async () => {
    await logIn(page, operatorA);
    await page.locator('[data-case] a', { hasText: "Rossi Mario" }).waitFor();
    await page.getByRole("button", { name: "Nuova accoglienza" }).click();
    await page.getByRole("heading", { name: "Nuova accoglienza" }).waitFor();
    for (const label of ["Nome", "Cognome", "Codice fiscale", "Telefono", "Sintesi del colloquio", "Motivo dell'invio"]) {
      if (!(await page.getByLabel(label, { exact: true }).isDisabled())) throw new Error(`${label} is enabled before the notice`);
    }
    if (await page.getByLabel("Informativa consegnata e spiegata").isDisabled()) throw new Error("the notice is disabled");
    await noAxeViolations(page, "new intake");
    await touchTargetsAreLargeEnough(page, "new intake");
    await shot(page, "intake-new");
  });

  await check("recording the notice creates the case, only on this tablet until the server has it", async () => {
    await page.getByLabel("Numero del biglietto").fill("A023");
    await page.getByLabel("Informativa consegnata e spiegata").check();
    await page.waitForURL(/#\/caso\/[1-9A-HJ-NP-Za-km-z]+$/);
    caseUrl = `automerge:${page.url().split("#/caso/")[1]}`;
    await page.locator("[data-recorded]").waitFor();
    if (await page.getByLabel("Nome", { exact: true }).isDisabled()) throw new Error("the names stay disabled after the notice");
  });

  await check("a codice fiscale with a wrong check character is refused as typed, and the right one is decoded", async () => {
    await page.getByLabel("Nome", { exact: true }).fill("Amina");
    await page.getByLabel("Cognome", { exact: true }).fill("Diallo");
    await page.getByLabel("Codice fiscale").fill("dllmna90a41z330k");
    await page.getByRole("alert").filter({ hasText: "il carattere di controllo non torna: ci dovrebbe essere M" }).waitFor();
    await page.getByLabel("Codice fiscale").fill("dllmna90a41z330m");
    await page.getByLabel("Codice fiscale").press("Tab");
    await page.locator("[data-decoded]", { hasText: "codice del luogo di nascita Z330 (nato/a all'estero)" }).waitFor();
    await page.locator("[data-decoded]", { hasText: "1 gennaio 1990" }).waitFor();
    await page.getByRole("button", { name: "Usa data e sesso del codice" }).click();
    await page.locator("[data-decoded] button").waitFor({ state: "detached" });
    expectEqual(await page.getByLabel("Data di nascita").inputValue(), "1990-01-01", "birth date");
    expectEqual(await page.getByLabel("Sesso").inputValue(), "female", "sex");
  });

  await check("contacts, needs, summary, urgency and consent are saved as typed, normalised", async () => {
    await page.getByLabel("Cittadinanza").fill("ma");
    await page.getByLabel("Cittadinanza").press("Tab");
    await page.getByLabel("Lingue parlate").fill("ar, fr");
    await page.getByLabel("Lingue parlate").press("Tab");
    await page.getByLabel("Telefono").fill("333 123 4567");
    await page.getByLabel("Telefono").press("Tab");
    expectEqual(await page.getByLabel("Telefono").inputValue(), "3331234567", "phone after leaving it");
    await page.getByLabel("Email").fill("amina.diallo@example.org");
    await page.getByLabel("Casa e abitazione").check();
    await page.getByLabel("Lingua e mediazione linguistica").check();
    await page.getByLabel("Sintesi del colloquio").fill("Sfratto esecutivo a gennaio. Due figli piccoli.");
    await page.getByLabel("Alta").check();
    await page.getByLabel("La persona acconsente alla condivisione dei dati con i servizi a cui viene inviata").check();
    await page.getByRole("heading", { name: "Accoglienza: Amina Diallo" }).waitFor();
  });

  await check("a referral to an area with a reason is made, and another one cancelled", async () => {
    await page.getByLabel("Servizio").selectOption("housing");
    await page.getByLabel("Motivo dell'invio").fill("Emergenza abitativa: sfratto");
    await page.getByRole("button", { name: "Invia al servizio" }).click();
    await page.locator('[data-referral][data-area="housing"][data-status="proposed"]', { hasText: "Proposto" }).waitFor();
    await page.getByLabel("Servizio").selectOption("elderly");
    await page.getByRole("button", { name: "Invia al servizio" }).click();
    const elderly = page.locator('[data-referral][data-area="elderly"]');
    await elderly.getByRole("button", { name: "Annulla l'invio" }).click();
    await page.locator('[data-referral][data-area="elderly"][data-status="cancelled"]', { hasText: "Annullato" }).waitFor();
  });

  await check("the intake reaches the server: the badge says so, and the stock JS client reads every value", async () => {
    await page.locator('intake-form .top [data-save="saved"]', { hasText: "Salvato sul server" }).waitFor();
    const doc = serverCopy(tokensA, caseUrl);
    expectEqual(doc.person, {
      given_name: "Amina",
      family_name: "Diallo",
      fiscal_code: FISCAL_CODE,
      birth_date: "1990-01-01",
      sex: "female",
      citizenship: "MA",
      languages: ["ar", "fr"],
      phone: "3331234567",
      email: "amina.diallo@example.org",
    }, "person on the server");
    expectEqual([doc.ticket, doc.urgency, doc.status, doc.summary], ["A023", "high", "referred", "Sfratto esecutivo a gennaio. Due figli piccoli."], "case fields");
    expectEqual(doc.needs.map(n => n.code), ["housing", "language"], "needs");
    expectEqual([doc.consent.privacy_notice, doc.consent.data_sharing], [true, true], "consent");
    expectEqual(doc.referrals.map(r => [r.area, r.status, r.reason, r.created_by]), [
      ["housing", "proposed", "Emergenza abitativa: sfratto", tokensA.user.id],
      ["elderly", "cancelled", "", tokensA.user.id],
    ], "referrals");
    await noAxeViolations(page, "intake");
    await touchTargetsAreLargeEnough(page, "intake");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, "intake");
    await page.getByLabel("Email").scrollIntoViewIfNeeded();
    await shot(page, "intake-person");
  });

  await check("the case is in the list as saved on the server, and search finds it by name or codice fiscale", async () => {
    await page.getByRole("link", { name: "Torna ai casi" }).click();
    const row = page.locator("[data-case]", { hasText: "Diallo Amina" });
    await row.locator('[data-save="saved"]', { hasText: "Salvato sul server" }).waitFor();
    await row.getByText("Inviato").waitFor();
    await row.getByText(`Codice fiscale: ${FISCAL_CODE}`).waitFor();
    const search = page.getByLabel("Cerca per nome o codice fiscale");
    await search.fill("diallo");
    await page.getByText("1 caso", { exact: true }).waitFor();
    await page.locator("[data-case]", { hasText: "Rossi Mario" }).waitFor({ state: "detached" });
    await search.fill("z330m");
    await row.waitFor();
    await noAxeViolations(page, "case list with a search");
    await shot(page, "cases-search");
    await search.fill("nessuno così");
    await page.getByText("Nessun caso corrisponde alla ricerca.").waitFor();
    await search.fill("");
    await page.locator("[data-case]", { hasText: "Rossi Mario" }).waitFor();
    await touchTargetsAreLargeEnough(page, "case list");
    await shot(page, "cases");
  });

  // Two operators, the case open on both tablets, then both offline.
  const tabletB = await cuttableTablet({ width: 800, height: 1280 });
  const pageB = await tabletB.newPage();
  const documentId = caseUrl.replace("automerge:", "");

  await check("a second operator opens the same case on another tablet", async () => {
    await page.locator("[data-case] a", { hasText: "Diallo Amina" }).click();
    await page.waitForURL(new RegExp(`#/caso/${documentId}$`));
    await page.getByRole("heading", { name: "Accoglienza: Amina Diallo" }).waitFor();
    await logIn(pageB, operatorB);
    await pageB.locator("[data-case] a", { hasText: "Diallo Amina" }).click();
    await pageB.getByRole("heading", { name: "Accoglienza: Amina Diallo" }).waitFor();
    await pageB.locator('intake-form .top [data-save="saved"]').waitFor();
  });

  await check("offline on both tablets, each edits the phone, and each another field", async () => {
    await tabletA.cut(true);
    await tabletB.cut(true);
    await page.locator('[data-connection="offline"]').waitFor();
    await pageB.locator('[data-connection="offline"]').waitFor();
    await page.getByLabel("Telefono").fill("3330000001");
    await page.getByLabel("Telefono").press("Tab");
    await page.getByLabel("Email").fill("amina@example.org");
    await page.getByLabel("Email").press("Tab");
    await pageB.getByLabel("Telefono").fill("3330000002");
    await pageB.getByLabel("Telefono").press("Tab");
    await pageB.getByLabel("Bassa").check();
    await page.locator('intake-form .top [data-save="pending"]').waitFor();
  });

  await check("back online, both edits of different fields survive and the phone conflict shows both values and who wrote each", async () => {
    await tabletA.cut(false);
    await tabletB.cut(false);
    const conflict = page.locator("[data-conflict]");
    await conflict.waitFor({ timeout: 45_000 });
    await conflict.locator('[data-conflict-value="3330000001"]', { hasText: "questo tablet" }).waitFor();
    await conflict.locator('[data-conflict-value="3330000002"]', { hasText: nameB }).waitFor();
    await pageB.locator('[data-conflict] [data-conflict-value="3330000001"]').waitFor({ timeout: 45_000 });
    await eventually(() => page.getByLabel("Bassa").isChecked(), true, "B's urgency on A");
    await eventually(() => pageB.getByLabel("Email").inputValue(), "amina@example.org", "A's email on B");
    await noAxeViolations(page, "intake with a conflict");
    await touchTargetsAreLargeEnough(page, "intake with a conflict");
    await page.locator("[data-conflict]").scrollIntoViewIfNeeded();
    await shot(page, "intake-conflict");
  });

  await check("keeping one value resolves the conflict on both tablets and on the server", async () => {
    await page.getByRole("button", { name: "Tieni «3330000002»" }).click();
    await page.locator("[data-conflict]").waitFor({ state: "detached" });
    await pageB.locator("[data-conflict]").waitFor({ state: "detached", timeout: 45_000 });
    await eventually(() => pageB.getByLabel("Telefono").inputValue(), "3330000002", "phone on B");
    await page.locator('intake-form .top [data-save="saved"]').waitFor();
    const doc = serverCopy(tokensA, caseUrl);
    expectEqual([doc.person.phone, doc.person.email, doc.urgency], ["3330000002", "amina@example.org", "low"], "the server's copy");
  });

  await check("the intake and the list are usable at 800×1280 and 390×844", async () => {
    for (const [width, height, name] of [[800, 1280, "portrait"], [390, 844, "phone"]]) {
      await page.setViewportSize({ width, height });
      await noHorizontalOverflow(page, `the intake at ${width}×${height}`);
      await touchTargetsAreLargeEnough(page, `the intake at ${width}×${height}`);
      await shot(page, `intake-${name}`);
      await page.getByRole("link", { name: "Torna ai casi" }).click();
      await page.locator("[data-case]", { hasText: "Diallo Amina" }).waitFor();
      await noHorizontalOverflow(page, `the list at ${width}×${height}`);
      await shot(page, `cases-${name}`);
      await page.locator("[data-case] a", { hasText: "Diallo Amina" }).click();
      await page.getByRole("heading", { name: "Accoglienza: Amina Diallo" }).waitFor();
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check("no unexpected script errors in the console", async () => {
    const errors = consoleErrors.unexpected();
    if (errors.length) throw new Error(errors.join("\n"));
  });
} catch {
  // The failing check has printed its report.
} finally {
  await browser.close();
  finish();
}
