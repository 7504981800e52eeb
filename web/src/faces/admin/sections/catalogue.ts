// The console's catalogue section (`admin-catalogue`): the areas and needs in force, in two tables, edited in
// place through `PUT /api/v1/admin/catalogue/{areas,needs}/{code}` (docs/api.md §3.11). An entry is never
// deleted, only deactivated or reactivated, each after a confirmation that says so. Drafts are checked as
// the server checks them before they are sent (catalogue-model.ts), and a refusal is shown at its field.
// Every change reaches the tablets by sync (the server writes the shared `directory` document).
import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { ApiError } from "../../../data/api";
import { shared } from "../../../styles/shared";
import type { AdminClient } from "../admin-client";
import { CATALOGUE_MESSAGES, CatalogueLanguage, cm, pageLanguage, type CatalogueMessageKey } from "./catalogue-messages";
import {
  bodyOf,
  checkDraft,
  draftOf,
  emptyDraft,
  fieldOfError,
  withEntry,
  type CatalogueEntry,
  type CatalogueView,
  type Draft,
  type Field,
  type FieldErrors,
  type Kind,
} from "./catalogue-model";

/** Relative to `/api/v1` (the client adds it). */
const PATH = "/admin/catalogue";
const KINDS: readonly Kind[] = ["areas", "needs"];

interface Editing {
  kind: Kind;
  code: string;
  draft: Draft;
  errors: FieldErrors;
  busy: boolean;
}

interface Adding {
  draft: Draft;
  errors: FieldErrors;
  busy: boolean;
}

interface Confirming {
  kind: Kind;
  entry: CatalogueEntry;
  /** The state it would take. */
  active: boolean;
  busy: boolean;
  error?: string;
}

/** The words for an error: a key of the section's messages, or the server's own text. */
function say(error: CatalogueMessageKey | string | undefined): string {
  if (!error) return "";
  return error in CATALOGUE_MESSAGES.it ? cm(error as CatalogueMessageKey) : error;
}

/** What to tell the admin about a refused or failed request, and at which field. */
function refusal(error: unknown): { field: Field | "form"; text: string } {
  if (error instanceof ApiError) {
    if (error.code === "network") return { field: "form", text: cm("error.network") };
    if (error.code === "catalogue_full") return { field: "form", text: cm("error.full") };
    if (error.code === "forbidden") return { field: "form", text: cm("error.forbidden") };
    const field = fieldOfError(error.code, error.message);
    if (field === "label_it" || field === "label_en")
      return { field, text: `${cm("error.tooLong")} ${cm("error.oneLine")}` };
    if (field === "code") return { field, text: cm("error.code") };
    return { field: "form", text: cm("error.generic", { message: error.message }) };
  }
  return { field: "form", text: cm("error.generic", { message: String((error as Error)?.message ?? error) }) };
}

@customElement("admin-catalogue")
export class AdminCatalogue extends LitElement {
  @property({ attribute: false }) client?: AdminClient;

  @state() private view?: CatalogueView;
  @state() private loading = false;
  @state() private loadError = "";
  @state() private editing?: Editing;
  @state() private adding: Record<Kind, Adding> = {
    areas: { draft: emptyDraft(), errors: {}, busy: false },
    needs: { draft: emptyDraft(), errors: {}, busy: false },
  };
  @state() private confirming?: Confirming;
  @state() private notice = "";
  @query("dialog") private dialog?: HTMLDialogElement;

  /** Re-renders in the console's language when the admin switches it. */
  protected readonly language = new CatalogueLanguage(this);

  static override styles = [
    shared,
    css`
      :host {
        max-inline-size: 80rem;
      }
      h2 {
        font-size: 1.45rem;
      }
      h3 {
        font-size: 1.2rem;
        margin-block: 0 0.75rem;
      }
      h3 .count {
        color: var(--muted);
        font-weight: 400;
        font-size: 1rem;
      }
      h4 {
        font-size: 1.05rem;
        margin-block: 0 0.75rem;
      }
      section {
        margin-block-start: 2rem;
      }
      .intro {
        color: var(--muted);
        max-inline-size: 62rem;
      }
      .rule {
        border-inline-start: 4px solid var(--accent);
        background: var(--surface);
        padding: 0.6rem 0.9rem;
        border-radius: 4px;
        max-inline-size: 62rem;
      }
      .table-wrap {
        overflow-x: auto;
        border: 1px solid var(--line);
        border-radius: 10px;
        background: var(--surface);
      }
      /* Focusable, so that a table wider than the screen scrolls from the keyboard too. */
      .table-wrap:focus-visible {
        outline: 3px solid var(--focus, #1d4f91);
        outline-offset: 2px;
      }
      table {
        inline-size: 100%;
        border-collapse: collapse;
      }
      caption {
        text-align: start;
        padding: 0.6rem 0.9rem;
        color: var(--muted);
        font-size: 0.95rem;
      }
      th,
      td {
        text-align: start;
        vertical-align: top;
        padding: 0.55rem 0.75rem;
        border-block-start: 1px solid var(--line);
      }
      thead th {
        font-size: 0.9rem;
        color: var(--muted);
        border-block-start: none;
        white-space: nowrap;
      }
      td.code,
      th.code {
        font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
        font-size: 0.92rem;
        font-weight: 600;
      }
      tr.inactive td {
        color: var(--muted);
      }
      tr.inactive td.label {
        text-decoration: line-through;
        text-decoration-thickness: 1px;
      }
      .badge {
        display: inline-block;
        padding: 0.15rem 0.55rem;
        border-radius: 999px;
        font-size: 0.85rem;
        font-weight: 600;
        white-space: nowrap;
        border: 1px solid currentColor;
      }
      .badge.on {
        color: var(--ok, #1d6b34);
      }
      .badge.off {
        color: var(--muted);
      }
      .actions {
        display: flex;
        flex-wrap: nowrap;
        gap: 0.5rem;
      }
      thead th.code {
        font-family: inherit;
        font-weight: 600;
      }
      td.label {
        min-inline-size: 12rem;
      }
      form.add .check {
        margin-block: 0.25rem 1rem;
      }
      .actions button {
        min-block-size: 44px;
        padding-inline: 0.9rem;
      }
      td input {
        min-inline-size: 12rem;
      }
      .field-error {
        color: var(--danger);
        font-size: 0.9rem;
        margin-block: 0.3rem 0;
      }
      input[aria-invalid="true"] {
        border-color: var(--danger);
      }
      .check {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        min-block-size: 44px;
        font-weight: 400;
        margin: 0;
      }
      .check input {
        inline-size: 44px;
        min-block-size: 44px;
        block-size: 44px;
        margin: 0;
        flex: none;
        accent-color: var(--accent);
      }
      input[type="checkbox"]:focus-visible {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
      }
      form.add {
        margin-block-start: 1rem;
        padding: 1rem 1.25rem;
        border: 1px solid var(--line);
        border-radius: 10px;
        background: var(--surface);
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 0 1rem;
        align-items: start;
      }
      .status {
        min-block-size: 1.5rem;
        font-weight: 600;
        color: var(--ok, #1d6b34);
      }
      dialog {
        border: none;
        border-radius: 12px;
        padding: 1.5rem;
        max-inline-size: min(34rem, 92vw);
        color: var(--ink);
        background: var(--surface);
        box-shadow: 0 10px 40px rgb(0 0 0 / 30%);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 45%);
      }
      dialog .actions {
        justify-content: flex-end;
        margin-block-start: 1rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // The console may hand the client over after the section is connected.
    if (changed.has("client") && this.client && !this.view && !this.loading) void this.load();
  }

  protected override updated(): void {
    const dialog = this.dialog;
    if (!dialog) return;
    if (this.confirming && !dialog.open) dialog.showModal();
    if (!this.confirming && dialog.open) dialog.close();
  }

  private async load(): Promise<void> {
    if (!this.client || this.loading) return;
    this.loading = true;
    this.loadError = "";
    try {
      this.view = await this.client.get<CatalogueView>(PATH);
    } catch (error) {
      this.loadError = error instanceof ApiError && error.code === "network" ? cm("error.network") : String((error as Error)?.message ?? error);
    } finally {
      this.loading = false;
    }
  }

  private async put(kind: Kind, code: string, draft: Draft): Promise<CatalogueEntry> {
    const entry = await this.client!.put<CatalogueEntry>(`${PATH}/${kind}/${encodeURIComponent(code)}`, bodyOf(kind, draft));
    if (this.view) this.view = withEntry(this.view, kind, entry);
    return entry;
  }

  // Editing in place ---------------------------------------------------------------------------------

  private startEdit(kind: Kind, entry: CatalogueEntry): void {
    this.notice = "";
    this.editing = { kind, code: entry.code, draft: draftOf(entry), errors: {}, busy: false };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#edit-${kind}-${entry.code}-label_it`)?.focus());
  }

  private cancelEdit(): void {
    const editing = this.editing;
    this.editing = undefined;
    if (editing) this.focusLater(`button[data-edit="${editing.kind}:${editing.code}"]`);
  }

  private async saveEdit(event: Event): Promise<void> {
    event.preventDefault();
    const editing = this.editing;
    if (!editing || editing.busy) return;
    const errors = checkDraft(editing.draft, false, []);
    if (Object.keys(errors).length) {
      this.editing = { ...editing, errors };
      this.focusFirstInvalid();
      return;
    }
    this.editing = { ...editing, busy: true, errors: {} };
    try {
      const entry = await this.put(editing.kind, editing.code, editing.draft);
      this.editing = undefined;
      this.notice = cm("saved", { label: entry.label_it });
      this.focusLater(`button[data-edit="${editing.kind}:${editing.code}"]`);
    } catch (error) {
      const { field, text } = refusal(error);
      this.editing = { ...editing, busy: false, errors: { [field]: text } };
      this.focusFirstInvalid();
    }
  }

  private setEditDraft(change: Partial<Draft>): void {
    if (!this.editing) return;
    this.editing = { ...this.editing, draft: { ...this.editing.draft, ...change } };
  }

  // Adding -------------------------------------------------------------------------------------------

  private setAddDraft(kind: Kind, change: Partial<Draft>): void {
    const adding = this.adding[kind];
    this.adding = { ...this.adding, [kind]: { ...adding, draft: { ...adding.draft, ...change } } };
  }

  private async add(kind: Kind, event: Event): Promise<void> {
    event.preventDefault();
    const adding = this.adding[kind];
    if (adding.busy) return;
    const draft = { ...adding.draft, code: adding.draft.code.trim(), active: true };
    const known = this.view?.[kind].map(e => e.code) ?? [];
    const errors = checkDraft(draft, true, known);
    if (Object.keys(errors).length) {
      this.adding = { ...this.adding, [kind]: { ...adding, errors } };
      this.focusFirstInvalid(`form.add.${kind}`);
      return;
    }
    this.notice = "";
    this.adding = { ...this.adding, [kind]: { ...adding, busy: true, errors: {} } };
    try {
      const entry = await this.put(kind, draft.code, draft);
      this.adding = { ...this.adding, [kind]: { draft: emptyDraft(), errors: {}, busy: false } };
      this.notice = cm("added", { label: entry.label_it });
    } catch (error) {
      const { field, text } = refusal(error);
      this.adding = { ...this.adding, [kind]: { ...this.adding[kind], busy: false, errors: { [field]: text } } };
      this.focusFirstInvalid(`form.add.${kind}`);
    }
  }

  // Deactivating and reactivating ---------------------------------------------------------------------

  private askActive(kind: Kind, entry: CatalogueEntry, active: boolean): void {
    this.notice = "";
    this.confirming = { kind, entry, active, busy: false };
  }

  private closeConfirm(): void {
    const confirming = this.confirming;
    this.confirming = undefined;
    if (confirming) this.focusLater(`button[data-toggle="${confirming.kind}:${confirming.entry.code}"]`);
  }

  private async confirmActive(): Promise<void> {
    const confirming = this.confirming;
    if (!confirming || confirming.busy) return;
    this.confirming = { ...confirming, busy: true, error: undefined };
    try {
      const draft = { ...draftOf(confirming.entry), active: confirming.active };
      const entry = await this.put(confirming.kind, confirming.entry.code, draft);
      this.notice = cm(confirming.active ? "reactivated" : "deactivated", { label: entry.label_it });
      this.closeConfirm();
    } catch (error) {
      this.confirming = { ...confirming, busy: false, error: refusal(error).text };
    }
  }

  // Focus --------------------------------------------------------------------------------------------

  private focusLater(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  private focusFirstInvalid(scope = ""): void {
    this.focusLater(`${scope} [aria-invalid="true"]`.trim());
  }

  // Rendering ----------------------------------------------------------------------------------------

  override render(): TemplateResult {
    return html`
      <h2>${cm("title")}</h2>
      <p class="intro">${cm("intro")}</p>
      <p class="rule">${cm("neverDeleted")}</p>
      <p class="status" role="status">${this.notice}</p>
      ${this.renderBody()} ${this.renderDialog()}
    `;
  }

  private renderBody(): TemplateResult | typeof nothing {
    if (this.loadError)
      return html`<div class="error" role="alert">
        <p>${cm("loadFailed")} ${this.loadError}</p>
        <button type="button" @click=${() => this.load()}>${cm("retry")}</button>
      </div>`;
    const view = this.view;
    if (!view) return html`<p aria-busy="true">${cm("loading")}</p>`;
    return html`${KINDS.map(kind => this.renderKind(kind, view))}
      <p class="hint">${cm("updatedAt", { when: this.formatWhen(view.updated_at) })}</p>`;
  }

  private formatWhen(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return new Intl.DateTimeFormat(pageLanguage(), { dateStyle: "medium", timeStyle: "short" }).format(date);
  }

  private renderKind(kind: Kind, view: CatalogueView): TemplateResult {
    const entries = view[kind];
    const areas = kind === "areas";
    return html`<section aria-labelledby="title-${kind}">
      <h3 id="title-${kind}">${cm(kind)} <span class="count">(${entries.length})</span></h3>
      ${entries.length === 0
        ? html`<p>${cm(kind === "areas" ? "empty.areas" : "empty.needs")}</p>`
        : html`<div class="table-wrap" tabindex="0">
            <table id="table-${kind}">
              <thead>
                <tr>
                  <th scope="col" class="code">${cm("col.code")}</th>
                  <th scope="col">${cm("col.labelIt")}</th>
                  <th scope="col">${cm("col.labelEn")}</th>
                  ${areas ? html`<th scope="col">${cm("col.hasStaff")}</th>` : nothing}
                  <th scope="col">${cm("col.status")}</th>
                  <th scope="col">${cm("col.actions")}</th>
                </tr>
              </thead>
              <tbody>
                ${entries.map(entry =>
                  this.editing?.kind === kind && this.editing.code === entry.code
                    ? this.renderEditRow(kind, entry, this.editing)
                    : this.renderRow(kind, entry),
                )}
              </tbody>
            </table>
          </div>`}
      ${this.renderAdd(kind)}
    </section>`;
  }

  private renderRow(kind: Kind, entry: CatalogueEntry): TemplateResult {
    const busy = !!this.editing || !!this.confirming;
    return html`<tr class=${entry.active ? "" : "inactive"} data-code=${entry.code}>
      <th scope="row" class="code">${entry.code}</th>
      <td class="label" lang="it">${entry.label_it}</td>
      <td class="label" lang="en">${entry.label_en ?? cm("none")}</td>
      ${kind === "areas" ? html`<td>${entry.has_staff ? cm("yes") : cm("no")}</td>` : nothing}
      <td><span class="badge ${entry.active ? "on" : "off"}">${entry.active ? cm("active") : cm("inactive")}</span></td>
      <td>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            data-edit="${kind}:${entry.code}"
            aria-label=${cm("editLabel", { code: entry.code })}
            ?disabled=${busy}
            @click=${() => this.startEdit(kind, entry)}
          >
            ${cm("edit")}
          </button>
          <button
            type="button"
            class="secondary"
            data-toggle="${kind}:${entry.code}"
            aria-label=${cm(entry.active ? "deactivateLabel" : "reactivateLabel", { code: entry.code })}
            ?disabled=${busy}
            @click=${() => this.askActive(kind, entry, !entry.active)}
          >
            ${entry.active ? cm("deactivate") : cm("reactivate")}
          </button>
        </div>
      </td>
    </tr>`;
  }

  private fieldInput(
    id: string,
    label: string,
    value: string,
    error: string | undefined,
    onInput: (value: string) => void,
    options: { lang?: string; hint?: string; visibleLabel?: boolean; disabled?: boolean } = {},
  ): TemplateResult {
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const describedBy = [error ? errorId : "", options.hint ? hintId : ""].filter(Boolean).join(" ");
    return html`<div class="field">
      ${options.visibleLabel ? html`<label for=${id}>${label}</label>` : nothing}
      <input
        id=${id}
        .value=${value}
        lang=${options.lang ?? nothing}
        aria-label=${options.visibleLabel ? nothing : label}
        aria-invalid=${error ? "true" : "false"}
        aria-describedby=${describedBy || nothing}
        ?disabled=${options.disabled ?? false}
        autocomplete="off"
        spellcheck=${options.lang ? "true" : "false"}
        @input=${(e: Event) => onInput((e.target as HTMLInputElement).value)}
      />
      ${options.hint ? html`<span class="hint" id=${hintId}>${options.hint}</span>` : nothing}
      ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : nothing}
    </div>`;
  }

  private renderEditRow(kind: Kind, entry: CatalogueEntry, editing: Editing): TemplateResult {
    const id = (field: string) => `edit-${kind}-${entry.code}-${field}`;
    const form = `edit-form-${kind}`;
    return html`<tr class="editing" data-code=${entry.code}>
      <th scope="row" class="code">${entry.code}</th>
      <td>
        ${this.fieldInput(
          id("label_it"),
          cm("field.ofCode", { field: cm("col.labelIt"), code: entry.code }),
          editing.draft.labelIt,
          say(editing.errors.label_it),
          value => this.setEditDraft({ labelIt: value }),
          { lang: "it", disabled: editing.busy },
        )}
      </td>
      <td>
        ${this.fieldInput(
          id("label_en"),
          cm("field.ofCode", { field: cm("col.labelEn"), code: entry.code }),
          editing.draft.labelEn,
          say(editing.errors.label_en),
          value => this.setEditDraft({ labelEn: value }),
          { lang: "en", disabled: editing.busy },
        )}
      </td>
      ${kind === "areas"
        ? html`<td>
            <label class="check">
              <input
                type="checkbox"
                id=${id("has_staff")}
                .checked=${editing.draft.hasStaff}
                ?disabled=${editing.busy}
                @change=${(e: Event) => this.setEditDraft({ hasStaff: (e.target as HTMLInputElement).checked })}
              />
              ${cm("yes")}
            </label>
          </td>`
        : nothing}
      <td><span class="badge ${entry.active ? "on" : "off"}">${entry.active ? cm("active") : cm("inactive")}</span></td>
      <td>
        <form id=${form} class="actions" @submit=${(e: Event) => this.saveEdit(e)}>
          <button type="submit" ?disabled=${editing.busy} aria-busy=${editing.busy ? "true" : "false"}>${cm("save")}</button>
          <button type="button" class="secondary" ?disabled=${editing.busy} @click=${() => this.cancelEdit()}>${cm("cancel")}</button>
        </form>
        ${editing.errors.form ? html`<p class="field-error" role="alert">${say(editing.errors.form)}</p>` : nothing}
      </td>
    </tr>`;
  }

  private renderAdd(kind: Kind): TemplateResult {
    const adding = this.adding[kind];
    const id = (field: string) => `add-${kind}-${field}`;
    const title = cm(kind === "areas" ? "add.areas" : "add.needs");
    return html`<form class="add ${kind}" aria-labelledby=${id("title")} @submit=${(e: Event) => this.add(kind, e)} novalidate>
      <h4 id=${id("title")}>${title}</h4>
      <div class="grid">
        ${this.fieldInput(id("code"), cm("field.code"), adding.draft.code, say(adding.errors.code), value => this.setAddDraft(kind, { code: value }), {
          visibleLabel: true,
          hint: cm("field.codeHint"),
          disabled: adding.busy,
        })}
        ${this.fieldInput(
          id("label_it"),
          cm("field.labelIt"),
          adding.draft.labelIt,
          say(adding.errors.label_it),
          value => this.setAddDraft(kind, { labelIt: value }),
          { visibleLabel: true, lang: "it", disabled: adding.busy },
        )}
        ${this.fieldInput(
          id("label_en"),
          cm("field.labelEn"),
          adding.draft.labelEn,
          say(adding.errors.label_en),
          value => this.setAddDraft(kind, { labelEn: value }),
          { visibleLabel: true, lang: "en", disabled: adding.busy },
        )}
      </div>
      ${kind === "areas"
        ? html`<label class="check">
            <input
              type="checkbox"
              id=${id("has_staff")}
              .checked=${adding.draft.hasStaff}
              ?disabled=${adding.busy}
              @change=${(e: Event) => this.setAddDraft(kind, { hasStaff: (e.target as HTMLInputElement).checked })}
            />
            ${cm("field.hasStaff")}
          </label>`
        : nothing}
      ${adding.errors.form ? html`<p class="field-error" role="alert">${say(adding.errors.form)}</p>` : nothing}
      <button type="submit" ?disabled=${adding.busy} aria-busy=${adding.busy ? "true" : "false"}>
        ${cm(kind === "areas" ? "add.button.areas" : "add.button.needs")}
      </button>
    </form>`;
  }

  private renderDialog(): TemplateResult {
    const confirming = this.confirming;
    const label = confirming?.entry.label_it ?? "";
    const deactivating = confirming ? !confirming.active : true;
    return html`<dialog
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      @cancel=${(e: Event) => {
        e.preventDefault();
        if (!this.confirming?.busy) this.closeConfirm();
      }}
    >
      ${confirming
        ? html`<h3 id="confirm-title">${cm(deactivating ? "confirm.deactivate.title" : "confirm.reactivate.title", { label })}</h3>
            <p id="confirm-body">${cm(deactivating ? "confirm.deactivate.body" : "confirm.reactivate.body")}</p>
            ${confirming.error ? html`<p class="field-error" role="alert">${confirming.error}</p>` : nothing}
            <div class="actions">
              <button type="button" class="secondary" ?disabled=${confirming.busy} @click=${() => this.closeConfirm()}>${cm("cancel")}</button>
              <button type="button" data-confirm ?disabled=${confirming.busy} @click=${() => this.confirmActive()}>
                ${cm(deactivating ? "deactivate" : "reactivate")}
              </button>
            </div>`
        : nothing}
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-catalogue": AdminCatalogue;
  }
}
