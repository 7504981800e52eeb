// Placeholder: the waiting-room display settings (issue 11), shown inside the queue section.
import { LitElement, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";

@customElement("admin-display-settings")
export class AdminDisplaySettings extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  override render() {
    return html`<p>…</p>`;
  }
}
