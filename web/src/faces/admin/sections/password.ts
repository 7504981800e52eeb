// The signed-in user's own password (`POST /api/v1/me/password`, docs/api.md §3.3): current, new, repeated.
// The server ends the account's other sessions and answers a new pair of tokens, which the console's client
// keeps (admin-client.ts). The only account screen a privacy officer has besides its own sections.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";
import { errorText, LanguageController, m } from "../messages";
import { consoleStyles } from "../ui/styles";
import { pm } from "./privacy-messages";

@customElement("admin-password")
export class AdminPassword extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private busy = false;
  @state() private error = "";
  @state() private notice = "";

  static override styles = [
    ...consoleStyles,
    css`
      form.card {
        max-inline-size: 32rem;
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override render() {
    return html`<h2>${pm("password.title")}</h2>
      <p class="intro">${pm("password.intro")}</p>
      <form class="card" @submit=${this.submit} novalidate>
        <div class="field">
          <label for="own-username">${m("login.username")}</label>
          <input id="own-username" name="username" autocomplete="username" readonly value=${this.client?.user.username ?? ""} />
        </div>
        <div class="field">
          <label for="current-password">${pm("password.current")}</label>
          <input id="current-password" name="current" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="own-new-password">${pm("password.new")}</label>
          <input id="own-new-password" name="next" type="password" autocomplete="new-password" required minlength="12" />
        </div>
        <div class="field">
          <label for="own-repeat-password">${pm("password.repeat")}</label>
          <input id="own-repeat-password" name="repeat" type="password" autocomplete="new-password" required minlength="12" />
        </div>
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
        <div role="status">${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}</div>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? pm("password.busy") : pm("password.submit")}</button>
      </form>`;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    if (!client) return;
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const current = String(data.get("current") ?? "");
    const next = String(data.get("next") ?? "");
    this.notice = "";
    if (next !== String(data.get("repeat") ?? "")) {
      this.error = pm("password.mismatch");
      return;
    }
    this.busy = true;
    this.error = "";
    try {
      await client.changePassword(current, next);
      form.reset();
      this.notice = pm("password.done");
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-password": AdminPassword;
  }
}
