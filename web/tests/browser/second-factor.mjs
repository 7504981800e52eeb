#!/usr/bin/env node
// The second factor (issue 12) in both faces. On the tablet (`/`) a social worker logs in with a one-time
// password, changes it, and meets the enrolment: a QR code of the otpauth URI and the secret as grouped
// text; the script reads the secret off the screen and computes the codes itself (RFC 6238 with node's
// HMAC-SHA1, at the server's clock, which the test holds still); a wrong code is refused beside its field,
// the right one shows ten recovery codes (copied, and "I have saved them" before going on); logged out, the
// login asks for the code after the password, refuses a wrong one and takes the next step's code. In the
// console (`/admin`) a new admin does the same (change, enrolment, login with a code), then asks for the
// social worker's second factor to be reset (four eyes). axe and 44 px targets on every new screen;
// screenshots `second-factor-*`.
// Started by server/tests/api/web_second_factor.rs; by hand:
//
//   SPORTELLO_URL=… SPORTELLO_WORKER=as.web SPORTELLO_WORKER_PASSWORD=<one-time> SPORTELLO_NEW_ADMIN=terza.admin \
//   SPORTELLO_NEW_ADMIN_PASSWORD=<one-time> SPORTELLO_SERVER_UNIX=<the server's clock> node tests/browser/second-factor.mjs

import { createHmac } from "node:crypto";
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

const worker = required("SPORTELLO_WORKER");
const workerOneTime = required("SPORTELLO_WORKER_PASSWORD");
const newAdmin = required("SPORTELLO_NEW_ADMIN");
const newAdminOneTime = required("SPORTELLO_NEW_ADMIN_PASSWORD");
const serverUnix = Number(required("SPORTELLO_SERVER_UNIX"));
const workerPassword = "lanterna-sentiero-mandorla-58";
const adminPassword = "vascello-nebbia-tulipano-73";
watchdog(240);

/** RFC 4648 base32 (no padding, spaces ignored) to bytes. */
function fromBase32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/\s+/g, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The TOTP code (RFC 6238: HMAC-SHA1, 6 digits, 30 s) of `secret` for the server's step + `steps`. */
function totp(secret, steps = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(serverUnix / 30) + steps));
  const hash = createHmac("sha1", secret).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  const binary = hash.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** Six digits the server refuses now (none of the three steps it accepts). */
function wrongCode(secret) {
  const valid = [-1, 0, 1].map(steps => totp(secret, steps));
  return ["123456", "654321", "111111", "222222"].find(code => !valid.includes(code));
}

/** Reads the secret off the enrolment screen, checks the QR code carries it in an otpauth URI. */
async function secretOnScreen(page, username) {
  await page.getByRole("img", { name: /codice QR/i }).waitFor();
  const grouped = (await page.locator(".sf-secret").textContent()).trim();
  if (!/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/.test(grouped)) throw new Error(`the secret is not 32 base32 characters in fours: ${grouped}`);
  const uri = await page.locator("sportello-qr-code").evaluate(el => el.text);
  const secret = grouped.replace(/\s+/g, "");
  const expected = `otpauth://totp/Sportello:${username}?secret=${secret}&issuer=Sportello&algorithm=SHA1&digits=6&period=30`;
  if (uri !== expected) throw new Error(`the QR code says ${uri}`);
  return fromBase32(secret);
}

async function screen(page, name, file) {
  await noAxeViolations(page, name);
  await touchTargetsAreLargeEnough(page, name);
  if (file) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, file);
  }
}

const browser = await launchBrowser();

try {
  const context = await newTablet(browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  let secret;

  await check("tablet: after the one-time password is changed, the enrolment shows a QR code and the secret", async () => {
    await page.goto(base);
    await page.getByLabel("Nome utente").fill(worker);
    await page.getByLabel("Password", { exact: true }).fill(workerOneTime);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByLabel("Password attuale (temporanea)").fill(workerOneTime);
    await page.getByLabel("Nuova password", { exact: true }).fill(workerPassword);
    await page.getByLabel("Ripeti la nuova password").fill(workerPassword);
    await page.getByRole("button", { name: "Cambia la password" }).click();
    await page.getByRole("heading", { name: "Attiva il secondo fattore" }).waitFor();
    secret = await secretOnScreen(page, worker);
    await screen(page, "tablet enrolment", "second-factor-enrol");
  });

  await check("tablet: a wrong code is refused beside the field, and nothing opens", async () => {
    await page.getByLabel("Codice dell'app (6 cifre)").fill(wrongCode(secret));
    await page.getByRole("button", { name: "Conferma" }).click();
    await page.getByText("Codice non valido o già usato").waitFor();
    await page.getByRole("heading", { name: "Attiva il secondo fattore" }).waitFor();
    consoleErrors.clear(); // the browser logs the 401 it was meant to get
  });

  let codes;
  await check("tablet: the right code shows ten recovery codes, which copy to the clipboard", async () => {
    await page.getByLabel("Codice dell'app (6 cifre)").fill(totp(secret));
    await page.getByRole("button", { name: "Conferma" }).click();
    await page.getByRole("heading", { name: "I tuoi codici di recupero" }).waitFor();
    codes = (await page.locator(".sf-codes code").allTextContents()).map(code => code.trim());
    if (codes.length !== 10 || new Set(codes).size !== 10) throw new Error(`codes: ${codes}`);
    if (!codes.every(code => /^[a-z2-7]{5}(-[a-z2-7]{5}){4}$/.test(code))) throw new Error(`codes: ${codes}`);
    await page.getByRole("button", { name: "Copia i codici" }).click();
    await page.getByText("Codici copiati negli appunti.").waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (!copied.startsWith(`Sportello: codici di recupero di ${worker}`) || !codes.every(code => copied.includes(code))) {
      throw new Error(`the clipboard holds ${copied}`);
    }
    await screen(page, "recovery codes", "second-factor-codes");
  });

  await check("tablet: going on needs the 'saved' box; then the app opens, online", async () => {
    await page.getByRole("button", { name: "Continua" }).click();
    await page.getByText("Prima conferma di aver salvato i codici").waitFor();
    await page.getByLabel("Ho salvato i codici di recupero").check();
    await page.getByRole("button", { name: "Continua" }).click();
    await page.locator('[data-connection="online"]').waitFor();
    await page.getByRole("button", { name: "Esci" }).click();
    await page.getByLabel("Nome utente").waitFor();
  });

  await check("tablet: the next login asks for the code after the password, and refuses a wrong one", async () => {
    await page.getByLabel("Nome utente").fill(worker);
    await page.getByLabel("Password", { exact: true }).fill(workerPassword);
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("heading", { name: "Codice di verifica" }).waitFor();
    await screen(page, "login code", "second-factor-login");
    // The code of the enrolment's step was used: it is refused as a replay.
    await page.getByLabel("Codice dell'app").fill(totp(secret));
    await page.getByRole("button", { name: "Verifica" }).click();
    await page.getByText("Codice non valido o già usato").waitFor();
    consoleErrors.clear();
  });

  await check("tablet: the recovery-code field takes letters; the next step's code logs in", async () => {
    await page.getByRole("button", { name: "Usa un codice di recupero" }).click();
    await page.getByLabel("Codice di recupero").waitFor();
    if ((await page.getByLabel("Codice di recupero").getAttribute("inputmode")) !== "text") throw new Error("inputmode");
    await page.getByRole("button", { name: "Usa il codice dell'app" }).click();
    await page.getByLabel("Codice dell'app").fill(totp(secret, 1));
    await page.getByRole("button", { name: "Verifica" }).click();
    await page.locator('[data-connection="online"]').waitFor();
  });

  await check("tablet: no script errors besides the refusals the test asked for", async () => {
    const unexpected = consoleErrors.unexpected().filter(text => !/401/.test(text));
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });

  const adminContext = await newTablet(browser);
  const admin = await adminContext.newPage();
  watchPage(admin);
  let adminSecret;

  await check("console: a new admin changes the password, then must enrol", async () => {
    await admin.goto(`${base}/admin`);
    await admin.getByLabel("Nome utente").fill(newAdmin);
    await admin.getByLabel("Password", { exact: true }).fill(newAdminOneTime);
    await admin.getByRole("button", { name: "Accedi" }).click();
    await admin.getByLabel("Nuova password", { exact: true }).fill(adminPassword);
    await admin.getByLabel("Ripeti la nuova password").fill(adminPassword);
    await admin.getByRole("button", { name: "Cambia la password" }).click();
    await admin.getByRole("heading", { name: "Attiva il secondo fattore" }).waitFor();
    adminSecret = await secretOnScreen(admin, newAdmin);
    await screen(admin, "console enrolment", "admin-second-factor-enrol");
  });

  await check("console: the code opens the recovery codes, then the console", async () => {
    await admin.getByLabel("Codice dell'app (6 cifre)").fill(totp(adminSecret));
    await admin.getByRole("button", { name: "Conferma" }).click();
    await admin.getByRole("heading", { name: "I tuoi codici di recupero" }).waitFor();
    if ((await admin.locator(".sf-codes code").count()) !== 10) throw new Error("ten codes");
    await screen(admin, "console recovery codes");
    await admin.getByLabel("Ho salvato i codici di recupero").check();
    await admin.getByRole("button", { name: "Continua" }).click();
    await admin.getByRole("navigation", { name: "Sezioni della console" }).waitFor();
    await admin.getByRole("button", { name: "Esci" }).click();
  });

  await check("console: signing in again asks for the code", async () => {
    await admin.getByLabel("Nome utente").fill(newAdmin);
    await admin.getByLabel("Password", { exact: true }).fill(adminPassword);
    await admin.getByRole("button", { name: "Accedi" }).click();
    await admin.getByRole("heading", { name: "Codice di verifica" }).waitFor();
    await screen(admin, "console login code");
    await admin.getByLabel("Codice dell'app o codice di recupero").fill(wrongCode(adminSecret));
    await admin.getByRole("button", { name: "Verifica" }).click();
    await admin.getByText("Codice non valido o già usato").waitFor();
    await admin.getByLabel("Codice dell'app o codice di recupero").fill(totp(adminSecret, 1));
    await admin.getByRole("button", { name: "Verifica" }).click();
    await admin.getByRole("navigation", { name: "Sezioni della console" }).waitFor();
  });

  await check("console: the social worker's row offers the reset, which becomes a request for another admin", async () => {
    await admin.getByRole("navigation", { name: "Sezioni della console" }).getByRole("link", { name: "Utenti" }).click();
    const row = admin.locator(`tr[data-user="${worker}"]`);
    await row.getByText("Secondo fattore attivo").waitFor();
    await row.getByRole("button", { name: `Reimposta secondo fattore ${worker}` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Reimposta secondo fattore" }).click();
    await admin.getByText(`il secondo fattore di ${worker} sarà cancellato`).waitFor();
    await admin.getByText("Reimpostazione del secondo fattore").first().waitFor();
    await screen(admin, "users with a reset request");
  });
} finally {
  await browser.close();
  finish();
}
