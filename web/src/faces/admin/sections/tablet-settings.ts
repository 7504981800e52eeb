// The tablets' settings, inside the console's users section (issue 12): the offline lease — how many hours
// a tablet may be unlocked without the network after its last contact with the server (`GET`/`PUT
// /api/v1/admin/settings/tablets`, docs/api.md §3.13). Tablets learn a new value at their next login or
// refresh. Italian first, English after, like the display settings.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../../../data/api";
import type { AdminClient } from "../admin-client";
import { both, SETTINGS_ERRORS, type Bilingual } from "./bilingual";

interface TabletSettings {
  offline_lease_hours: number;
}

const MIN_HOURS = 1;
const MAX_HOURS = 720;

const TEXT = {
  title: ["Tablet", "Tablets"],
  intro: [
    "Per quante ore un tablet può essere aperto senza rete dopo l'ultimo collegamento al server. Passato questo tempo il tablet si blocca finché l'operatore non accede con la rete; le modifiche non inviate restano cifrate sul tablet.",
    "How many hours a tablet may be opened offline after its last contact with the server. After that it locks until the user signs in online; unsent changes stay encrypted on the tablet.",
  ],
  label: ["Ore di lavoro senza rete (da 1 a 720)", "Offline hours (1 to 720)"],
  save: ["Salva", "Save"],
  saving: ["Salvataggio…", "Saving…"],
  saved: ["Salvato: i tablet lo useranno dal prossimo accesso o rinnovo.", "Saved: tablets use it from their next sign-in or renewal."],
  loading: ["Caricamento…", "Loading…"],
} as const;

const ERRORS: Record<string, Bilingual> = {
  ...SETTINGS_ERRORS,
  validation_failed: ["Scegli un numero di ore fra 1 e 720.", "Choose a number of hours between 1 and 720."],
  invalid_request: ["Scegli un numero intero di ore fra 1 e 720.", "Choose a whole number of hours between 1 and 720."],
};

@customElement("admin-tablet-settings")
export class AdminTabletSettings extends LitElement {
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
    label {
      display: block;
      font-weight: 600;
      margin-block: 0.75rem 0.25rem;
    }
    input {
      min-block-size: 44px;
      inline-size: 8rem;
      font: inherit;
      padding-inline: 0.5rem;
      border: 1px solid var(--line, #b9c0c8);
      border-radius: 6px;
    }
    button .en {
      color: inherit;
      font-weight: 400;
    }
    button {
      min-block-size: 48px;
      min-inline-size: 44px;
      padding-inline: 1.25rem;
      margin-inline-start: 0.75rem;
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
    [role="alert"] {
      color: var(--danger, #a4161a);
    }
    [role="status"] {
      color: var(--ok, #17663a);
    }
  `;

  @property({ attribute: false }) client?: AdminClient;
  @state() private hours?: number;
  @state() private saving = false;
  @state() private message?: { kind: "saved" } | { kind: "error"; code: string };
  #loading = false;

  async #load(): Promise<void> {
    if (!this.client || this.#loading) return;
    this.#loading = true;
    try {
      this.hours = (await this.client.get<TabletSettings>("/admin/settings/tablets")).offline_lease_hours;
    } catch (error) {
      this.message = { kind: "error", code: error instanceof ApiError ? error.code : "other" };
    } finally {
      this.#loading = false;
    }
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("client") && this.client && this.hours === undefined) void this.#load();
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!this.client || this.saving) return;
    const input = (event.target as HTMLFormElement).elements.namedItem("hours") as HTMLInputElement;
    const hours = Number(input.value);
    if (!Number.isInteger(hours) || hours < MIN_HOURS || hours > MAX_HOURS) {
      this.message = { kind: "error", code: "validation_failed" };
      input.focus();
      return;
    }
    this.saving = true;
    this.message = undefined;
    try {
      const saved = await this.client.put<TabletSettings>("/admin/settings/tablets", { offline_lease_hours: hours });
      this.hours = saved.offline_lease_hours;
      this.message = { kind: "saved" };
    } catch (error) {
      this.message = { kind: "error", code: error instanceof ApiError ? error.code : "other" };
    } finally {
      this.saving = false;
    }
  }

  override render() {
    return html`<section aria-labelledby="tablet-settings-title" data-tablet-settings>
      <h2 id="tablet-settings-title">${both(TEXT.title)}</h2>
      <p>${both(TEXT.intro)}</p>
      ${this.hours === undefined && this.message === undefined
        ? html`<p role="status">${both(TEXT.loading)}</p>`
        : html`<form @submit=${(event: SubmitEvent) => void this.#save(event)}>
            <label for="lease-hours">${both(TEXT.label)}</label>
            <input id="lease-hours" name="hours" type="number" inputmode="numeric" min=${MIN_HOURS} max=${MAX_HOURS} step="1" required .value=${String(this.hours ?? 72)} />
            <button type="submit" ?disabled=${this.saving}>${this.saving ? both(TEXT.saving) : both(TEXT.save)}</button>
            ${this.message?.kind === "saved" ? html`<p role="status">${both(TEXT.saved)}</p>` : nothing}
            ${this.message?.kind === "error" ? html`<p role="alert">${both(ERRORS[this.message.code] ?? ERRORS.other)}</p>` : nothing}
          </form>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-tablet-settings": AdminTabletSettings;
  }
}
