// Placeholder: this section is being built (issue 11).
import { LitElement, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";

@customElement("admin-audit")
export class AdminAudit extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  override render() {
    return html`<p>…</p>`;
  }
}
