// The audit log (docs/api.md §3.7, §6): filters (who, action, target, outcome, time range), the rows newest
// first with user and device names beside their ids, older pages on demand, and the CSV of every row the
// filters match (built here: the server has no CSV of the log; audit-model.ts, ui/csv.ts).
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";
import type { AuditEntry, AuditPage, DeviceInfo, UserAccount } from "../api-types";
import { errorText, formatDateTime, LanguageController, m, mOr, type MessageKey } from "../messages";
import { downloadText, timestampedName } from "../ui/download";
import { consoleStyles } from "../ui/styles";
import { AUDIT_ACTIONS, auditCsv, auditQuery, badRange, NO_FILTERS, targetName, type AuditFilters } from "./audit-model";

const PAGE = 100;
/** The most rows one CSV holds (at 500 a request). */
export const CSV_MAX = 10_000;

@customElement("admin-audit")
export class AdminAudit extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private filters: AuditFilters = { ...NO_FILTERS };
  /** The filters of the rows shown (the form may have changed since). */
  @state() private applied: AuditFilters = { ...NO_FILTERS };
  @state() private entries: AuditEntry[] = [];
  @state() private nextBefore: number | null = null;
  /** The search's moment: the CSV leaves out rows written after it (the console's own reads among them). */
  #snapshot: number | null = null;
  @state() private loading = true;
  @state() private error = "";
  @state() private notice = "";
  @state() private busy = false;
  @state() private users: UserAccount[] = [];
  @state() private devices: DeviceInfo[] = [];

  static override styles = [
    ...consoleStyles,
    css`
      form.filters {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 14rem), 1fr));
        gap: 0 1rem;
        align-items: end;
      }
      form.filters .actions {
        grid-column: 1 / -1;
      }
      .summary {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: center;
        justify-content: space-between;
        margin-block-end: 0.75rem;
      }
      .summary p {
        margin: 0;
      }
      td.when,
      td.action {
        white-space: nowrap;
      }
      td.request {
        max-inline-size: 9rem;
        word-break: break-all;
        font-size: 0.78rem;
        color: var(--muted);
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  private async start() {
    const client = this.client;
    if (!client) return;
    try {
      // The names beside the ids; the log itself holds none (§6.1).
      const [users, devices] = await Promise.all([client.get<UserAccount[]>("/admin/users"), client.get<DeviceInfo[]>("/admin/devices")]);
      this.users = users;
      this.devices = devices;
    } catch (error) {
      this.error = errorText(error);
    }
    await this.search();
  }

  readonly nameOf = (id: string): string | undefined =>
    this.users.find(u => u.id === id)?.username ?? this.devices.find(d => d.id === id)?.name;

  private async search() {
    const client = this.client;
    if (!client) return;
    if (badRange(this.filters)) {
      this.error = m("audit.badRange");
      return;
    }
    this.loading = true;
    this.error = "";
    this.notice = "";
    const filters = { ...this.filters };
    try {
      const page = await client.get<AuditPage>(`/admin/audit${auditQuery(filters, null, PAGE)}`);
      this.applied = filters;
      this.entries = page.entries;
      this.nextBefore = page.next_before;
      this.#snapshot = page.entries.length ? page.entries[0].seq + 1 : null;
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  private async more() {
    const client = this.client;
    if (!client || this.nextBefore === null) return;
    this.busy = true;
    try {
      const page = await client.get<AuditPage>(`/admin/audit${auditQuery(this.applied, this.nextBefore, PAGE)}`);
      this.entries = [...this.entries, ...page.entries];
      this.nextBefore = page.next_before;
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  /** Every row the applied filters matched at the search (newest first, at most CSV_MAX), as a CSV file: the
   *  rows shown, and the older ones not loaded yet. */
  private async exportCsv() {
    const client = this.client;
    if (!client) return;
    this.busy = true;
    this.error = "";
    try {
      const rows: AuditEntry[] = [];
      let before: number | null = this.#snapshot;
      if (before === null) return;
      do {
        const page: AuditPage = await client.get<AuditPage>(`/admin/audit${auditQuery(this.applied, before, 500)}`);
        rows.push(...page.entries);
        before = page.next_before;
      } while (before !== null && rows.length < CSV_MAX);
      const truncated = before !== null || rows.length > CSV_MAX;
      downloadText(timestampedName("registro-accessi"), auditCsv(rows.slice(0, CSV_MAX), this.nameOf));
      this.notice = truncated ? m("audit.csvTruncated", { max: CSV_MAX }) : "";
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private set<K extends keyof AuditFilters>(key: K, value: AuditFilters[K]) {
    this.filters = { ...this.filters, [key]: value };
  }

  override render() {
    return html`<h2>${m("audit.title")}</h2>
      <p class="intro">${m("audit.intro")}</p>
      <section class="card" aria-labelledby="filters-title">
        <h3 id="filters-title">${m("audit.filters")}</h3>
        ${this.renderFilters()}
      </section>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <div role="status">${this.notice ? html`<p class="warning">${this.notice}</p>` : nothing}</div>
      ${this.loading ? html`<p>${m("common.loading")}</p>` : this.renderRows()}`;
  }

  private renderFilters() {
    const f = this.filters;
    const users = [...this.users].sort((a, b) => a.username.localeCompare(b.username));
    return html`<form class="filters" @submit=${(e: SubmitEvent) => (e.preventDefault(), this.search())} novalidate>
      <div class="field">
        <label for="f-actor">${m("audit.actor")}</label>
        <select id="f-actor" @change=${(e: Event) => this.set("actor_id", (e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${!f.actor_id}>${m("audit.anyActor")}</option>
          <optgroup label=${m("users.title")}>
            ${users.map(u => html`<option value=${u.id} ?selected=${f.actor_id === u.id}>${u.username}</option>`)}
          </optgroup>
          ${this.devices.length
            ? html`<optgroup label=${m("devices.title")}>
                ${this.devices.map(d => html`<option value=${d.id} ?selected=${f.actor_id === d.id}>${d.name}</option>`)}
              </optgroup>`
            : nothing}
        </select>
      </div>
      <div class="field">
        <label for="f-action">${m("audit.action")}</label>
        <select id="f-action" @change=${(e: Event) => this.set("action", (e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${!f.action}>${m("audit.anyAction")}</option>
          ${AUDIT_ACTIONS.map(a => html`<option value=${a} ?selected=${f.action === a}>${a}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-target">${m("audit.target")}</label>
        <input id="f-target" autocomplete="off" spellcheck="false" .value=${f.target} @input=${(e: InputEvent) => this.set("target", (e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="f-outcome">${m("audit.outcome")}</label>
        <select id="f-outcome" @change=${(e: Event) => this.set("outcome", (e.target as HTMLSelectElement).value as AuditFilters["outcome"])}>
          <option value="" ?selected=${!f.outcome}>${m("audit.anyOutcome")}</option>
          ${(["success", "failure", "denied"] as const).map(
            o => html`<option value=${o} ?selected=${f.outcome === o}>${m(`audit.outcome.${o}` as MessageKey)}</option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="f-from">${m("audit.from")}</label>
        <input id="f-from" type="datetime-local" .value=${f.from} @input=${(e: InputEvent) => this.set("from", (e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="f-to">${m("audit.to")}</label>
        <input id="f-to" type="datetime-local" .value=${f.to} @input=${(e: InputEvent) => this.set("to", (e.target as HTMLInputElement).value)} />
      </div>
      <div class="actions field">
        <button type="submit">${m("audit.apply")}</button>
        <button
          type="button"
          class="secondary"
          @click=${() => {
            this.filters = { ...NO_FILTERS };
            void this.search();
          }}
        >
          ${m("audit.clear")}
        </button>
      </div>
    </form>`;
  }

  private renderRows() {
    return html`<div class="summary">
        <p role="status" data-audit-count=${this.entries.length}>${m("audit.shown", { count: this.entries.length })}</p>
        <div class="actions">
          <button type="button" class="secondary" ?disabled=${this.busy || this.entries.length === 0} @click=${this.exportCsv} aria-describedby="csv-note">
            ${m("common.downloadCsv")}
          </button>
        </div>
      </div>
      <p class="hint" id="csv-note">${m("audit.csvNote", { max: CSV_MAX })}</p>
      <div class="table-wrap" tabindex="0">
        <table data-audit>
          <thead>
            <tr>
              <th scope="col">${m("audit.col.at")}</th>
              <th scope="col">${m("audit.col.actor")}</th>
              <th scope="col">${m("audit.col.action")}</th>
              <th scope="col">${m("audit.col.target")}</th>
              <th scope="col">${m("audit.col.outcome")}</th>
              <th scope="col">${m("audit.col.request")}</th>
            </tr>
          </thead>
          <tbody>
            ${this.entries.length === 0
              ? html`<tr>
                  <td colspan="6" class="empty">${m("audit.empty")}</td>
                </tr>`
              : this.entries.map(e => this.renderEntry(e))}
          </tbody>
        </table>
      </div>
      ${this.nextBefore !== null
        ? html`<button type="button" class="secondary" ?disabled=${this.busy} @click=${this.more}>${m("audit.more")}</button>`
        : nothing}`;
  }

  private renderEntry(e: AuditEntry) {
    const actor = e.actor_id ? this.nameOf(e.actor_id) : undefined;
    const target = targetName(e.target, this.nameOf);
    const outcome = e.outcome === "success" ? "ok" : e.outcome === "denied" ? "bad" : "warn";
    return html`<tr data-seq=${e.seq} data-action=${e.action}>
      <td class="when" title=${e.at}>${formatDateTime(e.at)}</td>
      <td>
        ${actor ?? (e.actor_id ? html`<span class="mono">${e.actor_id}</span>` : mOr(`role.${e.actor_role}`, e.actor_role))}
        ${e.actor_id ? html`<span class="sub">${mOr(`role.${e.actor_role}`, e.actor_role)}</span>` : nothing}
      </td>
      <td class="mono action">${e.action}</td>
      <td>
        ${e.target ? html`<span class="mono">${e.target}</span>` : "—"} ${target ? html`<span class="sub">${target}</span>` : nothing}
      </td>
      <td><span class="badge ${outcome}">${m(`audit.outcome.${e.outcome}` as MessageKey)}</span></td>
      <td class="mono request">${e.request_id ?? ""}</td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-audit": AdminAudit;
  }
}
