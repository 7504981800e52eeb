#!/usr/bin/env node
// The operator's queue panel: choose the desk and its line, call the next number, recall, start, finish;
// call the next and mark it no-show; "nobody waiting" in words; a ticket issued meanwhile by the totem
// appears live in the waiting count; start an intake from the called ticket (the new-intake route with its number); transfer it to another line;
// the panel at 390×844, with the desk remembered after a reload; offline it says the queue needs the
// network and disables its buttons; logging out closes the event stream. Started by the Rust test in
// server/tests/api/web_queue.rs (which issues A001 and A002 as a totem beforehand and checks the server's
// tickets afterwards); by hand against any server:
//
//   SPORTELLO_URL=http://127.0.0.1:8080 SPORTELLO_USERNAME=op.coda SPORTELLO_PASSWORD=… \
//   SPORTELLO_TOTEM_TOKEN=… node tests/browser/queue.mjs
//
// Environment: see harness.mjs, and SPORTELLO_USERNAME, SPORTELLO_PASSWORD (an operator whose password is
// already changed), SPORTELLO_TOTEM_TOKEN (a totem's access token, to issue a ticket meanwhile).

import {
  base,
  check,
  consoleErrors as collectConsoleErrors,
  finish,
  launchBrowser,
  newTablet,
  noAxeViolations,
  required,
  serviceWorkerControls,
  shot,
  touchTargetsAreLargeEnough,
  watchdog,
  watchPage,
} from "./harness.mjs";

const username = required("SPORTELLO_USERNAME");
const password = required("SPORTELLO_PASSWORD");
const totemToken = required("SPORTELLO_TOTEM_TOKEN");
watchdog(120);

const browser = await launchBrowser();

async function logIn(page) {
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Entra" }).click();
  await page.getByRole("heading", { name: "Casi allo sportello" }).waitFor();
}

async function issueAsTotem(line) {
  const response = await fetch(`${base}/api/v1/queue/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${totemToken}` },
    body: JSON.stringify({ line }),
  });
  if (response.status !== 201) throw new Error(`the totem could not issue a ticket: ${response.status}`);
  return (await response.json()).number;
}

try {
  const context = await newTablet(browser);
  const page = await context.newPage();
  watchPage(page);
  const consoleErrors = collectConsoleErrors(page);
  // The event-stream requests the page has open (to see the panel close its stream at logout).
  const openStreams = new Set();
  page.on("request", request => request.url().includes("/api/v1/queue/events") && openStreams.add(request));
  page.on("requestfailed", request => openStreams.delete(request));
  page.on("requestfinished", request => openStreams.delete(request));

  const panel = page.locator("queue-panel");
  const waitingOn = line => panel.locator(`li[data-line="${line}"]`);
  const button = name => panel.getByRole("button", { name, exact: true });

  await check("an operator's shell shows the queue panel asking for the desk and its lines", async () => {
    await page.goto(base);
    await logIn(page);
    await panel.getByRole("heading", { name: "Scegli lo sportello" }).waitFor();
    await panel.getByLabel("A · Accoglienza").waitFor();
    await panel.getByLabel("M · Migranti e Intercultura").waitFor();
    await noAxeViolations(page, "queue desk setup");
    await touchTargetsAreLargeEnough(page, "queue desk setup");
    await shot(page, "queue-setup");
  });

  await check("the desk form refuses a missing line in words", async () => {
    await panel.getByLabel("Numero dello sportello").fill("2");
    await button("Salva lo sportello").click();
    await panel.getByRole("alert").getByText("Scegli almeno una fila.").waitFor();
  });

  await check("with desk 2 serving line A the panel shows the two people waiting, live", async () => {
    await panel.getByLabel("A · Accoglienza").check();
    await button("Salva lo sportello").click();
    await panel.getByRole("heading", { name: "Coda · Sportello 2" }).waitFor();
    await panel.locator('li[data-line="A"][data-waiting="2"]').waitFor();
    await waitingOn("A").getByText("2 persone in attesa").waitFor();
    await panel.locator('[data-queue-network="live"]').waitFor();
    await panel.getByText("Nessun numero chiamato a questo sportello.").waitFor();
  });

  await check("calling the next shows A001 called to this desk; recall counts it", async () => {
    await button("Chiama il prossimo").click();
    await panel.locator('section[data-current="A001"][data-status="called"]').waitFor();
    await panel.getByText("Chiamato il numero A001.").waitFor();
    await waitingOn("A").getByText("1 persona in attesa").waitFor();
    await noAxeViolations(page, "queue panel with a called ticket");
    await touchTargetsAreLargeEnough(page, "queue panel with a called ticket");
    await shot(page, "queue-called");
    await button("Richiama").click();
    await panel.getByText("Richiamato: 1").waitFor();
  });

  await check("starting then finishing serves A001 and frees the desk", async () => {
    await button("Si è presentato: inizia").click();
    await panel.locator('section[data-current="A001"][data-status="serving"]').waitFor();
    await panel.getByText("in servizio", { exact: true }).waitFor();
    await button("Concludi").click();
    await panel.getByText("Servizio concluso per il numero A001.").waitFor();
    await panel.getByText("Nessun numero chiamato a questo sportello.").waitFor();
  });

  await check("the next is A002, marked as not come forward", async () => {
    await button("Chiama il prossimo").click();
    await panel.locator('section[data-current="A002"][data-status="called"]').waitFor();
    await button("Non si è presentato").click();
    await panel.getByText("Il numero A002 non si è presentato.").waitFor();
    await waitingOn("A").getByText("0 persone in attesa").waitFor();
  });

  await check("calling with nobody waiting says so in Italian", async () => {
    await button("Chiama il prossimo").click();
    await panel.getByRole("alert").getByText("Nessuno in attesa sulle file di questo sportello.").waitFor();
    consoleErrors.clear(); // the browser logs the 404 queue_empty it was meant to get
    await button("Chiudi il messaggio").click();
  });

  await check("a ticket the totem issues meanwhile appears live in the waiting count", async () => {
    const number = await issueAsTotem("A");
    if (number !== "A003") throw new Error(`the totem issued ${number}`);
    await panel.locator('li[data-line="A"][data-waiting="1"]').waitFor();
    await waitingOn("A").getByText("1 persona in attesa").waitFor();
  });

  await check("starting an intake from the called ticket opens a new intake with its number, the panel folded", async () => {
    await button("Chiama il prossimo").click();
    await panel.locator('section[data-current="A003"][data-status="called"]').waitFor();
    await button("Avvia l'accoglienza del numero A003").click();
    await page.waitForFunction(() => location.hash === "#/nuova?ticket=A003");
    const ticketField = page.getByLabel("Numero del biglietto");
    await ticketField.waitFor();
    const filled = await ticketField.inputValue();
    if (filled !== "A003") throw new Error(`the intake's ticket field holds "${filled}"`);
    // Folded to its summary, which still says which number is at the desk.
    await button("Richiama").waitFor({ state: "hidden" });
    await panel.locator("summary").getByText("Ora: A003 (chiamato)").waitFor();
    await noAxeViolations(page, "new intake with the queue panel folded");
    await shot(page, "queue-intake");
    // Back to the cases at the desk; the panel opens again by itself.
    await page.goBack();
    await page.waitForFunction(() => location.hash === "" || location.hash === "#/");
    await panel.locator('section[data-current="A003"][data-status="called"]').waitFor();
    await button("Richiama").waitFor();
  });

  await check("transferring A003 to line M puts it back in the queue there and frees the desk", async () => {
    await panel.getByLabel("Trasferisci alla fila").selectOption("M");
    await button("Trasferisci").click();
    await panel.getByText("Il numero A003 è stato trasferito alla fila M e attende di nuovo.").waitFor();
    await panel.getByText("Nessun numero chiamato a questo sportello.").waitFor();
    await panel.locator('li[data-line="A"][data-waiting="0"]').waitFor();
  });

  await check("at 390×844 the panel is usable, and after a reload the desk is remembered", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    openStreams.clear(); // the unloaded page's stream went with it
    await logIn(page);
    await panel.getByRole("heading", { name: "Coda · Sportello 2" }).waitFor();
    await button("Chiama il prossimo").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`the page is ${overflow} px wider than the phone`);
    await noAxeViolations(page, "queue panel at 390×844");
    await touchTargetsAreLargeEnough(page, "queue panel at 390×844");
    await shot(page, "queue-phone");
    await panel.locator("summary").click();
    await button("Chiama il prossimo").waitFor({ state: "hidden" });
    await panel.locator("summary").click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check("offline the panel says the queue needs the network and disables its buttons", async () => {
    await serviceWorkerControls(page);
    await context.setOffline(true);
    await panel.locator('[data-queue-network="offline"]').waitFor();
    await panel.getByText("La coda funziona solo con la rete", { exact: false }).waitFor();
    if (!(await button("Chiama il prossimo").isDisabled())) throw new Error("call-next stays enabled offline");
    await noAxeViolations(page, "queue panel offline");
    await shot(page, "queue-offline");
  });

  await check("back online the panel is live again and calls work", async () => {
    await context.setOffline(false);
    await panel.locator('[data-queue-network="live"]').waitFor();
    if (await button("Chiama il prossimo").isDisabled()) throw new Error("call-next stays disabled online");
  });

  await check("logging out closes the queue's event stream", async () => {
    if (openStreams.size !== 1) throw new Error(`${openStreams.size} event streams open before logout`);
    await page.getByRole("button", { name: "Esci" }).click();
    await page.getByRole("heading", { name: "Accesso" }).waitFor();
    for (let i = 0; i < 100 && openStreams.size > 0; i += 1) await page.waitForTimeout(100);
    if (openStreams.size > 0) throw new Error("the event stream is still open after logout");
  });

  await check("no script errors besides the network failures of the offline step", async () => {
    const unexpected = consoleErrors.unexpected();
    if (unexpected.length) throw new Error(unexpected.join("\n"));
  });
} catch {
  // Reported by `check`; the remaining checks depend on it.
} finally {
  await browser.close();
  finish();
}
