// The referrals of a case: each with its service, reason, status in words and the moves the operator may
// make (cancel a proposed referral; close one to the territorial network, which has no staff), and a form
// to refer the person to a service with a reason. Sends `add-referral` {area, reason} and
// `referral-status` {id, status}; the intake form checks and commits them.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { formatDateTime, language, t, tOr } from "../../i18n";
import type { Referral } from "../../model/case-doc";
import { areaLabel, labelIn, type Catalogue } from "../../rules/catalogue";
import { nextStatuses, type Actor, type ReferralStatus } from "../../rules/transitions";
import { shared } from "../../styles/shared";
import { formStyles } from "./form-styles";

export interface AddReferralDetail {
  area: string;
  reason: string;
}

export interface ReferralStatusDetail {
  id: string;
  status: ReferralStatus;
}

@customElement("referral-panel")
export class ReferralPanel extends LitElement {
  @property({ attribute: false }) referrals: Referral[] = [];
  @property({ attribute: false }) catalogue!: Catalogue;
  @property({ attribute: false }) actor!: Actor;
  @property({ type: Boolean }) disabled = false;
  /** The error of the last attempt, in words. */
  @property() error = "";
  @state() private area = "";
  @state() private reason = "";

  static override styles = [
    shared,
    formStyles,
    css`
      ul {
        list-style: none;
        margin: 0 0 1.25rem;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        border: 1px solid var(--line);
        border-radius: 8px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
        display: grid;
        gap: 0.35rem;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .area {
        font-weight: 700;
      }
      .status {
        font-weight: 600;
        padding-block: 0.1rem;
        padding-inline: 0.6rem;
        border-radius: 999px;
        border: 1px solid currentColor;
      }
      .status.proposed {
        color: var(--warn);
        background: var(--warn-bg);
      }
      .status.accepted,
      .status.closed {
        color: var(--ok);
        background: var(--ok-bg);
      }
      .status.rejected,
      .status.cancelled {
        color: var(--muted);
      }
      .reason {
        white-space: pre-wrap;
        margin: 0;
      }
      .when {
        color: var(--muted);
        margin: 0;
        font-size: 0.95rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];

  private areaLabel(code: string): string {
    return areaLabel(this.catalogue, code, language());
  }

  private hasStaff(code: string): boolean {
    return this.catalogue.areas.find(a => a.code === code)?.hasStaff ?? true;
  }

  private add(event: Event) {
    event.preventDefault();
    if (!this.area) return;
    this.dispatchEvent(new CustomEvent<AddReferralDetail>("add-referral", { detail: { area: this.area, reason: this.reason.trim() } }));
  }

  /** Called by the form once the referral is committed. */
  reset() {
    this.area = "";
    this.reason = "";
  }

  override render() {
    return html`${this.referrals.length === 0
        ? html`<p class="hint">${t("referral.none")}</p>`
        : html`<ul>
            ${this.referrals.map(r => this.renderReferral(r))}
          </ul>`}
      <form @submit=${this.add} novalidate>
        <div class="grid">
          <div class="field">
            <label for="referral-area">${t("referral.area")}</label>
            <select
              id="referral-area"
              .value=${this.area}
              ?disabled=${this.disabled}
              @change=${(e: Event) => (this.area = (e.target as HTMLSelectElement).value)}
            >
              <option value="">${t("referral.chooseArea")}</option>
              ${this.catalogue.areas
                .filter(a => a.active)
                .map(a => html`<option value=${a.code} ?selected=${a.code === this.area}>${labelIn(a, language())}</option>`)}
            </select>
          </div>
          <div class="field wide">
            <label for="referral-reason">${t("referral.reason")}</label>
            <textarea
              id="referral-reason"
              rows="3"
              maxlength="2000"
              .value=${this.reason}
              ?disabled=${this.disabled}
              @input=${(e: Event) => (this.reason = (e.target as HTMLTextAreaElement).value)}
            ></textarea>
          </div>
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <button type="submit" ?disabled=${this.disabled || !this.area}>${t("referral.add")}</button>
      </form>`;
  }

  private renderReferral(r: Referral) {
    const moves = r.status ? nextStatuses(r.status, this.actor, r.area, this.hasStaff(r.area)) : [];
    return html`<li data-referral=${r.id} data-area=${r.area} data-status=${r.status}>
      <div class="head">
        <span class="area">${this.areaLabel(r.area)}</span>
        <span class="status ${r.status}">${tOr(`referral.status.${r.status}`, "status.none")}</span>
      </div>
      ${r.reason ? html`<p class="reason">${r.reason}</p>` : nothing}
      <p class="when">${t("referral.made", { when: formatDateTime(r.createdAt) })}</p>
      ${moves.length > 0
        ? html`<div class="actions">
            ${moves.map(
              status => html`<button
                type="button"
                class="secondary"
                ?disabled=${this.disabled}
                @click=${() => this.dispatchEvent(new CustomEvent<ReferralStatusDetail>("referral-status", { detail: { id: r.id, status } }))}
              >
                ${status === "cancelled" ? t("referral.cancel") : t("referral.close")}
              </button>`,
            )}
          </div>`
        : nothing}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "referral-panel": ReferralPanel;
  }
}
