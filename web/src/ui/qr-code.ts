// Draws a QR code (qr.ts) as inline SVG: dark modules on a white square with its quiet zone, labelled for
// screen readers. Scales with its box; print or scan it from the screen. Shared by the console (device
// enrolment links) and both faces' second-factor enrolment (the otpauth URI).
import { LitElement, css, html, svg } from "lit";
import { customElement, property } from "lit/decorators.js";
import { qrMatrix } from "./qr";

@customElement("sportello-qr-code")
export class SportelloQrCode extends LitElement {
  @property() text = "";
  @property() label = "";

  static override styles = css`
    :host {
      display: inline-block;
      inline-size: 15rem;
      max-inline-size: 100%;
    }
    svg {
      display: block;
      inline-size: 100%;
      block-size: auto;
      background: #fff;
      border: 1px solid #b9c0c8;
      border-radius: 8px;
    }
  `;

  override render() {
    if (!this.text) return html``;
    const matrix = qrMatrix(this.text);
    return html`<svg
      role="img"
      aria-label=${this.label}
      viewBox="0 0 ${matrix.box} ${matrix.box}"
      shape-rendering="crispEdges"
      data-modules=${matrix.size}
    >
      ${svg`<rect width=${matrix.box} height=${matrix.box} fill="#fff"></rect><path d=${matrix.path} fill="#000"></path>`}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "sportello-qr-code": SportelloQrCode;
  }
}
