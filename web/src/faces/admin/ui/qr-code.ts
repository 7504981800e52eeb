// Draws a QR code (qr.ts) as inline SVG: dark modules on a white square with its quiet zone, labelled for
// screen readers. Scales with its box; print or scan it from the screen.
import { LitElement, css, html, svg } from "lit";
import { customElement, property } from "lit/decorators.js";
import { qrMatrix } from "./qr";

@customElement("admin-qr-code")
export class AdminQrCode extends LitElement {
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
    "admin-qr-code": AdminQrCode;
  }
}
