// Placeholder: the totem is being built (issue 11).
import { LitElement, html } from "lit";
import { customElement } from "lit/decorators.js";

@customElement("sportello-totem")
export class SportelloTotem extends LitElement {
  override render() {
    return html`<main><h1>Totem</h1></main>`;
  }
}
