// One intake (a case at the desk), new or existing: the privacy notice first (every other field stays
// disabled until it is recorded, and a new case is created only then), the person (codice fiscale checked
// as typed and decoded for confirmation), needs from the catalogue, the shared summary, urgency, consent,
// and the referrals. No save button: every field is checked with the server's rules and committed to the
// Automerge document as it is typed (or chosen), and the badge says whether it is only on this tablet or
// saved on the server. A field written concurrently elsewhere shows both values and who wrote each.
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import type { UserSummary } from "../../data/api";
import { documentIdOf, navigate, type Route } from "../../app/router";
import { formatDateTime, language, t } from "../../i18n";
import {
  commitEdit,
  conflictsAt,
  newReferralId,
  readCase,
  type CaseDocument,
  type CaseEdit,
  type CaseView,
  type Channel,
  type EditContext,
  type PersonField,
  type Urgency,
} from "../../model/case-doc";
import type { CaseLibrary } from "../../model/case-library";
import type { AuthorBook } from "../../model/authors";
import { labelIn, needLabel, rulesOf, type Catalogue } from "../../rules/catalogue";
import { CatalogueController } from "../../model/catalogue-in-force";
import type { RuleError } from "../../rules/case-rules";
import { parseFiscalCode, suggestedBirthDate } from "../../rules/fiscal-code";
import { isCitizenship, isLanguage, isTicket, nowTimestamp, parseEmail, parsePhone, todayDate } from "../../rules/values";
import { shared } from "../../styles/shared";
import "../cases/save-badge";
import "./conflict-choice";
import "./referral-panel";
import type { AddReferralDetail, ReferralPanel, ReferralStatusDetail } from "./referral-panel";
import { fiscalCodeMessage, ruleMessage } from "./messages";
import { formStyles } from "./form-styles";

type Parsed = { ok: true; value: string } | { ok: false; message: string };

/** What the user typed in a person field, as the document must store it (or why it cannot be stored). */
function parsePersonField(field: PersonField, raw: string): Parsed {
  const trimmed = raw.trim();
  if (trimmed === "" && field !== "given_name" && field !== "family_name") return { ok: true, value: "" };
  switch (field) {
    case "given_name":
    case "family_name":
      return { ok: true, value: raw };
    case "fiscal_code": {
      const parsed = parseFiscalCode(raw.replace(/\s+/g, ""));
      return parsed.ok ? { ok: true, value: parsed.value.code } : { ok: false, message: fiscalCodeMessage(parsed.error) };
    }
    case "phone": {
      const parsed = parsePhone(raw);
      return parsed.ok ? parsed : { ok: false, message: ruleMessage({ code: parsed.error }) };
    }
    case "email": {
      const parsed = parseEmail(raw);
      return parsed.ok ? parsed : { ok: false, message: ruleMessage({ code: parsed.error }) };
    }
    case "citizenship":
      return isCitizenship(trimmed.toUpperCase())
        ? { ok: true, value: trimmed.toUpperCase() }
        : { ok: false, message: ruleMessage({ code: "citizenship" }) };
    case "birth_date":
      return { ok: true, value: trimmed };
  }
}

function parseLanguages(raw: string): Parsed & { list?: string[] } {
  const list = [...new Set(raw.split(/[\s,;]+/).map(l => l.trim().toLowerCase()).filter(Boolean))];
  if (!list.every(isLanguage)) return { ok: false, message: ruleMessage({ code: "language" }) };
  if (list.length > 10) return { ok: false, message: ruleMessage({ code: "too_many", params: { max: 10 } }) };
  return { ok: true, value: list.join(", "), list };
}

@customElement("intake-form")
export class IntakeForm extends LitElement {
  @property({ attribute: false }) library!: CaseLibrary;
  @property({ attribute: false }) route!: Extract<Route, { name: "new-intake" } | { name: "case" }>;
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) authors?: AuthorBook;

  @state() private handle?: DocHandle<CaseDocument>;
  @state() private status: "new" | "loading" | "ready" | "unavailable" = "loading";
  @state() private view?: CaseView;
  /** What the user is typing, per field, while it differs from the document (invalid or unfinished). */
  @state() private drafts: Record<string, string> = {};
  /** Why a field's last value was not saved, in words. */
  @state() private errors: Record<string, string> = {};
  @state() private channel: Channel = "desk";
  @state() private ticket = "";
  @state() private referralError = "";
  #unlisten?: () => void;
  #unsubscribeLibrary?: () => void;
  /** The catalogue in force (the synced directory's; the defaults until it arrives): re-renders on change. */
  readonly #catalogue = new CatalogueController(this);

  get catalogue(): Catalogue {
    return this.#catalogue.value;
  }

  static override styles = [
    shared,
    formStyles,
    css`
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.75rem 1.5rem;
        margin-block-end: 1rem;
      }
      .top h1 {
        margin: 0;
      }
      .back {
        display: inline-flex;
        align-items: center;
        min-block-size: 44px;
        color: var(--accent);
        font-weight: 600;
      }
      .decoded {
        background: var(--page);
        border-radius: 8px;
        padding-block: 0.6rem;
        padding-inline: 0.8rem;
        margin-block: 0.5rem 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .decoded p {
        margin: 0;
      }
      .save-legend {
        color: var(--muted);
        margin-block: 0 1rem;
      }
    `,
  ];

  override connectedCallback() {
    super.connectedCallback();
    this.#unsubscribeLibrary = this.library.subscribe(() => this.requestUpdate());
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#unsubscribeLibrary?.();
    this.#unlisten?.();
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has("route")) void this.load();
  }

  private async load() {
    const route = this.route;
    this.drafts = {};
    this.errors = {};
    this.referralError = "";
    if (route.name === "new-intake") {
      this.#setHandle(undefined);
      this.status = "new";
      this.ticket = route.ticket ?? "";
      this.channel = "desk";
      return;
    }
    const url = `automerge:${route.documentId}`;
    if (this.handle?.url === url) return;
    this.status = "loading";
    try {
      const handle = await this.library.open(url);
      if (this.route !== route) return;
      this.#setHandle(handle);
      this.status = "ready";
      // Each opening of a case is recorded for the audit (issue 12, "Reads on the tablet").
      this.library.noteOpened(route.documentId);
    } catch {
      if (this.route === route) this.status = "unavailable";
    }
  }

  #setHandle(handle: DocHandle<CaseDocument> | undefined) {
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.handle = handle;
    this.view = handle ? readCase(handle.doc()) : undefined;
    if (handle) {
      const onChange = () => (this.view = readCase(handle.doc()));
      handle.on("change", onChange);
      // The case left this tablet while on screen (it left the operator's window, or was erased): stop
      // showing it at once, rather than when the user navigates away.
      const offDeparted = this.library.onDeparted(url => {
        if (url !== handle.url || this.handle !== handle) return;
        this.#setHandle(undefined);
        this.status = "unavailable";
      });
      this.#unlisten = () => {
        handle.off("change", onChange);
        offDeparted();
      };
      this.authors?.announce(handle);
    }
  }

  private get ctx(): EditContext {
    return {
      actor: { userId: this.user.id, role: this.user.role, areas: this.user.areas },
      catalogue: rulesOf(this.catalogue),
      today: todayDate(),
    };
  }

  /** Checks and commits `edit`; on refusal, `field` shows why. True when committed. */
  private commit(field: string, edit: CaseEdit): boolean {
    if (!this.handle) return false;
    const verdict = commitEdit(this.handle, edit, this.ctx);
    if (verdict.stage === "ok") {
      if (field in this.errors) {
        const { [field]: _, ...rest } = this.errors;
        this.errors = rest;
      }
      return true;
    }
    this.errors = { ...this.errors, [field]: this.messageOf(verdict.errors) };
    return false;
  }

  private messageOf(errors: RuleError[]): string {
    const first = errors[0];
    return first ? ruleMessage(first) : t("rule.other");
  }

  private setDraft(field: string, value: string | undefined) {
    const next = { ...this.drafts };
    if (value === undefined) delete next[field];
    else next[field] = value;
    this.drafts = next;
  }

  private setError(field: string, message: string | undefined) {
    const next = { ...this.errors };
    if (message === undefined) delete next[field];
    else next[field] = message;
    this.errors = next;
  }

  // ---- intents -------------------------------------------------------------------------------------

  private async recordPrivacy(given: boolean) {
    if (!this.handle) {
      if (!given) return;
      const handle = await this.library.create({
        userId: this.user.id,
        now: nowTimestamp(),
        channel: this.channel,
        ticket: isTicket(this.ticket.trim()) ? this.ticket.trim() : undefined,
        privacyNotice: true,
      });
      this.#setHandle(handle);
      this.status = "ready";
      navigate({ name: "case", documentId: documentIdOf(handle.url) }, { replace: true });
      return;
    }
    const view = this.view!;
    this.commit("consent", { kind: "consent", privacyNotice: given, dataSharing: given && view.consent.dataSharing, now: nowTimestamp() });
  }

  private personInput(field: PersonField, raw: string) {
    this.setDraft(field, raw);
    const parsed = parsePersonField(field, raw);
    if (!parsed.ok) {
      // Shown at once for a complete codice fiscale; for the rest when the field is left.
      const complete = field === "fiscal_code" && raw.replace(/\s+/g, "").length >= 16;
      this.setError(field, complete ? parsed.message : undefined);
      return;
    }
    if (parsed.value === this.view?.person[field] && !conflictsAt(this.handle?.doc(), ["person", field])) {
      this.setError(field, undefined);
      return;
    }
    this.commit(field, { kind: "person", field, value: parsed.value });
  }

  private personBlur(field: PersonField) {
    const raw = this.drafts[field];
    if (raw === undefined) return;
    const parsed = parsePersonField(field, raw);
    if (!parsed.ok) {
      this.setError(field, parsed.message);
      return;
    }
    // Saved: show the stored (normalised) value from now on.
    if (!(field in this.errors)) this.setDraft(field, undefined);
  }

  private languagesInput(raw: string, leaving: boolean) {
    this.setDraft("languages", raw);
    const parsed = parseLanguages(raw);
    if (!parsed.ok) {
      if (leaving) this.setError("languages", parsed.message);
      return;
    }
    const same = parsed.list!.join(",") === this.view?.person.languages.join(",");
    if (same || this.commit("languages", { kind: "languages", value: parsed.list! })) {
      this.setError("languages", undefined);
      if (leaving) this.setDraft("languages", undefined);
    }
  }

  private keep(field: PersonField | "sex" | "urgency" | "ticket", value: string) {
    this.setDraft(field, undefined);
    if (field === "sex") this.commit(field, { kind: "sex", value: value as "" | "female" | "male" });
    else if (field === "urgency") this.commit(field, { kind: "urgency", value: value as Urgency });
    else if (field === "ticket") this.commit(field, { kind: "ticket", value });
    else this.commit(field, { kind: "person", field, value });
  }

  private useFiscalData() {
    const parsed = parseFiscalCode(this.view?.person.fiscal_code ?? "");
    if (!parsed.ok) return;
    this.commit("birth_date", { kind: "person", field: "birth_date", value: suggestedBirthDate(parsed.value.birth, todayDate()) });
    this.commit("sex", { kind: "sex", value: parsed.value.birth.sex });
  }

  private addReferral(detail: AddReferralDetail) {
    const ok = this.commit("referral", {
      kind: "add_referral",
      id: newReferralId(),
      area: detail.area,
      reason: detail.reason,
      userId: this.user.id,
      now: nowTimestamp(),
    });
    this.referralError = ok ? "" : (this.errors.referral ?? "");
    if (ok) this.renderRoot.querySelector<ReferralPanel>("referral-panel")?.reset();
  }

  private setReferralStatus(detail: ReferralStatusDetail) {
    const ok = this.commit("referral", { kind: "referral_status", id: detail.id, status: detail.status, userId: this.user.id, now: nowTimestamp() });
    this.referralError = ok ? "" : (this.errors.referral ?? "");
  }

  // ---- rendering -----------------------------------------------------------------------------------

  override render() {
    if (this.status === "loading") return html`<p role="status">${t("intake.loading")}</p>`;
    if (this.status === "unavailable") {
      return html`<a class="back" href="#/">${t("desk.back")}</a>
        <p class="error" role="alert">${t("intake.unavailable")}</p>`;
    }
    const view = this.view;
    const name = view ? `${view.person.given_name} ${view.person.family_name}`.trim() : "";
    const enabled = !!view?.consent.privacyNotice;
    const save = this.handle ? this.library.saveStateOf(this.handle.url) : undefined;
    return html`<a class="back" href="#/">${t("desk.back")}</a>
      <div class="top">
        <h1>${name ? t("intake.title", { name }) : t("intake.titleNew")}</h1>
        ${save && this.handle
          ? html`<save-badge .state=${save} .refusal=${this.library.refusal(this.handle.url)} role="status"></save-badge>`
          : nothing}
      </div>
      <p class="save-legend">${t("save.legend")}</p>
      <form @submit=${(e: Event) => e.preventDefault()} novalidate>
        ${this.renderPrivacy(view)} ${this.renderPerson(view, enabled)} ${this.renderNeeds(view, enabled)}
        ${this.renderSummary(view, enabled)} ${this.renderUrgency(view, enabled)}
      </form>
      <fieldset>
        <legend>${t("referral.legend")}</legend>
        <referral-panel
          .referrals=${view?.referrals ?? []}
          .catalogue=${this.catalogue}
          .actor=${this.ctx.actor}
          .error=${this.referralError}
          ?disabled=${!enabled}
          @add-referral=${(e: CustomEvent<AddReferralDetail>) => this.addReferral(e.detail)}
          @referral-status=${(e: CustomEvent<ReferralStatusDetail>) => this.setReferralStatus(e.detail)}
        ></referral-panel>
      </fieldset>`;
  }

  private renderPrivacy(view: CaseView | undefined) {
    const consent = view?.consent;
    return html`<fieldset>
      <legend>${t("intake.privacy.legend")}</legend>
      <p>${t("intake.privacy.text")}</p>
      <div class="grid">
        <div class="field">
          <label for="channel">${t("intake.channel")}</label>
          <select
            id="channel"
            ?disabled=${!!view}
            @change=${(e: Event) => (this.channel = (e.target as HTMLSelectElement).value as Channel)}
          >
            ${(["desk", "phone", "email"] as const).map(
              c => html`<option value=${c} ?selected=${(view?.channel ?? this.channel) === c}>${t(`intake.channel.${c}`)}</option>`,
            )}
          </select>
        </div>
        <div class="field">
          <label for="ticket">${t("intake.ticket")}</label>
          <input
            id="ticket"
            autocomplete="off"
            aria-describedby="ticket-hint"
            .value=${view ? (this.drafts.ticket ?? view.ticket) : this.ticket}
            @input=${(e: Event) => this.ticketInput((e.target as HTMLInputElement).value)}
            @blur=${() => this.setDraft("ticket", this.errors.ticket ? this.drafts.ticket : undefined)}
          />
          <span class="hint" id="ticket-hint">${t("intake.ticketHint")}</span>
          ${this.renderError("ticket")} ${this.renderConflict(["ticket"], t("intake.ticket"))}
        </div>
      </div>
      <div class="check">
        <input
          id="privacy"
          type="checkbox"
          .checked=${!!consent?.privacyNotice}
          @change=${(e: Event) => void this.recordPrivacy((e.target as HTMLInputElement).checked)}
        />
        <label for="privacy">${t("intake.privacy.given")}</label>
      </div>
      ${consent?.privacyNotice && consent.recordedAt
        ? html`<p class="hint" data-recorded>${t("intake.privacy.recordedAt", { when: formatDateTime(consent.recordedAt) })}</p>`
        : nothing}
      <div class="check">
        <input
          id="sharing"
          type="checkbox"
          .checked=${!!consent?.dataSharing}
          ?disabled=${!consent?.privacyNotice}
          @change=${(e: Event) =>
            this.commit("consent", {
              kind: "consent",
              privacyNotice: true,
              dataSharing: (e.target as HTMLInputElement).checked,
              now: nowTimestamp(),
            })}
        />
        <label for="sharing">${t("intake.privacy.sharing")}</label>
      </div>
      ${this.renderError("consent")}
    </fieldset>`;
  }

  private ticketInput(raw: string) {
    if (!this.view) {
      this.ticket = raw;
      return;
    }
    this.setDraft("ticket", raw);
    const value = raw.trim();
    if (value !== "" && !isTicket(value)) {
      this.setError("ticket", ruleMessage({ code: "ticket" }));
      return;
    }
    this.commit("ticket", { kind: "ticket", value });
  }

  private renderError(field: string) {
    const message = this.errors[field];
    return message ? html`<p class="field-error" role="alert" id=${`${field}-error`}>${t("intake.notSaved", { reason: message })}</p>` : nothing;
  }

  private renderConflict(path: string[], label: string, display?: (value: string) => string) {
    const values = this.handle ? conflictsAt(this.handle.doc(), path) : undefined;
    if (!values) return nothing;
    const field = path[path.length - 1] as PersonField;
    return html`<conflict-choice
      .values=${values}
      .label=${label}
      .display=${display ?? ((v: string) => v)}
      .authorOf=${(actor: string) => this.authors?.nameOf(this.handle!.url, actor)}
      @keep=${(e: CustomEvent<{ value: string }>) => this.keep(field, e.detail.value)}
    ></conflict-choice>`;
  }

  private textField(field: PersonField, view: CaseView | undefined, enabled: boolean, options: { type?: string; hint?: string; autocomplete?: string } = {}) {
    const label = t(`field.person.${field}`);
    const hintId = options.hint ? `${field}-hint` : "";
    const errorId = this.errors[field] ? `${field}-error` : "";
    return html`<div class="field">
      <label for=${field}>${label}</label>
      <input
        id=${field}
        type=${options.type ?? "text"}
        autocomplete=${options.autocomplete ?? "off"}
        spellcheck="false"
        aria-describedby=${[hintId, errorId].filter(Boolean).join(" ") || nothing}
        aria-invalid=${this.errors[field] ? "true" : "false"}
        ?disabled=${!enabled}
        .value=${this.drafts[field] ?? view?.person[field] ?? ""}
        @input=${(e: Event) => this.personInput(field, (e.target as HTMLInputElement).value)}
        @blur=${() => this.personBlur(field)}
      />
      ${options.hint ? html`<span class="hint" id=${hintId}>${options.hint}</span>` : nothing} ${this.renderError(field)}
      ${this.renderConflict(["person", field], label)}
    </div>`;
  }

  private renderPerson(view: CaseView | undefined, enabled: boolean) {
    const sexWord = (v: string) => (v === "female" || v === "male" ? t(`intake.sex.${v}`) : v);
    const namesEnabled = enabled;
    return html`<fieldset>
      <legend>${t("intake.person.legend")}</legend>
      <div class="grid">
        ${this.textField("given_name", view, namesEnabled, { autocomplete: "off" })}
        ${this.textField("family_name", view, namesEnabled, { autocomplete: "off" })}
        <div class="field wide">
          ${this.textField("fiscal_code", view, enabled, {
            hint: this.drafts.fiscal_code !== undefined && this.drafts.fiscal_code.replace(/\s+/g, "").length < 16
              ? t("intake.fiscal.typing", { count: this.drafts.fiscal_code.replace(/\s+/g, "").length })
              : undefined,
          })}
          ${this.renderDecoded(view)}
        </div>
        <div class="field">
          <label for="birth_date">${t("field.person.birth_date")}</label>
          <input
            id="birth_date"
            type="date"
            min="1900-01-01"
            max=${todayDate()}
            ?disabled=${!enabled}
            .value=${view?.person.birth_date ?? ""}
            @change=${(e: Event) => this.personInput("birth_date", (e.target as HTMLInputElement).value)}
            @blur=${() => this.setDraft("birth_date", undefined)}
          />
          ${this.renderError("birth_date")} ${this.renderConflict(["person", "birth_date"], t("field.person.birth_date"))}
        </div>
        <div class="field">
          <label for="sex">${t("field.person.sex")}</label>
          <select
            id="sex"
            ?disabled=${!enabled}
            @change=${(e: Event) => this.commit("sex", { kind: "sex", value: (e.target as HTMLSelectElement).value as "" | "female" | "male" })}
          >
            ${(["", "female", "male"] as const).map(
              s => html`<option value=${s} ?selected=${(view?.person.sex ?? "") === s}>${t(s ? `intake.sex.${s}` : "intake.sex.none")}</option>`,
            )}
          </select>
          ${this.renderError("sex")} ${this.renderConflict(["person", "sex"], t("field.person.sex"), sexWord)}
        </div>
        ${this.textField("citizenship", view, enabled, { hint: t("intake.citizenshipHint") })}
        <div class="field">
          <label for="languages">${t("field.person.languages")}</label>
          <input
            id="languages"
            autocomplete="off"
            spellcheck="false"
            aria-describedby="languages-hint"
            ?disabled=${!enabled}
            .value=${this.drafts.languages ?? view?.person.languages.join(", ") ?? ""}
            @input=${(e: Event) => this.languagesInput((e.target as HTMLInputElement).value, false)}
            @blur=${(e: Event) => this.languagesInput((e.target as HTMLInputElement).value, true)}
          />
          <span class="hint" id="languages-hint">${t("intake.languagesHint")}</span>
          ${this.renderError("languages")}
        </div>
        ${this.textField("phone", view, enabled, { type: "tel", hint: t("intake.phoneHint") })}
        ${this.textField("email", view, enabled, { type: "email" })}
      </div>
    </fieldset>`;
  }

  private renderDecoded(view: CaseView | undefined) {
    const code = view?.person.fiscal_code;
    if (!code || this.drafts.fiscal_code !== undefined) return nothing;
    const parsed = parseFiscalCode(code);
    if (!parsed.ok) return nothing;
    const birth = suggestedBirthDate(parsed.value.birth, todayDate());
    const date = new Intl.DateTimeFormat(language(), { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${birth}T00:00:00Z`));
    const sex = t(`intake.fiscal.sex.${parsed.value.birth.sex}`);
    const place = parsed.value.placeCode.startsWith("Z") ? `${parsed.value.placeCode} ${t("intake.fiscal.foreign")}` : parsed.value.placeCode;
    const differs = view.person.birth_date !== birth || view.person.sex !== parsed.value.birth.sex;
    return html`<div class="decoded" data-decoded>
      <p>${t("intake.fiscal.decoded", { date, sex, place })}</p>
      ${differs ? html`<button type="button" class="secondary" @click=${() => this.useFiscalData()}>${t("intake.fiscal.use")}</button>` : nothing}
    </div>`;
  }

  private renderNeeds(view: CaseView | undefined, enabled: boolean) {
    const chosen = new Set(view?.needs.map(n => n.code) ?? []);
    // Inactive needs stay shown on the cases that carry them, and are offered to no other.
    const needs = this.catalogue.needs.filter(n => n.active || chosen.has(n.code));
    return html`<fieldset>
      <legend>${t("intake.needs.legend")}</legend>
      <p class="hint">${t("intake.needs.hint")}</p>
      <div class="choices">
        ${needs.map(
          need => html`<div class="check">
            <input
              id=${`need-${need.code}`}
              type="checkbox"
              .checked=${chosen.has(need.code)}
              ?disabled=${!enabled}
              @change=${(e: Event) => this.commit("needs", { kind: "need", code: need.code, on: (e.target as HTMLInputElement).checked })}
            />
            <label for=${`need-${need.code}`}>${labelIn(need, language())}</label>
          </div>`,
        )}
      </div>
      ${this.renderError("needs")}
      ${view?.needs.map(n => {
        const key = `need-note-${n.code}`;
        const label = needLabel(this.catalogue, n.code, language());
        return html`<div class="field">
          <label for=${key}>${t("intake.needs.note", { need: label })}</label>
          <textarea
            id=${key}
            rows="2"
            ?disabled=${!enabled}
            .value=${this.drafts[key] ?? n.note}
            @input=${(e: Event) => {
              const value = (e.target as HTMLTextAreaElement).value;
              this.setDraft(key, value);
              this.commit(key, { kind: "need_note", code: n.code, value });
            }}
            @blur=${() => this.setDraft(key, undefined)}
          ></textarea>
          ${this.renderError(key)}
        </div>`;
      })}
    </fieldset>`;
  }

  private renderSummary(view: CaseView | undefined, enabled: boolean) {
    return html`<fieldset>
      <legend>${t("field.summary")}</legend>
      <div class="field">
        <label for="summary">${t("field.summary")}</label>
        <textarea
          id="summary"
          rows="6"
          aria-describedby="summary-hint"
          ?disabled=${!enabled}
          .value=${this.drafts.summary ?? view?.summary ?? ""}
          @input=${(e: Event) => {
            const value = (e.target as HTMLTextAreaElement).value;
            this.setDraft("summary", value);
            this.commit("summary", { kind: "summary", value });
          }}
          @blur=${() => this.setDraft("summary", undefined)}
        ></textarea>
        <span class="hint" id="summary-hint">${t("intake.summaryHint")}</span>
        ${this.renderError("summary")}
      </div>
    </fieldset>`;
  }

  private renderUrgency(view: CaseView | undefined, enabled: boolean) {
    return html`<fieldset>
      <legend>${t("field.urgency")}</legend>
      <div class="choices" role="radiogroup" aria-label=${t("field.urgency")}>
        ${(["low", "normal", "high"] as const).map(
          u => html`<div class="check">
            <input
              id=${`urgency-${u}`}
              type="radio"
              name="urgency"
              value=${u}
              .checked=${(view?.urgency ?? "normal") === u}
              ?disabled=${!enabled}
              @change=${() => this.commit("urgency", { kind: "urgency", value: u })}
            />
            <label for=${`urgency-${u}`}>${t(`intake.urgency.${u}`)}</label>
          </div>`,
        )}
      </div>
      ${this.renderError("urgency")} ${this.renderConflict(["urgency"], t("field.urgency"), v => t(`intake.urgency.${v as Urgency}`))}
    </fieldset>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "intake-form": IntakeForm;
  }
}
