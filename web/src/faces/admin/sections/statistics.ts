// The console's statistics (`admin-statistics`): a period (this month, last month, this year, or from–to),
// then the queue's figures (`GET /api/v1/queue/stats`) and the desk's aggregate case figures
// (`GET /api/v1/admin/case-stats`, small counts already suppressed by the server) as charts, each with its
// table (the accessible alternative) and a "Scarica CSV" button whose file holds the JSON's own values.
// The charts are drawn by `../charts/` as inline SVG; nothing here computes a figure.

import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { DEFAULT_CATALOGUE } from "../../../rules/catalogue";
import type { CatalogueEntry, CatalogueView } from "./catalogue-model";
import { shared } from "../../../styles/shared";
import type { AdminClient } from "../admin-client";
import { adminLanguage, LanguageController } from "../messages";
import { barChart, lineChart, type ChartText } from "../charts/charts";
import { csvOf, countSeries, decisionTime, intakesPerMonth, isEmpty, needsByCode, outcomesPerLine, outcomesSeries, referralSeries, referralsByArea, ticketsPerDay, ticketsPerDaySeries, waitingByHour, waitingByHourSeries, type CaseStats, type ChartData, type QueueStats, type StatTable } from "../charts/stat-tables";
import type { CsvValue } from "../ui/csv";
import { downloadText } from "../ui/download";
import { st, type StatsKey, type StatsLanguage } from "../charts/messages";
import { daysOf, deskToday, periodOf, periodProblem, type Period, type PeriodPreset } from "../charts/period";

interface LineName {
  code: string;
  name_it: string;
  name_en: string;
}

interface Loaded {
  period: Period;
  queue: QueueStats;
  cases: CaseStats;
  lines: LineName[];
  /** The catalogue in force (the labels admins gave, in both languages); the defaults when unreadable. */
  catalogue?: CatalogueView;
}

const PRESETS: PeriodPreset[] = ["this_month", "last_month", "this_year", "custom"];

@customElement("admin-statistics")
export class AdminStatistics extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  /** The desk's today (`YYYY-MM-DD`); tests may pin it. */
  @property({ attribute: false }) today = deskToday();

  @state() private preset: PeriodPreset = "this_month";
  @state() private custom: Period = { from: "", to: "" };
  @state() private loaded?: Loaded;
  @state() private loading = false;
  @state() private error = "";
  @state() private problem = "";
  #request = 0;

  static override styles = [
    shared,
    css`
      fieldset {
        border: 1px solid var(--line);
        border-radius: 8px;
        padding: 0.75rem 1rem;
        margin-block-end: 1rem;
      }
      legend {
        font-weight: 600;
      }
      .presets {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1.25rem;
      }
      /* The presets are radio buttons drawn as a row of pills: the input covers its label (so the touch
         target is the whole pill), the checked one is filled and ticked, the focused one ringed. */
      .presets label {
        position: relative;
        display: flex;
        align-items: center;
        min-block-size: 48px;
        padding-inline: 1.1rem;
        margin: 0;
        border: 2px solid var(--line);
        border-radius: 999px;
        background: var(--field);
        font-weight: 600;
      }
      .presets input {
        position: absolute;
        inset: 0;
        inline-size: 100%;
        block-size: 100%;
        min-block-size: 0;
        margin: 0;
        opacity: 0;
        cursor: pointer;
      }
      .presets label:has(input:checked) {
        background: var(--accent);
        border-color: var(--accent);
        color: var(--on-accent);
      }
      .presets label:has(input:checked)::before {
        content: "✓ ";
      }
      .presets label:has(input:focus-visible) {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
      }
      .custom {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
        margin-block-start: 0.5rem;
      }
      .custom .field {
        margin: 0;
      }
      figure {
        margin: 0 0 2rem;
        padding: 1rem;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 8px;
      }
      figure h4 {
        margin-block: 0 0.5rem;
        font-size: 1.1rem;
      }
      svg.chart {
        inline-size: 100%;
        max-inline-size: 900px;
        block-size: auto;
        display: block;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        list-style: none;
        padding: 0;
        margin-block: 0.5rem;
      }
      .legend li {
        display: flex;
        align-items: center;
        gap: 0.35rem;
      }
      .table-wrap {
        max-block-size: 22rem;
        overflow: auto;
        margin-block: 0.75rem;
      }
      table {
        border-collapse: collapse;
        min-inline-size: 50%;
      }
      th,
      td {
        border-block-end: 1px solid var(--line);
        padding: 0.35rem 0.75rem;
        text-align: start;
      }
      td.num,
      th.num {
        text-align: end;
        font-variant-numeric: tabular-nums;
      }
      tr.total td {
        font-weight: 700;
      }
      .note {
        color: var(--muted);
        font-size: 0.95rem;
      }
      .error {
        color: var(--danger);
        background: var(--danger-bg);
        padding: 0.75rem 1rem;
        border-radius: 8px;
      }
    `,
  ];

  constructor() {
    super();
    // Re-rendered in the console's language when the admin switches it.
    new LanguageController(this);
  }

  private get language(): StatsLanguage {
    return adminLanguage();
  }

  private m(key: StatsKey, values: Record<string, string | number> = {}) {
    return st(this.language, key, values);
  }

  override connectedCallback() {
    super.connectedCallback();
    if (this.client && !this.loaded) void this.load();
  }

  override updated(changed: Map<string, unknown>) {
    if (changed.has("client") && this.client && !this.loaded && !this.loading) void this.load();
  }

  private period(): Period {
    return periodOf(this.preset, this.today, this.custom);
  }

  private async load() {
    const client = this.client;
    if (!client) return;
    const period = this.period();
    const problem = periodProblem(period);
    this.problem = problem ? this.m(`period.${problem}`) : "";
    if (problem) return;
    const request = ++this.#request;
    this.loading = true;
    this.error = "";
    const query = `from=${period.from}&to=${period.to}`;
    try {
      const [queue, cases, lines, catalogue] = await Promise.all([
        client.get<QueueStats>(`/queue/stats?${query}`),
        client.get<CaseStats>(`/admin/case-stats?${query}`),
        client.get<LineName[]>("/queue/lines"),
        // Only the labels: the figures do not depend on it, so a failure falls back to the defaults.
        client.get<CatalogueView>("/admin/catalogue").catch(() => undefined),
      ]);
      if (request !== this.#request) return;
      this.loaded = { period, queue, cases, lines, catalogue };
    } catch (error) {
      if (request !== this.#request) return;
      const code = (error as { code?: string }).code;
      this.error = code === "forbidden" ? this.m("error.forbidden") : this.m("error.load", { message: String((error as Error).message ?? error) });
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  private choose(preset: PeriodPreset) {
    this.preset = preset;
    if (preset === "custom") {
      if (!this.custom.from) this.custom = periodOf("this_month", this.today);
      return;
    }
    void this.load();
  }

  private submitCustom(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.custom = { from: String(form.get("from") ?? ""), to: String(form.get("to") ?? "") };
    void this.load();
  }

  // Labels -----------------------------------------------------------------------------------------------

  private number(value: number, digits = 0) {
    return new Intl.NumberFormat(this.language, { maximumFractionDigits: digits }).format(value);
  }

  private lineName = (code: string) => {
    const line = this.loaded?.lines.find(l => l.code === code);
    if (!line) return code;
    return `${code} — ${this.language === "en" ? line.name_en || line.name_it : line.name_it}`;
  };

  /** A need's or area's label in the console's language, from the catalogue in force (English falls back
   *  to Italian), else the default catalogue's, else the code itself. */
  private label(kind: "needs" | "areas", code: string): string {
    if (code === "total") return this.m("total");
    const entry: CatalogueEntry | undefined = this.loaded?.catalogue?.[kind].find(e => e.code === code);
    if (entry) return (this.language === "en" && entry.label_en) || entry.label_it;
    return DEFAULT_CATALOGUE[kind].find(e => e.code === code)?.labelIt ?? code;
  }

  private needName = (code: string) => this.label("needs", code);

  private areaName = (code: string) => this.label("areas", code);

  private statusName = (code: string) =>
    code === "total" ? this.m("total") : (["proposed", "accepted", "rejected", "closed", "cancelled"].includes(code) ? this.m(`status.${code}` as StatsKey) : code);

  private monthName = (key: string) => {
    if (key === "total") return this.m("total");
    const [year, month] = key.split("-").map(Number);
    return new Intl.DateTimeFormat(this.language, { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, 1)));
  };

  private dayName = (day: string) => {
    const [year, month, date] = day.split("-").map(Number);
    return new Intl.DateTimeFormat(this.language, { day: "numeric", month: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, date)));
  };

  /** How a key column's value reads. */
  private keyLabel(column: string, value: string): string {
    switch (column) {
      case "line":
        return this.lineName(value);
      case "need":
        return this.needName(value);
      case "area":
        return this.areaName(value);
      case "status":
        return this.statusName(value);
      case "month":
        return this.monthName(value);
      case "day":
        return this.dayName(value);
      case "hour":
        return `${value}:00`;
      default:
        return value;
    }
  }

  // Rendering --------------------------------------------------------------------------------------------

  override render() {
    return html`<section aria-labelledby="statistics-heading">
      <h2 id="statistics-heading">${this.m("heading")}</h2>
      <p>${this.m("intro")}</p>
      ${this.renderPeriod()}
      <p role="status" aria-live="polite">${this.loading ? this.m("loading") : nothing}</p>
      ${this.error ? html`<div class="error" role="alert">${this.error} <button @click=${() => this.load()}>${this.m("retry")}</button></div>` : nothing}
      ${this.loaded ? this.renderFigures(this.loaded) : nothing}
    </section>`;
  }

  private renderPeriod() {
    const period = this.period();
    return html`<form class="period" @submit=${this.submitCustom}>
      <fieldset>
        <legend>${this.m("period")}</legend>
        <div class="presets">
          ${PRESETS.map(
            preset => html`<label
              ><input type="radio" name="preset" value=${preset} .checked=${this.preset === preset} @change=${() => this.choose(preset)} />${this.m(`preset.${preset}`)}</label
            >`,
          )}
        </div>
        ${this.preset === "custom"
          ? html`<div class="custom">
              <div class="field"><label for="from">${this.m("from")}</label><input id="from" name="from" type="date" .value=${period.from} max=${this.today} required /></div>
              <div class="field"><label for="to">${this.m("to")}</label><input id="to" name="to" type="date" .value=${period.to} max=${this.today} required /></div>
              <button type="submit">${this.m("show")}</button>
            </div>`
          : nothing}
        ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      </fieldset>
    </form>`;
  }

  private text(title: StatsKey, seriesLabel: (key: string) => string, extra: Partial<ChartText> = {}): ChartText {
    return { title: this.m(title), seriesLabel, suppressed: this.m("suppressed"), value: v => this.number(v, 1), ...extra };
  }

  private renderFigures({ period, queue, cases }: Loaded) {
    const minutes = (v: number) => this.number(v, 1);
    const days = daysOf(period);
    const perDay = ticketsPerDaySeries(queue, days);
    const waiting = waitingByHourSeries(queue);
    const outcomes = outcomesSeries(queue);
    const intakes = countSeries(cases.intakes);
    const needs = countSeries(cases.needs);
    const referrals = referralSeries(cases);
    const time = cases.decision_time;
    const decision: ChartData = {
      categories: ["median", "p90"],
      series: [{ key: "days", values: time.suppressed ? ["suppressed", "suppressed"] : [time.median_days, time.p90_days] }],
    };
    return html`
      <h3>${this.m("queueHeading")}</h3>
      ${this.figure("chart.days", ticketsPerDay(queue), perDay, () =>
        barChart("queue-days", perDay, true, this.text("chart.days", this.lineName, { categoryLabel: this.dayName, value: v => this.number(v), integer: true })),
      )}
      ${this.figure("chart.waiting", waitingByHour(queue), waiting, () =>
        lineChart("queue-waiting", waiting, this.text("chart.waiting", key => this.m(key === "median" ? "median" : "p90"), { categoryLabel: h => `${h}:00`, value: minutes })),
        undefined,
        // A wait of 0 minutes is a figure: the chart is empty only when nobody was called.
        !queue.waiting_by_hour.some(h => h.waiting.count > 0),
      )}
      ${this.figure("chart.outcomes", outcomesPerLine(queue), outcomes, () =>
        barChart("queue-outcomes", outcomes, false, this.text("chart.outcomes", key => this.m(key === "no_show" ? "col.no_show" : "col.transferred_out"), { categoryLabel: this.lineName, value: v => this.number(v), integer: true })),
      )}
      <h3>${this.m("casesHeading")}</h3>
      <p class="note">${this.m("suppressed.note")}</p>
      ${this.figure("chart.intakes", intakesPerMonth(cases), intakes, () =>
        barChart("cases-intakes", intakes, false, this.text("chart.intakes", () => this.m("col.count"), { categoryLabel: this.monthName, value: v => this.number(v), integer: true })),
      )}
      ${this.figure("chart.needs", needsByCode(cases), needs, () =>
        barChart("cases-needs", needs, false, this.text("chart.needs", () => this.m("col.count"), { categoryLabel: this.needName, value: v => this.number(v), integer: true })),
      )}
      ${this.figure("chart.referrals", referralsByArea(cases), referrals, () =>
        barChart("cases-referrals", referrals, true, this.text("chart.referrals", this.statusName, { categoryLabel: this.areaName, value: v => this.number(v), integer: true })),
      )}
      ${this.figure(
        "chart.decision",
        decisionTime(cases),
        decision,
        () => barChart("cases-decision", decision, false, this.text("chart.decision", () => this.m("col.count"), { categoryLabel: k => this.m(k === "median" ? "median" : "p90") })),
        time.suppressed ? this.m("decision.suppressed") : time.count === 0 || time.median_days === null ? this.m("decision.none") : this.m("decision.summary", { median: this.number(time.median_days, 1), p90: this.number(time.p90_days ?? 0, 1), count: this.number(time.count ?? 0) }),
      )}
    `;
  }

  /** A chart's figure: title, the chart (or "no data"), its table and its CSV button. */
  private figure(title: StatsKey, table: StatTable, data: ChartData, chart: () => TemplateResult, summary?: string, empty?: boolean) {
    const heading = this.m(title);
    empty ??= isEmpty(data) && !data.series.some(s => s.values.includes("suppressed"));
    const period = this.loaded?.period;
    return html`<figure id=${table.id} aria-labelledby="${table.id}-heading">
      <h4 id="${table.id}-heading">${heading}</h4>
      ${summary ? html`<p>${summary}</p>` : nothing}
      ${empty ? (summary ? nothing : html`<p class="empty">${this.m("empty")}</p>`) : chart()}
      ${this.renderTable(table, heading)}
      <button
        class="csv"
        aria-label=${this.m("csv.label", { title: heading })}
        @click=${() => downloadText(`sportello-${table.id}-${period?.from}-${period?.to}.csv`, csvOf(table))}
      >
        ${this.m("csv")}
      </button>
    </figure>`;
  }

  private renderTable(table: StatTable, caption: string) {
    const suppressedAt = table.columns.indexOf("suppressed");
    const shown = table.columns.map((_, i) => i).filter(i => i !== suppressedAt);
    const keyColumns = new Set(["day", "line", "hour", "month", "need", "area", "status"]);
    const cell = (row: CsvValue[], i: number): string => {
      const column = table.columns[i];
      const value = row[i];
      if (value === null || value === undefined) return suppressedAt >= 0 && row[suppressedAt] === true ? this.m("suppressed") : "—";
      if (keyColumns.has(column)) return this.keyLabel(column, String(value));
      if (typeof value === "number") return column.endsWith("_s") ? this.number(value / 60, 1) : this.number(value, 1);
      return String(value);
    };
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
      <table>
        <caption class="note">${caption}</caption>
        <thead>
          <tr>
            ${shown.map(i => html`<th scope="col" class=${keyColumns.has(table.columns[i]) ? "" : "num"}>${this.m(`col.${table.columns[i]}` as StatsKey)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${table.csv.map(
            row => html`<tr class=${row.includes("total") ? "total" : ""}>
              ${shown.map(i => html`<td class=${keyColumns.has(table.columns[i]) ? "" : "num"}>${cell(row, i)}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }
}
