// The signed-in frame: who is signed in, the sync state, log out, and the current view (`case-desk`: the
// cases at the desk, a new intake or one case), and above it the operators' queue panel. Later parts add
// the social workers' views.
import { LitElement, css, html } from "lit";
import { nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { SessionTokens } from "../../data/api";
import type { Session } from "../../data/session";
import type { SyncClient, SyncView } from "../../sync/sync-client";
import { t, tOr } from "../../i18n";
import { shared } from "../../styles/shared";
import type { AuthorBook } from "../../model/authors";
import type { CaseLibrary } from "../../model/case-library";
import "../cases/case-desk";
import "../queue/queue-panel";
import "../referrals/referral-desk";
import "./connection-status";

@customElement("app-shell")
export class AppShell extends LitElement {
  @property({ attribute: false }) session!: Session;
  @property({ attribute: false }) tokens!: SessionTokens;
  @property({ attribute: false }) view!: SyncView;
  @property({ attribute: false }) cases?: CaseLibrary;
  @property({ attribute: false }) authors?: AuthorBook;
  @property({ attribute: false }) sync?: SyncClient;

  static override styles = [
    shared,
    css`
      header {
        display: grid;
        grid-template-columns: 1fr auto;
        grid-template-areas:
          "brand who"
          "status status";
        gap: 0.5rem 1.5rem;
        align-items: center;
        padding-block: 0.75rem;
        padding-inline: 1.5rem;
        background: var(--surface);
        border-block-end: 1px solid var(--line);
      }
      @media (min-width: 1100px) {
        header {
          grid-template-columns: auto 1fr auto;
          grid-template-areas: "brand status who";
        }
        connection-status {
          justify-content: center;
        }
      }
      connection-status {
        grid-area: status;
        min-inline-size: 0;
      }
      .who {
        grid-area: who;
      }
      .brand {
        grid-area: brand;
        font-size: 1.2rem;
        font-weight: 700;
        color: var(--accent);
        margin: 0;
      }
      .who {
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      .who p {
        margin: 0;
        color: var(--muted);
      }
      main {
        padding-block: 1.5rem;
        padding-inline: 1.5rem;
        max-inline-size: 72rem;
        margin-inline: auto;
      }
      @media (max-width: 600px) {
        header {
          grid-template-columns: minmax(0, 1fr);
          grid-template-areas:
            "brand"
            "who"
            "status";
          padding-inline: 1rem;
        }
        main {
          padding-inline: 1rem;
        }
      }
    `,
  ];

  override render() {
    const user = this.tokens.user;
    return html`<header>
        <p class="brand">${t("app.name")}</p>
        <connection-status .view=${this.view} aria-label=${t("shell.status")}></connection-status>
        <div class="who">
          <p>${t("shell.signedInAs", { name: user.display_name, role: tOr(`role.${user.role}`, "status.none") })}</p>
          <button type="button" class="secondary" @click=${() => this.session.logout()}>${t("shell.logout")}</button>
        </div>
      </header>
      <main>
        ${user.role === "operator" ? html`<queue-panel .session=${this.session}></queue-panel>` : nothing}
        ${user.role === "social_worker"
          ? html`<referral-desk .library=${this.cases} .sync=${this.sync} .user=${user} .indexStatus=${this.view.index.status}></referral-desk>`
          : html`<case-desk .library=${this.cases} .authors=${this.authors} .user=${user} .indexStatus=${this.view.index.status}></case-desk>`}
      </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "app-shell": AppShell;
  }
}
