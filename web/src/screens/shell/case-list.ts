// "Cases at the desk": the case entries of the user's index document, live as the server updates it.
// Search, the per-case local/saved/refused state and opening a case come in later parts.
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { SyncView } from "../../sync/sync-client";
import { formatDateTime, t, tCount, tOr } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("case-list")
export class CaseList extends LitElement {
  @property({ attribute: false }) index!: SyncView["index"];

  static override styles = [
    shared,
    css`
      .table-wrap {
        overflow-x: auto;
      }
      table {
        inline-size: 100%;
        border-collapse: collapse;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 8px;
      }
      caption {
        text-align: start;
        color: var(--muted);
        padding-block-end: 0.5rem;
      }
      th,
      td {
        text-align: start;
        padding-block: 0.75rem;
        padding-inline: 1rem;
        border-block-end: 1px solid var(--line);
        min-block-size: 44px;
      }
      th {
        background: var(--page);
        font-size: 0.95rem;
      }
      .empty {
        padding: 1.5rem;
        background: var(--surface);
        border: 1px dashed var(--line);
        border-radius: 8px;
      }
    `,
  ];

  override render() {
    const { status, entries } = this.index;
    if (entries.length === 0) {
      const message =
        status === "loading" ? t("cases.loading") : status === "unavailable" ? t("cases.unavailable") : t("cases.empty");
      return html`<p class="empty" role="status" data-index-status=${status}>${message}</p>`;
    }
    return html`<div class="table-wrap">
      <table data-index-status=${status}>
        <caption>
          ${tCount("cases.count", entries.length)}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t("cases.column.title")}</th>
            <th scope="col">${t("cases.column.kind")}</th>
            <th scope="col">${t("cases.column.status")}</th>
            <th scope="col">${t("cases.column.updated")}</th>
          </tr>
        </thead>
        <tbody>
          ${entries.map(
            entry => html`<tr data-url=${entry.url}>
              <td>${entry.title}</td>
              <td>${tOr(`kind.${entry.kind}`, "status.none")}</td>
              <td>${entry.status ? tOr(`status.${entry.status}`, "status.none") : t("status.none")}</td>
              <td>${formatDateTime(entry.updatedAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "case-list": CaseList;
  }
}
