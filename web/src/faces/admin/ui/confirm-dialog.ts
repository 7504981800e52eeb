// A confirmation asked before something that cannot be undone at once (disable, revoke, end sessions): a
// native modal <dialog> (focus kept inside, Escape cancels), answered as a promise.
import { LitElement, html } from "lit";
import { customElement, query, state } from "lit/decorators.js";
import { LanguageController, m } from "../messages";
import { consoleStyles } from "./styles";

export interface Question {
  title: string;
  body: string;
  confirm: string;
  danger?: boolean;
}

@customElement("admin-confirm")
export class AdminConfirm extends LitElement {
  @state() private question?: Question;
  @query("dialog") private dialog!: HTMLDialogElement;
  #answer?: (yes: boolean) => void;

  static override styles = [...consoleStyles];

  constructor() {
    super();
    new LanguageController(this);
  }

  /** Shows the question; resolves true when confirmed, false when cancelled or dismissed. */
  async ask(question: Question): Promise<boolean> {
    this.#answer?.(false);
    this.question = question;
    await this.updateComplete;
    this.dialog.showModal();
    return new Promise(resolve => (this.#answer = resolve));
  }

  override render() {
    const q = this.question;
    return html`<dialog aria-labelledby="confirm-title" aria-describedby="confirm-body" @close=${this.closed}>
      ${q
        ? html`<h2 id="confirm-title">${q.title}</h2>
            <p id="confirm-body">${q.body}</p>
            <form method="dialog" class="dialog-actions">
              <button value="no" class="secondary" autofocus>${m("common.cancel")}</button>
              <button value="yes" class=${q.danger ? "danger" : ""}>${q.confirm}</button>
            </form>`
        : ""}
    </dialog>`;
  }

  private closed() {
    const yes = this.dialog.returnValue === "yes";
    this.dialog.returnValue = "";
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.(yes);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-confirm": AdminConfirm;
  }
}
