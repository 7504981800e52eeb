// The waiting-room display's words, Italian first and English beside it: the room is public and many who
// wait there read English better than Italian, so the screen shows both at once rather than choosing one.
// (The spoken announcements and their languages are announcements.ts.)

export const it = {
  "title": "Sportello di Accoglienza Sociale",
  "nowCalling": "Numero chiamato",
  "lastCalled": "Ultimo numero chiamato",
  "alsoCalling": "Chiamati anche",
  "desk": "Recarsi a",
  "noCalls": "Nessun numero chiamato finora",
  "recent": "Ultime chiamate",
  "recentNone": "Le chiamate appariranno qui.",
  "waiting": "In attesa",
  "waitingCount.one": "{count} persona in attesa",
  "waitingCount.other": "{count} persone in attesa",
  "waitingNone": "Nessuno in attesa",
  "estimate": "attesa stimata circa {minutes} min",
  "linesNone": "Nessuna fila attiva.",
  "closed": "Sportello chiuso: il totem non emette numeri ora.",
  "network.live": "Collegato al server",
  "network.offline": "Connessione assente",
  "network.reconnecting": "Connessione persa, riprovo…",
  "network.unavailable": "Server non raggiungibile, riprovo…",
  "network.connecting": "Connessione in corso…",
  "updatedAt": "ultimo aggiornamento {time}",
  "audioOn": "Attiva audio",
  "audioHint": "Il browser permette l'audio solo dopo un tocco. Per un display fisso, avvia Chromium con --autoplay-policy=no-user-gesture-required.",
  "loading": "Avvio del display…",
  "enrol.title": "Registra questo display",
  "enrol.intro": "Un amministratore registra il display nella console (Dispositivi → Registra, tipo «display») e ottiene una credenziale: scrivila, incollala o leggi il suo codice QR con il lettore.",
  "enrol.label": "Credenziale del dispositivo",
  "enrol.hint": "Inizia con spdc_ (oppure il collegamento di registrazione).",
  "enrol.submit": "Registra il display",
  "enrol.busy": "Registrazione in corso…",
  "enrol.revoked": "Questo display è stato revocato. Chiedi a un amministratore di registrarlo di nuovo.",
  "enrol.error.invalid_credential_format": "Questa non è una credenziale di dispositivo (spdc_…).",
  "enrol.error.wrong_device_kind": "Questa credenziale è di un totem, non di un display.",
  "enrol.error.unauthenticated": "Credenziale sconosciuta o revocata.",
  "enrol.error.rate_limited": "Troppi tentativi: riprova tra un minuto.",
  "enrol.error.network": "Il server non risponde. Controlla la rete e riprova.",
  "enrol.error.other": "Registrazione non riuscita. Riprova.",
  "offline.title": "In attesa del server",
  "offline.body": "Il display è registrato ma non raggiunge il server. Riprovo da solo.",
  "error.forbidden": "Questo dispositivo non può mostrare la coda.",
  "error.too_many_streams": "Troppi schermi aperti con questo dispositivo: chiudi le altre finestre.",
  "error.busy": "Server occupato, riprovo…",
  "error.other": "Errore del server, riprovo…",
} as const;

export type DisplayKey = keyof typeof it;

export const en: Record<DisplayKey, string> = {
  "title": "Social Welcome Desk",
  "nowCalling": "Now calling",
  "lastCalled": "Last number called",
  "alsoCalling": "Also called",
  "desk": "Please go to",
  "noCalls": "No number called yet",
  "recent": "Last calls",
  "recentNone": "Calls will appear here.",
  "waiting": "Waiting",
  "waitingCount.one": "{count} person waiting",
  "waitingCount.other": "{count} people waiting",
  "waitingNone": "Nobody waiting",
  "estimate": "estimated wait about {minutes} min",
  "linesNone": "No line is open.",
  "closed": "Desk closed: the kiosk issues no numbers now.",
  "network.live": "Connected to the server",
  "network.offline": "No connection",
  "network.reconnecting": "Connection lost, retrying…",
  "network.unavailable": "Server unreachable, retrying…",
  "network.connecting": "Connecting…",
  "updatedAt": "last update {time}",
  "audioOn": "Turn sound on",
  "audioHint": "The browser allows sound only after a touch. For a fixed display, start Chromium with --autoplay-policy=no-user-gesture-required.",
  "loading": "Starting the display…",
  "enrol.title": "Enrol this display",
  "enrol.intro": "An admin enrols the display in the console (Devices → Enrol, kind “display”) and gets a credential: type it, paste it or scan its QR code.",
  "enrol.label": "Device credential",
  "enrol.hint": "It starts with spdc_ (or the enrolment link).",
  "enrol.submit": "Enrol the display",
  "enrol.busy": "Enrolling…",
  "enrol.revoked": "This display has been revoked. Ask an admin to enrol it again.",
  "enrol.error.invalid_credential_format": "This is not a device credential (spdc_…).",
  "enrol.error.wrong_device_kind": "This credential belongs to a totem, not a display.",
  "enrol.error.unauthenticated": "Unknown or revoked credential.",
  "enrol.error.rate_limited": "Too many attempts: try again in a minute.",
  "enrol.error.network": "The server does not answer. Check the network and try again.",
  "enrol.error.other": "Enrolment failed. Try again.",
  "offline.title": "Waiting for the server",
  "offline.body": "The display is enrolled but cannot reach the server. It keeps trying.",
  "error.forbidden": "This device may not show the queue.",
  "error.too_many_streams": "Too many screens open with this device: close the other windows.",
  "error.busy": "Server busy, retrying…",
  "error.other": "Server error, retrying…",
};

export type DisplayLanguage = "it" | "en";
const catalogues: Record<DisplayLanguage, Record<DisplayKey, string>> = { it, en };

/** The message for `key` in `language`, with `{name}` placeholders filled. */
export function msg(language: DisplayLanguage, key: DisplayKey, values: Record<string, string | number> = {}): string {
  const template = catalogues[language][key] ?? it[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(language).format(value) : value;
  });
}

/** A count in words, by the language's plural rules. */
export function msgCount(language: DisplayLanguage, base: "waitingCount", count: number): string {
  const form = new Intl.PluralRules(language).select(count) === "one" ? "one" : "other";
  return msg(language, `${base}.${form}`, { count });
}

/** The key of an enrolment failure's message. */
export function enrolErrorKey(code: string): DisplayKey {
  const key = `enrol.error.${code}`;
  return key in it ? (key as DisplayKey) : "enrol.error.other";
}

/** The key of a feed refusal's message. */
export function feedErrorKey(code: string): DisplayKey {
  const key = `error.${code}`;
  return key in it ? (key as DisplayKey) : "error.other";
}
