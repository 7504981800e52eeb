// The catalogue section's words, Italian first, then English. The console's language is the page's
// (`<html lang>`, which the console's language switch sets): `CatalogueLanguage` re-renders the section
// when it changes. Kept apart from the tablet's catalogues (i18n/), which the console does not load.
import type { ReactiveController, ReactiveControllerHost } from "lit";

const it = {
  "title": "Catalogo delle aree e dei bisogni",
  "intro":
    "Le aree di servizio a cui si invia e i bisogni della prima analisi. Le modifiche arrivano subito ai tablet con la sincronizzazione.",
  "neverDeleted":
    "I codici non si cancellano mai: si disattivano. Un codice disattivato non è più proposto nei moduli, ma resta valido nei casi che lo usano.",
  "loading": "Caricamento del catalogo…",
  "loadFailed": "Non è stato possibile caricare il catalogo.",
  "retry": "Riprova",
  "areas": "Aree di servizio",
  "needs": "Bisogni",
  "empty.areas": "Nessuna area nel catalogo.",
  "empty.needs": "Nessun bisogno nel catalogo.",
  "col.code": "Codice",
  "col.labelIt": "Etichetta in italiano",
  "col.labelEn": "Etichetta in inglese",
  "col.hasStaff": "Con personale",
  "col.status": "Stato",
  "col.actions": "Azioni",
  "active": "Attivo",
  "inactive": "Disattivato",
  "yes": "Sì",
  "no": "No (la registra lo sportello)",
  "none": "—",
  "edit": "Modifica",
  "editLabel": "Modifica {code}",
  "save": "Salva",
  "cancel": "Annulla",
  "deactivate": "Disattiva",
  "deactivateLabel": "Disattiva {code}",
  "reactivate": "Riattiva",
  "reactivateLabel": "Riattiva {code}",
  "add.areas": "Aggiungi un'area",
  "add.needs": "Aggiungi un bisogno",
  "add.button.areas": "Aggiungi l'area",
  "add.button.needs": "Aggiungi il bisogno",
  "field.code": "Codice",
  "field.codeHint": "Da 2 a 40 lettere minuscole, cifre o _, iniziando con una lettera. Non si potrà cambiare.",
  "field.labelIt": "Etichetta in italiano",
  "field.labelEn": "Etichetta in inglese (facoltativa)",
  "field.hasStaff": "Ha personale (assistenti sociali con account)",
  "field.ofCode": "{field} di {code}",
  "error.required": "Obbligatoria.",
  "error.tooLong": "Al massimo 200 caratteri.",
  "error.oneLine": "Una sola riga, senza caratteri di controllo.",
  "error.code": "Da 2 a 40 lettere minuscole, cifre o _, iniziando con una lettera.",
  "error.codeTaken": "Questo codice c'è già: modificalo nella tabella.",
  "error.full": "Il catalogo ha già 200 voci di questo tipo, il massimo.",
  "error.network": "Il server non risponde. Riprova tra poco.",
  "error.forbidden": "Solo un amministratore può modificare il catalogo.",
  "error.generic": "Modifica non salvata: {message}",
  "saved": "«{label}» salvato. I tablet ricevono il catalogo aggiornato.",
  "added": "«{label}» aggiunto. I tablet lo propongono da subito.",
  "deactivated": "«{label}» disattivato: i moduli non lo propongono più.",
  "reactivated": "«{label}» riattivato.",
  "confirm.deactivate.title": "Disattivare «{label}»?",
  "confirm.deactivate.body":
    "Non sarà più proposto nei moduli dei tablet. I codici non vengono mai cancellati: i casi che già lo usano lo conservano, e potrai riattivarlo in ogni momento.",
  "confirm.reactivate.title": "Riattivare «{label}»?",
  "confirm.reactivate.body": "Tornerà a essere proposto nei moduli dei tablet.",
  "updatedAt": "Ultima modifica: {when}",
};

type Key = keyof typeof it;

const en: Record<Key, string> = {
  "title": "Catalogue of areas and needs",
  "intro":
    "The service areas cases are referred to, and the needs of the first analysis. Changes reach the tablets at once by sync.",
  "neverDeleted":
    "Codes are never deleted, only deactivated. A deactivated code is no longer offered in the forms, but stays valid in the cases that use it.",
  "loading": "Loading the catalogue…",
  "loadFailed": "The catalogue could not be loaded.",
  "retry": "Try again",
  "areas": "Service areas",
  "needs": "Needs",
  "empty.areas": "No area in the catalogue.",
  "empty.needs": "No need in the catalogue.",
  "col.code": "Code",
  "col.labelIt": "Italian label",
  "col.labelEn": "English label",
  "col.hasStaff": "With staff",
  "col.status": "Status",
  "col.actions": "Actions",
  "active": "Active",
  "inactive": "Deactivated",
  "yes": "Yes",
  "no": "No (recorded by the desk)",
  "none": "—",
  "edit": "Edit",
  "editLabel": "Edit {code}",
  "save": "Save",
  "cancel": "Cancel",
  "deactivate": "Deactivate",
  "deactivateLabel": "Deactivate {code}",
  "reactivate": "Reactivate",
  "reactivateLabel": "Reactivate {code}",
  "add.areas": "Add an area",
  "add.needs": "Add a need",
  "add.button.areas": "Add the area",
  "add.button.needs": "Add the need",
  "field.code": "Code",
  "field.codeHint": "2 to 40 lowercase letters, digits or _, starting with a letter. It cannot be changed later.",
  "field.labelIt": "Italian label",
  "field.labelEn": "English label (optional)",
  "field.hasStaff": "Has staff (social workers with accounts)",
  "field.ofCode": "{field} of {code}",
  "error.required": "Required.",
  "error.tooLong": "At most 200 characters.",
  "error.oneLine": "One line, no control characters.",
  "error.code": "2 to 40 lowercase letters, digits or _, starting with a letter.",
  "error.codeTaken": "This code exists already: edit it in the table.",
  "error.full": "The catalogue already holds 200 entries of this kind, the most it may.",
  "error.network": "The server does not answer. Try again shortly.",
  "error.forbidden": "Only an administrator may change the catalogue.",
  "error.generic": "Not saved: {message}",
  "saved": "“{label}” saved. The tablets receive the updated catalogue.",
  "added": "“{label}” added. The tablets offer it at once.",
  "deactivated": "“{label}” deactivated: the forms no longer offer it.",
  "reactivated": "“{label}” reactivated.",
  "confirm.deactivate.title": "Deactivate “{label}”?",
  "confirm.deactivate.body":
    "It will no longer be offered in the tablets' forms. Codes are never deleted: the cases that already use it keep it, and you can reactivate it at any time.",
  "confirm.reactivate.title": "Reactivate “{label}”?",
  "confirm.reactivate.body": "It will be offered in the tablets' forms again.",
  "updatedAt": "Last change: {when}",
};

export type CatalogueMessageKey = Key;
export const CATALOGUE_MESSAGES = { it, en } as const;

/** The console's language, as the page says it. */
export function pageLanguage(): "it" | "en" {
  return typeof document !== "undefined" && document.documentElement.lang.startsWith("en") ? "en" : "it";
}

/** The message for `key` in `language`, `{name}` placeholders filled from `values`. */
export function cm(key: Key, values: Record<string, string> = {}, language = pageLanguage()): string {
  const template = CATALOGUE_MESSAGES[language][key] ?? it[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Re-renders its host when the page's language (`<html lang>`) changes. */
export class CatalogueLanguage implements ReactiveController {
  #observer?: MutationObserver;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof MutationObserver === "undefined") return;
    this.#observer = new MutationObserver(() => this.host.requestUpdate());
    this.#observer.observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
  }
}
