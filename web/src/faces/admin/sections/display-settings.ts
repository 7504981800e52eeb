// The waiting-room display's settings, inside the console's queue section: the languages each call is
// repeated in after Italian (`GET`/`PUT /api/v1/admin/queue/display`, docs/api.md §3.10). The server keeps
// the choice and the displays read it with the board, redrawing as soon as it is saved. Italian is always
// said first; the others follow in the order listed here.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../../../data/api";
import { ANNOUNCE_LANGUAGES, LANGUAGE_NAME, phrase, type AnnounceLanguage } from "../../display/announcements";
import type { AdminClient } from "../admin-client";
import { both, SETTINGS_ERRORS, type Bilingual } from "./bilingual";

interface DisplaySettings {
  announce_languages: string[];
}

/** Italian first, English after: the console's own words for this block. */
const TEXT = {
  title: ["Annunci del display", "Display announcements"],
  intro: [
    "Ogni chiamata è annunciata in italiano; scegli le lingue in cui ripeterla. Gli schermi si aggiornano appena salvi.",
    "Each call is announced in Italian; choose the languages it is repeated in. Displays update as soon as you save.",
  ],
  legend: ["Ripeti anche in", "Also repeat in"],
  order: ["Nell'ordine in cui le spunti.", "In the order you tick them."],
  example: ["Esempio", "Example"],
  save: ["Salva le lingue", "Save the languages"],
  saving: ["Salvataggio…", "Saving…"],
  saved: ["Lingue salvate: i display le useranno dalla prossima chiamata.", "Languages saved: displays use them from the next call."],
  loading: ["Caricamento…", "Loading…"],
  italianOnly: ["Solo italiano.", "Italian only."],
} as const;

const ERRORS: Record<string, Bilingual> = {
  ...SETTINGS_ERRORS,
  validation_failed: ["Scelta non valida: lingue note, senza ripetizioni, al massimo sei.", "Invalid choice: known languages, no repeats, at most six."],
};

@customElement("admin-display-settings")
export class AdminDisplaySettings extends LitElement {
  static override styles = css`
    :host {
      display: block;
      margin-block: 1.5rem;
    }
    .en {
      color: var(--muted, #505862);
    }
    h2 {
      margin-block: 0 0.5rem;
      font-size: 1.3rem;
      line-height: 1.2;
    }
    fieldset {
      border: 1px solid var(--line, #b9c0c8);
      border-radius: 8px;
      padding: 0.75rem 1rem;
      margin-block: 0.75rem;
    }
    legend {
      font-weight: 600;
      padding-inline: 0.25rem;
    }
    label {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      min-block-size: 44px;
    }
    /* A whole 44 px target for a finger on the tablet. */
    input[type="checkbox"] {
      inline-size: 44px;
      block-size: 44px;
      margin: 0;
      flex: none;
      accent-color: var(--accent, #1d4f91);
    }
    button .en {
      color: inherit;
      font-weight: 400;
    }
    button {
      min-block-size: 48px;
      min-inline-size: 44px;
      padding-inline: 1.25rem;
      font: inherit;
      font-weight: 600;
      color: var(--on-accent, #fff);
      background: var(--accent, #1d4f91);
      border: 0;
      border-radius: 8px;
    }
    button:focus-visible,
    input:focus-visible {
      outline: 3px solid var(--focus, #c25400);
      outline-offset: 2px;
    }
    .example {
      margin-block: 0.5rem;
    }
    .example div {
      margin-block: 0.2rem;
    }
    [role="alert"] {
      color: var(--danger, #a4161a);
    }
    [role="status"] {
      color: var(--ok, #17663a);
    }
  `;

  @property({ attribute: false }) client?: AdminClient;
  /** The chosen languages, in the order they will be said. */
  @state() private chosen?: AnnounceLanguage[];
  @state() private saving = false;
  @state() private message?: { kind: "saved" } | { kind: "error"; code: string };

  #loading = false;

  async #load(): Promise<void> {
    if (!this.client || this.#loading) return;
    this.#loading = true;
    try {
      const settings = await this.client.get<DisplaySettings>("/admin/queue/display");
      this.chosen = settings.announce_languages.filter((code): code is AnnounceLanguage =>
        (ANNOUNCE_LANGUAGES as readonly string[]).includes(code),
      );
    } catch (error) {
      this.chosen = [];
      this.message = { kind: "error", code: error instanceof ApiError ? error.code : "other" };
    } finally {
      this.#loading = false;
    }
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("client") && this.client && this.chosen === undefined) void this.#load();
  }

  #toggle(language: AnnounceLanguage, on: boolean): void {
    const chosen = (this.chosen ?? []).filter(code => code !== language);
    this.chosen = on ? [...chosen, language] : chosen;
    this.message = undefined;
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!this.client || this.saving) return;
    this.saving = true;
    this.message = undefined;
    try {
      const saved = await this.client.put<DisplaySettings>("/admin/queue/display", { announce_languages: this.chosen ?? [] });
      this.chosen = saved.announce_languages as AnnounceLanguage[];
      this.message = { kind: "saved" };
    } catch (error) {
      this.message = { kind: "error", code: error instanceof ApiError ? error.code : "other" };
    } finally {
      this.saving = false;
    }
  }

  override render() {
    const chosen = this.chosen;
    return html`<section aria-labelledby="display-settings-title">
      <h2 id="display-settings-title">${both(TEXT.title)}</h2>
      <p>${both(TEXT.intro)}</p>
      ${chosen === undefined
        ? html`<p role="status">${both(TEXT.loading)}</p>`
        : html`<form @submit=${(event: SubmitEvent) => void this.#save(event)}>
            <fieldset>
              <legend>${both(TEXT.legend)}</legend>
              <p class="hint">${both(TEXT.order)}</p>
              ${ANNOUNCE_LANGUAGES.map(language => {
                return html`<label>
                  <input
                    type="checkbox"
                    name="announce_languages"
                    value=${language}
                    .checked=${chosen.includes(language)}
                    @change=${(e: Event) => this.#toggle(language, (e.target as HTMLInputElement).checked)}
                  />
                  <bdi lang=${language}>${LANGUAGE_NAME[language]}</bdi>
                </label>`;
              })}
            </fieldset>
            <div class="example">
              ${both(TEXT.example)}:
              <div><q lang="it">${phrase("it", "A007", "Sportello 2")}</q></div>
              ${chosen.length
                ? chosen.map(language => html`<div><q><bdi lang=${language}>${phrase(language, "A007", "Sportello 2")}</bdi></q></div>`)
                : html`<div>${both(TEXT.italianOnly)}</div>`}
            </div>
            <button type="submit" ?disabled=${this.saving}>${this.saving ? both(TEXT.saving) : both(TEXT.save)}</button>
            ${this.message?.kind === "saved" ? html`<p role="status">${both(TEXT.saved)}</p>` : nothing}
            ${this.message?.kind === "error" ? html`<p role="alert">${both(ERRORS[this.message.code] ?? ERRORS.other)}</p>` : nothing}
          </form>`}
    </section>`;
  }
}
