// The forced change of a one-time password. The server answers every other route with 403
// `password_change_required` until this succeeds; its answer is a new token pair (the old token is dead).
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { Session } from "../../data/session";
import { errorMessage } from "../../data/errors";
import { t } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("password-change-screen")
export class PasswordChangeScreen extends LitElement {
  @property({ attribute: false }) session!: Session;
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
        inline-size: min(100%, 32rem);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        justify-content: space-between;
      }
    `,
  ];

  override render() {
    return html`<main>
      <form class="card" @submit=${this.submit} novalidate>
        <h1>${t("password.title")}</h1>
        <p>${t("password.intro")}</p>
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
        <div class="field">
          <label for="current">${t("password.current")}</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="new">${t("password.new")}</label>
          <input id="new" name="new" type="password" autocomplete="new-password" minlength="12" required aria-describedby="new-hint" />
          <span class="hint" id="new-hint">${t("password.newHint")}</span>
        </div>
        <div class="field">
          <label for="confirm">${t("password.confirm")}</label>
          <input id="confirm" name="confirm" type="password" autocomplete="new-password" required />
        </div>
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? t("password.busy") : t("password.submit")}</button>
          <button type="button" class="secondary" @click=${() => this.session.logout()}>${t("password.cancel")}</button>
        </div>
      </form>
    </main>`;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const current = String(data.get("current") ?? "");
    const next = String(data.get("new") ?? "");
    if (next !== String(data.get("confirm") ?? "")) {
      this.error = t("password.mismatch");
      return;
    }
    this.busy = true;
    this.error = "";
    try {
      await this.session.changePassword(current, next);
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "password-change-screen": PasswordChangeScreen;
  }
}
