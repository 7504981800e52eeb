// The admin console's shell (`/admin`): sign-in (admins and privacy officers, each seeing only its own
// sections: anyone else is told so and logged out), the second factor's code when the server asks for it,
// the forced change of a one-time password, the enrolment of the second factor
// (src/ui/second-factor-enrol.ts) while `second_factor` is `required`, the sections of sections/sections.ts
// with the current one in the URL's hash (`/admin#users`), the language switch, logout and the screen shown
// when the session ends.
//
// Tokens live in memory only (in the `AdminClient`): a reload asks for the password again, and nothing of
// an admin's session stays on the machine. The console never loads the sync engine or Automerge.
import { LitElement, css, html, type TemplateResult } from "lit";
import { customElement, state } from "lit/decorators.js";
import { html as staticHtml, unsafeStatic } from "lit/static-html.js";
import { ApiError, createApi, type SessionTokens } from "../../data/api";
import { AdminClient } from "./admin-client";
import { adminLanguage, errorText, LanguageController, m, setAdminLanguage, type MessageKey } from "./messages";
import { CONSOLE_ROLES, sectionOfHash, sectionsFor, type Section } from "./sections/sections";
import { consoleStyles } from "./ui/styles";
import { asksForSecondFactor, refusedSecondFactor, secondFactorInput } from "../../data/second-factor";
import { secondFactorStyles, type EnrolActions, type EnrolWords } from "../../ui/second-factor-enrol";
import "../../ui/second-factor-enrol";

/** Where the console stands: what the admin sees. */
type Phase =
  | { kind: "signIn"; notice?: MessageKey }
  /** The password was right; the second factor's code is asked (the password waits in memory for it). */
  | { kind: "signInCode"; username: string; password: string }
  | { kind: "changePassword"; tokens: SessionTokens; current: string }
  /** The admin must enrol a second factor before the console opens. */
  | { kind: "enrol"; tokens: SessionTokens }
  | { kind: "console"; client: AdminClient }
  | { kind: "ended" };

@customElement("sportello-admin")
export class SportelloAdmin extends LitElement {
  @state() private phase: Phase = { kind: "signIn" };
  @state() private section: Section = sectionOfHash(location.hash);
  @state() private busy = false;
  @state() private error = "";
  /** The last sign-in was a non-admin's: offer the tablet app. */
  @state() private notAdmin = false;
  readonly #api = createApi();
  readonly #onHash = () => {
    this.section = sectionOfHash(location.hash, this.phase.kind === "console" ? this.phase.client.user.role : "admin");
    this.focusHeading();
  };

  static override styles = [
    ...consoleStyles,
    secondFactorStyles,
    css`
      :host {
        min-block-size: 100vh;
      }
      .center {
        display: grid;
        place-items: center;
        min-block-size: 100vh;
        padding: 1.5rem;
      }
      .center .card {
        inline-size: min(100%, 30rem);
        padding: 1.75rem;
      }
      /* The enrolment sizes itself (QR code and key side by side). */
      .center .card.sf-card {
        inline-size: 100%;
      }
      .brand {
        color: var(--accent);
        font-weight: 700;
        margin-block-end: 0.25rem;
      }
      .center form button {
        inline-size: 100%;
      }
      .center form .actions {
        display: grid;
        gap: 0.75rem;
      }
      .lang-corner {
        position: fixed;
        inset-block-start: 0.75rem;
        inset-inline-end: 0.75rem;
      }
      .layout {
        display: grid;
        grid-template-columns: 15rem 1fr;
        grid-template-rows: auto 1fr;
        min-block-size: 100vh;
      }
      header {
        grid-column: 1 / -1;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75rem 1.25rem;
        padding: 0.6rem 1.5rem;
        background: var(--accent);
        color: var(--on-accent);
      }
      header .title {
        margin: 0;
        font-size: 1.2rem;
        margin-inline-end: auto;
      }
      header .title span {
        font-weight: 400;
        opacity: 0.9;
      }
      header .who {
        font-size: 0.95rem;
      }
      header .tools {
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      header button,
      header button.secondary {
        background: transparent;
        border-color: var(--on-accent);
        color: var(--on-accent);
        min-block-size: 44px;
      }
      header button:focus-visible {
        outline-color: #ffd27a;
      }
      nav {
        background: var(--surface);
        border-inline-end: 1px solid var(--line);
        padding: 1rem 0.75rem;
      }
      nav ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      nav a {
        display: flex;
        align-items: center;
        min-block-size: 48px;
        padding-inline: 1rem;
        border-radius: 8px;
        color: var(--ink);
        text-decoration: none;
        font-weight: 600;
      }
      nav a:hover {
        background: var(--page);
      }
      nav a[aria-current="page"] {
        background: var(--accent);
        color: var(--on-accent);
      }
      main {
        padding: 1.5rem 2rem 3rem;
        min-inline-size: 0;
      }
      main:focus {
        outline: none;
      }
      /* A tablet, or a narrow window: the sections become a row of tabs above the content. */
      /* Printing (the privacy officer's access report): the page only, without the console's chrome. */
      @media print {
        header,
        nav,
        .lang-corner {
          display: none !important;
        }
        .layout {
          display: block;
          min-block-size: 0;
        }
        main {
          padding: 0;
        }
      }
      @media (max-width: 1000px) {
        .layout {
          grid-template-columns: 1fr;
          grid-template-rows: auto auto 1fr;
        }
        nav {
          border-inline-end: none;
          border-block-end: 1px solid var(--line);
          padding: 0.5rem;
          overflow-x: auto;
        }
        nav ul {
          grid-auto-flow: column;
          justify-content: start;
        }
        nav a {
          white-space: nowrap;
        }
        main {
          padding: 1rem;
        }
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.documentElement.lang = adminLanguage();
    window.addEventListener("hashchange", this.#onHash);
  }

  override disconnectedCallback(): void {
    window.removeEventListener("hashchange", this.#onHash);
    super.disconnectedCallback();
  }

  protected override updated(): void {
    const section = adminLanguage() === "en" ? this.section.label_en : this.section.label_it;
    document.title = `${this.phase.kind === "console" ? `${section} · ` : ""}${m("app.title")} · Sportello`;
  }

  override render() {
    switch (this.phase.kind) {
      case "signIn":
        return this.renderSignIn(this.phase.notice);
      case "signInCode":
        return this.renderSignInCode();
      case "enrol":
        return this.renderEnrol(this.phase.tokens);
      case "changePassword":
        return this.renderChangePassword();
      case "ended":
        return this.renderEnded();
      case "console":
        return this.renderConsole(this.phase.client);
    }
  }

  private languageButton(): TemplateResult {
    const other = adminLanguage() === "it" ? "en" : "it";
    return html`<button
      type="button"
      class="secondary small"
      lang=${other}
      aria-label=${m("lang.switchLabel")}
      @click=${() => setAdminLanguage(other)}
    >
      ${m("lang.switch")}
    </button>`;
  }

  private renderSignIn(notice?: MessageKey) {
    return html`<div class="lang-corner">${this.languageButton()}</div>
      <main class="center">
        <form class="card" @submit=${this.signIn} novalidate>
          <p class="brand">${m("app.name")}</p>
          <h1>${m("login.title")}</h1>
          <p>${m("login.intro")}</p>
          <p>${m("login.introPrivacy")}</p>
          ${notice && !this.error ? html`<p class="notice" role="status">${m(notice)}</p>` : ""}
          <div role="alert">
            ${this.error
              ? html`<p class="error">
                  ${this.error}
                  ${this.notAdmin ? html`<br /><a href="/">${m("login.tabletLink")}</a>` : ""}
                </p>`
              : ""}
          </div>
          <div class="field">
            <label for="username">${m("login.username")}</label>
            <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required />
          </div>
          <div class="field">
            <label for="password">${m("login.password")}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit" ?disabled=${this.busy}>${this.busy ? m("login.busy") : m("login.submit")}</button>
        </form>
      </main>`;
  }

  private renderSignInCode() {
    return html`<div class="lang-corner">${this.languageButton()}</div>
      <main class="center">
        <form class="card" @submit=${this.signInWithCode} novalidate>
          <p class="brand">${m("app.name")}</p>
          <h1>${m("login.code.title")}</h1>
          <p id="code-intro">${m("login.code.intro")}</p>
          <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
          <div class="field">
            <label for="code">${m("login.code.label")}</label>
            <input id="code" name="code" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="40" aria-describedby="code-intro" required />
          </div>
          <div class="actions">
            <button type="submit" ?disabled=${this.busy}>${this.busy ? m("login.busy") : m("login.code.submit")}</button>
            <button type="button" class="secondary" ?disabled=${this.busy} @click=${() => this.goTo({ kind: "signIn" })}>${m("login.code.back")}</button>
          </div>
        </form>
      </main>`;
  }

  private renderEnrol(tokens: SessionTokens) {
    const words: EnrolWords = {
      title: m("sf.title"),
      intro: m("sf.intro"),
      loading: m("sf.loading"),
      qrLabel: m("sf.qrLabel"),
      manualKey: m("sf.manualKey"),
      manualHint: m("sf.manualHint"),
      code: m("sf.code"),
      codeHint: m("sf.codeHint"),
      codeMissing: m("sf.codeMissing"),
      confirm: m("sf.confirm"),
      confirming: m("sf.confirming"),
      retry: m("common.retry"),
      cancel: m("sf.cancel"),
      codesTitle: m("sf.codesTitle"),
      codesIntro: m("sf.codesIntro"),
      codesHeading: m("sf.codesHeading", { username: tokens.user.username }),
      copy: m("sf.copy"),
      copied: m("common.copied"),
      copyFailed: m("common.copyFailed"),
      print: m("sf.print"),
      saved: m("sf.saved"),
      savedMissing: m("sf.savedMissing"),
      continue: m("sf.continue"),
    };
    const actions: EnrolActions = {
      setup: () => this.#api.setupSecondFactor(tokens.access_token),
      confirm: async code => (await this.#api.confirmSecondFactor(tokens.access_token, code)).recovery_codes,
      done: () => this.open({ ...tokens, user: { ...tokens.user, second_factor: "enrolled" } }),
      cancel: () => {
        void this.#api.logout(tokens.access_token).catch(() => undefined);
        this.goTo({ kind: "signIn" });
      },
      errorText,
    };
    return html`<div class="lang-corner sf-no-print">${this.languageButton()}</div>
      <main class="center">
        <second-factor-enrol .words=${words} .actions=${actions}></second-factor-enrol>
      </main>`;
  }

  private renderChangePassword() {
    return html`<div class="lang-corner">${this.languageButton()}</div>
      <main class="center">
        <form class="card" @submit=${this.changePassword} novalidate>
          <p class="brand">${m("app.name")}</p>
          <h1>${m("password.title")}</h1>
          <p>${m("password.intro")}</p>
          <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
          <div class="field">
            <label for="pw-username">${m("login.username")}</label>
            <input id="pw-username" name="username" autocomplete="username" readonly .value=${this.phase.kind === "changePassword" ? this.phase.tokens.user.username : ""} />
          </div>
          <div class="field">
            <label for="new-password">${m("password.new")}</label>
            <input id="new-password" name="next" type="password" autocomplete="new-password" required minlength="12" />
          </div>
          <div class="field">
            <label for="repeat-password">${m("password.repeat")}</label>
            <input id="repeat-password" name="repeat" type="password" autocomplete="new-password" required minlength="12" />
          </div>
          <div class="actions">
            <button type="submit" ?disabled=${this.busy}>${this.busy ? m("password.busy") : m("password.submit")}</button>
            <button type="button" class="secondary" @click=${this.cancelPasswordChange}>${m("password.cancel")}</button>
          </div>
        </form>
      </main>`;
  }

  private renderEnded() {
    return html`<div class="lang-corner">${this.languageButton()}</div>
      <main class="center">
        <div class="card" role="alert">
          <p class="brand">${m("app.name")}</p>
          <h1>${m("ended.title")}</h1>
          <p>${m("ended.body")}</p>
          <button type="button" @click=${() => this.goTo({ kind: "signIn" })}>${m("ended.again")}</button>
        </div>
      </main>`;
  }

  private renderConsole(client: AdminClient) {
    const current = this.section;
    const user = client.user;
    const tag = unsafeStatic(current.tag);
    return html`<div class="layout">
        <header>
          <h1 class="title">${m("app.name")} · <span>${m("app.title")}</span></h1>
          <div class="tools">
            <span class="who">${m("nav.signedInAs", { name: user.display_name || user.username })}</span>
            ${this.languageButton()}
            <button type="button" class="small" @click=${this.logout}>${m("nav.logout")}</button>
          </div>
        </header>
        <nav aria-label=${m("nav.label")}>
          <ul>
            ${sectionsFor(user.role).map(
              s => html`<li>
                <a href="#${s.id}" aria-current=${s.id === current.id ? "page" : "false"}>${adminLanguage() === "en" ? s.label_en : s.label_it}</a>
              </li>`,
            )}
          </ul>
        </nav>
        <main id="content" tabindex="-1" data-section=${current.id}>
          ${staticHtml`<${tag} .client=${client}></${tag}>`}
        </main>
      </div>`;
  }

  private focusHeading() {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("main#content")?.focus({ preventScroll: true }));
  }

  private goTo(phase: Phase) {
    this.error = "";
    this.busy = false;
    this.phase = phase;
  }

  private async signIn(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get("username") ?? "").trim();
    const password = String(data.get("password") ?? "");
    if (!username || !password) {
      this.error = m("login.missing");
      return;
    }
    this.busy = true;
    this.error = "";
    this.notAdmin = false;
    try {
      await this.afterSignIn(await this.#api.login(username, password, "Console"), password, form);
    } catch (error) {
      this.busy = false;
      if (asksForSecondFactor(error)) this.goTo({ kind: "signInCode", username, password });
      else this.error = errorText(error);
    }
  }

  private async signInWithCode(event: SubmitEvent) {
    event.preventDefault();
    if (this.phase.kind !== "signInCode") return;
    const { username, password } = this.phase;
    const form = event.target as HTMLFormElement;
    const field = form.elements.namedItem("code") as HTMLInputElement;
    const code = secondFactorInput(field.value);
    if (!code) {
      this.error = m("login.code.missing");
      field.focus();
      return;
    }
    this.busy = true;
    this.error = "";
    try {
      await this.afterSignIn(await this.#api.login(username, password, "Console", code), password, form);
    } catch (error) {
      this.busy = false;
      this.error = errorText(error);
      if (refusedSecondFactor(error)) field.value = "";
      field.focus();
    }
  }

  /** A login succeeded: only admins stay; then the password change, the enrolment or the console. */
  private async afterSignIn(tokens: SessionTokens, password: string, form: HTMLFormElement) {
    if (!CONSOLE_ROLES.includes(tokens.user.role)) {
      // Not for this console: end the session at once, whatever its state.
      await this.#api.logout(tokens.access_token).catch(() => undefined);
      form.reset();
      this.goTo({ kind: "signIn" });
      this.error = m("login.notAdmin");
      this.notAdmin = true;
      return;
    }
    if (tokens.user.must_change_password) this.goTo({ kind: "changePassword", tokens, current: password });
    else this.open(tokens);
  }


  private async changePassword(event: SubmitEvent) {
    event.preventDefault();
    if (this.phase.kind !== "changePassword") return;
    const data = new FormData(event.target as HTMLFormElement);
    const next = String(data.get("next") ?? "");
    if (next !== String(data.get("repeat") ?? "")) {
      this.error = m("password.mismatch");
      return;
    }
    const { tokens, current } = this.phase;
    this.busy = true;
    this.error = "";
    try {
      // The answer is a new session: every older one, this one included, has ended.
      this.open(await this.#api.changePassword(tokens.access_token, current, next));
    } catch (error) {
      this.busy = false;
      this.error = error instanceof ApiError && error.status === 401 ? m("ended.body") : errorText(error);
    }
  }

  private async cancelPasswordChange() {
    if (this.phase.kind === "changePassword") await this.#api.logout(this.phase.tokens.access_token).catch(() => undefined);
    this.goTo({ kind: "signIn" });
  }

  private open(tokens: SessionTokens) {
    if (tokens.user.second_factor === "required") {
      this.goTo({ kind: "enrol", tokens });
      return;
    }
    const client: AdminClient = new AdminClient({
      api: this.#api,
      tokens,
      onSessionEnded: () => {
        if (this.phase.kind === "console" && this.phase.client === client) this.goTo({ kind: "ended" });
      },
    });
    this.section = sectionOfHash(location.hash, tokens.user.role);
    if (location.hash !== `#${this.section.id}`) history.replaceState(null, "", `#${this.section.id}`);
    this.goTo({ kind: "console", client });
    this.focusHeading();
  }

  private async logout() {
    if (this.phase.kind !== "console") return;
    const client = this.phase.client;
    this.goTo({ kind: "signIn", notice: "login.loggedOut" });
    await client.logout();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "sportello-admin": SportelloAdmin;
  }
}
