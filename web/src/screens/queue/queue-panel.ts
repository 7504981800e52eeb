// The desk's queue panel (operators, online only): the people waiting on this desk's lines, live; the
// number called to this desk and its moves (recall, start, finish, no-show, transfer); call the next.
// Collapsible (a native <details>), so on a phone-sized screen it folds to one line above the cases.
//
// Starting an intake from the called ticket goes to the new-intake route with its number
// (`startIntake({ticket})`, app/router.ts: `#/nuova?ticket=A007`), where the intake screen fills it in.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { QueueDesk, type DeskView } from "../../data/queue-desk";
import { allowedMoves, deskName, waitingCounts, type DeskSettings, type Move, type ServiceLine } from "../../data/queue";
import type { Session } from "../../data/session";
import { currentRoute, startIntake } from "../../app/router";
import { language, t, type MessageKey } from "../../i18n";
import { shared } from "../../styles/shared";
import "./desk-setup";

@customElement("queue-panel")
export class QueuePanel extends LitElement {
  @property({ attribute: false }) session!: Session;
  @state() private view?: DeskView;
  @state() private editing = false;
  #desk?: QueueDesk;

  static override styles = [
    shared,
    css`
      :host {
        margin-block-end: 1.5rem;
      }
      details {
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 12px;
        box-shadow: 0 1px 3px rgb(0 0 0 / 8%);
      }
      summary {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.25rem 1rem;
        min-block-size: 48px;
        padding-block: 0.5rem;
        padding-inline: 1rem;
        cursor: pointer;
        list-style: none;
      }
      summary::-webkit-details-marker {
        display: none;
      }
      /* The fold in a shape as well as by position: a triangle pointing down (open) or to the side. */
      summary::before {
        content: "";
        inline-size: 0;
        block-size: 0;
        border-block-start: 0.45rem solid transparent;
        border-block-end: 0.45rem solid transparent;
        border-inline-start: 0.6rem solid var(--accent);
        transition: transform 0.15s;
      }
      details[open] > summary::before {
        transform: rotate(90deg);
      }
      :host(:dir(rtl)) details[open] > summary::before {
        transform: rotate(-90deg);
      }
      summary:focus-visible {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
        border-radius: 12px;
      }
      summary h2 {
        display: inline;
        font-size: 1.2rem;
        margin: 0;
      }
      summary .facts {
        color: var(--muted);
        font-weight: 600;
      }
      .body {
        padding-block: 0 1rem;
        padding-inline: 1rem;
        display: grid;
        gap: 1rem;
      }
      @media (min-width: 900px) {
        .body.ready {
          grid-template-columns: minmax(0, 1fr) minmax(0, 2fr);
          align-items: start;
        }
        .body.ready {
          grid-template-areas:
            "network current"
            "side current";
          grid-template-rows: auto 1fr;
        }
        .body.ready > .network {
          grid-area: network;
        }
        .body.ready > .current {
          grid-area: current;
        }
        .body.ready > .side {
          grid-area: side;
        }
      }
      .side {
        display: grid;
        gap: 0.75rem;
        align-content: start;
      }
      h3 {
        font-size: 1rem;
        margin-block: 0 0.5rem;
        color: var(--muted);
      }
      p {
        margin-block-end: 0.5rem;
      }
      .network {
        justify-self: start;
        display: inline-flex;
        align-items: center;
        gap: 0.45rem;
        margin: 0;
        padding-block: 0.3rem;
        padding-inline: 0.7rem;
        border-radius: 8px;
        border-inline-start: 4px solid currentColor;
        font-weight: 600;
      }
      .network.live {
        color: var(--ok);
        background: var(--ok-bg);
      }
      .network.offline,
      .network.unavailable {
        color: var(--danger);
        background: var(--danger-bg);
      }
      .network.connecting,
      .network.reconnecting {
        color: var(--warn);
        background: var(--warn-bg);
      }
      ul.lines {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4rem;
      }
      ul.lines li {
        display: flex;
        flex-wrap: wrap;
        justify-content: space-between;
        gap: 0.25rem 1rem;
        padding-block: 0.5rem;
        padding-inline: 0.75rem;
        border: 1px solid var(--line);
        border-radius: 8px;
        background: var(--page);
      }
      .count {
        font-weight: 700;
      }
      .ticket {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.25rem 1rem;
        margin-block-end: 0.75rem;
      }
      .number {
        font-size: 2.4rem;
        font-weight: 800;
        letter-spacing: 0.04em;
        color: var(--accent);
        line-height: 1.1;
      }
      .tag {
        font-weight: 600;
        padding-inline: 0.5rem;
        border-radius: 6px;
        border: 2px solid currentColor;
      }
      .tag.called {
        color: var(--warn);
        background: var(--warn-bg);
      }
      .tag.serving {
        color: var(--ok);
        background: var(--ok-bg);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem;
        align-items: end;
      }
      .transfer {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem;
        align-items: end;
        margin-block-start: 0.6rem;
      }
      .transfer label {
        margin-block-end: 0.2rem;
      }
      select {
        min-block-size: 48px;
        min-inline-size: 10rem;
        padding-inline: 0.6rem;
        font: inherit;
        color: var(--ink);
        background: var(--field);
        border: 2px solid var(--line);
        border-radius: 8px;
      }
      select:focus-visible {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
      }
      .done {
        color: var(--ok);
        font-weight: 600;
        margin-block: 0.5rem 0;
      }
      .error {
        margin-block: 0 0.75rem;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
      }
      .error button {
        background: transparent;
        color: var(--danger);
        border-color: var(--danger);
      }
    `,
  ];

  /**
   * Folded to its summary line (the number called, how many wait) while a case or an intake is open, so the
   * form has the screen; open again on the list of cases. The user may still open or fold it by hand.
   */
  @state() private folded = currentRoute().name !== "cases";
  #onRoute = () => (this.folded = currentRoute().name !== "cases");

  override connectedCallback() {
    super.connectedCallback();
    addEventListener("hashchange", this.#onRoute);
    const session = this.session;
    this.#desk = new QueueDesk({
      auth: {
        accessToken: () => session.accessToken(),
        refresh: () => session.refreshNow(),
        sessionEnded: () => session.end("error.session_ended"),
        sessionWiped: () => void session.wiped(),
      },
      store: typeof localStorage === "undefined" ? undefined : localStorage,
      online: () => navigator.onLine,
      events: window,
    });
    this.#desk.subscribe(view => (this.view = view));
    void this.#desk.start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener("hashchange", this.#onRoute);
    this.#desk?.stop();
    this.#desk = undefined;
  }

  override render() {
    const view = this.view;
    if (!view) return nothing;
    const settings = view.settings;
    const title = settings ? t("queue.titleDesk", { desk: deskName(settings.desk) }) : t("queue.title");
    const setup = !settings || this.editing;
    return html`<details
      ?open=${!this.folded}
      @toggle=${(event: Event) => (this.folded = !(event.target as HTMLDetailsElement).open)}
      data-network=${view.network}
    >
      <summary>
        <h2 id="queue-title">${title}</h2>
        ${settings && view.loaded ? html`<span class="facts">${this.summaryFacts(view, settings)}</span>` : nothing}
      </summary>
      <div class="body ${setup ? "" : "ready"}">
        ${setup ? this.renderNetwork(view) : nothing}
        ${setup ? this.renderError(view) : nothing}
        ${setup ? this.renderSetup(view) : this.renderDesk(view, settings)}
      </div>
    </details>`;
  }

  private renderError(view: DeskView) {
    return view.error
      ? html`<div class="error" role="alert">
          <span>${t(view.error)}</span>
          <button type="button" @click=${() => this.#desk?.dismissError()}>${t("queue.action.dismiss")}</button>
        </div>`
      : nothing;
  }

  private renderNetwork(view: DeskView) {
    return html`<p class="network ${view.network}" role="status" data-queue-network=${view.network}>
      ${t(networkKey(view.network))}
    </p>`;
  }

  private summaryFacts(view: DeskView, settings: DeskSettings) {
    const total = waitingCounts(view.queue, settings.lines).reduce((sum, line) => sum + line.waiting, 0);
    const current = view.queue.current;
    const now = current
      ? t("queue.summary.current", { number: current.number, status: t(statusKey(current.status)) })
      : t("queue.summary.none");
    return html`${t("queue.summary.waiting", { count: total })} · ${now}`;
  }

  private renderSetup(view: DeskView) {
    return html`<desk-setup
      .lines=${view.lines}
      .settings=${view.settings}
      ?cancellable=${Boolean(view.settings)}
      @desk-setup-save=${(event: CustomEvent<DeskSettings>) => {
        this.editing = false;
        void this.#desk?.configure(event.detail);
      }}
      @desk-setup-cancel=${() => (this.editing = false)}
    ></desk-setup>`;
  }

  private renderDesk(view: DeskView, settings: DeskSettings) {
    const usable = view.network !== "offline" && !view.busy;
    const current = view.queue.current;
    const moves = allowedMoves(current?.status);
    const lineNames = new Map(view.lines.map(line => [line.code, lineName(line)]));
    const transferTargets = view.lines.filter(line => line.active && line.code !== current?.line);
    return html`${this.renderNetwork(view)}
      <section
        class="current"
        aria-labelledby="queue-current"
        data-current=${current?.number ?? ""}
        data-status=${current?.status ?? ""}
      >
        <h3 id="queue-current">${t("queue.current.heading")}</h3>
        ${this.renderError(view)}
        ${current
          ? html`<div class="ticket">
              <span class="number">${current.number}</span>
              <span class="tag ${current.status}">${t(statusKey(current.status))}</span>
              <span>${lineNames.get(current.line) ?? current.line}</span>
              ${current.priority ? html`<span class="tag">${t("queue.current.priority")}</span>` : nothing}
              ${current.recalls ? html`<span>${t("queue.current.recalls", { count: current.recalls })}</span>` : nothing}
            </div>`
          : html`<p>${t("queue.current.none")}</p>`}
        <div class="actions">
          ${current
            ? html`${moves.recall ? this.moveButton("recall", "queue.action.recall", usable, "secondary") : nothing}
              ${moves.start ? this.moveButton("start", "queue.action.start", usable) : nothing}
              ${moves.noShow ? this.moveButton("no-show", "queue.action.noShow", usable, "secondary") : nothing}
              ${moves.finish ? this.moveButton("finish", "queue.action.finish", usable) : nothing}
              <button type="button" class="secondary" @click=${() => this.startIntake(current.number)}>
                ${t("queue.action.startIntake", { number: current.number })}
              </button>`
            : html`<button type="button" ?disabled=${!usable} @click=${() => void this.#desk?.callNext()}>
                ${t("queue.action.callNext")}
              </button>`}
        </div>
        ${current && moves.transfer && transferTargets.length > 0
          ? html`<form class="transfer" @submit=${this.transfer}>
              <div>
                <label for="transfer-line">${t("queue.action.transferTo")}</label>
                <select id="transfer-line" name="line" ?disabled=${!usable}>
                  ${transferTargets.map(line => html`<option value=${line.code}>${lineName(line)}</option>`)}
                </select>
              </div>
              <button type="submit" class="secondary" ?disabled=${!usable}>${t("queue.action.transfer")}</button>
            </form>`
          : nothing}
        <p class="done" role="status">${view.done ? t(view.done.key, { ...view.done, line: view.done.line ?? "" }) : nothing}</p>
      </section>
      <div class="side">
        <section aria-labelledby="queue-waiting">
          <h3 id="queue-waiting">${t("queue.lines.heading")}</h3>
          <ul class="lines">
            ${waitingCounts(view.queue, settings.lines).map(
              line => html`<li data-line=${line.line} data-waiting=${view.loaded ? line.waiting : ""}>
                <span>${lineNames.get(line.line) ?? line.line}</span>
                <span
                  ><span class="count">${t(line.waiting === 1 ? "queue.waiting.one" : "queue.waiting.other", {
                    count: line.waiting,
                  })}</span
                  >${line.priority > 0 ? html` (${t("queue.waiting.priority", { count: line.priority })})` : nothing}</span
                >
              </li>`,
            )}
          </ul>
        </section>
        <div>
          <button type="button" class="secondary" @click=${() => (this.editing = true)}>
            ${t("queue.action.changeDesk")}
          </button>
        </div>
      </div>`;
  }

  private moveButton(move: Move, label: MessageKey, usable: boolean, kind = "") {
    return html`<button type="button" class=${kind} ?disabled=${!usable} @click=${() => void this.#desk?.move(move)}>
      ${t(label)}
    </button>`;
  }

  /** Opens the new intake for this ticket; the route change folds the panel so the form is in view (the
   * summary still shows the number). */
  private startIntake(ticket: string) {
    startIntake({ ticket });
  }

  private transfer(event: SubmitEvent) {
    event.preventDefault();
    const line = new FormData(event.currentTarget as HTMLFormElement).get("line");
    if (typeof line === "string" && line) void this.#desk?.transfer(line);
  }
}

function lineName(line: ServiceLine): string {
  return t("queue.lineName", { code: line.code, name: language() === "en" ? line.name_en : line.name_it });
}

function networkKey(network: DeskView["network"]): MessageKey {
  return `queue.network.${network}`;
}

function statusKey(status: string): MessageKey {
  const known = ["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"];
  return (known.includes(status) ? `queue.status.${status}` : "queue.status.waiting") as MessageKey;
}

declare global {
  interface HTMLElementTagNameMap {
    "queue-panel": QueuePanel;
  }
}
