// One case as a social worker sees it: the person, needs, summary and urgency **read-only** (the desk
// writes them; the policy gives the area the referral's decision), the referrals, and — for each referral
// to one of their areas — the decisions the status machine allows them (rules/transitions.ts): accept,
// reject (with a note, required here so the desk knows why) or close. Every decision is checked with the
// server's rules before it is committed (model/case-doc.ts `commitEdit`). A closed referral keeps the
// case in the area's history: then nothing can be changed, and the screen says so. The area's notes on
// the case are below (screens/notes).
import { LitElement, css, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { formatRoute } from "../../app/router";
import type { UserSummary } from "../../data/api";
import { formatDateTime, language, t, tOr } from "../../i18n";
import { commitEdit, readCase, type CaseDocument, type CaseView, type Referral } from "../../model/case-doc";
import type { CaseLibrary } from "../../model/case-library";
import { needLabel, rulesOf } from "../../rules/catalogue";
import { CatalogueController } from "../../model/catalogue-in-force";
import { nextStatuses, type ReferralStatus } from "../../rules/transitions";
import { nowTimestamp, todayDate } from "../../rules/values";
import { shared } from "../../styles/shared";
import type { SyncClient } from "../../sync/sync-client";
import type { RefusalNotice } from "../../sync/refusals";
import { refusalMessage, ruleMessage } from "../intake/messages";
import { areaLabel } from "./referral-inbox";
import { mayWriteCase } from "./referral-rows";
import "../notes/case-notes-panel";

type Pending = { id: string; status: "rejected" | "closed" };

const PERSON_FIELDS = ["family_name", "given_name", "fiscal_code", "birth_date", "citizenship", "phone", "email"] as const;

@customElement("referral-case")
export class ReferralCase extends LitElement {
  @property({ attribute: false }) library!: CaseLibrary;
  @property({ attribute: false }) sync?: SyncClient;
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) documentId = "";
  /** The catalogue in force (the synced directory's; the defaults until it arrives): re-renders on change. */
  readonly #catalogue = new CatalogueController(this);
  @state() private view?: CaseView;
  @state() private status: "loading" | "ready" | "unavailable" = "loading";
  @state() private pending?: Pending;
  @state() private note = "";
  @state() private errors: string[] = [];
  @state() private refusal?: RefusalNotice;
  @state() private confirmation = "";
  #handle?: DocHandle<CaseDocument>;
  #openedFor = "";
  #off: (() => void)[] = [];

  static override styles = [
    shared,
    css`
      .back {
        display: inline-flex;
        align-items: center;
        min-block-size: 44px;
        color: var(--accent);
        font-weight: 600;
        margin-block-end: 0.5rem;
      }
      section {
        margin-block-end: 1.5rem;
      }
      dl {
        display: grid;
        grid-template-columns: minmax(8rem, max-content) minmax(0, 1fr);
        gap: 0.35rem 1.25rem;
        margin: 0;
      }
      dt {
        font-weight: 600;
        color: var(--muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .readonly {
        background: var(--page);
        border: 1px solid var(--line);
        border-radius: 8px;
        padding-block: 0.6rem;
        padding-inline: 0.8rem;
      }
      .summary {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      ul.referrals {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.75rem;
      }
      ul.referrals > li {
        border: 1px solid var(--line);
        border-radius: 10px;
        padding-block: 0.75rem;
        padding-inline: 1rem;
        background: var(--surface);
      }
      .referral-head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
        margin-block-end: 0.35rem;
      }
      .referral-head strong {
        font-size: 1.1rem;
      }
      .badge {
        font-weight: 700;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        margin-block-start: 0.75rem;
      }
      textarea {
        display: block;
        inline-size: 100%;
        min-block-size: 6rem;
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
      button.danger {
        background: var(--danger);
        border-color: var(--danger);
      }
      .meta {
        color: var(--muted);
        margin: 0;
      }
      .done {
        color: var(--ok);
        background: var(--ok-bg);
        border-inline-start: 4px solid var(--ok);
        padding-block: 0.6rem;
        padding-inline: 0.8rem;
        border-radius: 4px;
      }
    `,
  ];

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#close();
  }

  protected override willUpdate() {
    if (this.documentId && this.documentId !== this.#openedFor) void this.#open(this.documentId);
  }

  #close() {
    for (const off of this.#off) off();
    this.#off = [];
    this.#handle = undefined;
  }

  async #open(documentId: string) {
    this.#close();
    this.#openedFor = documentId;
    this.status = "loading";
    this.confirmation = "";
    this.errors = [];
    this.pending = undefined;
    const url = `automerge:${documentId}`;
    try {
      const handle = await this.library.open(url);
      if (this.#openedFor !== documentId) return;
      this.#handle = handle;
      const read = () => (this.view = readCase(handle.doc()));
      read();
      handle.on("change", read);
      this.#off.push(() => handle.off("change", read));
      const refusals = this.sync?.refusals;
      if (refusals) this.#off.push(refusals.subscribe(() => (this.refusal = refusals.noticeFor(url))));
      // The case left this tablet while on screen (the referral was cancelled, the case erased): stop
      // showing it at once, rather than when the user navigates away.
      this.#off.push(
        this.library.onDeparted(gone => {
          if (gone !== url || this.#openedFor !== documentId) return;
          this.#close();
          this.view = undefined;
          this.status = "unavailable";
        }),
      );
      this.status = "ready";
      // Each opening of a case is recorded for the audit (issue 12, "Reads on the tablet").
      this.library.noteOpened(documentId);
    } catch {
      if (this.#openedFor === documentId) this.status = "unavailable";
    }
  }

  private get actor() {
    return { userId: this.user.id, role: this.user.role, areas: this.user.areas };
  }

  override render() {
    const back = html`<a class="back" href=${formatRoute({ name: "cases" })}>${t("worker.back")}</a>`;
    if (this.status === "loading") return html`${back}<p role="status">${t("worker.case.loading")}</p>`;
    if (this.status === "unavailable" || !this.view) return html`${back}<p role="alert" class="error">${t("worker.case.unavailable")}</p>`;
    const view = this.view;
    const name = `${view.person.family_name} ${view.person.given_name}`.trim() || t("worker.noName");
    const writable = mayWriteCase(view, this.user.areas);
    const mine = [...new Set(view.referrals.filter(r => this.user.areas.includes(r.area)).map(r => r.area))];
    return html`${back}
      <h1>${t("worker.case.title", { name })}</h1>
      <p class="readonly" role="note">${writable ? t("worker.case.decideHint") : t("worker.case.readOnly")}</p>
      <div role="status">${this.confirmation ? html`<p class="done">${this.confirmation}</p>` : ""}</div>
      <div role="alert">
        ${this.refusal ? html`<p class="error">${refusalMessage(this.refusal)} ${t("worker.case.refusedBack")}</p>` : ""}
        ${this.errors.length ? html`<div class="error">${this.errors.map(e => html`<p>${e}</p>`)}</div>` : ""}
      </div>
      <section aria-labelledby="s-referrals">
        <h2 id="s-referrals">${t("field.referrals")}</h2>
        <ul class="referrals">
          ${view.referrals.map(r => this.renderReferral(r))}
        </ul>
      </section>
      <section aria-labelledby="s-person">
        <h2 id="s-person">${t("intake.person.legend")}</h2>
        <dl>
          ${PERSON_FIELDS.filter(f => view.person[f]).map(
            f => html`<dt>${t(`field.person.${f}`)}</dt>
              <dd>${view.person[f]}</dd>`,
          )}
          ${view.person.languages.length
            ? html`<dt>${t("field.person.languages")}</dt>
                <dd>${view.person.languages.join(", ")}</dd>`
            : ""}
          <dt>${t("field.urgency")}</dt>
          <dd>${tOr(`intake.urgency.${view.urgency}`, "status.none")}</dd>
        </dl>
      </section>
      <section aria-labelledby="s-needs">
        <h2 id="s-needs">${t("field.needs")}</h2>
        ${view.needs.length === 0
          ? html`<p class="meta">${t("worker.case.noNeeds")}</p>`
          : html`<dl>
              ${view.needs.map(
                n => html`<dt>${needLabel(this.#catalogue.value, n.code, language())}</dt>
                  <dd>${n.note || "—"}</dd>`,
              )}
            </dl>`}
      </section>
      <section aria-labelledby="s-summary">
        <h2 id="s-summary">${t("field.summary")}</h2>
        <p class="summary">${view.summary || t("worker.case.noSummary")}</p>
      </section>
      ${mine.map(
        area => html`<case-notes-panel
          .sync=${this.sync}
          .user=${this.user}
          .caseUrl=${`automerge:${this.documentId}`}
          .area=${area}
          .areaLabel=${areaLabel(area)}
        ></case-notes-panel>`,
      )}`;
  }

  private renderReferral(r: Referral) {
    const area = this.#catalogue.value.areas.find(a => a.code === r.area);
    const moves = this.user.areas.includes(r.area)
      ? nextStatuses(r.status, this.actor, r.area, area?.hasStaff ?? true).filter(s => s !== "cancelled")
      : [];
    const pending = this.pending?.id === r.id ? this.pending : undefined;
    return html`<li data-referral=${r.id} data-area=${r.area} data-status=${r.status}>
      <div class="referral-head">
        <strong>${areaLabel(r.area)}</strong>
        <span class="badge">${tOr(`referral.status.${r.status}`, "status.none")}</span>
      </div>
      <p class="meta">${t("worker.proposedOn", { when: formatDateTime(r.createdAt) })}
        ${r.decidedAt && r.status !== "proposed" ? html` · ${t("worker.decidedOn", { when: formatDateTime(r.decidedAt) })}` : ""}</p>
      ${r.reason ? html`<p>${t("worker.reason", { reason: r.reason })}</p>` : ""}
      ${r.note ? html`<p>${t("worker.note", { note: r.note })}</p>` : ""}
      ${pending
        ? this.renderNoteForm(r, pending)
        : moves.length
          ? html`<div class="actions">
              ${moves.map(status => this.renderMove(r, status))}
            </div>`
          : ""}
    </li>`;
  }

  private renderMove(r: Referral, status: ReferralStatus) {
    switch (status) {
      case "accepted":
        return html`<button type="button" data-action="accept" @click=${() => this.decide(r, "accepted")}>${t("worker.accept")}</button>`;
      case "rejected":
        return html`<button type="button" class="secondary" data-action="reject" @click=${() => this.ask(r, "rejected")}>${t("worker.reject")}</button>`;
      case "closed":
        return html`<button type="button" class="secondary" data-action="close" @click=${() => this.ask(r, "closed")}>${t("worker.close")}</button>`;
      default:
        return "";
    }
  }

  private renderNoteForm(r: Referral, pending: Pending) {
    const reject = pending.status === "rejected";
    const id = `note-${r.id}`;
    return html`<form
      class="actions-form"
      @submit=${(e: Event) => {
        e.preventDefault();
        void this.decide(r, pending.status, this.note);
      }}
    >
      <div class="field">
        <label for=${id}>${reject ? t("worker.rejectNote") : t("worker.closeNote")}</label>
        <textarea
          id=${id}
          aria-required=${reject ? "true" : "false"}
          .value=${this.note}
          @input=${(e: Event) => (this.note = (e.target as HTMLTextAreaElement).value)}
        ></textarea>
      </div>
      <div class="actions">
        <button type="submit" class=${reject ? "danger" : ""} data-action=${reject ? "confirm-reject" : "confirm-close"}>
          ${reject ? t("worker.confirmReject") : t("worker.confirmClose")}
        </button>
        <button type="button" class="secondary" @click=${() => this.cancelAsk()}>${t("worker.cancel")}</button>
      </div>
    </form>`;
  }

  private ask(r: Referral, status: Pending["status"]) {
    this.errors = [];
    this.note = "";
    this.pending = { id: r.id, status };
  }

  private cancelAsk() {
    this.pending = undefined;
    this.note = "";
    this.errors = [];
  }

  private decide(r: Referral, status: ReferralStatus, note?: string) {
    const handle = this.#handle;
    if (!handle) return;
    const text = note?.trim() ?? "";
    if (status === "rejected" && text === "") {
      this.errors = [t("worker.noteRequired")];
      return;
    }
    const verdict = commitEdit(
      handle,
      { kind: "referral_status", id: r.id, status, userId: this.user.id, now: nowTimestamp(), note: text === "" ? undefined : text },
      { actor: this.actor, catalogue: rulesOf(this.#catalogue.value), today: todayDate() },
    );
    if (verdict.stage !== "ok") {
      this.errors = verdict.errors.map(e => ruleMessage(e));
      return;
    }
    this.errors = [];
    this.pending = undefined;
    this.note = "";
    const message = t(`worker.done.${status as "accepted" | "rejected" | "closed"}`);
    this.confirmation = message;
    // A rejection ends the area's access: the case leaves this tablet's list, so go back to it.
    this.dispatchEvent(
      new CustomEvent("referral-decided", {
        detail: { message, leave: status === "rejected" },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "referral-case": ReferralCase;
  }
}
