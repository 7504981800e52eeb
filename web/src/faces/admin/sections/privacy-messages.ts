// The privacy officer's screens' words (look-up, access report, erasures, own password), Italian first, then
// English, following the console's language switch (`adminLanguage`). The access report itself (its table,
// its printed page, its CSV) is always in Italian: privacy-model.ts. Kept apart from messages.ts so that the
// console's shared catalogue stays as it was.
import type { FiscalCodeError } from "../../../rules/fiscal-code";
import { ApiError } from "../../../data/api";
import { adminLanguage, errorText } from "../messages";

const it = {
  "lookup.title": "Diritti dell'interessato",
  "lookup.intro":
    "Cerca i fascicoli di una persona con il suo codice fiscale, poi genera il registro di chi vi ha avuto accesso (art. 15 GDPR) o chiedi la cancellazione (art. 17). Non vedi mai il contenuto dei fascicoli: solo le date, lo stato e gli accessi.",
  "lookup.form": "Ricerca per codice fiscale",
  "lookup.code": "Codice fiscale dell'interessato",
  "lookup.codeHint":
    "16 caratteri. Viene inviato al server solo per la ricerca, non resta nell'indirizzo della pagina e viene cancellato dallo schermo dopo la ricerca.",
  "lookup.submit": "Cerca",
  "lookup.busy": "Ricerca in corso…",
  "lookup.missing": "Inserisci il codice fiscale.",
  "lookup.results": "Fascicoli trovati",
  "lookup.searchedFor": "Risultato della ricerca per il codice fiscale che termina con …{tail}.",
  "lookup.none":
    "Nessun fascicolo con questo codice fiscale. Il server non ha dati di questa persona nei fascicoli dello sportello (o sono già stati cancellati).",
  "lookup.count": "{count} fascicoli",
  "lookup.col.case": "Fascicolo",
  "lookup.col.created": "Aperto il",
  "lookup.col.status": "Stato",
  "lookup.report": "Registro accessi",
  "lookup.reportLabel": "Registro accessi del fascicolo {id}",
  "lookup.erase": "Richiedi cancellazione",
  "lookup.eraseLabel": "Richiedi cancellazione del fascicolo {id}",
  "lookup.newSearch": "Nuova ricerca",
  "status.open": "Aperto",
  "status.closed": "Chiuso",
  "status.referred": "Inviato a un'area",

  "fiscal.length": "Il codice fiscale ha 16 caratteri (ne hai inseriti {length}).",
  "fiscal.character": "Al carattere {position} ci vuole {expected}.",
  "fiscal.letter": "una lettera",
  "fiscal.digit": "una cifra",
  "fiscal.month": "La lettera del mese (nona) non è valida.",
  "fiscal.day": "Il giorno di nascita (caratteri 10 e 11) non è valido.",
  "fiscal.check": "Il carattere di controllo (l'ultimo) non corrisponde: controlla di averlo copiato bene.",
  "fiscal.temporary": "È un codice numerico di 11 cifre (provvisorio o partita IVA): i fascicoli usano il codice fiscale di 16 caratteri.",

  "report.title": "Chi ha avuto accesso al fascicolo",
  "report.back": "Torna ai risultati",
  "report.print": "Stampa",
  "report.csv": "Scarica CSV",
  "report.loading": "Preparazione del registro…",
  "report.people": "Persone",
  "report.entries": "Operazioni registrate",
  "report.first": "Primo accesso",
  "report.last": "Ultimo accesso",
  "report.reads": "Letture",
  "report.writes": "Creazioni e modifiche",
  "report.refused": "Accessi negati o respinti",
  "report.filterPerson": "Persona",
  "report.allPeople": "Tutte le persone",
  "report.view": "Vista",
  "report.view.time": "In ordine di tempo",
  "report.view.person": "Per persona",
  "report.empty": "Nessun accesso registrato per questo fascicolo.",
  "report.shown": "{shown} operazioni mostrate su {total}",
  "report.csvDone": "File CSV scaricato: consegnalo con la stessa cura del registro stampato.",

  "erase.title": "Richiesta di cancellazione",
  "erase.intro":
    "La cancellazione elimina dal server il fascicolo e le note riservate collegate, e li toglie dai tablet al loro prossimo collegamento. Non si può annullare. Ha effetto solo quando un altro referente privacy la approva (entro 24 ore).",
  "erase.case": "Fascicolo {id}, aperto il {created}",
  "erase.reason": "Motivo",
  "erase.reference": "Riferimento (facoltativo)",
  "erase.referenceHint": "Per esempio il numero di protocollo della richiesta dell'interessato. Al massimo 64 caratteri; niente nomi né codici fiscali.",
  "erase.referenceLong": "Il riferimento supera i 64 caratteri.",
  "erase.confirm": "Per confermare, scrivi gli ultimi 6 caratteri dell'identificativo del fascicolo: {code}",
  "erase.confirmWrong": "I caratteri non corrispondono a quelli del fascicolo.",
  "erase.submit": "Invia la richiesta",
  "erase.busy": "Invio…",
  "erase.requested": "Richiesta di cancellazione inviata per il fascicolo {id}: serve l'approvazione di un altro referente privacy entro il {expires}.",

  "erasures.title": "Cancellazioni",
  "erasures.intro":
    "Le richieste di cancellazione hanno effetto solo quando un secondo referente privacy le approva. Controlla il motivo e il riferimento (per esempio sul protocollo) prima di decidere.",
  "erasures.pending": "In attesa",
  "erasures.all": "Tutte",
  "erasures.show": "Mostra",
  "erasures.empty.pending": "Nessuna richiesta in attesa.",
  "erasures.empty.all": "Nessuna richiesta di cancellazione.",
  "erasures.col.case": "Fascicolo",
  "erasures.col.reason": "Motivo e riferimento",
  "erasures.col.requested": "Richiesta",
  "erasures.col.status": "Stato",
  "erasures.col.actions": "Azioni",
  "erasures.byYou": "da te",
  "erasures.byOther": "da un altro referente",
  "erasures.expires": "scade il {at}",
  "erasures.decidedAt": "decisa il {at}",
  "erasures.approve": "Approva e cancella",
  "erasures.approveLabel": "Approva e cancella il fascicolo {id}",
  "erasures.reject": "Respingi",
  "erasures.rejectLabel": "Respingi la richiesta per il fascicolo {id}",
  "erasures.block.own": "È una tua richiesta: deve approvarla un altro referente privacy.",
  "erasures.approveTitle": "Cancellare il fascicolo {id}?",
  "erasures.approveBody":
    "Il fascicolo e le sue note riservate saranno eliminati dal server e dai tablet, e l'identificativo non potrà più essere usato. Non si può annullare. Il registro degli accessi conserverà solo gli identificativi.",
  "erasures.approveConfirm": "Cancella definitivamente",
  "erasures.rejectTitle": "Respingere la richiesta per il fascicolo {id}?",
  "erasures.rejectBody": "Il fascicolo resta com'è. Chi ha fatto la richiesta potrà ripeterla.",
  "erasures.rejectConfirm": "Respingi la richiesta",
  "erasures.approved": "Cancellazione eseguita. Documenti eliminati:",
  "erasures.rejected": "Richiesta respinta: il fascicolo {id} resta com'è.",
  "erasures.status.pending": "In attesa",
  "erasures.status.approved": "Eseguita",
  "erasures.status.rejected": "Respinta",
  "erasures.status.expired": "Scaduta",

  "refusal.self_approval": "Non puoi approvare una tua richiesta: deve farlo un altro referente privacy.",
  "refusal.grant_expired": "La richiesta è scaduta (24 ore) e non è più valida: va ripetuta.",
  "refusal.grant_decided": "La richiesta è già stata decisa da un altro referente privacy. L'elenco è stato aggiornato.",
  "refusal.approver_needed":
    "Non c'è un altro referente privacy attivo che possa approvare: chiedi a un amministratore di crearne un secondo account.",
  "refusal.not_found": "Fascicolo non trovato: forse è già stato cancellato.",
  "refusal.grant_pending": "Per questo fascicolo c'è già una richiesta di cancellazione in attesa: la trovi in Cancellazioni.",
  "refusal.invalid_fiscal_code": "Il server non accetta questo codice fiscale: controllalo e riprova.",

  "password.title": "La mia password",
  "password.intro": "Cambia la password del tuo account. Almeno 12 caratteri, meglio una frase di parole senza legame tra loro.",
  "password.current": "Password attuale",
  "password.new": "Nuova password",
  "password.repeat": "Ripeti la nuova password",
  "password.submit": "Cambia la password",
  "password.busy": "Modifica in corso…",
  "password.mismatch": "Le due password non coincidono.",
  "password.done": "Password cambiata. Le altre sessioni del tuo account sono state chiuse.",
};

export type PrivacyKey = keyof typeof it;

const en: Record<PrivacyKey, string> = {
  "lookup.title": "Data subject rights",
  "lookup.intro":
    "Find a person's cases by their fiscal code, then produce the record of who accessed them (GDPR art. 15) or request their erasure (art. 17). You never see the cases' content: only dates, status and accesses.",
  "lookup.form": "Search by fiscal code",
  "lookup.code": "The person's fiscal code",
  "lookup.codeHint":
    "16 characters. It is sent to the server for the search only, never in the page's address, and cleared from the screen after the search.",
  "lookup.submit": "Search",
  "lookup.busy": "Searching…",
  "lookup.missing": "Enter the fiscal code.",
  "lookup.results": "Cases found",
  "lookup.searchedFor": "Result of the search for the fiscal code ending in …{tail}.",
  "lookup.none": "No case has this fiscal code. The server holds no data of this person in the desk's cases (or they were erased).",
  "lookup.count": "{count} cases",
  "lookup.col.case": "Case",
  "lookup.col.created": "Opened on",
  "lookup.col.status": "Status",
  "lookup.report": "Access record",
  "lookup.reportLabel": "Access record of case {id}",
  "lookup.erase": "Request erasure",
  "lookup.eraseLabel": "Request erasure of case {id}",
  "lookup.newSearch": "New search",
  "status.open": "Open",
  "status.closed": "Closed",
  "status.referred": "Referred to an area",

  "fiscal.length": "A fiscal code has 16 characters (you entered {length}).",
  "fiscal.character": "Character {position} must be {expected}.",
  "fiscal.letter": "a letter",
  "fiscal.digit": "a digit",
  "fiscal.month": "The month letter (the ninth) is not valid.",
  "fiscal.day": "The day of birth (characters 10 and 11) is not valid.",
  "fiscal.check": "The check character (the last) does not match: check the code was copied right.",
  "fiscal.temporary": "This is an 11-digit number (a temporary code or a VAT number): cases use the 16-character fiscal code.",

  "report.title": "Who accessed the case",
  "report.back": "Back to the results",
  "report.print": "Print",
  "report.csv": "Download CSV",
  "report.loading": "Preparing the record…",
  "report.people": "People",
  "report.entries": "Recorded operations",
  "report.first": "First access",
  "report.last": "Last access",
  "report.reads": "Reads",
  "report.writes": "Creations and changes",
  "report.refused": "Denied or refused",
  "report.filterPerson": "Person",
  "report.allPeople": "Everyone",
  "report.view": "View",
  "report.view.time": "By time",
  "report.view.person": "By person",
  "report.empty": "No access recorded for this case.",
  "report.shown": "{shown} of {total} operations shown",
  "report.csvDone": "CSV file downloaded: hand it over with the same care as the printed record.",

  "erase.title": "Erasure request",
  "erase.intro":
    "Erasure deletes the case and its confidential notes from the server, and from the tablets at their next contact. It cannot be undone. It takes effect only when another privacy officer approves it (within 24 hours).",
  "erase.case": "Case {id}, opened on {created}",
  "erase.reason": "Reason",
  "erase.reference": "Reference (optional)",
  "erase.referenceHint": "For instance the protocol number of the person's request. At most 64 characters; no names or fiscal codes.",
  "erase.referenceLong": "The reference is longer than 64 characters.",
  "erase.confirm": "To confirm, type the last 6 characters of the case's id: {code}",
  "erase.confirmWrong": "The characters do not match the case's.",
  "erase.submit": "Send the request",
  "erase.busy": "Sending…",
  "erase.requested": "Erasure of case {id} requested: another privacy officer must approve it by {expires}.",

  "erasures.title": "Erasures",
  "erasures.intro":
    "Erasure requests take effect only when a second privacy officer approves them. Check the reason and the reference (in the protocol, for instance) before deciding.",
  "erasures.pending": "Pending",
  "erasures.all": "All",
  "erasures.show": "Show",
  "erasures.empty.pending": "No pending request.",
  "erasures.empty.all": "No erasure request.",
  "erasures.col.case": "Case",
  "erasures.col.reason": "Reason and reference",
  "erasures.col.requested": "Requested",
  "erasures.col.status": "Status",
  "erasures.col.actions": "Actions",
  "erasures.byYou": "by you",
  "erasures.byOther": "by another officer",
  "erasures.expires": "expires {at}",
  "erasures.decidedAt": "decided {at}",
  "erasures.approve": "Approve and erase",
  "erasures.approveLabel": "Approve and erase case {id}",
  "erasures.reject": "Reject",
  "erasures.rejectLabel": "Reject the erasure of case {id}",
  "erasures.block.own": "Your own request: another privacy officer must approve it.",
  "erasures.approveTitle": "Erase case {id}?",
  "erasures.approveBody":
    "The case and its confidential notes will be deleted from the server and the tablets, and the id can never be used again. This cannot be undone. The audit log keeps only the ids.",
  "erasures.approveConfirm": "Erase for good",
  "erasures.rejectTitle": "Reject the request for case {id}?",
  "erasures.rejectBody": "The case stays as it is. The requester may make the request again.",
  "erasures.rejectConfirm": "Reject the request",
  "erasures.approved": "Erasure done. Documents deleted:",
  "erasures.rejected": "Request rejected: case {id} stays as it is.",
  "erasures.status.pending": "Pending",
  "erasures.status.approved": "Done",
  "erasures.status.rejected": "Rejected",
  "erasures.status.expired": "Expired",

  "refusal.self_approval": "You cannot approve your own request: another privacy officer must.",
  "refusal.grant_expired": "The request has expired (24 hours) and is no longer valid: make it again.",
  "refusal.grant_decided": "Another privacy officer has already decided this request. The list was refreshed.",
  "refusal.approver_needed": "There is no other enabled privacy officer to approve it: ask an administrator to create a second account.",
  "refusal.not_found": "Case not found: it may have been erased already.",
  "refusal.grant_pending": "An erasure request for this case is already pending: see Erasures.",
  "refusal.invalid_fiscal_code": "The server does not accept this fiscal code: check it and try again.",

  "password.title": "My password",
  "password.intro": "Change your account's password. At least 12 characters; a phrase of unrelated words is best.",
  "password.current": "Current password",
  "password.new": "New password",
  "password.repeat": "Repeat the new password",
  "password.submit": "Change the password",
  "password.busy": "Changing…",
  "password.mismatch": "The two passwords differ.",
  "password.done": "Password changed. Your account's other sessions have ended.",
};

export const PRIVACY_MESSAGES: Record<"it" | "en", Record<PrivacyKey, string>> = { it, en };

/** The message for `key` in the console's language, `{name}` placeholders filled from `values`. */
export function pm(key: PrivacyKey, values: Record<string, string | number> = {}): string {
  const template = PRIVACY_MESSAGES[adminLanguage()][key] ?? it[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));
}

/** Why a fiscal code is refused, without repeating it. */
export function fiscalCodeText(error: FiscalCodeError): string {
  switch (error.kind) {
    case "length":
      return pm("fiscal.length", { length: error.length });
    case "character":
      return pm("fiscal.character", { position: error.position, expected: pm(error.expected === "letter" ? "fiscal.letter" : "fiscal.digit") });
    case "month":
      return pm("fiscal.month");
    case "day":
      return pm("fiscal.day");
    case "check_character":
      return pm("fiscal.check");
    case "temporary_code":
      return pm("fiscal.temporary");
  }
}

/** The refusals of an erasure decision or request explained for privacy officers; the console's text otherwise. */
export function privacyErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `refusal.${error.code}`;
    if (key in it) return pm(key as PrivacyKey);
  }
  return errorText(error);
}

/** A case status in words; the code itself when unknown. */
export function statusText(status: string): string {
  const key = `status.${status}`;
  return key in it ? pm(key as PrivacyKey) : status;
}
