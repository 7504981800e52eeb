// Log in: username and password, then the session decides where to go (password change or the shell).
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { Session } from "../../data/session";
import { errorMessage } from "../../data/errors";
import { t, type MessageKey } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("login-screen")
export class LoginScreen extends LitElement {
  @property({ attribute: false }) session!: Session;
  /** Why the user is here again (the session ended), shown above the form. */
  @property({ attribute: false }) notice?: MessageKey;
  @state() private busy = false;
  @state() private error = "";

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
    `,
  ];

  override render() {
    return html`<main>
      <form class="card" @submit=${this.submit} novalidate>
        <p class="brand">${t("app.name")}</p>
        <h1>${t("login.title")}</h1>
        <p>${t("login.intro")}</p>
        ${this.notice && !this.error ? html`<p class="error" role="status">${t(this.notice)}</p>` : ""}
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
        <div class="field">
          <label for="username">${t("login.username")}</label>
          <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required />
        </div>
        <div class="field">
          <label for="password">${t("login.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? t("login.busy") : t("login.submit")}</button>
      </form>
    </main>`;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    this.busy = true;
    this.error = "";
    try {
      await this.session.login(String(data.get("username") ?? ""), String(data.get("password") ?? ""));
    } catch (error) {
      this.error = errorMessage(error);
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
