// Queue settings (docs/api.md §3.10): the lines (code, names in Italian and English, in service, daily cap;
// create and edit with `PUT /api/v1/admin/queue/lines/{code}`), the opening hours per weekday and the closed
// dates (`GET`/`PUT /api/v1/admin/queue/schedule`; a `422` names the entry at fault, shown beside its field),
// and at the end the waiting-room display settings (`admin-display-settings`, its own element).
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../../../data/api";
import type { AdminClient } from "../admin-client";
import type { QueueSchedule, ServiceLine } from "../api-types";
import { adminLanguage, errorText, formatDateTime, LanguageController, m } from "../messages";
import { consoleStyles } from "../ui/styles";
import "./display-settings";
import { checkForm, fieldOfServerError, formOf, scheduleOf, WEEKDAYS, type FieldKey, type LocalProblem, type ScheduleForm } from "./schedule-model";

type LineEditor = { kind: "new" } | { kind: "edit"; line: ServiceLine };

const PROBLEM_TEXT: Record<LocalProblem, { it: string; en: string }> = {
  time: { it: "orario nel formato HH:MM (24:00 solo per la chiusura)", en: "a time as HH:MM (24:00 for closing only)" },
  order: { it: "la chiusura deve venire dopo l'apertura", en: "closing must come after opening" },
  overlap: { it: "due fasce dello stesso giorno si sovrappongono", en: "two intervals of the day overlap" },
  date: { it: "una data valida", en: "a valid date" },
  duplicate: { it: "questa data c'è già", en: "this date is there already" },
};

function weekdayName(weekday: number): string {
  // 2024-01-01 was a Monday.
  const date = new Date(Date.UTC(2024, 0, weekday));
  return new Intl.DateTimeFormat(adminLanguage() === "en" ? "en-GB" : "it-IT", { weekday: "long", timeZone: "UTC" }).format(date);
}

@customElement("admin-queue-settings")
export class AdminQueueSettings extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private lines: ServiceLine[] = [];
  @state() private form?: ScheduleForm;
  @state() private loading = true;
  @state() private loadError = "";
  @state() private lineEditor?: LineEditor;
  @state() private lineError = "";
  @state() private lineNotice = "";
  @state() private busy = false;
  @state() private problems = new Map<FieldKey, string>();
  @state() private scheduleError = "";
  @state() private scheduleNotice = "";
  @state() private newDate = "";

  static override styles = [
    ...consoleStyles,
    css`
      .panel {
        border-inline-start: 4px solid var(--accent);
      }
      .panel h4:focus {
        outline: none;
      }
      h4 {
        margin-block: 0 0.75rem;
        font-size: 1.05rem;
      }
      .days {
        display: grid;
        gap: 0.5rem;
      }
      .day {
        display: grid;
        grid-template-columns: 9rem 1fr auto;
        gap: 0.5rem 1rem;
        align-items: start;
        padding-block: 0.5rem;
        border-block-end: 1px solid var(--line);
      }
      .day:last-child {
        border-block-end: none;
      }
      .day-name {
        font-weight: 600;
        text-transform: capitalize;
        padding-block-start: 0.6rem;
      }
      .intervals {
        display: grid;
        gap: 0.5rem;
      }
      .interval {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.75rem;
        align-items: center;
      }
      .interval label {
        margin: 0;
        font-weight: 400;
      }
      .interval input {
        inline-size: 6.5rem;
        display: inline-block;
      }
      .closed {
        color: var(--muted);
        padding-block-start: 0.6rem;
      }
      .dates {
        list-style: none;
        padding: 0;
        margin: 0 0 1rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .dates li {
        display: flex;
        align-items: center;
        gap: 0.4rem;
        padding-inline-start: 0.75rem;
        border: 1px solid var(--line);
        border-radius: 8px;
        background: var(--surface);
      }
      .dates li.bad {
        border-color: var(--danger);
      }
      .add-date {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
      }
      .add-date .field {
        margin: 0;
      }
      @media (max-width: 700px) {
        .day {
          grid-template-columns: 1fr auto;
        }
        .day-name {
          grid-column: 1 / -1;
        }
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
    if (!this.client) return;
    this.loadError = "";
    try {
      const [lines, schedule] = await Promise.all([
        this.client.get<ServiceLine[]>("/queue/lines"),
        this.client.get<QueueSchedule>("/admin/queue/schedule"),
      ]);
      this.lines = lines;
      this.form = formOf(schedule);
    } catch (error) {
      this.loadError = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    return html`<h2>${m("queue.title")}</h2>
      <p class="intro">${m("queue.intro")}</p>
      ${this.loading
        ? html`<p>${m("common.loading")}</p>`
        : this.loadError
          ? html`<p class="error" role="alert">${this.loadError}</p>
              <button type="button" @click=${() => this.load()}>${m("common.retry")}</button>`
          : html`${this.renderLines()} ${this.form ? this.renderSchedule(this.form) : nothing}`}
      <admin-display-settings .client=${this.client}></admin-display-settings>`;
  }

  // ---- lines

  private renderLines() {
    return html`<section aria-labelledby="lines-title">
      <h3 id="lines-title">${m("lines.title")}</h3>
      <div role="status">${this.lineNotice ? html`<p class="notice">${this.lineNotice}</p>` : nothing}</div>
      ${this.lineEditor ? this.renderLineEditor(this.lineEditor) : nothing}
      <div class="table-wrap" tabindex="0">
        <table data-lines>
          <thead>
            <tr>
              <th scope="col">${m("lines.col.code")}</th>
              <th scope="col">${m("lines.col.nameIt")}</th>
              <th scope="col">${m("lines.col.nameEn")}</th>
              <th scope="col">${m("lines.col.active")}</th>
              <th scope="col">${m("lines.col.cap")}</th>
              <th scope="col">${m("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            ${this.lines.length === 0
              ? html`<tr>
                  <td colspan="6" class="empty">${m("lines.empty")}</td>
                </tr>`
              : this.lines.map(
                  line => html`<tr data-line=${line.code}>
                    <th scope="row">${line.code}</th>
                    <td>${line.name_it}</td>
                    <td lang="en">${line.name_en}</td>
                    <td>
                      ${line.active
                        ? html`<span class="badge ok">${m("common.yes")}</span>`
                        : html`<span class="badge">${m("common.no")}</span>`}
                    </td>
                    <td>${line.daily_cap ?? m("lines.noCap")}</td>
                    <td>
                      <button
                        type="button"
                        class="small secondary"
                        aria-label="${m("common.edit")} ${m("lines.editTitle", { code: line.code })}"
                        @click=${() => this.openLine({ kind: "edit", line })}
                      >
                        ${m("common.edit")}
                      </button>
                    </td>
                  </tr>`,
                )}
          </tbody>
        </table>
      </div>
      <button type="button" class="secondary" @click=${() => this.openLine({ kind: "new" })}>${m("lines.add")}</button>
    </section>`;
  }

  private renderLineEditor(editor: LineEditor) {
    const line = editor.kind === "edit" ? editor.line : undefined;
    return html`<div class="card panel">
      <h4 id="line-editor-title" tabindex="-1">${line ? m("lines.editTitle", { code: line.code }) : m("lines.newTitle")}</h4>
      <form @submit=${this.saveLine} novalidate aria-labelledby="line-editor-title">
        <div role="alert">${this.lineError ? html`<p class="error">${this.lineError}</p>` : nothing}</div>
        <div class="grid">
          ${line
            ? nothing
            : html`<div class="field">
                <label for="line-code">${m("lines.code")}</label>
                <input id="line-code" name="code" required maxlength="1" autocapitalize="characters" autocomplete="off" aria-describedby="line-code-hint" />
                <span class="hint" id="line-code-hint">${m("lines.codeHint")}</span>
              </div>`}
          <div class="field">
            <label for="line-name-it">${m("lines.nameIt")}</label>
            <input id="line-name-it" name="name_it" required maxlength="60" autocomplete="off" .value=${line?.name_it ?? ""} />
          </div>
          <div class="field">
            <label for="line-name-en">${m("lines.nameEn")}</label>
            <input id="line-name-en" name="name_en" required maxlength="60" autocomplete="off" lang="en" .value=${line?.name_en ?? ""} />
          </div>
          <div class="field">
            <label for="line-cap">${m("lines.cap")}</label>
            <input
              id="line-cap"
              name="daily_cap"
              type="number"
              min="1"
              max="999"
              inputmode="numeric"
              .value=${line?.daily_cap != null ? String(line.daily_cap) : ""}
              aria-describedby="line-cap-hint"
            />
            <span class="hint" id="line-cap-hint">${m("lines.capHint")}</span>
          </div>
        </div>
        <label class="check"><input type="checkbox" name="active" ?checked=${line?.active ?? true} /> ${m("lines.active")}</label>
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${m("common.save")}</button>
          <button type="button" class="secondary" @click=${() => (this.lineEditor = undefined)}>${m("common.cancel")}</button>
        </div>
      </form>
    </div>`;
  }

  private openLine(editor: LineEditor) {
    this.lineError = "";
    this.lineNotice = "";
    this.lineEditor = editor;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("#line-editor-title")?.focus());
  }

  private async saveLine(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    const editor = this.lineEditor;
    if (!client || !editor) return;
    const data = new FormData(event.target as HTMLFormElement);
    const code = editor.kind === "edit" ? editor.line.code : String(data.get("code") ?? "").trim().toUpperCase();
    if (!/^[A-Z]$/.test(code)) {
      this.lineError = m("lines.codeInvalid");
      return;
    }
    if (editor.kind === "new" && this.lines.some(l => l.code === code)) {
      this.lineError = m("lines.codeTaken");
      return;
    }
    const capText = String(data.get("daily_cap") ?? "").trim();
    const body = {
      name_it: String(data.get("name_it") ?? "").trim(),
      name_en: String(data.get("name_en") ?? "").trim(),
      active: data.get("active") !== null,
      daily_cap: capText ? Number(capText) : null,
    };
    this.busy = true;
    this.lineError = "";
    try {
      await client.put<ServiceLine>(`/admin/queue/lines/${code}`, body);
      this.lineEditor = undefined;
      this.lineNotice = m("lines.saved", { code });
      this.lines = await client.get<ServiceLine[]>("/queue/lines");
    } catch (error) {
      this.lineError = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  // ---- schedule

  private renderSchedule(form: ScheduleForm) {
    return html`<section aria-labelledby="schedule-title">
      <h3 id="schedule-title">${m("schedule.title")}</h3>
      <p class="intro">${m("schedule.intro")}</p>
      <form class="card" @submit=${this.saveSchedule} novalidate data-schedule>
        <div class="days">${WEEKDAYS.map(weekday => this.renderDay(form, weekday))}</div>
        <h4 id="closed-title">${m("schedule.closedDates")}</h4>
        <p class="intro">${m("schedule.closedDatesIntro")}</p>
        ${form.closedDates.length === 0
          ? html`<p class="closed">${m("schedule.noClosedDates")}</p>`
          : html`<ul class="dates" aria-labelledby="closed-title">
              ${form.closedDates.map((day, i) => {
                const problem = this.problems.get(`date:${i}`);
                return html`<li class=${problem ? "bad" : ""} data-closed-date=${day}>
                  <span>${formatDateTime(`${day}T12:00:00Z`, "date")}</span>
                  <button type="button" class="small secondary" aria-label=${m("schedule.removeDate", { date: day })} @click=${() => this.removeDate(i)}>✕</button>
                  ${problem ? html`<span class="field-error">${m("schedule.entryError", { reason: problem })}</span>` : nothing}
                </li>`;
              })}
            </ul>`}
        <div class="add-date">
          <div class="field">
            <label for="new-closed-date">${m("schedule.newDate")}</label>
            <input id="new-closed-date" type="date" .value=${this.newDate} @input=${(e: InputEvent) => (this.newDate = (e.target as HTMLInputElement).value)} />
          </div>
          <button type="button" class="secondary" @click=${this.addDate}>${m("schedule.addDate")}</button>
        </div>
        <div role="alert">${this.scheduleError ? html`<p class="error">${this.scheduleError}</p>` : nothing}</div>
        <div role="status">${this.scheduleNotice ? html`<p class="notice">${this.scheduleNotice}</p>` : nothing}</div>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? m("common.saving") : m("schedule.save")}</button>
      </form>
    </section>`;
  }

  private renderDay(form: ScheduleForm, weekday: number) {
    const name = weekdayName(weekday);
    const intervals = form.days[weekday - 1];
    const dayProblem = this.problems.get(`weekday:${weekday}`);
    return html`<div class="day" data-weekday=${weekday}>
      <div class="day-name" id="day-${weekday}">${name}</div>
      <div class="intervals">
        ${intervals.length === 0 ? html`<span class="closed">${m("schedule.closedDay")}</span>` : nothing}
        ${intervals.map((row, i) => {
          const key = `interval:${weekday}:${i}`;
          const problem = this.problems.get(key);
          const errorId = `err-${weekday}-${i}`;
          return html`<div class="interval" data-interval=${i}>
            <label for="opens-${weekday}-${i}">${m("schedule.opens")}</label>
            <input
              id="opens-${weekday}-${i}"
              inputmode="numeric"
              placeholder="08:30"
              maxlength="5"
              aria-invalid=${problem ? "true" : "false"}
              aria-describedby="day-${weekday} ${problem ? errorId : ""}"
              .value=${row.opens}
              @input=${(e: InputEvent) => this.editInterval(weekday, i, "opens", (e.target as HTMLInputElement).value)}
            />
            <label for="closes-${weekday}-${i}">${m("schedule.closes")}</label>
            <input
              id="closes-${weekday}-${i}"
              inputmode="numeric"
              placeholder="12:30"
              maxlength="5"
              aria-invalid=${problem ? "true" : "false"}
              aria-describedby="day-${weekday} ${problem ? errorId : ""}"
              .value=${row.closes}
              @input=${(e: InputEvent) => this.editInterval(weekday, i, "closes", (e.target as HTMLInputElement).value)}
            />
            <button
              type="button"
              class="small secondary"
              aria-label=${m("schedule.removeInterval", { from: row.opens, to: row.closes, day: name })}
              @click=${() => this.removeInterval(weekday, i)}
            >
              ✕
            </button>
            ${problem ? html`<p class="field-error" id=${errorId}>${m("schedule.entryError", { reason: problem })}</p>` : nothing}
          </div>`;
        })}
        ${dayProblem ? html`<p class="field-error">${m("schedule.entryError", { reason: dayProblem })}</p>` : nothing}
      </div>
      <button type="button" class="small secondary" aria-label=${m("schedule.addIntervalFor", { day: name })} @click=${() => this.addInterval(weekday)}>
        ${m("schedule.addInterval")}
      </button>
    </div>`;
  }

  private change(update: (form: ScheduleForm) => void) {
    if (!this.form) return;
    const form: ScheduleForm = { days: this.form.days.map(d => d.map(r => ({ ...r }))), closedDates: [...this.form.closedDates] };
    update(form);
    this.form = form;
    this.scheduleNotice = "";
  }

  private editInterval(weekday: number, index: number, field: "opens" | "closes", value: string) {
    this.change(form => (form.days[weekday - 1][index][field] = value));
  }

  private addInterval(weekday: number) {
    const intervals = this.form?.days[weekday - 1] ?? [];
    const previous = intervals[intervals.length - 1];
    // A sensible start: the morning, or the afternoon after a morning interval.
    const next = previous ? { opens: "14:00", closes: "17:00" } : { opens: "08:30", closes: "12:30" };
    this.change(form => form.days[weekday - 1].push(next));
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#opens-${weekday}-${intervals.length}`)?.focus());
  }

  private removeInterval(weekday: number, index: number) {
    this.problems = new Map();
    this.change(form => form.days[weekday - 1].splice(index, 1));
  }

  private addDate() {
    const day = this.newDate;
    if (!day) return;
    this.change(form => {
      if (!form.closedDates.includes(day)) form.closedDates = [...form.closedDates, day].sort();
    });
    this.newDate = "";
  }

  private removeDate(index: number) {
    this.problems = new Map();
    this.change(form => form.closedDates.splice(index, 1));
  }

  private async saveSchedule(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    const form = this.form;
    if (!client || !form) return;
    const en = adminLanguage() === "en";
    const local = checkForm(form);
    this.scheduleNotice = "";
    if (local.size > 0) {
      this.problems = new Map([...local].map(([key, problem]) => [key, en ? PROBLEM_TEXT[problem].en : PROBLEM_TEXT[problem].it]));
      this.scheduleError = m("schedule.fix");
      return;
    }
    const { schedule, hourFields, dateFields } = scheduleOf(form);
    this.busy = true;
    this.problems = new Map();
    this.scheduleError = "";
    try {
      this.form = formOf(await client.put<QueueSchedule>("/admin/queue/schedule", schedule));
      this.scheduleNotice = m("schedule.saved");
    } catch (error) {
      const field = error instanceof ApiError && error.code === "validation_failed" ? fieldOfServerError(error.message, hourFields, dateFields) : undefined;
      if (field) {
        // The server's reason, beside the field it names.
        this.problems = new Map([[field, error instanceof ApiError ? error.message.replace(/^(hours|closed_dates)\[\d+\]:?\s*/, "") : ""]]);
        this.scheduleError = m("schedule.fix");
      } else this.scheduleError = errorText(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-queue-settings": AdminQueueSettings;
  }
}
