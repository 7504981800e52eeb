// "Cases at the desk": the user's index and the cases created on this tablet, searchable as you type by
// name or codice fiscale, each with its status and where its changes are (only on this tablet, saved on
// the server, refused with the reason). Opening one goes to `#/caso/<id>`.
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { documentIdOf, formatRoute } from "../../app/router";
import { formatDateTime, language, t, tOr } from "../../i18n";
import type { CaseRow } from "../../model/case-library";
import { searchCases } from "../../model/case-search";
import { shared } from "../../styles/shared";
import type { SyncView } from "../../sync/sync-client";
import "./save-badge";

/** Rows rendered at once (more than a tablet's screen holds), and added at each following frame. */
const FIRST_ROWS = 40;
const MORE_ROWS = 120;

@customElement("case-list")
export class CaseList extends LitElement {
  @property({ attribute: false }) rows: CaseRow[] = [];
  @property({ attribute: false }) indexStatus: SyncView["index"]["status"] = "loading";
  @state() private query = "";
  /** How many of the matches are in the page: the first screenful at once, the rest a frame at a time. */
  @state() private shown = FIRST_ROWS;
  #growFrame = 0;
  #matchCount = 0;

  static override styles = [
    shared,
    css`
      .search {
        max-inline-size: 36rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        /* Rows out of view are not laid out or painted (1,000 cases). */
        content-visibility: auto;
        contain-intrinsic-size: auto 6rem;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 10px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.25rem 1rem;
        align-items: center;
      }
      a {
        display: inline-flex;
        align-items: center;
        min-block-size: 44px;
        min-inline-size: 44px;
        font-size: 1.15rem;
        font-weight: 700;
        color: var(--accent);
      }
      .meta {
        grid-column: 1 / -1;
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1.25rem;
        color: var(--muted);
        margin: 0;
      }
      .status {
        font-weight: 600;
        color: var(--ink);
      }
      .count {
        color: var(--muted);
        margin-block: 0 0.5rem;
      }
      .empty {
        padding: 1.5rem;
        background: var(--surface);
        border: 1px dashed var(--line);
        border-radius: 8px;
      }
      @media (max-width: 600px) {
        li {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  override render() {
    const matches = searchCases(this.rows, this.query);
    this.#matchCount = matches.length;
    const form = new Intl.PluralRules(language()).select(matches.length) === "one" ? "one" : "other";
    return html`<div class="field search">
        <label for="search">${t("desk.search")}</label>
        <input
          id="search"
          type="search"
          autocomplete="off"
          spellcheck="false"
          aria-describedby="search-hint"
          .value=${this.query}
          @input=${(e: Event) => {
            this.query = (e.target as HTMLInputElement).value;
            this.shown = FIRST_ROWS;
          }}
        />
        <span class="hint" id="search-hint">${t("desk.searchHint")}</span>
      </div>
      ${this.rows.length === 0
        ? html`<p class="empty" role="status" data-index-status=${this.indexStatus}>
            ${this.indexStatus === "loading"
              ? t("cases.loading")
              : this.indexStatus === "unavailable"
                ? t("cases.unavailable")
                : t("cases.empty")}
          </p>`
        : html`<p class="count" role="status" data-index-status=${this.indexStatus}>${t(`desk.found.${form}`, { count: matches.length })}</p>
            ${matches.length === 0
              ? html`<p class="empty">${t("desk.noMatch")}</p>`
              : html`<ul aria-label=${t("cases.title")}>
                  ${matches.slice(0, this.shown).map(row => this.renderRow(row))}
                </ul>`}`}`;
  }

  protected override updated() {
    // More matches than rows in the page: add the next ones at the next frame (the page stays responsive
    // while a list of 1,000 cases fills in; the count above says how many there are).
    if (this.#growFrame === 0 && this.shown < this.#matchCount) {
      this.#growFrame = requestAnimationFrame(() => {
        this.#growFrame = 0;
        this.shown += MORE_ROWS;
      });
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    cancelAnimationFrame(this.#growFrame);
    this.#growFrame = 0;
  }

  private renderRow(row: CaseRow) {
    return html`<li data-case=${row.url} data-save=${row.save}>
      <a href=${formatRoute({ name: "case", documentId: documentIdOf(row.url) })}>${row.title || t("desk.noName")}</a>
      <save-badge .state=${row.save} .refusal=${row.refusal}></save-badge>
      <p class="meta">
        <span class="status">${row.status ? tOr(`status.${row.status}`, "status.none") : t("status.none")}</span>
        ${row.fiscalCode ? html`<span>${t("desk.fiscalCode", { code: row.fiscalCode })}</span>` : ""}
        ${row.updatedAt ? html`<span>${t("desk.updated", { when: formatDateTime(row.updatedAt) })}</span>` : ""}
      </p>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "case-list": CaseList;
  }
}
