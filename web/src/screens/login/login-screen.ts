// Log in: username and password, then the session decides where to go (password change or the shell).
// When the server cannot be reached and this user has logged in on this tablet before, it offers to open
// the local data offline with the same password. It is also the unlock screen after the inactivity lock
// (`locked`: the username is fixed) and asks for the previous password when the local data are still
// wrapped under it (the password was changed on another device). When the server answers
// `second_factor_required` the screen asks for the authenticator app's code (or a recovery code) and sends
// the login again: the username and password wait in memory for that second step only.
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../../data/api";
import { ConsoleRoleError, INACTIVITY_LOCK_MS, PreviousPasswordNeeded, type Session } from "../../data/session";
import { t, type MessageKey } from "../../i18n";
import { asksForSecondFactor, refusedSecondFactor, secondFactorInput } from "../../data/second-factor";
import { storeErrorMessage } from "../../store/messages";
import { shared } from "../../styles/shared";

/** What the second step sends again with the code. */
interface PendingLogin {
  username: string;
  password: string;
  previous?: string;
  discard: boolean;
}

@customElement("login-screen")
export class LoginScreen extends LitElement {
  @property({ attribute: false }) session!: Session;
  /** Why the user is here again (the session ended), shown above the form. */
  @property({ attribute: false }) notice?: MessageKey;
  /** The username of the locked session: this is the unlock screen. */
  @property({ attribute: false }) locked?: string;
  @state() private busy = false;
  @state() private error = "";
  /** The server did not answer and this user has local data: offer the offline unlock. */
  @state() private offerOffline = false;
  @state() private needPrevious = false;
  /** The password was right: the second factor's code is asked. */
  @state() private codeStep = false;
  /** The code step takes a recovery code (letters) rather than the app's six digits. */
  @state() private useRecovery = false;
  /** The first step's answers, kept in memory only while the code is asked; never rendered or stored. */
  #pending?: PendingLogin;
  /** The account is an admin's or a privacy officer's: point to the console. */
  @state() private consoleRole = false;

  static override styles = [
    shared,
    css`
      main {
        display: grid;
        place-items: center;
        min-block-size: 100vh;
        padding: 1.5rem;
      }
      .card {
        inline-size: min(100%, 28rem);
      }
      .brand {
        color: var(--accent);
        font-weight: 700;
        margin-block-end: 0.25rem;
      }
      button {
        inline-size: 100%;
      }
      .actions {
        display: grid;
        gap: 0.75rem;
      }
      input[readonly] {
        background: var(--page);
        color: var(--muted);
      }
      .offer {
        padding: 0.75rem 1rem;
        border-inline-start: 4px solid var(--warn);
        background: var(--warn-bg);
        border-radius: 4px;
      }
    `,
  ];

  override render() {
    if (this.locked !== undefined) return this.renderUnlock(this.locked);
    if (this.codeStep) return this.renderCode();
    return html`<main>
      <form class="card" @submit=${this.submit} novalidate>
        <p class="brand">${t("app.name")}</p>
        <h1>${t("login.title")}</h1>
        <p>${t("login.intro")}</p>
        ${this.notice && !this.error ? html`<p class="error" role="status">${t(this.notice)}</p>` : ""}
        <div role="alert">
          ${this.error
            ? html`<p class="error">
                ${this.error}${this.consoleRole ? html`<br /><a href="/admin" data-console-link>${t("login.consoleLink")}</a>` : ""}
              </p>`
            : ""}
        </div>
        <div class="field">
          <label for="username">${t("login.username")}</label>
          <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required />
        </div>
        <div class="field">
          <label for="password">${t("login.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        ${this.needPrevious
          ? html`<p class="offer">${t("store.previousPassword")}</p>
              <div class="field">
                <label for="previous">${t("store.previousPasswordLabel")}</label>
                <input id="previous" name="previous" type="password" autocomplete="off" required />
              </div>`
          : ""}
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>
            ${this.busy ? t("login.busy") : this.needPrevious ? t("store.recover") : t("login.submit")}
          </button>
          ${this.needPrevious
            ? html`<p class="hint" id="discard-hint">${t("store.discardWarning")}</p>
                <button type="button" class="secondary" aria-describedby="discard-hint" ?disabled=${this.busy} @click=${this.discard}>
                  ${t("store.discard")}
                </button>`
            : ""}
          ${this.offerOffline
            ? html`<p class="offer" role="status">${t("login.offline.offer")}</p>
                <button type="button" class="secondary" ?disabled=${this.busy} @click=${this.openOffline}>
                  ${t("login.offline.unlock")}
                </button>`
            : ""}
        </div>
      </form>
    </main>`;
  }

  private renderUnlock(username: string) {
    return html`<main>
      <form class="card" @submit=${this.submitUnlock} novalidate>
        <p class="brand">${t("app.name")}</p>
        <h1>${t("unlock.title")}</h1>
        <p>${t("unlock.intro", { minutes: Math.round(INACTIVITY_LOCK_MS / 60_000) })}</p>
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
        <div class="field">
          <label for="username">${t("login.username")}</label>
          <input id="username" name="username" autocomplete="username" .value=${username} readonly />
        </div>
        <div class="field">
          <label for="password">${t("login.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? t("unlock.busy") : t("unlock.submit")}</button>
          <button type="button" class="secondary" @click=${() => this.session.end()}>${t("unlock.switchUser")}</button>
        </div>
      </form>
    </main>`;
  }

  private renderCode() {
    const recovery = this.useRecovery;
    return html`<main>
      <form class="card" @submit=${this.submitCode} novalidate>
        <p class="brand">${t("app.name")}</p>
        <h1>${t("login.code.title")}</h1>
        <p id="code-intro">${recovery ? t("login.code.introRecovery") : t("login.code.intro")}</p>
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
        <div class="field">
          <label for="code">${recovery ? t("login.code.labelRecovery") : t("login.code.label")}</label>
          <input
            id="code"
            name="code"
            inputmode=${recovery ? "text" : "numeric"}
            autocomplete=${recovery ? "off" : "one-time-code"}
            autocapitalize="none"
            spellcheck="false"
            maxlength=${recovery ? 40 : 7}
            aria-describedby="code-intro"
            required
          />
        </div>
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? t("login.busy") : t("login.code.submit")}</button>
          <button type="button" class="secondary" ?disabled=${this.busy} @click=${this.toggleRecovery}>
            ${recovery ? t("login.code.useApp") : t("login.code.useRecovery")}
          </button>
          <button type="button" class="secondary" ?disabled=${this.busy} @click=${this.backToPassword}>${t("login.code.back")}</button>
        </div>
      </form>
    </main>`;
  }

  private toggleRecovery = async () => {
    this.useRecovery = !this.useRecovery;
    this.error = "";
    await this.updateComplete;
    this.codeField()?.focus();
  };

  private backToPassword = () => {
    this.#pending = undefined;
    this.codeStep = false;
    this.useRecovery = false;
    this.error = "";
  };

  private codeField(): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>("#code");
  }

  /** The password was right and the server wants the code: keep the first step's answers for it. */
  private async askForCode(pending: PendingLogin) {
    this.#pending = pending;
    this.codeStep = true;
    this.useRecovery = false;
    this.error = "";
    await this.updateComplete;
    this.codeField()?.focus();
  }

  private async submitCode(event: SubmitEvent) {
    event.preventDefault();
    const pending = this.#pending;
    const field = this.codeField();
    if (!pending || !field) return this.backToPassword();
    const code = secondFactorInput(field.value);
    if (!code) {
      this.error = t("login.code.missing");
      field.focus();
      return;
    }
    this.busy = true;
    this.error = "";
    try {
      await this.session.login(pending.username, pending.password, pending.previous, pending.discard, code);
      this.#pending = undefined;
    } catch (error) {
      if (error instanceof ConsoleRoleError) {
        // An admin or a privacy officer with a second factor: the console, not the tablet.
        this.backToPassword();
        this.consoleRole = true;
        this.error = t("login.useConsole");
        return;
      }
      if (error instanceof PreviousPasswordNeeded) {
        // The local data are still under an earlier password: ask for it, then the code again.
        this.backToPassword();
        this.needPrevious = true;
        return;
      }
      this.error = storeErrorMessage(error);
      if (refusedSecondFactor(error)) field.value = "";
      field.focus();
    } finally {
      this.busy = false;
    }
  }

  private fields(): { form: HTMLFormElement; username: string; password: string; previous?: string } {
    const form = this.renderRoot.querySelector("form") as HTMLFormElement;
    const data = new FormData(form);
    const previous = data.get("previous");
    return {
      form,
      username: String(data.get("username") ?? ""),
      password: String(data.get("password") ?? ""),
      previous: previous === null ? undefined : String(previous),
    };
  }

  private async openOffline() {
    const { form, username, password } = this.fields();
    await this.attempt(form, () => this.session.unlockOffline(username, password));
  }

  /** Logs in and replaces this tablet's copy of the user's data (the previous password is lost). */
  private async discard() {
    const { form, username, password } = this.fields();
    try {
      await this.attempt(form, () => this.session.login(username, password, undefined, true), true);
    } catch (error) {
      if (asksForSecondFactor(error)) await this.askForCode({ username, password, discard: true });
    }
  }

  private async submitUnlock(event: SubmitEvent) {
    event.preventDefault();
    const { form, password } = this.fields();
    await this.attempt(form, () => this.session.unlock(password));
  }

  /** Runs one attempt with the busy state; a failure is shown and the password field focused.
   *  `rethrowSecondFactor`: a `second_factor_required` answer is the caller's to handle. */
  private async attempt(form: HTMLFormElement, body: () => Promise<void>, rethrowSecondFactor = false) {
    this.busy = true;
    this.error = "";
    try {
      await body();
    } catch (error) {
      if (rethrowSecondFactor && asksForSecondFactor(error)) throw error;
      this.error = storeErrorMessage(error);
      (form.elements.namedItem("password") as HTMLInputElement | null)?.focus();
    } finally {
      this.busy = false;
    }
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const { form, username, password, previous } = this.fields();
    this.busy = true;
    this.error = "";
    this.offerOffline = false;
    const previousPassword = this.needPrevious ? previous : undefined;
    this.consoleRole = false;
    try {
      await this.session.login(username, password, previousPassword);
    } catch (error) {
      if (asksForSecondFactor(error)) {
        this.busy = false;
        await this.askForCode({ username, password, previous: previousPassword, discard: false });
        return;
      }
      if (error instanceof ConsoleRoleError) {
        this.consoleRole = true;
        this.error = t("login.useConsole");
        form.reset();
      } else if (error instanceof PreviousPasswordNeeded) {
        this.needPrevious = true;
      } else if (error instanceof ApiError && error.code === "network") {
        this.offerOffline = await this.session.canUnlockOffline(username).catch(() => false);
        this.error = this.offerOffline ? "" : t("login.offline.none");
      } else {
        this.error = storeErrorMessage(error);
      }
      (form.elements.namedItem("password") as HTMLInputElement | null)?.focus();
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "login-screen": LoginScreen;
  }
}
