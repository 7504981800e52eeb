// The desk's settings form: its number and the lines it calls from, chosen once on a tablet (the panel
// remembers them). Sends `desk-setup-save` with `DeskSettings`, or `desk-setup-cancel`.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { checkDeskInput, type DeskSettings, type ServiceLine } from "../../data/queue";
import { language, t, type MessageKey } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("desk-setup")
export class DeskSetup extends LitElement {
  @property({ attribute: false }) lines: ServiceLine[] = [];
  @property({ attribute: false }) settings?: DeskSettings;
  /** Whether the form may be left without saving (a desk is already chosen). */
  @property({ type: Boolean }) cancellable = false;
  @state() private problem?: MessageKey;

  static override styles = [
    shared,
    css`
      h3 {
        font-size: 1.1rem;
        margin-block: 0 0.5rem;
      }
      input[type="text"] {
        max-inline-size: 10rem;
      }
      fieldset {
        border: 1px solid var(--line);
        border-radius: 8px;
        margin-block: 0 1rem;
        padding-block: 0.5rem;
        padding-inline: 0.9rem;
      }
      legend {
        font-weight: 600;
        padding-inline: 0.3rem;
      }
      .choice {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        font-weight: 400;
        margin: 0;
        min-block-size: 48px;
      }
      .choice input {
        inline-size: 44px;
        block-size: 44px;
        min-block-size: 44px;
        margin: 0;
        accent-color: var(--accent);
        flex: none;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
      }
    `,
  ];

  override render() {
    const chosen = new Set(this.settings?.lines ?? []);
    const english = language() === "en";
    return html`<form @submit=${this.save} novalidate>
      <h3>${t("queue.setup.heading")}</h3>
      <p>${t("queue.setup.intro")}</p>
      <div class="field">
        <label for="desk-number">${t("queue.setup.desk")}</label>
        <input
          id="desk-number"
          name="desk"
          type="text"
          inputmode="numeric"
          autocomplete="off"
          maxlength="2"
          .value=${this.settings ? String(this.settings.desk) : ""}
          aria-describedby="desk-hint"
        />
        <span class="hint" id="desk-hint">${t("queue.setup.deskHint")}</span>
      </div>
      <fieldset>
        <legend>${t("queue.setup.lines")}</legend>
        ${this.lines.length === 0
          ? html`<p role="status">${t("queue.setup.loadingLines")}</p>`
          : this.lines.map(line => {
              const name = t("queue.lineName", { code: line.code, name: english ? line.name_en : line.name_it });
              return html`<label class="choice"
                ><input type="checkbox" name="line" value=${line.code} ?checked=${chosen.has(line.code)} />${line.active
                  ? name
                  : t("queue.setup.inactive", { name })}</label
              >`;
            })}
      </fieldset>
      ${this.problem ? html`<p class="error" role="alert">${t(this.problem)}</p>` : nothing}
      <div class="actions">
        <button type="submit">${t("queue.setup.save")}</button>
        ${this.cancellable
          ? html`<button type="button" class="secondary" @click=${this.cancel}>${t("queue.setup.cancel")}</button>`
          : nothing}
      </div>
    </form>`;
  }

  private save(event: SubmitEvent) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const checked = checkDeskInput(String(data.get("desk") ?? ""), data.getAll("line").map(String));
    if ("problem" in checked) {
      this.problem = checked.problem;
      return;
    }
    this.problem = undefined;
    this.dispatchEvent(new CustomEvent<DeskSettings>("desk-setup-save", { detail: checked }));
  }

  private cancel() {
    this.problem = undefined;
    this.dispatchEvent(new CustomEvent("desk-setup-cancel"));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "desk-setup": DeskSetup;
  }
}
