// The privacy officer's look-up (docs/api.md, "The citizen's rights"): the codice fiscale (checked here with
// rules/fiscal-code.ts, sent in a POST body, never in a URL, and cleared from the form once sent), the cases
// found, and for each the access report (GDPR art. 15) or an erasure request (art. 17, four eyes).
//
// The report is a document for the citizen: Italian, times in Europe/Rome, a summary on top, filterable by
// person or grouped by person, printable as a clean A4 page (the console's chrome hidden by print CSS; page
// numbers from an `@page` rule adopted by the document while the report is open) and downloadable as CSV
// (ui/csv.ts: RFC 4180, formula guard). Pure parts: privacy-model.ts.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { parseFiscalCode } from "../../../rules/fiscal-code";
import type { AdminClient } from "../admin-client";
import { DEFAULT_CATALOGUE } from "../../../rules/catalogue";
import { m, LanguageController, adminLanguage, formatDateTime } from "../messages";
import { downloadText } from "../ui/download";
import { consoleStyles } from "../ui/styles";
import { fiscalCodeText, pm, privacyErrorText, statusText } from "./privacy-messages";
import {
  actionKind,
  actionLabelIt,
  actorLabel,
  confirmationCode,
  confirmationMatches,
  documentLabelIt,
  ERASURE_REASONS,
  erasureBody,
  groupByPerson,
  peopleOf,
  personKey,
  reasonLabel,
  REFERENCE_MAX,
  reportCsv,
  reportFileName,
  reportIssuer,
  reportSummary,
  roleLabelIt,
  romeDateTime,
  type AccessReport,
  type ErasureReason,
  type ErasureRequest,
  type PrivacyCase,
  type ReportEntry,
} from "./privacy-model";

/** Page size, margins and page numbers of the printed report: `@page` only works in the document's own
 *  styles (not in a shadow root), so it is adopted there while the report is on screen. */
const PAGE_SHEET = (() => {
  if (typeof CSSStyleSheet === "undefined") return undefined;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`@page {
      size: A4;
      margin: 16mm 14mm 18mm;
      @bottom-right { content: "Pagina " counter(page) " di " counter(pages); font: 9pt system-ui, sans-serif; color: #444; }
      @bottom-left { content: "Sportello di Accoglienza · Registro degli accessi"; font: 9pt system-ui, sans-serif; color: #444; }
    }
    @media print { html, body { background: #fff !important; } }`);
    return sheet;
  } catch {
    return undefined;
  }
})();

function adoptPageSheet(on: boolean) {
  if (!PAGE_SHEET || typeof document === "undefined") return;
  const sheets = document.adoptedStyleSheets.filter(s => s !== PAGE_SHEET);
  document.adoptedStyleSheets = on ? [...sheets, PAGE_SHEET] : sheets;
}

type View =
  | { kind: "search" }
  | { kind: "results"; cases: PrivacyCase[]; tail: string }
  | { kind: "report"; cases: PrivacyCase[]; tail: string; report?: AccessReport; caseInfo: PrivacyCase };

@customElement("admin-privacy")
export class AdminPrivacy extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private view: View = { kind: "search" };
  @state() private busy = false;
  @state() private error = "";
  @state() private notice = "";
  @state() private codeError = "";
  @state() private person = "";
  @state() private grouping: "time" | "person" = "time";
  /** The case of the open erasure dialog. */
  @state() private erasing?: PrivacyCase;
  @state() private eraseError = "";
  @state() private confirmTyped = "";
  @state() private reference = "";
  @query("dialog#erase") private eraseDialog?: HTMLDialogElement;

  static override styles = [
    ...consoleStyles,
    css`
      form.lookup {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
        align-items: start;
      }
      /* Level with the input, below the field's label. */
      form.lookup .submit {
        padding-block-start: 1.85rem;
      }
      form.lookup .field {
        flex: 1 1 18rem;
        max-inline-size: 26rem;
      }
      #fiscal-code {
        font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
        text-transform: uppercase;
        letter-spacing: 0.08em;
      }
      td.when,
      td.nowrap {
        white-space: nowrap;
      }
      .row-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .toolbar-report {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem 1rem;
        align-items: end;
        margin-block-end: 1rem;
      }
      .toolbar-report .field {
        margin: 0;
        min-inline-size: 14rem;
      }
      .toolbar-report .spacer {
        flex: 1;
      }
      .doc-head {
        border-block-end: 2px solid var(--ink);
        padding-block-end: 0.75rem;
        margin-block-end: 1rem;
      }
      .doc-head .brand {
        color: var(--accent);
        font-weight: 700;
        margin: 0;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        font-size: 0.85rem;
      }
      .doc-head h2 {
        margin-block: 0.2rem 0.3rem;
      }
      .doc-head .legal {
        margin: 0 0 0.6rem;
        color: var(--muted);
      }
      dl.meta {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2rem 1rem;
        margin: 0;
      }
      dl.meta dt {
        font-weight: 600;
      }
      dl.meta dd {
        margin: 0;
      }
      .summary {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
        gap: 0.75rem;
        margin-block-end: 1.25rem;
      }
      .summary div {
        border: 1px solid var(--line);
        border-radius: 8px;
        padding: 0.6rem 0.8rem;
        background: var(--surface);
      }
      .summary dt {
        font-size: 0.85rem;
        color: var(--muted);
      }
      .summary dd {
        margin: 0.15rem 0 0;
        font-size: 1.15rem;
        font-weight: 700;
      }
      table[data-access-rows] .badge {
        white-space: normal;
        border-radius: 6px;
      }
      td.who {
        min-inline-size: 11rem;
      }
      td.session {
        white-space: nowrap;
      }
      /* By person: one table per person, the same columns in each. */
      table.per-person {
        table-layout: fixed;
      }
      table.per-person .c-when {
        inline-size: 12rem;
      }
      table.per-person .c-session {
        inline-size: 7rem;
      }
      .badge.read {
        color: var(--ink);
      }
      .badge.refused {
        color: var(--danger);
        background: var(--danger-bg);
        border-color: var(--danger);
      }
      .badge.privacy {
        color: var(--accent);
        border-color: var(--accent);
      }
      h3.person {
        margin-block: 1.5rem 0.4rem;
        font-size: 1.05rem;
      }
      h3.person .sub {
        display: inline;
        font-weight: 400;
      }
      .doc-foot {
        margin-block-start: 1.25rem;
        font-size: 0.85rem;
        color: var(--muted);
      }
      .print-only {
        display: none;
      }
      dialog .case-line {
        font-weight: 600;
      }
      .code-to-type {
        font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
        font-weight: 700;
        letter-spacing: 0.1em;
      }
      @media print {
        :host {
          color: #000;
          font-size: 10pt;
        }
        .no-print,
        .toolbar-report,
        [role="alert"]:empty,
        [role="status"]:empty {
          display: none !important;
        }
        .print-only {
          display: block;
        }
        .doc-head .brand {
          color: #000;
        }
        .summary div {
          background: none;
          border-color: #888;
          padding: 0.3rem 0.5rem;
        }
        .summary dd {
          font-size: 11pt;
        }
        .table-wrap {
          overflow: visible;
          border: none;
        }
        table {
          font-size: 8.5pt;
          inline-size: 100%;
        }
        thead {
          display: table-header-group;
        }
        tr {
          break-inside: avoid;
        }
        th,
        td {
          padding: 0.25rem 0.35rem;
          border-block-end: 1px solid #bbb;
        }
        .badge {
          border: none;
          background: none;
          padding: 0;
          color: #000;
          font-weight: 600;
          white-space: normal;
        }
        td .sub {
          font-size: 0.9em;
          display: block;
        }
        td .badge {
          font-size: 1em;
        }
        td.who {
          min-inline-size: 0;
        }
        .mono,
        td.mono,
        dd.mono {
          font-size: 0.9em;
        }
        .badge.refused {
          color: #000;
          text-decoration: underline;
        }
        .badge.privacy {
          color: #000;
        }
        .summary {
          grid-template-columns: repeat(4, 1fr);
          gap: 0.4rem;
        }
        .summary dt {
          font-size: 0.85em;
        }
        .doc-foot {
          font-size: 0.85em;
          color: #222;
        }
        .doc-head .legal {
          color: #222;
        }
        h3.person {
          break-after: avoid;
        }
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override disconnectedCallback(): void {
    adoptPageSheet(false);
    super.disconnectedCallback();
  }

  protected override updated(): void {
    adoptPageSheet(this.view.kind === "report" && this.view.report !== undefined);
  }

  override render() {
    const view = this.view;
    if (view.kind === "report") return this.renderReport(view);
    return html`<h2>${pm("lookup.title")}</h2>
      <p class="intro">${pm("lookup.intro")}</p>
      <section class="card" aria-labelledby="lookup-title">
        <h3 id="lookup-title">${pm("lookup.form")}</h3>
        <form class="lookup" @submit=${this.lookup} novalidate autocomplete="off">
          <div class="field">
            <label for="fiscal-code">${pm("lookup.code")}</label>
            <input
              id="fiscal-code"
              name="fiscal_code"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck="false"
              maxlength="20"
              aria-describedby="fiscal-code-hint ${this.codeError ? "fiscal-code-error" : ""}"
              aria-invalid=${this.codeError ? "true" : "false"}
              @input=${() => (this.codeError = "")}
            />
            <span class="hint" id="fiscal-code-hint">${pm("lookup.codeHint")}</span>
            ${this.codeError ? html`<p class="field-error" id="fiscal-code-error">${this.codeError}</p>` : nothing}
          </div>
          <div class="field submit">
            <button type="submit" ?disabled=${this.busy}>${this.busy ? pm("lookup.busy") : pm("lookup.submit")}</button>
          </div>
        </form>
      </section>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <div role="status">${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}</div>
      ${view.kind === "results" ? this.renderResults(view.cases, view.tail) : nothing} ${this.renderEraseDialog()}`;
  }

  private renderResults(cases: PrivacyCase[], tail: string) {
    return html`<section aria-labelledby="results-title" data-results=${cases.length}>
      <h3 id="results-title">${pm("lookup.results")}</h3>
      <p>${pm("lookup.searchedFor", { tail })}</p>
      ${cases.length === 0
        ? html`<p class="empty card">${pm("lookup.none")}</p>`
        : html`<div class="table-wrap" tabindex="0">
            <table data-cases>
              <thead>
                <tr>
                  <th scope="col">${pm("lookup.col.case")}</th>
                  <th scope="col">${pm("lookup.col.created")}</th>
                  <th scope="col">${pm("lookup.col.status")}</th>
                  <th scope="col">${m("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                ${cases.map(
                  c => html`<tr data-case=${c.case_id}>
                    <td class="mono">${c.case_id}</td>
                    <td class="when">${formatDateTime(c.created_at, "date")}</td>
                    <td>${statusText(c.status)}</td>
                    <td>
                      <div class="row-actions">
                        <button type="button" class="small" data-report aria-label=${pm("lookup.reportLabel", { id: c.case_id })} @click=${() => this.openReport(c)}>
                          ${pm("lookup.report")}
                        </button>
                        <button
                          type="button"
                          class="small secondary danger"
                          data-erase
                          aria-label=${pm("lookup.eraseLabel", { id: c.case_id })}
                          @click=${() => this.openErase(c)}
                        >
                          ${pm("lookup.erase")}
                        </button>
                      </div>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    </section>`;
  }

  private async lookup(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    if (!client) return;
    const input = (event.target as HTMLFormElement).elements.namedItem("fiscal_code") as HTMLInputElement;
    const raw = input.value;
    this.error = "";
    this.notice = "";
    if (!raw.trim()) {
      this.codeError = pm("lookup.missing");
      input.focus();
      return;
    }
    const parsed = parseFiscalCode(raw);
    if (!parsed.ok) {
      this.codeError = fiscalCodeText(parsed.error);
      input.focus();
      return;
    }
    this.codeError = "";
    this.busy = true;
    // The code leaves the screen now: it is in this request's body only.
    input.value = "";
    const code = parsed.value.code;
    try {
      const answer = await client.post<{ cases: PrivacyCase[] }>("/privacy/lookup", { fiscal_code: code });
      this.view = { kind: "results", cases: answer.cases, tail: code.slice(-4) };
    } catch (error) {
      this.error = privacyErrorText(error);
      this.view = { kind: "search" };
    } finally {
      this.busy = false;
    }
  }

  private async openReport(caseInfo: PrivacyCase) {
    const client = this.client;
    const view = this.view;
    if (!client || view.kind === "search") return;
    this.error = "";
    this.notice = "";
    this.person = "";
    this.grouping = "time";
    this.view = { kind: "report", cases: view.cases, tail: view.tail, caseInfo };
    try {
      const report = await client.get<AccessReport>(`/privacy/cases/${encodeURIComponent(caseInfo.case_id)}/access-report`);
      if (this.view.kind === "report" && this.view.caseInfo === caseInfo) this.view = { ...this.view, report };
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("h2#report-title")?.focus();
    } catch (error) {
      this.error = privacyErrorText(error);
    }
  }

  private backToResults() {
    const view = this.view;
    if (view.kind !== "report") return;
    this.error = "";
    this.notice = "";
    this.view = { kind: "results", cases: view.cases, tail: view.tail };
  }

  private renderReport(view: Extract<View, { kind: "report" }>) {
    const report = view.report;
    const back = html`<button type="button" class="secondary no-print" data-back @click=${this.backToResults}>${pm("report.back")}</button>`;
    if (!report) {
      return html`${back}
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
        ${this.error ? nothing : html`<p role="status">${pm("report.loading")}</p>`}`;
    }
    const summary = reportSummary(report);
    const people = peopleOf(report.entries);
    const entries = this.person ? report.entries.filter(e => personKey(e) === this.person) : report.entries;
    const me = this.client?.user;
    const filteredLabel = this.person ? people.find(p => p.key === this.person)?.label : undefined;
    return html`<div class="toolbar-report">
        ${back}
        <div class="field">
          <label for="report-person">${pm("report.filterPerson")}</label>
          <select id="report-person" @change=${(e: Event) => (this.person = (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!this.person}>${pm("report.allPeople")}</option>
            ${people.map(p => html`<option value=${p.key} ?selected=${this.person === p.key}>${p.label}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="report-view">${pm("report.view")}</label>
          <select id="report-view" @change=${(e: Event) => (this.grouping = (e.target as HTMLSelectElement).value as "time" | "person")}>
            <option value="time" ?selected=${this.grouping === "time"}>${pm("report.view.time")}</option>
            <option value="person" ?selected=${this.grouping === "person"}>${pm("report.view.person")}</option>
          </select>
        </div>
        <span class="spacer"></span>
        <button type="button" data-print @click=${() => window.print()}>${pm("report.print")}</button>
        <button type="button" class="secondary" data-csv @click=${() => this.downloadCsv(report)}>${pm("report.csv")}</button>
      </div>
      <div role="alert" class="no-print">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <div role="status" class="no-print">${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}</div>
      <article class="report" lang="it" data-report=${report.case_id}>
        <header class="doc-head">
          <p class="brand" data-issuer>${m("app.name")} · ${reportIssuer(report)}</p>
          <h2 id="report-title" tabindex="-1">Registro degli accessi al fascicolo</h2>
          <p class="legal">Chi ha avuto accesso ai dati personali dell'interessato (art. 15 del Regolamento (UE) 2016/679)</p>
          <dl class="meta">
            <dt>Fascicolo</dt>
            <dd class="mono" data-case-id>${report.case_id}</dd>
            <dt>Aperto il</dt>
            <dd>${romeDateTime(view.caseInfo.created_at, "date")}</dd>
            <dt>Documenti</dt>
            <dd>${report.documents.map(d => documentLabelIt({ document_id: d.document_id, kind: d.kind }, report.documents, areaItalian)).join("; ") || "—"}</dd>
            <dt>Generato il</dt>
            <dd data-generated>${romeDateTime(report.generated_at)} (ora italiana)</dd>
            <dt>Da</dt>
            <dd>${me ? `${me.display_name || me.username} (${me.username}), referente privacy` : "—"}</dd>
            ${filteredLabel
              ? html`<dt>Filtro</dt>
                  <dd>solo ${filteredLabel}</dd>`
              : nothing}
          </dl>
        </header>
        <dl class="summary" data-summary>
          <div>
            <dt>Persone</dt>
            <dd data-people>${summary.people}</dd>
          </div>
          <div>
            <dt>Operazioni registrate</dt>
            <dd data-entries>${summary.entries}</dd>
          </div>
          <div>
            <dt>Primo accesso</dt>
            <dd>${summary.first ? romeDateTime(summary.first) : "—"}</dd>
          </div>
          <div>
            <dt>Ultimo accesso</dt>
            <dd>${summary.last ? romeDateTime(summary.last) : "—"}</dd>
          </div>
          <div>
            <dt>Letture</dt>
            <dd>${summary.reads}</dd>
          </div>
          <div>
            <dt>Creazioni e modifiche</dt>
            <dd>${summary.writes}</dd>
          </div>
          <div>
            <dt>Negati o respinti</dt>
            <dd>${summary.refused}</dd>
          </div>
        </dl>
        ${report.entries.length === 0
          ? html`<p class="empty">Nessun accesso registrato per questo fascicolo.</p>`
          : this.grouping === "person"
            ? groupByPerson(entries).map(
                g => html`<h3 class="person" data-person=${g.key}>
                    ${g.label}
                    <span class="sub"
                      >— ${roleLabelIt(g.role)}, ${g.entries.length === 1 ? "1 operazione" : `${g.entries.length} operazioni`} dal ${romeDateTime(g.first)} al
                      ${romeDateTime(g.last)}</span
                    >
                  </h3>
                  ${this.renderTable(g.entries, report, false)}`,
              )
            : this.renderTable(entries, report, true)}
        <p class="doc-foot">
          Orari nel fuso di Roma (ora italiana). Il registro elenca ogni operazione che il server di Sportello ha registrato sul
          fascicolo e sulle sue note riservate: letture, anche quelle fatte sul tablet senza connessione (registrate al primo
          collegamento successivo), creazioni, modifiche, accessi negati e atti del referente privacy. Non contiene il
          contenuto del fascicolo. La sessione identifica il collegamento da cui l'operazione è stata fatta.
        </p>
        <p class="doc-foot print-only">Firma del referente privacy: ______________________________</p>
      </article>`;
  }

  private renderTable(entries: readonly ReportEntry[], report: AccessReport, withWho: boolean) {
    const rows = [...entries].sort((a, b) => a.at.localeCompare(b.at));
    return html`<div class="table-wrap" tabindex="0">
      <table data-access-rows class=${withWho ? "" : "per-person"}>
        <thead>
          <tr>
            <th scope="col" class="c-when">Data e ora</th>
            ${withWho ? html`<th scope="col">Chi</th>` : nothing}
            <th scope="col">Operazione</th>
            <th scope="col">Documento</th>
            <th scope="col" class="c-session">Sessione</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            e => html`<tr data-action=${e.action} data-actor=${e.actor_username ?? ""}>
              <td class="when">${romeDateTime(e.at)}</td>
              ${withWho
                ? html`<td class="who">
                    ${actorLabel(e)}
                    <span class="sub">${roleLabelIt(e.actor_role)}</span>
                  </td>`
                : nothing}
              <td><span class="badge ${actionKind(e.action, e.outcome)}">${actionLabelIt(e.action, e.outcome)}</span></td>
              <td>${documentLabelIt(e, report.documents, areaItalian)}</td>
              <td class="mono session" title=${e.session_id ?? ""}>${e.session_id ? e.session_id.slice(0, 8) : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private downloadCsv(report: AccessReport) {
    // A byte order mark first: spreadsheets then read the file as UTF-8 (accented names stay right).
    downloadText(reportFileName(report.case_id, report.generated_at), `\uFEFF${reportCsv(report, areaItalian)}`);
    this.notice = pm("report.csvDone");
  }

  // --- erasure request ---

  private async openErase(c: PrivacyCase) {
    this.erasing = c;
    this.eraseError = "";
    this.confirmTyped = "";
    this.reference = "";
    await this.updateComplete;
    this.eraseDialog?.showModal();
  }

  private closeErase() {
    this.eraseDialog?.close();
  }

  private renderEraseDialog() {
    const c = this.erasing;
    const code = c ? confirmationCode(c.case_id) : "";
    const refTooLong = this.reference.trim().length > REFERENCE_MAX;
    const language = adminLanguage();
    return html`<dialog id="erase" aria-labelledby="erase-title" @close=${() => (this.erasing = undefined)}>
      ${c
        ? html`<form @submit=${this.requestErasure} novalidate>
            <h2 id="erase-title">${pm("erase.title")}</h2>
            <p class="case-line">${pm("erase.case", { id: c.case_id, created: formatDateTime(c.created_at, "date") })}</p>
            <p>${pm("erase.intro")}</p>
            <div class="field">
              <label for="erase-reason">${pm("erase.reason")}</label>
              <select id="erase-reason" name="reason">
                ${ERASURE_REASONS.map(r => html`<option value=${r}>${reasonLabel(r, language)}</option>`)}
              </select>
            </div>
            <div class="field">
              <label for="erase-reference">${pm("erase.reference")}</label>
              <input
                id="erase-reference"
                name="reference"
                autocomplete="off"
                aria-describedby="erase-reference-hint"
                aria-invalid=${refTooLong ? "true" : "false"}
                .value=${this.reference}
                @input=${(e: InputEvent) => (this.reference = (e.target as HTMLInputElement).value)}
              />
              <span class="hint" id="erase-reference-hint">${pm("erase.referenceHint")}</span>
              ${refTooLong ? html`<p class="field-error">${pm("erase.referenceLong")}</p>` : nothing}
            </div>
            <div class="field">
              <label for="erase-confirm">${pm("erase.confirm", { code: "" })}<span class="code-to-type">${code}</span></label>
              <input
                id="erase-confirm"
                name="confirm"
                autocomplete="off"
                spellcheck="false"
                .value=${this.confirmTyped}
                @input=${(e: InputEvent) => (this.confirmTyped = (e.target as HTMLInputElement).value)}
              />
            </div>
            <div role="alert">${this.eraseError ? html`<p class="error">${this.eraseError}</p>` : nothing}</div>
            <div class="dialog-actions">
              <button type="button" class="secondary" @click=${this.closeErase}>${m("common.cancel")}</button>
              <button type="submit" class="danger" ?disabled=${this.busy || !confirmationMatches(this.confirmTyped, c.case_id) || refTooLong}>
                ${this.busy ? pm("erase.busy") : pm("erase.submit")}
              </button>
            </div>
          </form>`
        : nothing}
    </dialog>`;
  }

  private async requestErasure(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    const c = this.erasing;
    if (!client || !c) return;
    if (!confirmationMatches(this.confirmTyped, c.case_id)) {
      this.eraseError = pm("erase.confirmWrong");
      return;
    }
    const data = new FormData(event.target as HTMLFormElement);
    const reason = String(data.get("reason")) as ErasureReason;
    this.busy = true;
    this.eraseError = "";
    try {
      const answer = await client.post<{ request: ErasureRequest }>(
        `/privacy/cases/${encodeURIComponent(c.case_id)}/erasure`,
        erasureBody(reason, this.reference),
      );
      this.closeErase();
      this.notice = pm("erase.requested", { id: c.case_id, expires: formatDateTime(answer.request.expires_at) });
    } catch (error) {
      this.eraseError = privacyErrorText(error);
    } finally {
      this.busy = false;
    }
  }
}

/** Area names for the report: always the Italian label of the catalogue (the report is in Italian). */
function areaItalian(code: string): string {
  return DEFAULT_CATALOGUE.areas.find(a => a.code === code)?.labelIt ?? code;
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-privacy": AdminPrivacy;
  }
}
