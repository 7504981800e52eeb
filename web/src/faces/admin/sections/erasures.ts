// The erasure requests (docs/api.md, "The citizen's rights"): pending ones first (or all), each with its case,
// reason, reference, who asked and until when; a second privacy officer approves (after a confirmation) or
// rejects. The requester sees no Approve button but the reason why; the server's refusals (self approval,
// expired, already decided, no other officer) are explained in words. After an approval, the ids of the
// documents the server erased are listed.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";
import { ApiError } from "../../../data/api";
import { adminLanguage, formatDateTime, LanguageController, m } from "../messages";
import type { AdminConfirm } from "../ui/confirm-dialog";
import "../ui/confirm-dialog";
import { consoleStyles } from "../ui/styles";
import { pm, privacyErrorText, type PrivacyKey } from "./privacy-messages";
import { erasureBlock, reasonLabel, type ErasureRequest } from "./privacy-model";

@customElement("admin-erasures")
export class AdminErasures extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private status: "pending" | "all" = "pending";
  @state() private requests: ErasureRequest[] = [];
  @state() private loading = true;
  @state() private busy = false;
  @state() private error = "";
  @state() private notice = "";
  @state() private erased?: { caseId: string; ids: string[] };
  @query("admin-confirm") private confirm!: AdminConfirm;

  static override styles = [
    ...consoleStyles,
    css`
      .toolbar-erasures {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
        margin-block-end: 1rem;
      }
      .toolbar-erasures .field {
        margin: 0;
        min-inline-size: 12rem;
      }
      td.nowrap {
        white-space: nowrap;
      }
      .row-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .block {
        color: var(--muted);
        font-size: 0.9rem;
        margin: 0.25rem 0 0;
        max-inline-size: 18rem;
      }
      ul.erased {
        margin: 0.25rem 0 0;
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    const client = this.client;
    if (!client) return;
    this.loading = true;
    try {
      const answer = await client.get<{ requests: ErasureRequest[] }>(`/privacy/erasures?status=${this.status}`);
      this.requests = answer.requests;
    } catch (error) {
      this.error = privacyErrorText(error);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    return html`<h2>${pm("erasures.title")}</h2>
      <p class="intro">${pm("erasures.intro")}</p>
      <div class="toolbar-erasures">
        <div class="field">
          <label for="erasure-status">${pm("erasures.show")}</label>
          <select
            id="erasure-status"
            @change=${(e: Event) => {
              this.status = (e.target as HTMLSelectElement).value as "pending" | "all";
              void this.load();
            }}
          >
            <option value="pending" ?selected=${this.status === "pending"}>${pm("erasures.pending")}</option>
            <option value="all" ?selected=${this.status === "all"}>${pm("erasures.all")}</option>
          </select>
        </div>
        <button type="button" class="secondary" ?disabled=${this.loading} @click=${() => this.load()}>${m("common.refresh")}</button>
      </div>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <div role="status">
        ${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}
        ${this.erased
          ? html`<div class="notice" data-erased=${this.erased.caseId}>
              ${pm("erasures.approved")}
              <ul class="erased">
                ${this.erased.ids.map(id => html`<li class="mono" data-erased-id=${id}>${id}</li>`)}
              </ul>
            </div>`
          : nothing}
      </div>
      ${this.loading ? html`<p>${m("common.loading")}</p>` : this.renderTable()}
      <admin-confirm></admin-confirm>`;
  }

  private renderTable() {
    if (this.requests.length === 0)
      return html`<p class="empty card" data-erasures="0">${pm(this.status === "pending" ? "erasures.empty.pending" : "erasures.empty.all")}</p>`;
    const me = this.client?.user.id ?? "";
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${pm("erasures.title")}>
      <table data-erasures=${this.requests.length}>
        <thead>
          <tr>
            <th scope="col">${pm("erasures.col.case")}</th>
            <th scope="col">${pm("erasures.col.reason")}</th>
            <th scope="col">${pm("erasures.col.requested")}</th>
            <th scope="col">${pm("erasures.col.status")}</th>
            <th scope="col">${pm("erasures.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          ${this.requests.map(r => this.renderRow(r, me))}
        </tbody>
      </table>
    </div>`;
  }

  private renderRow(r: ErasureRequest, me: string) {
    const block = erasureBlock(r, me);
    const badge = r.status === "approved" ? "ok" : r.status === "pending" ? "warn" : "bad";
    return html`<tr data-request=${r.id} data-case=${r.case_id} data-status=${r.status}>
      <td class="mono">${r.case_id}</td>
      <td>
        ${reasonLabel(r.reason, adminLanguage())}
        ${r.reference ? html`<span class="sub">${r.reference}</span>` : nothing}
      </td>
      <td class="nowrap">
        ${formatDateTime(r.requested_at)}
        <span class="sub">${r.requested_by === me ? pm("erasures.byYou") : pm("erasures.byOther")}</span>
      </td>
      <td>
        <span class="badge ${badge}">${pm(`erasures.status.${r.status}` as PrivacyKey)}</span>
        <span class="sub">
          ${r.status === "pending" ? pm("erasures.expires", { at: formatDateTime(r.expires_at) }) : r.decided_at ? pm("erasures.decidedAt", { at: formatDateTime(r.decided_at) }) : nothing}
        </span>
      </td>
      <td>
        ${r.status === "pending"
          ? html`<div class="row-actions">
                ${block === undefined
                  ? html`<button type="button" class="small danger" data-approve ?disabled=${this.busy} aria-label=${pm("erasures.approveLabel", { id: r.case_id })} @click=${() => this.approve(r)}>
                      ${pm("erasures.approve")}
                    </button>`
                  : nothing}
                <button type="button" class="small secondary" data-reject ?disabled=${this.busy} aria-label=${pm("erasures.rejectLabel", { id: r.case_id })} @click=${() => this.reject(r)}>
                  ${pm("erasures.reject")}
                </button>
              </div>
              ${block === "own" ? html`<p class="block" data-block="own">${pm("erasures.block.own")}</p>` : nothing}`
          : nothing}
      </td>
    </tr>`;
  }

  private async approve(r: ErasureRequest) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: pm("erasures.approveTitle", { id: r.case_id }),
      body: pm("erasures.approveBody"),
      confirm: pm("erasures.approveConfirm"),
      danger: true,
    });
    if (!yes) return;
    await this.decide(async () => {
      const answer = await client.post<{ request: ErasureRequest; erased_documents: string[] }>(`/privacy/erasures/${encodeURIComponent(r.id)}/approve`);
      this.erased = { caseId: r.case_id, ids: answer.erased_documents };
    });
  }

  private async reject(r: ErasureRequest) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: pm("erasures.rejectTitle", { id: r.case_id }),
      body: pm("erasures.rejectBody"),
      confirm: pm("erasures.rejectConfirm"),
    });
    if (!yes) return;
    await this.decide(async () => {
      await client.post(`/privacy/erasures/${encodeURIComponent(r.id)}/reject`);
      this.notice = pm("erasures.rejected", { id: r.case_id });
    });
  }

  private async decide(call: () => Promise<void>) {
    this.busy = true;
    this.error = "";
    this.notice = "";
    this.erased = undefined;
    try {
      await call();
    } catch (error) {
      this.error = privacyErrorText(error);
      // Decided or expired elsewhere: the list is out of date.
      if (!(error instanceof ApiError && error.status === 409)) return;
    } finally {
      this.busy = false;
    }
    await this.load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-erasures": AdminErasures;
  }
}
