// Two (or more) values of one field written concurrently, e.g. the phone number changed on two tablets
// while offline: Automerge keeps both, shows one, and this panel shows them all with who wrote each, and
// lets the user keep one (writing it resolves the conflict everywhere). Sends `keep` with the value.
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import { t } from "../../i18n";
import type { ConflictValue } from "../../model/case-doc";
import { shared } from "../../styles/shared";

export interface ConflictKeepDetail {
  value: string;
}

@customElement("conflict-choice")
export class ConflictChoice extends LitElement {
  @property({ attribute: false }) values: ConflictValue[] = [];
  /** How to show a value (e.g. a sex code as a word). */
  @property({ attribute: false }) display: (value: string) => string = value => value;
  /** The name of the user who wrote under an actor id, when known. */
  @property({ attribute: false }) authorOf: (actor: string) => string | undefined = () => undefined;
  @property() label = "";

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        margin-block: 0.5rem 1rem;
      }
      .box {
        border: 2px solid var(--warn);
        background: var(--warn-bg);
        border-radius: 8px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
      }
      .title {
        margin: 0 0 0.25rem;
        font-weight: 700;
        color: var(--warn);
      }
      ul {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
      }
      p {
        margin: 0;
      }
    `,
  ];

  private who(value: ConflictValue): string {
    if (value.mine) return t("intake.conflict.mine");
    const name = this.authorOf(value.actor);
    return name ? t("intake.conflict.user", { name }) : t("intake.conflict.other");
  }

  override render() {
    return html`<div class="box" role="group" aria-label=${t("intake.conflict.group", { field: this.label })} data-conflict>
      <p class="title">${t("intake.conflict.title")}</p>
      <p>${t("intake.conflict.help")}</p>
      <ul>
        ${this.values.map(
          value => html`<li data-conflict-value=${value.value}>
            <span>${t("intake.conflict.value", { value: value.value ? this.display(value.value) : t("intake.conflict.empty"), who: this.who(value) })}</span>
            <button
              type="button"
              class="secondary"
              @click=${() => this.dispatchEvent(new CustomEvent<ConflictKeepDetail>("keep", { detail: { value: value.value } }))}
            >
              ${t("intake.conflict.keepValue", { value: value.value ? this.display(value.value) : t("intake.conflict.empty") })}
            </button>
          </li>`,
        )}
      </ul>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "conflict-choice": ConflictChoice;
  }
}
