// The area's working notes on one case (`case-notes`, docs/documents.md): kept out of the case so that the
// desk and the other areas never see them, readable and writable by the area's social workers — also
// for cases in the area's history (continuity of care). The notes document is found among the index's
// `case_notes` entries (the server lists those of the user's areas) and created with the first note.
// Notes are never removed or rewritten by others; each names its author (checked before committing).
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { DocHandle, Repo } from "@automerge/automerge-repo/slim";
import type { UserSummary } from "../../data/api";
import { formatDateTime, t } from "../../i18n";
import { nowTimestamp } from "../../rules/values";
import { shared } from "../../styles/shared";
import type { SyncClient } from "../../sync/sync-client";
import { appendNote, initialNotes, isNotesFor, noteProblem, readNotes, type NoteView } from "./notes-doc";

type NotesDoc = Record<string, unknown>;

/** The notes documents this session opened, by URL (shared by every panel). */
const opened = new WeakMap<Repo, Map<string, Promise<DocHandle<NotesDoc> | undefined>>>();

function openNotes(repo: Repo, url: string): Promise<DocHandle<NotesDoc> | undefined> {
  let cache = opened.get(repo);
  if (!cache) opened.set(repo, (cache = new Map()));
  let handle = cache.get(url);
  if (!handle) {
    handle = repo.find<NotesDoc>(url as never).catch(() => undefined);
    cache.set(url, handle);
  }
  return handle;
}

@customElement("case-notes-panel")
export class CaseNotesPanel extends LitElement {
  @property({ attribute: false }) sync?: SyncClient;
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) caseUrl = "";
  @property({ attribute: false }) area = "";
  @property({ attribute: false }) areaLabel = "";
  @state() private notes: NoteView[] = [];
  @state() private draft = "";
  @state() private error = "";
  @state() private saved = "";
  #handle?: DocHandle<NotesDoc>;
  #repo?: Repo;
  #off: (() => void)[] = [];
  #searchedFor = "";

  static override styles = [
    shared,
    css`
      :host {
        margin-block-start: 2rem;
      }
      ol {
        list-style: none;
        margin: 0 0 1rem;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 10px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
      }
      .text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: 0;
      }
      .by {
        color: var(--muted);
        margin-block: 0 0.35rem;
        font-size: 0.95rem;
      }
      textarea {
        display: block;
        inline-size: 100%;
        min-block-size: 7rem;
        padding: 0.75rem;
        font: inherit;
        color: var(--ink);
        background: var(--field);
        border: 2px solid var(--line);
        border-radius: 8px;
      }
      textarea:focus-visible {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
      }
      .empty {
        color: var(--muted);
      }
    `,
  ];

  override disconnectedCallback() {
    super.disconnectedCallback();
    for (const off of this.#off) off();
    this.#off = [];
    this.#handle = undefined;
    this.#searchedFor = "";
  }

  protected override willUpdate() {
    const key = `${this.caseUrl}|${this.area}`;
    if (this.sync && this.caseUrl && this.area && key !== this.#searchedFor) {
      this.#searchedFor = key;
      void this.#find();
    }
  }

  /** Looks for the notes among the index's entries, now and whenever the index changes. */
  async #find() {
    const sync = this.sync!;
    this.#repo = await sync.whenStarted();
    const search = async () => {
      if (this.#handle || !this.#repo) return;
      for (const entry of sync.view.index.entries.filter(e => e.kind === "case_notes")) {
        const handle = await openNotes(this.#repo, entry.url);
        if (handle && !this.#handle && isNotesFor(readNotes(handle.doc()), this.caseUrl, this.area)) this.#adopt(handle);
      }
    };
    this.#off.push(sync.subscribe(() => void search()));
    await search();
  }

  #adopt(handle: DocHandle<NotesDoc>) {
    this.#handle = handle;
    const read = () => (this.notes = readNotes(handle.doc()).notes);
    read();
    handle.on("change", read);
    this.#off.push(() => handle.off("change", read));
  }

  override render() {
    const id = `note-${this.area}`;
    return html`<section aria-labelledby="notes-${this.area}">
      <h2 id="notes-${this.area}">${t("notes.title", { area: this.areaLabel })}</h2>
      <p class="hint">${t("notes.hint")}</p>
      ${this.notes.length === 0
        ? html`<p class="empty">${t("notes.empty")}</p>`
        : html`<ol aria-label=${t("notes.title", { area: this.areaLabel })}>
            ${this.notes.map(
              note => html`<li>
                <p class="by">
                  ${t("notes.by", { who: note.author === this.user.id ? t("notes.me") : t("notes.colleague"), when: formatDateTime(note.createdAt) })}
                </p>
                <p class="text">${note.text}</p>
              </li>`,
            )}
          </ol>`}
      <form @submit=${(e: Event) => this.add(e)}>
        <div class="field">
          <label for=${id}>${t("notes.new")}</label>
          <textarea id=${id} .value=${this.draft} @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>
        <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : ""}</div>
        <div role="status">${this.saved ? html`<p class="hint">${this.saved}</p>` : ""}</div>
        <button type="submit" data-action="add-note">${t("notes.add")}</button>
      </form>
    </section>`;
  }

  private add(e: Event) {
    e.preventDefault();
    const problem = noteProblem(this.draft);
    if (problem) {
      this.error = t(`notes.problem.${problem}`);
      return;
    }
    const repo = this.#repo;
    if (!repo) return;
    const now = nowTimestamp();
    if (!this.#handle) {
      const handle = repo.create<NotesDoc>(initialNotes({ caseUrl: this.caseUrl, area: this.area, userId: this.user.id, now }));
      this.#adopt(handle);
    }
    const note: NoteView = { id: crypto.randomUUID(), author: this.user.id, createdAt: now, text: this.draft };
    this.#handle!.change(doc => appendNote(doc, note));
    this.draft = "";
    this.error = "";
    this.saved = t("notes.saved");
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "case-notes-panel": CaseNotesPanel;
  }
}
