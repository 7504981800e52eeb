// The ticket totem at the desk's entrance (`/totem`, a device; issue 11). What a citizen sees: one large
// button per active line, a separate priority choice, seven languages (Arabic right to left; back to
// Italian after a minute without a touch), the number large on screen for a few seconds after it prints;
// outside opening hours, when the desk opens. What staff see: the enrolment screen, a revoked totem, and a
// discreet status line (offline, tickets to import, tickets the server refused).
//
// Data and rules live apart: the device session (device/device-session.ts), the server calls
// (totem-api.ts), the flows (totem-engine.ts) over the pure ledger (ledger.ts) kept in IndexedDB
// (ledger-store.ts), printing (totem-print.ts) and the words (messages.ts). This element renders their
// state and sends intents. It never loads Automerge or the sync engine.

import { LitElement, css, html, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError } from "../../data/api";
import type { ServiceLine } from "../../data/queue";
import { credentialIn, DeviceSession, indexedDbCredentialStore, type DeviceState } from "../../device/device-session";
import { shared } from "../../styles/shared";
import { remaining, type Ledger } from "./ledger";
import { indexedDbLedgerStore, type LedgerStore } from "./ledger-store";
import {
  direction,
  LANGUAGES,
  LANGUAGE_NAMES,
  lineName,
  lineNameLanguage,
  message,
  openingTime,
  printedTime,
  type MessageKey,
  type TotemLanguage,
} from "./messages";
import { createTotemApi, type DeskOpening, type TotemApi } from "./totem-api";
import { NoOfflineNumbers, TotemEngine, type Issued } from "./totem-engine";
import { IdleReset } from "./idle";
import { adoptPrintRules, printLink } from "./totem-print";

/** The device's credential database (its store is `device`). */
export const TOTEM_DATABASE = "sportello-totem";
/** Back to Italian, without priority, after this long without a touch or a key. */
const IDLE_RESET_MS = 60_000;
/** How long the printed number stays on screen. */
const NUMBER_SHOWN_MS = 8_000;
/** Lines, opening hours, imports and top-ups are refreshed this often (and at once on reconnect). */
const REFRESH_MS = 30_000;

interface Shown {
  number: string;
  line: string;
  priority: boolean;
  issuedAt: string;
  offline: boolean;
}

@customElement("sportello-totem")
export class SportelloTotem extends LitElement {
  @state() private session: DeviceState = { kind: "loading" };
  @state() private language: TotemLanguage = "it";
  @state() private priority = false;
  @state() private lines: ServiceLine[] = [];
  @state() private opening?: DeskOpening;
  @state() private reachable = true;
  @state() private ledger?: Ledger;
  @state() private busy = false;
  @state() private shown?: Shown;
  @state() private printing?: Shown;
  @state() private problem?: MessageKey;
  @state() private enrolProblem?: MessageKey;
  @state() private enrolling = false;
  @state() private clockSkew = false;
  /** Revoked before this page started (the session forgot the credential; the ledger store remembers). */
  @state() private revokedEarlier = false;

  #device = new DeviceSession({ kind: "totem", store: indexedDbCredentialStore(TOTEM_DATABASE) });
  #store: LedgerStore = indexedDbLedgerStore();
  #api: TotemApi = createTotemApi(this.#device.queueAuth());
  #engine?: TotemEngine;
  /** Resolves once the ledger is open (the device's id may arrive before it). */
  #engineReady: Promise<TotemEngine | undefined> = Promise.resolve(undefined);
  #timers: number[] = [];
  #idle = new IdleReset(IDLE_RESET_MS, () => {
    this.language = "it";
    this.priority = false;
    this.problem = undefined;
    this.#applyLanguage();
  });
  #shownTimer?: number;
  #refreshing?: Promise<void>;
  #unsubscribe: (() => void)[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    adoptPrintRules();
    this.#applyLanguage();
    // An enrolment link opened on the totem itself (`/totem#enrol=spdc_…`): take the credential out of the
    // address at once, so it is neither kept in the history nor shown.
    const fromLink = this.#takeLinkCredential();
    this.#unsubscribe.push(this.#device.subscribe(state => this.#sessionChanged(state)));
    window.addEventListener("online", this.#onOnline);
    window.addEventListener("hashchange", this.#onHashChange);
    window.addEventListener("pointerdown", this.#onActivity, { capture: true });
    window.addEventListener("keydown", this.#onActivity, { capture: true });
    this.#timers.push(window.setInterval(() => void this.#refresh(), REFRESH_MS));
    void this.#start(fromLink);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#idle.stop();
    clearTimeout(this.#shownTimer);
    for (const stop of this.#unsubscribe) stop();
    this.#unsubscribe = [];
    window.removeEventListener("online", this.#onOnline);
    window.removeEventListener("hashchange", this.#onHashChange);
    window.removeEventListener("pointerdown", this.#onActivity, { capture: true });
    window.removeEventListener("keydown", this.#onActivity, { capture: true });
  }

  async #start(fromLink: string | undefined): Promise<void> {
    let opened: (engine: TotemEngine | undefined) => void = () => undefined;
    this.#engineReady = new Promise(resolve => (opened = resolve));
    try {
      this.#engine = await TotemEngine.open({ api: this.#api, store: this.#store });
      opened(this.#engine);
      this.ledger = this.#engine.ledger;
      this.#unsubscribe.push(this.#engine.subscribe(ledger => (this.ledger = ledger)));
      this.lines = (await this.#store.loadLines())?.filter(line => line.active) ?? [];
      this.revokedEarlier = await this.#store.loadRevoked();
    } catch {
      opened(undefined);
      this.problem = "error.other";
    }
    await this.#device.start();
    if (fromLink) await this.#enrol(fromLink);
    await this.#refresh();
  }

  #sessionChanged(state: DeviceState): void {
    const wasUsable = this.session.kind === "ready" || this.session.kind === "offline";
    this.session = state;
    if (state.kind === "unenrolled" && state.revoked) {
      this.revokedEarlier = true;
      void this.#store.saveRevoked(true).catch(() => undefined);
    }
    if (state.kind === "ready" && this.revokedEarlier) {
      this.revokedEarlier = false;
      void this.#store.saveRevoked(false).catch(() => undefined);
    }
    if (state.kind === "ready") void this.#engineReady.then(engine => engine?.useDevice(state.device.id)).catch(() => undefined);
    if (state.kind === "ready" && !wasUsable) void this.#refresh();
  }

  #onOnline = () => void this.#refresh();

  /** The credential of an enrolment link in the address, taken out of it (and out of the history) at once. */
  #takeLinkCredential(): string | undefined {
    if (!location.hash) return undefined;
    const credential = credentialIn(location.hash);
    history.replaceState(null, "", location.pathname + location.search);
    return credential;
  }

  /** The link opened while the page is already on `/totem` only changes the fragment. */
  #onHashChange = () => {
    const credential = this.#takeLinkCredential();
    if (credential) void this.#enrol(credential);
  };

  #onActivity = () => this.#idle.poke();

  #applyLanguage(): void {
    document.documentElement.lang = this.language;
    document.documentElement.dir = direction(this.language);
  }

  #t(key: MessageKey, values: Record<string, string | number> = {}): string {
    return message(this.language, key, values);
  }

  /** Lines, opening hours, then imports and top-ups: what the totem does while the server answers. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshOnce().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    if (this.session.kind === "unenrolled" || this.session.kind === "loading") return;
    await this.#device.renewIfDue();
    if (this.#device.state.kind === "unenrolled") return;
    try {
      const lines = await this.#api.lines();
      this.lines = lines.filter(line => line.active);
      await this.#store.saveLines(lines);
      this.reachable = true;
      try {
        this.opening = await this.#api.opening();
      } catch (error) {
        // An older server without the route: issue as before (the server still says desk_closed).
        if (!(error instanceof ApiError) || error.status === 0 || error.status === 401) throw error;
        this.opening = undefined;
      }
      const engine = this.#engine;
      if (!engine) return;
      if (engine.ledger.pending.length > 0) await engine.syncPending();
      const report = await engine.topUp(this.lines.map(line => line.code));
      this.clockSkew = !!report.clockSkew;
    } catch (error) {
      if (error instanceof ApiError && error.status === 0) this.reachable = false;
      if (error instanceof ApiError && error.status === 401) await this.#device.renewNow();
    }
  }

  async #enrol(input: string): Promise<void> {
    this.enrolProblem = undefined;
    this.enrolling = true;
    try {
      await this.#device.enrol(input);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : "";
      this.enrolProblem =
        code === "invalid_credential_format"
          ? "enrol.invalid"
          : code === "wrong_device_kind"
            ? "enrol.wrongKind"
            : code === "network"
              ? "enrol.network"
              : "enrol.refused";
    } finally {
      this.enrolling = false;
    }
  }

  #submitEnrol(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = form.querySelector("input") as HTMLInputElement;
    void this.#enrol(input.value).then(() => {
      if (!this.enrolProblem) input.value = "";
    });
  }

  async #take(line: ServiceLine): Promise<void> {
    const engine = this.#engine;
    if (this.busy || !engine) return;
    this.busy = true;
    this.problem = undefined;
    const priority = this.priority;
    try {
      const issued = await engine.issue(line.code, priority);
      this.reachable = issued.kind === "online";
      await this.#print(issued, line);
      this.priority = false;
      if (issued.kind === "online") void this.#refresh();
    } catch (error) {
      this.problem = this.#problemOf(error);
      if (error instanceof ApiError && error.status === 401) await this.#device.renewNow();
    } finally {
      this.busy = false;
    }
  }

  #problemOf(error: unknown): MessageKey {
    if (error instanceof NoOfflineNumbers) return "error.unavailable";
    if (!(error instanceof ApiError)) return "error.other";
    switch (error.code) {
      case "line_full":
        return "error.line_full";
      case "line_inactive":
        return "error.line_inactive";
      case "desk_closed":
        void this.#refresh();
        return "error.desk_closed";
      default:
        return error.status === 0 ? "error.unavailable" : "error.other";
    }
  }

  async #print(issued: Issued, line: ServiceLine): Promise<void> {
    const ticket =
      issued.kind === "online"
        ? { number: issued.ticket.number, priority: issued.ticket.priority, issuedAt: issued.ticket.issued_at }
        : { number: issued.pending.ticket.number, priority: issued.pending.ticket.priority, issuedAt: issued.pending.ticket.issued_at };
    const shown: Shown = { ...ticket, line: line.code, offline: issued.kind === "offline" };
    this.#show(shown);
    if (issued.kind === "online") {
      try {
        await printLink(this.renderRoot as ShadowRoot, issued.ticket.print_url, message("it", "printing"));
        return;
      } catch {
        // The link did not load (the server went away meanwhile): print the totem's own layout instead.
      }
    }
    this.printing = shown;
    await this.updateComplete;
    window.print();
  }

  #show(shown: Shown): void {
    clearTimeout(this.#shownTimer);
    this.shown = shown;
    this.#shownTimer = window.setTimeout(() => (this.shown = undefined), NUMBER_SHOWN_MS);
  }

  #dismiss = () => {
    clearTimeout(this.#shownTimer);
    this.shown = undefined;
  };

  #choose(language: TotemLanguage): void {
    this.language = language;
    this.#applyLanguage();
  }

  // ——— Rendering ———

  override render() {
    const session = this.session;
    return html`
      <div class="screen" dir=${direction(this.language)} lang=${this.language}>
        ${session.kind === "loading"
          ? html`<main class="centre"><p>${this.#t("loading")}</p></main>`
          : session.kind === "unenrolled"
            ? this.#renderEnrol(session.revoked || this.revokedEarlier, !!session.wrongKind)
            : this.#renderCitizen()}
      </div>
      ${this.printing ? this.#renderPrintLayout(this.printing) : nothing}
    `;
  }

  #renderEnrol(revoked: boolean, wrongKind: boolean) {
    const pending = this.ledger?.pending.length ?? 0;
    const problem = this.enrolProblem ?? (wrongKind ? "enrol.wrongKind" : undefined);
    return html`
      <main class="staff">
        ${revoked
          ? html`<section class="revoked" role="alert">
              <h1>${this.#t("revoked.title")}</h1>
              <p>${this.#t("revoked.body")}</p>
              ${pending > 0 ? html`<p>${this.#t("staff.pending", { count: pending })}</p>` : nothing}
            </section>`
          : nothing}
        ${revoked ? html`<h2>${this.#t("enrol.title")}</h2>` : html`<h1>${this.#t("enrol.title")}</h1>`}
        <p>${this.#t("enrol.intro")}</p>
        <form @submit=${this.#submitEnrol} novalidate>
          <div class="field">
            <label for="credential">${this.#t("enrol.label")}</label>
            <input
              id="credential"
              name="credential"
              autocomplete="off"
              autocapitalize="off"
              spellcheck="false"
              aria-describedby=${problem ? "enrol-problem" : nothing}
              aria-invalid=${problem ? "true" : "false"}
            />
          </div>
          ${problem ? html`<p id="enrol-problem" class="error" role="alert">${this.#t(problem)}</p>` : nothing}
          <button class="primary" type="submit" ?disabled=${this.enrolling}>
            ${this.enrolling ? this.#t("enrol.working") : this.#t("enrol.submit")}
          </button>
        </form>
      </main>
    `;
  }

  #renderCitizen() {
    const closed = this.opening?.open === false && this.reachable;
    return html`
      <header>
        <h1>${this.#t("title")}</h1>
        <nav class="languages" aria-label=${this.#t("language")}>
          ${LANGUAGES.map(
            language => html`<button
              type="button"
              lang=${language}
              dir=${direction(language)}
              aria-pressed=${language === this.language ? "true" : "false"}
              @click=${() => this.#choose(language)}
            >
              ${LANGUAGE_NAMES[language]}
            </button>`,
          )}
        </nav>
      </header>
      <main>
        ${this.shown
          ? this.#renderNumber(this.shown)
          : closed
            ? this.#renderClosed()
            : this.#renderChoice()}
      </main>
      ${this.#renderStaffLine()}
    `;
  }

  #renderChoice() {
    return html`
      <section class="priority" aria-labelledby="priority-title">
        <h2 id="priority-title">${this.#t("priority")}</h2>
        <p id="priority-who">${this.#t("priorityWho")}</p>
        <button
          type="button"
          class="toggle"
          aria-pressed=${this.priority ? "true" : "false"}
          aria-describedby="priority-who"
          @click=${() => (this.priority = !this.priority)}
        >
          <span class="box" aria-hidden="true">${this.priority ? "✓" : ""}</span>
          ${this.#t("priorityToggle")}
        </button>
      </section>
      <h2 class="choose">${this.#t("choose")}</h2>
      ${this.problem ? html`<p class="error" role="alert">${this.#t(this.problem)}</p>` : nothing}
      ${this.lines.length === 0
        ? html`<p class="empty">${this.#t("noLines")}</p>`
        : html`<div class="lines">
            ${this.lines.map(
              line => html`<button
                type="button"
                class="line"
                ?disabled=${this.busy}
                @click=${() => void this.#take(line)}
              >
                <span class="code" aria-hidden="true">${line.code}</span>
                <span class="name" lang=${lineNameLanguage(line, this.language)}>${lineName(line, this.language)}</span>
              </button>`,
            )}
          </div>`}
      ${this.busy ? html`<p class="printing" role="status">${this.#t("printing")}</p>` : nothing}
    `;
  }

  #renderNumber(shown: Shown) {
    const line = this.lines.find(one => one.code === shown.line);
    return html`
      <section class="number" role="status" aria-live="polite">
        <p class="label">${this.#t("yourNumber")}</p>
        <p class="big" dir="ltr">${shown.number}</p>
        ${line
          ? html`<p class="line-name" lang=${lineNameLanguage(line, this.language)}>${lineName(line, this.language)}</p>`
          : nothing}
        ${shown.priority ? html`<p class="mark">${this.#t("withPriority")}</p>` : nothing}
        <p>${this.#t("keep")}</p>
        <button type="button" class="done" @click=${this.#dismiss}>${this.#t("done")}</button>
      </section>
    `;
  }

  #renderClosed() {
    const next = this.opening?.next_opening;
    return html`
      <section class="closed" role="status">
        <h2>${this.#t("closed")}</h2>
        <p>${next ? this.#t("opens", { when: openingTime(next, this.language) }) : this.#t("closedUnknown")}</p>
      </section>
    `;
  }

  #renderStaffLine() {
    const ledger = this.ledger;
    const pending = ledger?.pending.length ?? 0;
    const refused = ledger?.unimportable ?? [];
    const today = this.#engine?.today() ?? "";
    const reserve = this.lines.map(line => `${line.code} ${ledger ? remaining(ledger, line.code, today) : 0}`).join(", ");
    const parts: string[] = [];
    if (!this.reachable) parts.push(this.#t("staff.offline"));
    if (pending > 0) parts.push(this.#t("staff.pending", { count: pending }));
    if (reserve) parts.push(this.#t("staff.reserve", { lines: reserve }));
    if (this.clockSkew) parts.push(this.#t("staff.clock"));
    return html`
      <footer class="staff-line" lang=${this.language === "it" ? "it" : "en"} dir="ltr">
        <p>${parts.join(" · ")}</p>
        ${refused.length > 0
          ? html`<p class="refused" role="alert">
              ${this.#t("staff.setAside", {
                codes: [...new Set(refused.map(one => one.code))].join(", "),
                numbers: refused.map(one => one.ticket.number).join(", "),
              })}
              <button type="button" class="small" @click=${() => void this.#engine?.acknowledge()}>${this.#t("staff.acknowledge")}</button>
            </p>`
          : nothing}
      </footer>
    `;
  }

  #renderPrintLayout(ticket: Shown) {
    const line = this.lines.find(one => one.code === ticket.line);
    return html`
      <section class="print-ticket" aria-hidden="true">
        <p class="p-number">${ticket.number}</p>
        ${line ? html`<p class="p-line">${line.name_it}<br />${line.name_en}</p>` : html`<p class="p-line">${ticket.line}</p>`}
        ${ticket.priority ? html`<p class="p-mark">PRIORITÀ · PRIORITY</p>` : nothing}
        <p class="p-time">${printedTime(ticket.issuedAt)}</p>
        ${ticket.offline
          ? html`<p class="p-note">${message("it", "print.offline")}<br />${message("en", "print.offline")}</p>`
          : nothing}
        <p class="p-keep">${message("it", "keep")}<br />${message("en", "keep")}</p>
      </section>
    `;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        min-block-size: 100vh;
        background: var(--page);
      }
      .screen {
        display: flex;
        flex-direction: column;
        min-block-size: 100vh;
        padding: clamp(1rem, 3vmin, 3rem);
        gap: clamp(1rem, 2.5vmin, 2.5rem);
        font-size: clamp(1.1rem, 2.6vmin, 2.4rem);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 1rem;
      }
      h1 {
        font-size: clamp(1.8rem, 5vmin, 4.5rem);
        margin: 0;
      }
      h2 {
        font-size: clamp(1.3rem, 3.4vmin, 3rem);
      }
      main {
        flex: 1;
        display: flex;
        flex-direction: column;
        gap: clamp(0.75rem, 2vmin, 2rem);
      }
      .languages {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .languages button {
        min-block-size: 56px;
        font-size: clamp(1rem, 2.2vmin, 1.8rem);
        background: var(--surface);
        color: var(--ink);
        border: 2px solid var(--line);
      }
      .languages button[aria-pressed="true"] {
        background: var(--accent);
        color: var(--on-accent);
        border-color: var(--accent);
      }
      .priority {
        background: var(--warn-bg);
        border: 3px solid var(--warn);
        border-radius: 16px;
        padding: clamp(0.75rem, 2vmin, 2rem);
      }
      .priority h2 {
        margin-block-end: 0.25rem;
      }
      .priority p {
        margin-block-end: 0.75rem;
      }
      .toggle {
        display: inline-flex;
        align-items: center;
        gap: 0.75rem;
        min-block-size: 72px;
        font-size: inherit;
        background: var(--surface);
        color: var(--ink);
        border: 3px solid var(--warn);
      }
      .toggle[aria-pressed="true"] {
        background: var(--warn);
        color: #fff;
      }
      .toggle .box {
        display: inline-grid;
        place-items: center;
        inline-size: 1.6em;
        block-size: 1.6em;
        border: 3px solid currentColor;
        border-radius: 6px;
      }
      .choose {
        margin: 0;
      }
      .lines {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr));
        gap: clamp(0.75rem, 2vmin, 2rem);
      }
      .line {
        display: flex;
        align-items: center;
        gap: 1.25rem;
        min-block-size: clamp(120px, 16vmin, 260px);
        padding-inline: clamp(1rem, 3vmin, 3rem);
        font-size: clamp(1.4rem, 4vmin, 3.6rem);
        text-align: start;
        background: var(--accent);
        color: var(--on-accent);
        border: none;
        border-radius: 20px;
      }
      .line .code {
        display: inline-grid;
        place-items: center;
        min-inline-size: 1.6em;
        block-size: 1.6em;
        border-radius: 12px;
        background: var(--on-accent);
        color: var(--accent);
        font-weight: 800;
      }
      .line:disabled {
        opacity: 0.6;
      }
      /* A portrait kiosk (1080×1920): one column of tall buttons, easy to reach. */
      @media (orientation: portrait) {
        .lines {
          grid-template-columns: 1fr;
        }
        .line {
          min-block-size: clamp(140px, 12vh, 300px);
          font-size: clamp(1.6rem, 5vmin, 4.2rem);
        }
      }
      .number,
      .closed {
        flex: 1;
        display: flex;
        flex-direction: column;
        align-items: center;
        justify-content: center;
        text-align: center;
        background: var(--surface);
        border-radius: 24px;
        padding: 2rem;
      }
      .number .big {
        font-size: clamp(6rem, 24vmin, 22rem);
        font-weight: 800;
        line-height: 1;
        margin: 0.2em 0;
        color: var(--accent);
      }
      .number .label,
      .number .line-name {
        font-size: clamp(1.4rem, 4vmin, 3.4rem);
        margin: 0;
      }
      .number .done {
        min-block-size: 72px;
        min-inline-size: 12rem;
        font-size: inherit;
        margin-block-start: 1rem;
      }
      .number .mark {
        font-weight: 700;
        color: var(--warn);
      }
      .error {
        color: var(--danger);
        background: var(--danger-bg);
        border-radius: 8px;
        padding: 0.75rem 1rem;
        margin: 0;
        font-weight: 600;
      }
      form .error {
        margin-block-end: 1rem;
      }
      .empty,
      .printing {
        font-weight: 600;
      }
      .staff-line {
        font-size: 0.9rem;
        color: var(--muted);
        border-block-start: 1px solid var(--line);
        padding-block-start: 0.5rem;
      }
      .staff-line p {
        margin: 0;
      }
      .staff-line .refused {
        color: var(--danger);
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
        margin-block-start: 0.4rem;
      }
      button.small {
        font-size: 0.9rem;
      }
      .staff {
        max-inline-size: 44rem;
        margin-inline: auto;
        font-size: 1.1rem;
      }
      .staff h1 {
        font-size: 2rem;
        margin-block: 1rem;
      }
      .staff h2 {
        font-size: 1.5rem;
        margin-block: 1.5rem 0.75rem;
      }
      .revoked {
        background: var(--danger-bg);
        border: 3px solid var(--danger);
        border-radius: 16px;
        padding: 1.5rem;
      }
      .revoked h1 {
        color: var(--danger);
        margin-block-start: 0;
      }
      .centre {
        align-items: center;
        justify-content: center;
      }
      .print-frame {
        position: absolute;
        inline-size: 0;
        block-size: 0;
        border: 0;
        inset-inline-start: -10000px;
      }
      .print-ticket {
        display: none;
      }
      @media print {
        .screen,
        .print-frame {
          display: none !important;
        }
        .print-ticket {
          display: block;
          inline-size: 72mm;
          margin: 0 auto;
          padding: 4mm 0;
          font-family: system-ui, sans-serif;
          color: #000;
          text-align: center;
          font-size: 10pt;
        }
        .p-number {
          font-size: 48pt;
          font-weight: 800;
          margin: 0;
        }
        .p-line {
          font-size: 12pt;
          font-weight: 600;
        }
        .p-mark {
          font-weight: 800;
          border: 2px solid #000;
          padding: 1mm;
        }
        .p-note {
          border-block: 1px dashed #000;
          padding-block: 2mm;
        }
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    "sportello-totem": SportelloTotem;
  }
}
