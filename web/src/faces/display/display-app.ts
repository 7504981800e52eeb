// Placeholder: the waiting-room display is being built (issue 11).
import { LitElement, html } from "lit";
import { customElement } from "lit/decorators.js";

@customElement("sportello-display")
export class SportelloDisplay extends LitElement {
  override render() {
    return html`<main><h1>Display</h1></main>`;
  }
}
