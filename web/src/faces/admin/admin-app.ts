// Placeholder shell of the admin console (issue 11): login, then the sections of sections/sections.ts.
import { LitElement, html } from "lit";
import { customElement, state } from "lit/decorators.js";
import { unsafeStatic, html as staticHtml } from "lit/static-html.js";
import { createApi } from "../../data/api";
import { AdminClient } from "./admin-client";
import { SECTIONS } from "./sections/sections";

@customElement("sportello-admin")
export class SportelloAdmin extends LitElement {
  @state() private client?: AdminClient;
  @state() private section = SECTIONS[0].id;
  @state() private error = "";
  readonly #api = createApi();

  protected override createRenderRoot() {
    return this;
  }

  private async login(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      const tokens = await this.#api.login(String(form.get("username")), String(form.get("password")));
      this.client = new AdminClient({ api: this.#api, tokens, onSessionEnded: () => (this.client = undefined) });
    } catch (error) {
      this.error = String((error as Error).message);
    }
  }

  override render() {
    if (!this.client)
      return html`<main>
        <h1>Sportello — amministrazione</h1>
        <form @submit=${this.login}>
          <label>Utente <input name="username" autocomplete="username" required /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button>Accedi</button>
          <p role="alert">${this.error}</p>
        </form>
      </main>`;
    const current = SECTIONS.find(s => s.id === this.section) ?? SECTIONS[0];
    return html`<nav>
        ${SECTIONS.map(s => html`<button @click=${() => (this.section = s.id)} aria-current=${s.id === current.id ? "page" : "false"}>${s.label_it}</button>`)}
      </nav>
      <main>${staticHtml`<${unsafeStatic(current.tag)} .client=${this.client}></${unsafeStatic(current.tag)}>`}</main>`;
  }
}
