// The settings cards' words (display announcements, tablets): Italian first, English after, and the refusals
// every settings card shares. One place, so the two cards cannot drift apart.
import { html } from "lit";

/** A pair of texts, Italian then English. */
export type Bilingual = readonly [string, string];

/** Both texts, each marked with its language; the English one muted (`.en`). */
export function both([it, en]: Bilingual) {
  return html`<span lang="it">${it}</span> <span lang="en" class="en">${en}</span>`;
}

/** Refusals any settings card may get; a card adds its own validation texts. */
export const SETTINGS_ERRORS: Record<"forbidden" | "network" | "other", Bilingual> = {
  forbidden: ["Solo un amministratore può cambiare queste impostazioni.", "Only an admin may change these settings."],
  network: ["Il server non risponde. Riprova.", "The server does not answer. Try again."],
  other: ["Salvataggio non riuscito. Riprova.", "Saving failed. Try again."],
};
