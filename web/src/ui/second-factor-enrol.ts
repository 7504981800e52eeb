// Enrolling the second factor (docs/api.md §3.13), for both faces: the tablet app after a forced password
// change, the console before its sections. Step one shows the otpauth URI as a QR code and the secret as
// grouped text for typing by hand, and asks for the app's code; step two shows the ten recovery codes once,
// with copy and print, until the user says they are saved.
//
// The element renders into its host's shadow root (no shadow root of its own), so each face's styles apply
// to its fields and buttons; `secondFactorStyles` adds the few rules of its own, and the host includes them.
// Its words come from the host (each face has its own catalogue). The secret is dropped once confirmed; the
// recovery codes when the user goes on. Neither is stored or logged.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { cleanTotpCode, groupSecret, recoveryCodesText, type SecondFactorSetup } from "../data/second-factor";
import "./qr-code";

/** The words of the enrolment, in the host's language. */
export interface EnrolWords {
  title: string;
  intro: string;
  loading: string;
  qrLabel: string;
  manualKey: string;
  manualHint: string;
  code: string;
  codeHint: string;
  codeMissing: string;
  confirm: string;
  confirming: string;
  retry: string;
  cancel: string;
  codesTitle: string;
  codesIntro: string;
  /** The first line of the copied or printed list (names the account). */
  codesHeading: string;
  copy: string;
  copied: string;
  copyFailed: string;
  print: string;
  saved: string;
  savedMissing: string;
  continue: string;
}

/** What the enrolment does, through the host's session or client. */
export interface EnrolActions {
  setup(): Promise<SecondFactorSetup>;
  confirm(code: string): Promise<string[]>;
  /** The recovery codes are saved: on into the app. */
  done(): void;
  /** Leave (logout): enrolment can be done at the next login. */
  cancel(): void;
  errorText(error: unknown): string;
}

type Step = { kind: "loading" } | { kind: "failed" } | { kind: "scan"; setup: SecondFactorSetup } | { kind: "codes"; codes: string[] };

@customElement("second-factor-enrol")
export class SecondFactorEnrol extends LitElement {
  @property({ attribute: false }) words!: EnrolWords;
  @property({ attribute: false }) actions!: EnrolActions;
  @state() private step: Step = { kind: "loading" };
  @state() private busy = false;
  @state() private error = "";
  @state() private status = "";
  @state() private savedTicked = false;

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback() {
    super.connectedCallback();
    if (this.step.kind === "loading") void this.load();
  }

  private async load() {
    this.step = { kind: "loading" };
    this.error = "";
    try {
      this.step = { kind: "scan", setup: await this.actions.setup() };
    } catch (error) {
      this.error = this.actions.errorText(error);
      this.step = { kind: "failed" };
    }
  }

  override render() {
    const w = this.words;
    switch (this.step.kind) {
      case "loading":
        return html`<div class="card sf-card"><h1>${w.title}</h1><p role="status">${w.loading}</p></div>`;
      case "failed":
        return html`<div class="card sf-card">
          <h1>${w.title}</h1>
          <div role="alert"><p class="error">${this.error}</p></div>
          <div class="sf-actions">
            <button type="button" @click=${() => void this.load()}>${w.retry}</button>
            <button type="button" class="secondary" @click=${() => this.actions.cancel()}>${w.cancel}</button>
          </div>
        </div>`;
      case "scan":
        return this.renderScan(this.step.setup);
      case "codes":
        return this.renderCodes(this.step.codes);
    }
  }

  private renderScan(setup: SecondFactorSetup) {
    const w = this.words;
    return html`<form class="card sf-card" @submit=${this.submit} novalidate>
      <h1>${w.title}</h1>
      <p>${w.intro}</p>
      <div class="sf-scan">
        <div class="sf-qr"><sportello-qr-code .text=${setup.otpauth_uri} .label=${w.qrLabel}></sportello-qr-code></div>
        <p class="sf-manual">
          ${w.manualHint}<br />
          <span class="sf-key-label" id="sf-key-label">${w.manualKey}</span>
          <code class="sf-secret" aria-labelledby="sf-key-label">${groupSecret(setup.secret_base32)}</code>
        </p>
      </div>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <div class="field">
        <label for="sf-code">${w.code}</label>
        <input
          id="sf-code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          maxlength="7"
          aria-describedby="sf-code-hint"
          required
        />
        <p class="hint" id="sf-code-hint">${w.codeHint}</p>
      </div>
      <div class="sf-actions">
        <button type="submit" ?disabled=${this.busy}>${this.busy ? w.confirming : w.confirm}</button>
        <button type="button" class="secondary" ?disabled=${this.busy} @click=${() => this.actions.cancel()}>${w.cancel}</button>
      </div>
    </form>`;
  }

  private renderCodes(codes: string[]) {
    const w = this.words;
    return html`<div class="card sf-card sf-codes-card">
      <h1 tabindex="-1" id="sf-codes-title">${w.codesTitle}</h1>
      <p class="sf-warning">${w.codesIntro}</p>
      <p class="sf-print-only">${w.codesHeading}</p>
      <ol class="sf-codes" aria-labelledby="sf-codes-title">
        ${codes.map(code => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="sf-row sf-no-print">
        <button type="button" class="secondary" @click=${() => void this.copy(codes)}>${w.copy}</button>
        <button type="button" class="secondary" @click=${() => window.print()}>${w.print}</button>
      </div>
      <p role="status" class="sf-no-print">${this.status}</p>
      <div role="alert" class="sf-no-print">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      <label class="sf-check sf-no-print">
        <input type="checkbox" .checked=${this.savedTicked} @change=${(event: Event) => this.tick(event)} />
        ${w.saved}
      </label>
      <div class="sf-actions sf-no-print">
        <button type="button" @click=${this.finish}>${w.continue}</button>
      </div>
    </div>`;
  }

  private tick(event: Event) {
    this.savedTicked = (event.target as HTMLInputElement).checked;
    if (this.savedTicked) this.error = "";
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = form.elements.namedItem("code") as HTMLInputElement;
    const code = cleanTotpCode(input.value);
    if (!code) {
      this.error = this.words.codeMissing;
      input.focus();
      return;
    }
    this.busy = true;
    this.error = "";
    try {
      const codes = await this.actions.confirm(code);
      this.step = { kind: "codes", codes };
      await this.updateComplete;
      this.querySelector<HTMLElement>("#sf-codes-title")?.focus();
    } catch (error) {
      this.error = this.actions.errorText(error);
      input.value = "";
      input.focus();
    } finally {
      this.busy = false;
    }
  }

  private async copy(codes: string[]) {
    try {
      await navigator.clipboard.writeText(recoveryCodesText(codes, this.words.codesHeading));
      this.status = this.words.copied;
    } catch {
      this.status = this.words.copyFailed;
    }
  }

  private finish = () => {
    if (!this.savedTicked) {
      this.error = this.words.savedMissing;
      return;
    }
    this.step = { kind: "loading" };
    this.actions.done();
  };
}

/** The enrolment's own rules; the host adds them to its styles (the element has no shadow root). */
export const secondFactorStyles = css`
  second-factor-enrol {
    display: block;
    inline-size: min(100%, 46rem);
  }
  .sf-card {
    inline-size: 100%;
    box-sizing: border-box;
  }
  .sf-scan {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 1.5rem;
    align-items: center;
    margin-block: 0.5rem 1rem;
  }
  @media (max-width: 40rem) {
    .sf-scan {
      grid-template-columns: 1fr;
      justify-items: center;
    }
  }
  .sf-qr sportello-qr-code {
    inline-size: 13rem;
  }
  .sf-manual {
    overflow-wrap: anywhere;
    min-inline-size: 0;
  }
  .sf-key-label {
    font-weight: 600;
  }
  .sf-secret,
  .sf-codes code {
    font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
    font-size: 1.05rem;
    letter-spacing: 0.02em;
  }
  .sf-secret {
    white-space: nowrap;
    overflow-x: auto;
    display: block;
    margin-block-start: 0.25rem;
    padding: 0.5rem 0.75rem;
    border-radius: 6px;
    background: #f1f3f5;
    color: #111;
  }
  .sf-codes {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
    gap: 0.4rem 2.5rem;
    padding-inline-start: 2.25rem;
  }
  .sf-codes code {
    font-size: 1rem;
    white-space: nowrap;
  }
  .sf-warning {
    padding: 0.75rem 1rem;
    border-inline-start: 4px solid #b35c00;
    background: #fff4e5;
    color: #3d2200;
    border-radius: 4px;
  }
  .sf-row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
  }
  .sf-actions {
    display: grid;
    gap: 0.75rem;
    margin-block-start: 1rem;
  }
  .sf-check {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    min-block-size: 44px;
    font-weight: 600;
  }
  .sf-check input {
    inline-size: 44px;
    block-size: 44px;
    min-block-size: 44px;
    margin: 0;
    flex: none;
    accent-color: var(--accent);
  }
  .sf-print-only {
    display: none;
  }
  @media print {
    .sf-no-print,
    .sf-warning {
      display: none !important;
    }
    .sf-print-only {
      display: block;
      font-weight: 700;
    }
  }
`;

declare global {
  interface HTMLElementTagNameMap {
    "second-factor-enrol": SecondFactorEnrol;
  }
}
