// A secret shown once (a part of a one-time password, a device credential): a read-only field, a copy
// button, and the warning that it will not be shown again. The value lives only in this element: it is never
// logged or put in a URL, and it goes when the admin closes the panel.
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { LanguageController, m } from "../messages";
import { consoleStyles } from "./styles";

let serial = 0;

@customElement("admin-copy-once")
export class AdminCopyOnce extends LitElement {
  @property() label = "";
  @property() value = "";
  /** Show the "shown only now" warning (off for a value that is not secret, such as a link). */
  @property({ type: Boolean }) warn = false;
  @state() private status: "" | "copied" | "failed" = "";
  readonly #id = `copy-${++serial}`;

  static override styles = [
    ...consoleStyles,
    css`
      .row {
        display: flex;
        gap: 0.5rem;
      }
      .row input {
        flex: 1;
        min-inline-size: 0;
      }
      .warning {
        margin-block: 0.5rem 0;
      }
      .hint:empty {
        display: none;
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override render() {
    return html`<div class="field">
      <label for=${this.#id}>${this.label}</label>
      <div class="row">
        <input
          id=${this.#id}
          readonly
          .value=${this.value}
          spellcheck="false"
          autocomplete="off"
          @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()}
          aria-describedby=${this.warn ? `${this.#id}-warn` : ""}
        />
        <button type="button" class="secondary" @click=${this.copy}>${m("common.copy")}</button>
      </div>
      ${this.warn ? html`<p class="warning" id="${this.#id}-warn">${m("common.onceWarning")}</p>` : ""}
      <p role="status" class="hint">${this.status === "copied" ? m("common.copied") : this.status === "failed" ? m("common.copyFailed") : ""}</p>
    </div>`;
  }

  private async copy() {
    try {
      await navigator.clipboard.writeText(this.value);
      this.status = "copied";
    } catch {
      // No clipboard permission (an old browser, an insecure origin): select it for a manual copy.
      const input = this.renderRoot.querySelector("input");
      input?.focus();
      input?.select();
      this.status = "failed";
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-copy-once": AdminCopyOnce;
  }
}
