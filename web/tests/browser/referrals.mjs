#!/usr/bin/env node
// The social worker's screens: an operator (the stock automerge-repo JS client, through the real server)
// refers two cases to the elderly area while the area's social worker has the app open; both arrive live,
// newest first, and a referral to another area never shows. The worker opens one (read-only but for the
// decision), accepts it — the server stores the decision — adds an area note, and closes it: the case
// stays in the area's history, read-only. The other is rejected with a note (required): it leaves the
// inbox and the desk reads the note. A change the server refuses (made by hand: the app checks first) is
// dropped from the tablet, its reason shown, and the desk's next edit still arrives. axe and 44 px targets
// on every screen; screenshots at 1280×800.
//
// Started by server/tests/api/web_referrals.rs; by hand against a server with an operator and a social
// worker of `elderly` whose passwords are already changed:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 OPERATOR=op.a WORKER=sw.a PASSWORD=… node tests/browser/referrals.mjs

import { spawnSync } from "node:child_process";
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

const operator = required("OPERATOR");
const worker = required("WORKER");
const password = required("PASSWORD");
watchdog(240);

const syncUrl = `${base.replace(/^http/, "ws")}/sync`;

function jsClient(tokens, args) {
  const result = spawnSync("node", [process.env.JS_CLIENT, ...args, "--url", syncUrl, "--timeout", "10"], {
    env: { ...process.env, SPORTELLO_ACCESS_TOKEN: tokens.access_token },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`client.mjs ${args[0]} failed (${result.status}): ${result.stdout} ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A case the operator records and refers to `area` at once, as the desk's tablet would send it. */
function referCase(tokens, familyName, givenName, area, reason) {
  const now = new Date().toISOString();
  const doc = {
    schema: "sportello/case@1",
    created_at: now,
    created_by: tokens.user.id,
    channel: "desk",
    person: { given_name: givenName, family_name: familyName, languages: ["it"] },
    needs: [{ code: "elderly_care", note: "vive sola" }],
    summary: "Colloquio allo sportello: chiede assistenza domiciliare.",
    urgency: "normal",
    consent: { privacy_notice: true, data_sharing: false, recorded_at: now },
    referrals: [{ id: "r1", area, reason, status: "proposed", created_by: tokens.user.id, created_at: now }],
    status: "referred",
  };
  return jsClient(tokens, ["create", "--doc", JSON.stringify(doc)]).url;
}

async function logIn(page) {
  await page.goto(base);
  await page.getByLabel("Nome utente").fill(worker);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Entra" }).click();
  await page.getByRole("heading", { name: "Invii al tuo servizio" }).waitFor();
  await page.locator('[data-connection="online"]').waitFor();
}

/** Waits until the stored case (read by the stock client as the operator) satisfies `test`. */
async function serverCaseWhere(tokens, url, test, what) {
  let doc;
  for (let attempt = 0; attempt < 20; attempt++) {
    doc = jsClient(tokens, ["open", "--doc-url", url, "--expect", "ready"]).doc;
    if (test(doc)) return doc;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: the server holds ${JSON.stringify(doc?.referrals)}`);
}

async function noHorizontalOverflow(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error(`${what} overflows sideways by ${overflow} px`);
}

const browser = await launchBrowser();
try {
  const desk = await apiLogin(operator, password);
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  const errors = collectConsoleErrors(page);
  const rows = page.locator("referral-inbox li[data-case]");
  let conti;
  let bassi;

  await check("a social worker signs in to the referrals to their service, empty at first", async () => {
    await logIn(page);
    await page.getByText("Nessun invio al tuo servizio per ora.").waitFor();
    await page.getByText("Il tuo servizio: Anziani").waitFor();
  });

  await check("referrals to the area arrive live, newest first; one to another area never shows", async () => {
    referCase(desk, "Ferri", "Luca", "housing", "sfratto");
    conti = referCase(desk, "Conti", "Maria", "elderly", "assistenza domiciliare");
    await rows.filter({ hasText: "Conti Maria" }).waitFor();
    bassi = referCase(desk, "Bassi", "Giulia", "elderly", "valutazione");
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor();
    const titles = await page.locator("referral-inbox ul[data-group=to_decide] li a").allTextContents();
    if (titles.join("|") !== "Bassi Giulia|Conti Maria") throw new Error(`order: ${titles.join("|")}`);
    if ((await rows.filter({ hasText: "Ferri" }).count()) !== 0) throw new Error("another area's referral is shown");
    await rows.filter({ hasText: "Conti Maria" }).getByText("Proposto", { exact: true }).waitFor();
  });

  await check("the inbox has no axe violations and 44 px targets", async () => {
    await noAxeViolations(page, "referral inbox");
    await touchTargetsAreLargeEnough(page, "referral inbox");
    await shot(page, "referrals-inbox");
  });

  await check("the case opens read-only but for the decision on the area's referral", async () => {
    await rows.filter({ hasText: "Conti Maria" }).getByRole("link").click();
    await page.getByRole("heading", { name: "Caso di Conti Maria" }).waitFor();
    await page.getByText("Colloquio allo sportello: chiede assistenza domiciliare.").waitFor();
    const inputs = await page.locator("referral-case input").count();
    if (inputs !== 0) throw new Error(`${inputs} editable fields on a social worker's case`);
    await page.getByRole("button", { name: "Accetta l'invio" }).waitFor();
    await page.getByRole("button", { name: "Rifiuta l'invio" }).waitFor();
    await noAxeViolations(page, "referral case");
    await touchTargetsAreLargeEnough(page, "referral case");
    await shot(page, "referrals-case");
  });

  await check("accepting stores the decision on the server, signed by the worker", async () => {
    await page.getByRole("button", { name: "Accetta l'invio" }).click();
    await page.getByText("Invio accettato").waitFor();
    await page.locator('referral-case li[data-referral="r1"][data-status="accepted"]').waitFor();
    await serverCaseWhere(desk, conti, doc => doc.referrals[0].status === "accepted" && doc.referrals[0].decided_by, "acceptance");
  });

  await check("a change the server refuses is dropped, its reason is shown, and the case keeps syncing", async () => {
    // The app checks before it commits, so a refusal takes a bug or a race: make one by hand, with the
    // session's own Repo (an invalid phone number written straight into the document).
    await page.evaluate(async url => {
      const repo = await document.querySelector("app-shell").sync.whenStarted();
      const handle = await repo.find(url);
      handle.change(doc => (doc.person.phone = "non è un numero"));
    }, conti);
    await page.getByText("Il server ha rifiutato l'ultima modifica: dati non validi in Telefono.").waitFor();
    // Back to the server's state: the refused phone is gone from the tablet's copy.
    await page.locator("referral-case dt", { hasText: "Telefono" }).waitFor({ state: "detached" });
    await shot(page, "referrals-case-refused");
    jsClient(desk, ["edit", "--doc-url", conti, "--set", "urgency=high"]);
    await page.locator("referral-case dd", { hasText: "Alta" }).waitFor();
    await page.getByText("Il server ha rifiutato l'ultima modifica").waitFor();
  });

  await check("the area's notes on the case: an empty note is refused, a note is added and listed", async () => {
    await page.getByRole("button", { name: "Aggiungi la nota" }).click();
    await page.getByText("Scrivi la nota prima di aggiungerla.").waitFor();
    await page.getByLabel("Nuova nota").fill("Prima visita domiciliare fissata per lunedì.");
    await page.getByRole("button", { name: "Aggiungi la nota" }).click();
    await page.locator("case-notes-panel li").filter({ hasText: "Prima visita domiciliare" }).waitFor();
    await noAxeViolations(page, "case with notes");
    await shot(page, "referrals-case-accepted-notes");
  });

  await check("closing keeps the case in the area's history, read-only", async () => {
    await page.getByRole("button", { name: "Chiudi l'invio" }).click();
    await page.getByRole("button", { name: "Conferma la chiusura" }).click();
    await page.getByText("Sola lettura: il tuo servizio ha chiuso questo invio").waitFor();
    if ((await page.getByRole("button", { name: "Accetta l'invio" }).count()) !== 0) throw new Error("decisions offered on a closed referral");
    await serverCaseWhere(desk, conti, doc => doc.referrals[0].status === "closed", "closure");
    await page.getByRole("link", { name: "Torna agli invii" }).click();
    await page.locator("referral-inbox ul[data-group=history] li").filter({ hasText: "Conti Maria" }).waitFor();
  });

  await check("rejecting needs a note; the rejected case leaves the inbox and the desk reads the note", async () => {
    await rows.filter({ hasText: "Bassi Giulia" }).getByRole("link").click();
    await page.getByRole("button", { name: "Rifiuta l'invio" }).click();
    await page.getByRole("button", { name: "Conferma il rifiuto" }).click();
    await page.getByText("Scrivi il motivo del rifiuto").waitFor();
    await noAxeViolations(page, "reject form");
    await touchTargetsAreLargeEnough(page, "reject form");
    await page.getByLabel("Motivo del rifiuto").fill("Non di competenza: rivolgersi al servizio casa.");
    await shot(page, "referrals-reject");
    await page.getByRole("button", { name: "Conferma il rifiuto" }).click();
    await page.getByText("Invio rifiutato").waitFor();
    await page.getByRole("heading", { name: "Invii al tuo servizio" }).waitFor();
    await serverCaseWhere(
      desk,
      bassi,
      doc => doc.referrals[0].status === "rejected" && doc.referrals[0].note === "Non di competenza: rivolgersi al servizio casa.",
      "rejection",
    );
    await rows.filter({ hasText: "Bassi Giulia" }).waitFor({ state: "detached" });
    await noAxeViolations(page, "inbox after the decisions");
    await shot(page, "referrals-inbox-after");
  });

  await check("the inbox and a case in the history are usable in portrait and on a phone (no sideways scroll)", async () => {
    for (const viewport of [{ width: 800, height: 1280 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      await page.getByRole("heading", { name: "Invii al tuo servizio" }).waitFor();
      await noHorizontalOverflow(page, `inbox at ${viewport.width}×${viewport.height}`);
      await rows.filter({ hasText: "Conti Maria" }).getByRole("link").click();
      await page.getByRole("heading", { name: "Caso di Conti Maria" }).waitFor();
      await noHorizontalOverflow(page, `case at ${viewport.width}×${viewport.height}`);
      await touchTargetsAreLargeEnough(page, `case at ${viewport.width}×${viewport.height}`);
      if (viewport.width === 390) await shot(page, "referrals-case-phone");
      await page.getByRole("link", { name: "Torna agli invii" }).click();
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check("no unexpected script errors", async () => {
    const unexpected = errors.unexpected();
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by check(); the totals below set the exit code.
} finally {
  await browser.close();
  finish();
}
