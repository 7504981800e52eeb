// The waiting-room display (`/display`, a device): enrolled once with a display credential (typed, scanned,
// or the enrolment link `…/display#enrol=spdc_…`), then a board readable across a room — the number being
// called and its desk in very large type, the other numbers called, the last calls, the people waiting per
// line with an estimated wait, and the clock — kept live by the queue's event stream, with a chime and a
// spoken announcement for each call. Italian and English side by side (messages.ts).
//
// Renders state only: the device session (device/device-session.ts), the feed (display-feed.ts), the
// announcement queue (announcements.ts) and the voice (speaker.ts) do the work. No personal data exists
// here to show: the board has numbers, desks and counts. Nothing of Automerge or the sync engine is
// imported (faces.ts).

import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError } from "../../data/api";
import { credentialIn, DeviceSession, indexedDbCredentialStore, type DeviceState } from "../../device/device-session";
import { Announcer } from "./announcements";
import { heroCall, waitMinutes, type BoardCall, type DisplayState } from "./board-state";
import { DisplayFeed, type FeedView } from "./display-feed";
import { enrolErrorKey, feedErrorKey, msg, msgCount, type DisplayKey } from "./messages";
import { Speaker } from "./speaker";

const ZONE = "Europe/Rome";
const clockFormat = new Intl.DateTimeFormat("it-IT", { hour: "2-digit", minute: "2-digit", timeZone: ZONE });
const dateFormat = new Intl.DateTimeFormat("it-IT", { weekday: "long", day: "numeric", month: "long", timeZone: ZONE });
const timeFormat = new Intl.DateTimeFormat("it-IT", { hour: "2-digit", minute: "2-digit", timeZone: ZONE });
/** How long a new call stays marked on the screen. */
const NEW_CALL_MS = 12_000;
/** How often an enrolled display without a token asks the server again. */
const RETRY_SESSION_MS = 20_000;
/** How many of the last calls the side column lists. */
const RECENT_SHOWN = 6;
/** How many other numbers being called are listed under the largest one. */
const ALSO_SHOWN = 6;

/** Italian, with the English beside it in smaller type. */
function both(key: DisplayKey, values: Record<string, string | number> = {}) {
  return html`<span lang="it">${msg("it", key, values)}</span> <span lang="en" class="en">${msg("en", key, values)}</span>`;
}

function bothCount(count: number) {
  return html`<span lang="it">${msgCount("it", "waitingCount", count)}</span>
    <span lang="en" class="en">${msgCount("en", "waitingCount", count)}</span>`;
}

function timeOf(iso: string): string {
  const at = Date.parse(iso);
  return Number.isFinite(at) ? timeFormat.format(at) : "";
}

@customElement("sportello-display")
export class SportelloDisplay extends LitElement {
  static override styles = css`
    :host {
      --bg: #0c2340;
      --panel: #133259;
      --ink: #ffffff;
      --soft: #d5e1f2;
      --accent: #ffd166;
      --rule: #2e5283;
      --warn-bg: #7a2e00;
      display: block;
      min-block-size: 100vh;
      background: var(--bg);
      color: var(--ink);
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
      /* The type scale follows the screen: the same layout reads across a room at 1920×1080 and at
         1280×720. 1vmin is 10.8 px on the first, 7.2 px on the second. */
      font-size: clamp(16px, 2.2vmin, 40px);
      line-height: 1.25;
    }
    *,
    *::before,
    *::after {
      box-sizing: border-box;
    }
    .en {
      color: var(--soft);
      font-weight: 400;
    }
    .board {
      display: grid;
      grid-template-rows: auto 1fr auto;
      block-size: 100vh;
      padding: 2.2vmin 3vmin;
      gap: 2vmin;
    }
    header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 2vmin;
    }
    h1 {
      flex: 1;
      margin: 0;
      font-size: clamp(20px, 3.4vmin, 56px);
      font-weight: 700;
    }
    h1 .en {
      display: block;
      font-size: 0.62em;
    }
    .clock {
      text-align: end;
    }
    .clock time {
      display: block;
      font-size: clamp(32px, 7vmin, 120px);
      font-weight: 700;
      font-variant-numeric: tabular-nums;
      line-height: 1;
    }
    .clock .date {
      font-size: clamp(14px, 2.2vmin, 36px);
      color: var(--soft);
    }
    main {
      display: grid;
      grid-template-columns: 3fr 2fr;
      gap: 2.5vmin;
      min-block-size: 0;
    }
    section {
      background: var(--panel);
      border-radius: 2vmin;
      padding: 2.5vmin 3vmin;
      min-block-size: 0;
      overflow: hidden;
    }
    h2 {
      margin: 0 0 1.5vmin;
      font-size: clamp(18px, 3vmin, 48px);
      font-weight: 700;
    }
    .hero {
      display: flex;
      flex-direction: column;
      justify-content: center;
      text-align: center;
      border: 0.6vmin solid transparent;
    }
    .hero.new {
      border-color: var(--accent);
      animation: pulse 1.2s ease-in-out 4;
    }
    @keyframes pulse {
      50% {
        background: #1d4578;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .hero.new {
        animation: none;
      }
    }
    .hero .number {
      display: block;
      font-size: clamp(96px, 24vmin, 400px);
      font-weight: 800;
      line-height: 1;
      color: var(--accent);
      font-variant-numeric: tabular-nums;
      letter-spacing: 0.02em;
    }
    .hero.past .number {
      color: var(--ink);
    }
    .hero .go {
      display: block;
      margin-block-start: 1vmin;
      font-size: clamp(20px, 3.2vmin, 52px);
    }
    .hero .desk {
      display: block;
      overflow-wrap: anywhere;
      font-size: clamp(48px, 10vmin, 170px);
      font-weight: 700;
      line-height: 1.1;
    }
    .hero .none {
      font-size: clamp(24px, 5vmin, 80px);
      color: var(--soft);
    }
    .also {
      margin-block-start: 2.5vmin;
      display: flex;
      flex-wrap: wrap;
      justify-content: center;
      gap: 1.2vmin 2.5vmin;
      font-size: clamp(20px, 3.6vmin, 60px);
    }
    .also h3 {
      flex-basis: 100%;
      margin: 0;
      font-size: clamp(16px, 2.4vmin, 40px);
      font-weight: 600;
    }
    .also span.call {
      font-weight: 700;
      white-space: nowrap;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .recent li {
      display: grid;
      grid-template-columns: 1fr auto auto;
      gap: 2vmin;
      align-items: baseline;
      padding-block: 1.1vmin;
      border-block-end: 0.2vmin solid var(--rule);
      font-size: clamp(20px, 4.2vmin, 72px);
    }
    .recent li:last-child {
      border-block-end: 0;
    }
    .recent .number {
      font-weight: 800;
      font-variant-numeric: tabular-nums;
    }
    .recent .at {
      font-size: 0.55em;
      color: var(--soft);
      font-variant-numeric: tabular-nums;
    }
    .recent p {
      color: var(--soft);
    }
    section.lines {
      background: none;
      padding: 0;
      border-radius: 0;
    }
    footer ul {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      gap: 2.5vmin;
    }
    footer li {
      flex: 1;
      background: var(--panel);
      border-radius: 2vmin;
      padding: 1.6vmin 2.4vmin;
      display: grid;
      grid-template-columns: auto 1fr;
      grid-template-areas: "code name" "code count" "code wait";
      column-gap: 2vmin;
      align-items: center;
    }
    footer .code {
      grid-area: code;
      font-size: clamp(40px, 8vmin, 130px);
      font-weight: 800;
      color: var(--accent);
      line-height: 1;
    }
    footer .name {
      grid-area: name;
      font-size: clamp(16px, 2.6vmin, 44px);
      font-weight: 700;
    }
    footer .count {
      grid-area: count;
      font-size: clamp(16px, 2.6vmin, 44px);
    }
    footer .wait {
      grid-area: wait;
      font-size: clamp(14px, 2.1vmin, 36px);
      color: var(--soft);
    }
    .closed {
      margin: 0;
      background: var(--warn-bg);
      border-radius: 1vmin;
      padding: 0.8vmin 2vmin;
      font-weight: 600;
    }
    .status {
      margin: 0;
      display: flex;
      align-items: center;
      gap: 1vmin;
      background: #3d1d00;
      color: #ffe8cc;
      border-radius: 1vmin;
      padding: 0.6vmin 1.4vmin;
      font-size: clamp(13px, 1.7vmin, 28px);
    }
    .status::before {
      content: "";
      inline-size: 1.2vmin;
      block-size: 1.2vmin;
      border-radius: 50%;
      background: #ff9f43;
    }
    .status[data-network="live"] {
      background: transparent;
      padding: 0;
    }
    .status[data-network="live"]::before {
      background: #4cd18a;
      inline-size: 0.9vmin;
      block-size: 0.9vmin;
    }
    .audio {
      position: fixed;
      inset-block-end: 2vmin;
      inset-inline-start: 2vmin;
      display: flex;
      align-items: center;
      gap: 2vmin;
      max-inline-size: 70vw;
      background: #1d4578;
      border: 0.3vmin solid var(--accent);
      border-radius: 1.5vmin;
      padding: 1.2vmin 2vmin;
      font-size: clamp(13px, 1.8vmin, 28px);
    }
    button {
      min-block-size: 48px;
      min-inline-size: 44px;
      padding-inline: 1.4em;
      font: inherit;
      font-weight: 700;
      color: #0c2340;
      background: var(--accent);
      border: 0;
      border-radius: 0.6em;
      cursor: pointer;
    }
    button:focus-visible,
    input:focus-visible {
      outline: 4px solid #ffffff;
      outline-offset: 3px;
    }
    button .en {
      color: inherit;
      font-weight: 400;
    }
    .audio button {
      flex: none;
      white-space: nowrap;
      padding-block: 0.4em;
    }
    .audio button .en {
      display: block;
    }
    button[disabled] {
      opacity: 0.7;
      cursor: progress;
    }
    /* The enrolment and waiting screens: an admin at the screen, ordinary size. */
    main.setup {
      display: block;
      max-inline-size: 44rem;
      margin-inline: auto;
      padding: 8vh 1.5rem;
      font-size: 18px;
    }
    .setup h1 {
      font-size: 1.8rem;
      margin-block-end: 1rem;
    }
    .setup p {
      margin-block: 0 1rem;
    }
    .setup label {
      display: block;
      font-weight: 700;
      margin-block-end: 0.4rem;
    }
    .setup input {
      display: block;
      inline-size: 100%;
      min-block-size: 48px;
      padding-inline: 0.75rem;
      font: inherit;
      font-family: ui-monospace, monospace;
      border-radius: 8px;
      border: 2px solid var(--soft);
    }
    .setup .hint {
      display: block;
      color: var(--soft);
      font-size: 0.9rem;
      margin-block: 0.3rem 1rem;
    }
    .setup .en {
      display: block;
      font-size: 0.9em;
    }
    .alert {
      background: #5c1014;
      border-inline-start: 6px solid #ff8a8a;
      padding: 0.75rem 1rem;
      border-radius: 6px;
    }
    .visually-hidden {
      position: absolute;
      inline-size: 1px;
      block-size: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  `;

  @state() private device: DeviceState = { kind: "loading" };
  @state() private feed?: FeedView;
  @state() private now = Date.now();
  @state() private audioAllowed = true;
  @state() private enrolling = false;
  @state() private enrolError?: DisplayKey;
  @state() private credentialText = "";
  /** The newest call marked on the screen until this time. */
  @state() private markedUntil = 0;

  #session = new DeviceSession({ kind: "display", store: indexedDbCredentialStore("sportello-display") });
  #feed?: DisplayFeed;
  #speaker?: Speaker;
  #announcer?: Announcer;
  #unsubscribe?: () => void;
  #clock?: ReturnType<typeof setTimeout>;
  #retrySession?: ReturnType<typeof setInterval>;
  #lastMarkedSeq?: number;

  override connectedCallback(): void {
    super.connectedCallback();
    document.title = "Sportello — display";
    const fromLink = credentialIn(location.hash);
    if (fromLink || /enrol=/.test(location.hash)) {
      // The enrolment link carries a secret: out of the address bar and the history at once.
      history.replaceState(null, "", location.pathname + location.search);
    }
    this.#unsubscribe = this.#session.subscribe(state => this.#onDevice(state));
    this.#tick();
    addEventListener("online", this.#onOnline);
    void this.#session.start().then(() => {
      if (fromLink && this.device.kind === "unenrolled") void this.enrol(fromLink);
    });
    this.#retrySession = setInterval(() => {
      if (this.device.kind === "offline") void this.#session.renewNow();
      else if (this.device.kind === "ready") void this.#session.renewIfDue();
    }, RETRY_SESSION_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
    this.#stopFeed();
    clearTimeout(this.#clock);
    clearInterval(this.#retrySession);
    removeEventListener("online", this.#onOnline);
  }

  #onOnline = () => {
    if (this.device.kind === "offline") void this.#session.renewNow();
  };

  /** The clock, redrawn on each new second. */
  #tick = () => {
    this.now = Date.now();
    this.#clock = setTimeout(this.#tick, 1000 - (this.now % 1000) + 5);
  };

  #onDevice(state: DeviceState): void {
    this.device = state;
    if (state.kind === "ready") this.#startFeed();
    else if (state.kind === "unenrolled") this.#stopFeed();
  }

  #startFeed(): void {
    if (this.#feed) return;
    this.#speaker ??= new Speaker();
    const speaker = this.#speaker;
    this.audioAllowed = speaker.allowed;
    speaker.onChange(() => {
      this.audioAllowed = speaker.allowed;
      this.#announcer?.setEnabled(speaker.allowed);
    });
    const feed = new DisplayFeed({
      auth: this.#session.queueAuth(),
      online: () => navigator.onLine,
      events: window,
      onEvent: event => this.#announcer?.offer(event),
      onBoard: (board, fresh) => {
        this.#announcer?.setLanguages(board.announce_languages ?? []);
        if (fresh) this.#announcer?.skipThrough(board.last_event_id);
      },
    });
    this.#announcer = new Announcer({ speak: announcement => speaker.play(announcement) });
    this.#announcer.setEnabled(speaker.allowed);
    this.#feed = feed;
    feed.subscribe(view => this.#onFeed(view));
    void feed.start();
  }

  #stopFeed(): void {
    this.#feed?.stop();
    this.#feed = undefined;
    this.feed = undefined;
    this.#announcer = undefined;
  }

  #onFeed(view: FeedView): void {
    this.feed = view;
    const seq = view.state?.newestCallSeq;
    if (seq !== undefined && seq !== this.#lastMarkedSeq) {
      this.#lastMarkedSeq = seq;
      this.markedUntil = Date.now() + NEW_CALL_MS;
    }
  }

  async enrol(input: string): Promise<void> {
    if (this.enrolling) return;
    this.enrolling = true;
    this.enrolError = undefined;
    try {
      await this.#session.enrol(input);
      this.credentialText = "";
    } catch (error) {
      this.credentialText = input;
      this.enrolError = enrolErrorKey(error instanceof ApiError ? error.code : "other");
    } finally {
      this.enrolling = false;
    }
  }

  async #unlockAudio(): Promise<void> {
    await this.#speaker?.unlock();
    this.audioAllowed = this.#speaker?.allowed ?? true;
    this.#announcer?.setEnabled(this.audioAllowed);
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("device") && this.device.kind === "unenrolled") {
      this.renderRoot.querySelector<HTMLInputElement>("#credential")?.focus();
    }
  }

  override render() {
    switch (this.device.kind) {
      case "loading":
        return html`<main class="setup"><p role="status">${both("loading")}</p></main>`;
      case "unenrolled":
        return this.#renderEnrol(this.device.revoked);
      case "offline":
        return html`<main class="setup">
          <h1>${both("offline.title")}</h1>
          <p role="status">${both("offline.body")}</p>
        </main>`;
      case "ready":
        return this.#renderBoard();
    }
  }

  #renderEnrol(revoked: boolean) {
    const submit = (event: SubmitEvent) => {
      event.preventDefault();
      const input = (event.target as HTMLFormElement).elements.namedItem("credential") as HTMLInputElement;
      void this.enrol(input.value);
    };
    return html`<main class="setup" data-screen="enrol">
      <h1>${both("enrol.title")}</h1>
      ${revoked ? html`<p class="alert" role="alert" data-revoked>${both("enrol.revoked")}</p>` : nothing}
      <p>${both("enrol.intro")}</p>
      <form @submit=${submit}>
        <label for="credential">${both("enrol.label")}</label>
        <input
          id="credential"
          name="credential"
          autocomplete="off"
          autocapitalize="off"
          spellcheck="false"
          aria-describedby="credential-hint"
          .value=${this.credentialText}
          required
        />
        <span class="hint" id="credential-hint">${both("enrol.hint")}</span>
        ${this.enrolError ? html`<p class="alert" role="alert">${both(this.enrolError)}</p>` : nothing}
        <button type="submit" ?disabled=${this.enrolling}>${this.enrolling ? both("enrol.busy") : both("enrol.submit")}</button>
      </form>
    </main>`;
  }

  #renderBoard() {
    const view = this.feed;
    const state = view?.state;
    return html`<div class="board" data-screen="board">
      <header>
        <h1>${both("title")}</h1>
        ${state && !state.open ? html`<p class="closed" data-closed>${both("closed")}</p>` : nothing}
        ${this.#renderStatus(view)}
        <div class="clock">
          <time datetime=${new Date(this.now).toISOString()}>${clockFormat.format(this.now)}</time>
          <span class="date">${dateFormat.format(this.now)}</span>
        </div>
      </header>
      ${state ? this.#renderMain(state) : html`<main><p role="status">${both("loading")}</p></main>`}
      <footer>${state ? this.#renderLines(state) : nothing} ${this.#renderAudio()}</footer>
    </div>`;
  }

  #renderMain(state: DisplayState) {
    const hero = heroCall(state);
    const marked = hero?.calling && this.now < this.markedUntil;
    const others = state.calling.slice(1, 1 + ALSO_SHOWN);
    const recent = state.recent.slice(hero?.calling ? 0 : 1).slice(0, RECENT_SHOWN);
    return html`<main>
      <section
        class="hero ${marked ? "new" : ""} ${hero && !hero.calling ? "past" : ""}"
        aria-labelledby="hero-title"
        data-hero=${hero?.call.number ?? ""}
        data-desk=${hero?.call.desk ?? ""}
      >
        <h2 id="hero-title">${hero?.calling || !hero ? both("nowCalling") : both("lastCalled")}</h2>
        ${hero
          ? html`<span class="number">${hero.call.number}</span>
              <span class="go">${both("desk")}</span>
              <span class="desk">${hero.call.desk}</span>`
          : html`<span class="none">${both("noCalls")}</span>`}
        ${others.length
          ? html`<div class="also">
              <h3>${both("alsoCalling")}</h3>
              ${others.map(call => html`<span class="call" data-calling=${call.number}>${call.number} → ${call.desk}</span>`)}
            </div>`
          : nothing}
      </section>
      <section class="recent" aria-labelledby="recent-title">
        <h2 id="recent-title">${both("recent")}</h2>
        ${recent.length
          ? html`<ol>
              ${recent.map((call: BoardCall) => html`<li data-recent=${call.number}>
                <span class="number">${call.number}</span>
                <span class="desk">${call.desk}</span>
                <span class="at">${timeOf(call.called_at)}</span>
              </li>`)}
            </ol>`
          : html`<p>${both("recentNone")}</p>`}
      </section>
    </main>`;
  }

  #renderLines(state: DisplayState) {
    return html`<section class="lines" aria-labelledby="lines-title">
      <h2 id="lines-title" class="visually-hidden">${both("waiting")}</h2>
      ${state.lines.length
        ? html`<ul>
            ${state.lines.map(line => {
              const minutes = waitMinutes(line.estimated_wait_s, line.waiting);
              return html`<li data-line=${line.code} data-waiting=${line.waiting}>
                <span class="code" aria-hidden="true">${line.code}</span>
                <span class="name"><span lang="it">${line.name_it}</span> <span lang="en" class="en">${line.name_en}</span></span>
                <span class="count">${line.waiting ? bothCount(line.waiting) : both("waitingNone")}</span>
                ${minutes === undefined ? nothing : html`<span class="wait">${both("estimate", { minutes })}</span>`}
              </li>`;
            })}
          </ul>`
        : html`<p>${both("linesNone")}</p>`}
    </section>`;
  }

  #renderStatus(view: FeedView | undefined) {
    const network = view?.network ?? "connecting";
    const updated = view?.updatedAt ? timeFormat.format(view.updatedAt) : undefined;
    if (network === "live" && !view?.error) {
      return html`<p class="status" role="status" data-network="live"><span class="visually-hidden">${both("network.live")}</span></p>`;
    }
    const key: DisplayKey = view?.error ? feedErrorKey(view.error) : (`network.${network === "live" ? "connecting" : network}` as DisplayKey);
    return html`<p class="status" role="status" data-network=${network}>
      <span>${both(key)}${updated ? html` · ${both("updatedAt", { time: updated })}` : nothing}</span>
    </p>`;
  }

  #renderAudio() {
    if (this.audioAllowed) return nothing;
    return html`<div class="audio" data-audio="locked">
      <button type="button" @click=${() => void this.#unlockAudio()}>${both("audioOn")}</button>
      <span>${both("audioHint")}</span>
    </div>`;
  }
}
