// Where a case's changes are, in words and colour: only on this tablet, waiting, saved on the server,
// refused (with the reason in plain words).
import { LitElement, css, html, nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import { language, t } from "../../i18n";
import type { Refusal, SaveState } from "../../model/save-state";
import { refusalMessage } from "../intake/messages";

@customElement("save-badge")
export class SaveBadge extends LitElement {
  @property() state: SaveState = "local";
  @property({ attribute: false }) refusal?: Refusal;

  static override styles = css`
    :host {
      display: inline-block;
    }
    .badge {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      padding-block: 0.2rem;
      padding-inline: 0.6rem;
      border-radius: 999px;
      font-size: 0.95rem;
      font-weight: 600;
      border: 1px solid currentColor;
    }
    .badge::before {
      content: "";
      inline-size: 0.6rem;
      block-size: 0.6rem;
      border-radius: 50%;
      background: currentColor;
    }
    .local {
      color: var(--warn);
      background: var(--warn-bg);
    }
    .pending {
      color: var(--warn);
      background: var(--warn-bg);
    }
    .saved {
      color: var(--ok);
      background: var(--ok-bg);
    }
    .refused {
      color: var(--danger);
      background: var(--danger-bg);
    }
    p {
      margin-block: 0.3rem 0;
      color: var(--danger);
    }
  `;

  override render() {
    return html`<span class="badge ${this.state}" data-save=${this.state}>${t(`save.${this.state}`)}</span>${this.state ===
      "refused" && this.refusal
      ? html`<p>${refusalMessage(this.refusal, language())}</p>`
      : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "save-badge": SaveBadge;
  }
}
