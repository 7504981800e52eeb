// The screen after a remote wipe (issue 12): an admin marked a session of this tablet lost, and the app
// deleted that user's local data. It says so plainly and leads back to the sign-in screen.
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { Session } from "../../data/session";
import { t } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("wiped-screen")
export class WipedScreen extends LitElement {
  @property({ attribute: false }) session!: Session;

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
        border-inline-start: 6px solid var(--danger);
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
      <section class="card" role="alert" aria-labelledby="wiped-title">
        <p class="brand">${t("app.name")}</p>
        <h1 id="wiped-title">${t("lifecycle.wiped.title")}</h1>
        <p id="wiped-body">${t("lifecycle.wiped.body")}</p>
        <button type="button" @click=${() => this.session.acknowledgeWipe()}>${t("lifecycle.wiped.continue")}</button>
      </section>
    </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "wiped-screen": WipedScreen;
  }
}
