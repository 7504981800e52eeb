// The operator's work area under the shell: the cases at the desk, a new intake, or one case, by the
// route in the URL's hash (app/router.ts). Light DOM would leak styles; it has its own shadow root.
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { UserSummary } from "../../data/api";
import { currentRoute, startIntake, type Route } from "../../app/router";
import { t } from "../../i18n";
import type { AuthorBook } from "../../model/authors";
import type { CaseLibrary, CaseRow } from "../../model/case-library";
import { shared } from "../../styles/shared";
import type { SyncView } from "../../sync/sync-client";
import "./case-list";
import "../intake/intake-form";

@customElement("case-desk")
export class CaseDesk extends LitElement {
  @property({ attribute: false }) library?: CaseLibrary;
  @property({ attribute: false }) authors?: AuthorBook;
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) indexStatus: SyncView["index"]["status"] = "loading";
  @state() private route: Route = currentRoute();
  @state() private rows: CaseRow[] = [];
  #unsubscribe?: () => void;
  #subscribedTo?: CaseLibrary;

  static override styles = [
    shared,
    css`
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.75rem 1.5rem;
        margin-block-end: 1rem;
      }
      .head h1 {
        margin: 0;
      }
    `,
  ];

  #onHash = () => {
    this.route = currentRoute();
    if (this.route.name === "cases" && this.library) this.rows = this.library.rows();
  };

  override connectedCallback() {
    super.connectedCallback();
    addEventListener("hashchange", this.#onHash);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener("hashchange", this.#onHash);
    cancelAnimationFrame(this.#rowsFrame);
    this.#rowsFrame = 0;
    this.#unsubscribe?.();
    this.#subscribedTo = undefined;
  }

  protected override willUpdate() {
    if (this.library && this.library !== this.#subscribedTo) {
      this.#unsubscribe?.();
      this.#subscribedTo = this.library;
      const library = this.library;
      this.#unsubscribe = library.subscribe(() => this.#scheduleRows());
      this.rows = library.rows();
    }
  }

  #rowsFrame = 0;
  /**
   * The list follows the library at most once a frame, and only while it is shown: at start the library
   * changes once per case opened (1,000 times), and while a case is edited once per keystroke.
   */
  #scheduleRows() {
    if (this.#rowsFrame || this.route.name !== "cases") return;
    this.#rowsFrame = requestAnimationFrame(() => {
      this.#rowsFrame = 0;
      if (this.library && this.route.name === "cases") this.rows = this.library.rows();
    });
  }

  override render() {
    const route = this.route;
    if (route.name !== "cases" && this.library) {
      return html`<intake-form .library=${this.library} .authors=${this.authors} .route=${route} .user=${this.user}></intake-form>`;
    }
    return html`<div class="head">
        <h1>${t("cases.title")}</h1>
        ${this.user.role === "operator" ? html`<button type="button" @click=${() => startIntake()}>${t("desk.new")}</button>` : ""}
      </div>
      <case-list .rows=${this.rows} .indexStatus=${this.indexStatus}></case-list>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "case-desk": CaseDesk;
  }
}
