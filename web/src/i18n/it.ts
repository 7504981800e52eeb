// Italian: the first language. Every string the app shows is here, keyed by meaning; en.ts must have the
// same keys (the type checks it). Never build a sentence by concatenating entries: use {placeholders}.
export const it = {
  "app.name": "Sportello di Accoglienza",
  "app.skipToContent": "Vai al contenuto",

  "login.title": "Accesso",
  "login.intro": "Entra con il tuo nome utente e la tua password.",
  "login.username": "Nome utente",
  "login.password": "Password",
  "login.submit": "Entra",
  "login.busy": "Accesso in corso…",

  "password.title": "Cambia la password",
  "password.intro":
    "Hai ricevuto una password temporanea. Scegline una nuova, che conosci solo tu, per continuare.",
  "password.current": "Password attuale (temporanea)",
  "password.new": "Nuova password",
  "password.newHint": "Almeno 12 caratteri. Una frase di alcune parole è facile da ricordare e difficile da indovinare.",
  "password.confirm": "Ripeti la nuova password",
  "password.submit": "Cambia la password",
  "password.busy": "Salvataggio…",
  "password.mismatch": "Le due nuove password non coincidono.",
  "password.cancel": "Esci",

  "shell.signedInAs": "{name} ({role})",
  "shell.logout": "Esci",
  "shell.online": "In linea",
  "shell.offline": "Non in linea",
  "shell.connecting": "Connessione…",
  "shell.refused": "Il server ha rifiutato la connessione: {reason}",
  "shell.pending.none": "Tutte le modifiche sono sul server",
  "shell.pending.some": "Modifiche in attesa di arrivare al server: {count}",
  "shell.status": "Stato della connessione",

  "cases.title": "Casi allo sportello",
  "cases.loading": "Caricamento dell'elenco…",
  "cases.unavailable": "L'elenco non è ancora disponibile: verrà caricato appena il server risponde.",
  "cases.empty": "Nessun caso per ora.",
  "cases.count.one": "{count} documento",
  "cases.count.other": "{count} documenti",
  "cases.column.title": "Titolo",
  "cases.column.kind": "Tipo",
  "cases.column.status": "Stato",
  "cases.column.updated": "Aggiornato",

  "kind.case": "Caso",
  "kind.case_notes": "Note del caso",
  "kind.index": "Indice",
  "kind.directory": "Catalogo",

  "status.open": "Aperto",
  "status.referred": "Inviato",
  "status.closed": "Chiuso",
  "status.none": "—",

  "role.operator": "operatore",
  "role.social_worker": "assistente sociale",
  "role.admin": "amministratore",

  "error.invalid_credentials": "Nome utente o password non corretti.",
  "error.account_disabled": "Questo account è disattivato. Rivolgiti a un amministratore.",
  "error.account_locked": "Troppi tentativi: l'account è bloccato per qualche minuto. Riprova più tardi.",
  "error.rate_limited": "Troppi tentativi da questo dispositivo. Riprova fra poco.",
  "error.busy": "Il server è occupato. Riprova fra qualche secondo.",
  "error.wrong_password": "La password attuale non è corretta.",
  "error.weak_password": "La nuova password è troppo debole: {reason}",
  "error.unauthenticated": "La sessione non è più valida. Accedi di nuovo.",
  "error.token_expired": "La sessione è scaduta. Accedi di nuovo.",
  "error.password_change_required": "Devi prima cambiare la password temporanea.",
  "error.network": "Il server non risponde. Controlla la connessione e riprova.",
  "error.unknown": "Qualcosa non ha funzionato ({code}). Riprova.",
  "error.session_ended": "La sessione è terminata. Accedi di nuovo.",

  // — store: the encrypted local store, offline unlock, inactivity lock —
  "error.login_to_sync": "La rete è tornata: accedi di nuovo per inviare al server le modifiche fatte su questo tablet.",
  "login.offline.offer":
    "Il server non risponde. Hai già usato questo tablet: puoi aprire i dati salvati qui e lavorare senza rete. Le modifiche arriveranno al server quando torna la connessione.",
  "login.offline.unlock": "Apri senza rete",
  "login.offline.busy": "Apertura in corso…",
  "login.offline.none":
    "Il server non risponde e su questo tablet non ci sono dati di questo utente: per il primo accesso serve la rete.",
  "unlock.title": "App bloccata",
  "unlock.intro":
    "Dopo {minutes} minuti senza attività l'app si blocca per proteggere i dati. Inserisci la password per continuare: le modifiche non inviate sono al sicuro su questo tablet.",
  "unlock.submit": "Sblocca",
  "unlock.busy": "Sblocco in corso…",
  "unlock.switchUser": "Cambia utente",
  "store.wrongPassword": "Password non corretta per i dati di questo tablet.",
  "store.tooManyAttempts": "Troppi tentativi sbagliati. Riprova fra {seconds} secondi.",
  "store.noLocalData": "Su questo tablet non ci sono dati di questo utente: per il primo accesso serve la rete.",
  "store.previousPassword":
    "I dati di questo tablet sono protetti dalla tua password precedente (è stata cambiata altrove). Inserisci la password precedente per recuperarli.",
  "store.previousPasswordLabel": "Password precedente",
  "store.recover": "Recupera i dati",
  "store.discard": "Non la ricordo: elimina i dati di questo tablet",
  "store.discardWarning":
    "Le modifiche fatte su questo tablet e non ancora arrivate al server andranno perse. I dati già sul server restano.",
  "store.failed": "Non è stato possibile aprire i dati di questo tablet ({code}).",
} as const;

export type MessageKey = keyof typeof it;
