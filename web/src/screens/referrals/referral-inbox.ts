// "Referrals to your service": what the desk sent to the social worker's areas — proposals to decide
// (newest first), the cases in charge, and the area's history (closed referrals, read-only) — arriving
// live as the index and the cases change. Each row opens the case (`#/caso/<id>`).
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import { formatRoute } from "../../app/router";
import type { UserSummary } from "../../data/api";
import { formatDateTime, language, t, tOr } from "../../i18n";
import { CatalogueController, catalogueInForce } from "../../model/catalogue-in-force";
import { areaLabel as labelOfArea } from "../../rules/catalogue";
import { shared } from "../../styles/shared";
import type { SyncView } from "../../sync/sync-client";
import type { Group, ReferralRow } from "./referral-rows";

const GROUPS: Group[] = ["to_decide", "in_charge", "history", "other"];

/** An area's label in the catalogue in force (the synced directory's), in the app's language. */
export function areaLabel(code: string): string {
  return labelOfArea(catalogueInForce.current, code, language());
}

@customElement("referral-inbox")
export class ReferralInbox extends LitElement {
  @property({ attribute: false }) rows: ReferralRow[] = [];
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) indexStatus: SyncView["index"]["status"] = "loading";
  @property({ attribute: false }) done = "";
  /** Re-renders when the catalogue in force changes (a label edited by an admin). */
  protected readonly catalogue = new CatalogueController(this);

  static override styles = [
    shared,
    css`
      .areas {
        color: var(--muted);
      }
      section {
        margin-block-end: 1.75rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        background: var(--surface);
        border: 1px solid var(--line);
        border-inline-start: 6px solid var(--line);
        border-radius: 10px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.25rem 1rem;
        align-items: center;
      }
      li[data-status="proposed"] {
        border-inline-start-color: var(--warn);
      }
      li[data-status="accepted"] {
        border-inline-start-color: var(--ok);
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
      .badge {
        font-weight: 700;
        padding-block: 0.2rem;
        padding-inline: 0.6rem;
        border-radius: 999px;
        border: 1px solid currentColor;
      }
      .badge[data-status="proposed"] {
        color: var(--warn);
        background: var(--warn-bg);
      }
      .badge[data-status="accepted"] {
        color: var(--ok);
        background: var(--ok-bg);
      }
      .badge[data-status="closed"],
      .badge[data-status="rejected"],
      .badge[data-status="cancelled"] {
        color: var(--muted);
      }
      .meta {
        grid-column: 1 / -1;
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1.25rem;
        color: var(--muted);
        margin: 0;
      }
      .reason {
        grid-column: 1 / -1;
        margin: 0;
        overflow-wrap: anywhere;
      }
      .empty {
        padding: 1.5rem;
        background: var(--surface);
        border: 1px dashed var(--line);
        border-radius: 8px;
      }
      .done {
        color: var(--ok);
        background: var(--ok-bg);
        border-inline-start: 4px solid var(--ok);
        padding-block: 0.6rem;
        padding-inline: 0.8rem;
        border-radius: 4px;
      }
      @media (max-width: 600px) {
        li {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  override render() {
    const areas = new Intl.ListFormat("it", { type: "conjunction" }).format(this.user.areas.map(areaLabel));
    return html`<h1>${t("worker.title")}</h1>
      <p class="areas">${t("worker.areas", { areas })}</p>
      <div role="status">${this.done ? html`<p class="done">${this.done}</p>` : ""}</div>
      ${this.rows.length === 0
        ? html`<p class="empty" data-index-status=${this.indexStatus}>
            ${this.indexStatus === "ready" ? t("worker.empty") : t("worker.loading")}
          </p>`
        : GROUPS.map(group => this.renderGroup(group))}`;
  }

  private renderGroup(group: Group) {
    const rows = this.rows.filter(row => row.group === group);
    if (rows.length === 0) return "";
    return html`<section aria-labelledby="group-${group}">
      <h2 id="group-${group}">${t(`worker.group.${group}`)} (${rows.length})</h2>
      <ul data-group=${group}>
        ${rows.map(row => this.renderRow(row))}
      </ul>
    </section>`;
  }

  private renderRow(row: ReferralRow) {
    const r = row.referral;
    const name = row.title || t("worker.noName");
    return html`<li data-case=${row.url} data-status=${r.status}>
      <a href=${formatRoute({ name: "case", documentId: row.documentId })}>${name}</a>
      <span class="badge" data-status=${r.status}>${tOr(`referral.status.${r.status}`, "status.none")}</span>
      ${r.reason ? html`<p class="reason">${t("worker.reason", { reason: r.reason })}</p>` : ""}
      <p class="meta">
        <span>${areaLabel(r.area)}</span>
        <span>${t("worker.proposedOn", { when: formatDateTime(r.createdAt) })}</span>
        ${r.decidedAt && r.status !== "proposed" ? html`<span>${t("worker.decidedOn", { when: formatDateTime(r.decidedAt) })}</span>` : ""}
      </p>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "referral-inbox": ReferralInbox;
  }
}
