// The console's words, Italian first and English, keyed by meaning (never concatenated into sentences), and
// the language switch every part of the console follows. The console does not use the tablet's catalogues
// (i18n/): its chunk stays small and its words are its own. Dates and numbers go through Intl.
//
// A component that shows words takes a `LanguageController`: it re-renders when the admin switches language.
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { ApiError } from "../../data/api";

export type AdminLanguage = "it" | "en";

const it = {
  "app.name": "Sportello di Accoglienza",
  "app.title": "Amministrazione",
  "lang.switch": "English",
  "lang.switchLabel": "Switch to English",
  "nav.label": "Sezioni della console",
  "nav.signedInAs": "Accesso come {name}",
  "nav.logout": "Esci",

  "login.title": "Accesso alla console",
  "login.intro": "Riservato agli amministratori: utenti, dispositivi, coda, catalogo e registro accessi.",
  "login.username": "Nome utente",
  "login.password": "Password",
  "login.submit": "Accedi",
  "login.busy": "Accesso in corso…",
  "login.notAdmin": "Questa console è riservata agli amministratori e ai referenti privacy. Gli operatori e gli assistenti sociali usano l'app del tablet.",
  "login.tabletLink": "Apri l'app del tablet",
  "login.introPrivacy": "I referenti privacy accedono qui per i diritti degli interessati: registro degli accessi e cancellazioni.",
  "login.loggedOut": "Sei uscito dalla console.",
  "login.missing": "Inserisci nome utente e password.",

  "password.title": "Scegli una nuova password",
  "password.intro":
    "Hai effettuato l'accesso con una password temporanea: prima di continuare scegline una tua. Almeno 12 caratteri, meglio una frase di parole senza legame tra loro.",
  "password.new": "Nuova password",
  "password.repeat": "Ripeti la nuova password",
  "password.submit": "Cambia la password",
  "password.busy": "Modifica in corso…",
  "password.mismatch": "Le due password non coincidono.",
  "password.cancel": "Annulla ed esci",

  "ended.title": "Sessione terminata",
  "ended.body":
    "La sessione è scaduta o è stata chiusa (da un altro amministratore o perché l'account è cambiato). Accedi di nuovo per continuare.",
  "ended.again": "Accedi di nuovo",

  "common.loading": "Caricamento…",
  "common.retry": "Riprova",
  "common.refresh": "Aggiorna",
  "common.save": "Salva",
  "common.saving": "Salvataggio…",
  "common.cancel": "Annulla",
  "common.close": "Chiudi",
  "common.edit": "Modifica",
  "common.yes": "Sì",
  "common.no": "No",
  "common.never": "mai",
  "common.copy": "Copia",
  "common.copied": "Copiato negli appunti.",
  "common.copyFailed": "Copia non riuscita: seleziona il testo e copialo a mano.",
  "common.onceWarning": "Verrà mostrato solo ora: il server non lo conserva e non potrà mostrarlo di nuovo.",
  "common.actions": "Azioni",
  "common.downloadCsv": "Scarica CSV",

  "role.operator": "Operatore",
  "role.social_worker": "Assistente sociale",
  "role.admin": "Amministratore",
  "role.privacy_officer": "Referente privacy",
  "role.any": "Tutti i ruoli",
  "role.anonymous": "anonimo",
  "role.system": "sistema",
  "role.totem": "totem",
  "role.display": "display",

  "users.title": "Utenti",
  "users.intro":
    "Creare un account, cambiare ruolo o aree e reimpostare una password sono richieste: hanno effetto solo quando un altro amministratore le approva.",
  "users.new": "Nuovo utente",
  "users.search": "Cerca per nome",
  "users.roleFilter": "Ruolo",
  "users.empty": "Nessun utente corrisponde alla ricerca.",
  "users.count": "{count} utenti",
  "users.col.username": "Nome utente",
  "users.col.status": "Stato",
  "users.status.active": "Attivo",
  "users.status.disabled": "Disattivato",
  "users.status.mustChange": "Deve cambiare password",
  "users.status.locked": "Bloccato fino alle {time}",
  "users.you": "(tu)",
  "users.disable": "Disattiva",
  "users.enable": "Riattiva",
  "users.reset": "Reimposta password",
  "users.sessions": "Sessioni",
  "users.disableConfirm": "Disattivare l'account {name}? Tutte le sue sessioni terminano subito.",
  "users.resetConfirm":
    "Chiedere una nuova password temporanea per {name}? Un altro amministratore deve approvare; fino ad allora la password attuale continua a funzionare.",
  "users.disabled": "Account {name} disattivato.",
  "users.enabled": "Account {name} riattivato.",
  "users.updated": "Account {name} aggiornato.",
  "users.accessRequested":
    "Richiesta inviata: il nuovo ruolo o le nuove aree di {name} avranno effetto quando un altro amministratore la approverà.",

  "form.createTitle": "Nuovo utente",
  "form.editTitle": "Modifica {name}",
  "form.username": "Nome utente",
  "form.usernameHint": "Da 3 a 64 caratteri: lettere minuscole, cifre, punto, trattino; inizia con una lettera (es. mario.rossi).",
  "form.usernameInvalid": "Il nome utente non rispetta la regola indicata sotto il campo.",
  "form.displayName": "Nome visualizzato",
  "form.displayNameHint": "Nome e cognome come li vedranno i colleghi.",
  "form.role": "Ruolo",
  "form.areas": "Aree (solo per gli assistenti sociali)",
  "form.areasHint": "Almeno un'area per un assistente sociale; nessuna per gli altri ruoli.",
  "form.areasNeeded": "Scegli almeno un'area per un assistente sociale.",
  "form.submitCreate": "Invia la richiesta",
  "form.submitEdit": "Salva le modifiche",

  "grants.title": "Richieste da approvare",
  "grants.intro": "Un'altra persona con ruolo di amministratore deve approvare: chi ha fatto la richiesta può solo ritirarla.",
  "grants.empty": "Nessuna richiesta in attesa.",
  "grants.kind.user_create": "Nuovo account",
  "grants.kind.access_change": "Cambio di ruolo o aree",
  "grants.kind.password_reset": "Nuova password temporanea",
  "grants.col.request": "Richiesta",
  "grants.col.account": "Account",
  "grants.col.grants": "Ruolo e aree",
  "grants.col.by": "Richiesta da",
  "grants.col.expires": "Scade",
  "grants.approve": "Approva",
  "grants.reject": "Rifiuta",
  "grants.withdraw": "Ritira",
  "grants.ownRequest": "Richiesta tua: la deve approvare un altro amministratore.",
  "grants.ownAccount": "Riguarda il tuo account: la deve approvare un altro amministratore.",
  "grants.rejected": "Richiesta rifiutata.",
  "grants.withdrawn": "Richiesta ritirata.",
  "grants.approvedAccess": "Richiesta approvata: {name} ha ora il nuovo ruolo e le nuove aree.",

  "otp.requestedTitle": "Richiesta inviata",
  "otp.requestedBody":
    "L'account di {name} sarà creato quando un altro amministratore approverà la richiesta. Questa è la prima parte della password temporanea: consegnala alla persona. La seconda parte la riceverà da chi approva.",
  "otp.resetRequestedBody":
    "La nuova password temporanea di {name} avrà effetto quando un altro amministratore approverà la richiesta. Questa è la prima parte: consegnala alla persona. La seconda parte la riceverà da chi approva.",
  "otp.approvedTitle": "Richiesta approvata",
  "otp.approvedBody":
    "Questa è la seconda parte della password temporanea di {name}. La password completa è la prima parte, un trattino e questa parte (prima-seconda). Al primo accesso dovrà sceglierne una nuova.",
  "otp.firstPart": "Prima parte della password temporanea",
  "otp.secondPart": "Seconda parte della password temporanea",

  "sessions.title": "Sessioni attive di {name}",
  "sessions.empty": "Nessuna sessione attiva.",
  "sessions.col.device": "Dispositivo",
  "sessions.col.started": "Iniziata",
  "sessions.col.refreshed": "Ultimo rinnovo",
  "sessions.col.expires": "Scade",
  "sessions.unnamed": "senza nome",
  "sessions.end": "Termina",
  "sessions.endAll": "Termina tutte",
  "sessions.ended": "{count} sessioni terminate.",
  "sessions.endedOne": "Sessione terminata.",
  "sessions.current": "questa console",
  "sessions.wipe": "Segna come smarrito",
  "sessions.wipeLabel": "Segna come smarrito: tablet {device}",
  "sessions.wipeBody":
    "Il tablet cancellerà i suoi dati locali, comprese le modifiche non ancora inviate al server, al prossimo collegamento. La sessione termina subito.",
  "sessions.endBody":
    "La sessione termina subito e il tablet cancellerà i suoi dati locali, comprese le modifiche non ancora inviate al server, al prossimo collegamento.",
  "sessions.endAllBody":
    "Tutte le sessioni di {name} terminano subito e i suoi tablet cancelleranno i dati locali, comprese le modifiche non ancora inviate al server, al prossimo collegamento.",
  "sessions.wiped": "Tablet segnato come smarrito: cancellerà i dati locali al prossimo collegamento.",

  "devices.title": "Dispositivi",
  "devices.intro": "Totem per i biglietti e schermi della sala d'attesa. Un dispositivo non è un utente: entra con una credenziale di registrazione.",
  "devices.enrolTitle": "Registra un dispositivo",
  "devices.kind": "Tipo",
  "devices.kind.totem": "Totem (emette i biglietti)",
  "devices.kind.display": "Schermo della sala d'attesa",
  "devices.name": "Nome",
  "devices.nameHint": "Dove si trova, es. \"Totem ingresso\" (da 1 a 64 caratteri).",
  "devices.enrol": "Registra",
  "devices.enrolled": "{name} registrato",
  "devices.credentialLabel": "Credenziale di registrazione",
  "devices.linkLabel": "Link di registrazione",
  "devices.enrolHow":
    "Sul dispositivo apri {path} e inquadra il codice QR, oppure incolla il link o la credenziale. Chi ha la credenziale può usare il dispositivo: non inviarla per email.",
  "devices.qrLabel": "Codice QR del link di registrazione di {name}",
  "devices.empty": "Nessun dispositivo registrato.",
  "devices.col.kind": "Tipo",
  "devices.col.name": "Nome",
  "devices.col.created": "Registrato",
  "devices.col.lastSeen": "Ultimo contatto",
  "devices.col.state": "Stato",
  "devices.state.active": "Attivo",
  "devices.state.revoked": "Revocato il {time}",
  "devices.revoke": "Revoca",
  "devices.revokeConfirm":
    "Revocare {name}? Il dispositivo smette subito di funzionare e la sua credenziale non vale più. Per riusarlo va registrato di nuovo.",
  "devices.revoked": "{name} revocato.",

  "queue.title": "Coda",
  "queue.intro": "Le file del totem, gli orari di apertura e i giorni di chiusura.",
  "lines.title": "File",
  "lines.empty": "Nessuna fila: aggiungine una.",
  "lines.col.code": "Codice",
  "lines.col.nameIt": "Nome (italiano)",
  "lines.col.nameEn": "Nome (inglese)",
  "lines.col.active": "In servizio",
  "lines.col.cap": "Limite giornaliero",
  "lines.noCap": "nessuno",
  "lines.add": "Nuova fila",
  "lines.editTitle": "Fila {code}",
  "lines.newTitle": "Nuova fila",
  "lines.code": "Codice",
  "lines.codeHint": "Una lettera maiuscola (A–Z): è la lettera dei numeri (A001).",
  "lines.codeInvalid": "Il codice è una sola lettera maiuscola.",
  "lines.codeTaken": "Esiste già una fila con questo codice.",
  "lines.nameIt": "Nome in italiano",
  "lines.nameEn": "Nome in inglese",
  "lines.active": "In servizio (il totem la mostra)",
  "lines.cap": "Limite di biglietti al giorno",
  "lines.capHint": "Da 1 a 999; vuoto per nessun limite.",
  "lines.saved": "Fila {code} salvata.",

  "schedule.title": "Orari di apertura",
  "schedule.intro":
    "Fasce per giorno della settimana (ora di Roma). Un giorno senza fasce è chiuso; se non c'è nessuna fascia in tutta la settimana lo sportello è sempre aperto.",
  "schedule.closedDay": "Chiuso",
  "schedule.opens": "Apre",
  "schedule.closes": "Chiude",
  "schedule.addInterval": "Aggiungi fascia",
  "schedule.addIntervalFor": "Aggiungi fascia: {day}",
  "schedule.removeInterval": "Rimuovi la fascia {from}–{to} di {day}",
  "schedule.closedDates": "Giorni di chiusura",
  "schedule.closedDatesIntro": "Festività e chiusure straordinarie: il totem non emette biglietti.",
  "schedule.noClosedDates": "Nessun giorno di chiusura.",
  "schedule.addDate": "Aggiungi giorno",
  "schedule.newDate": "Nuovo giorno di chiusura",
  "schedule.removeDate": "Rimuovi {date}",
  "schedule.save": "Salva orari e chiusure",
  "schedule.saved": "Orari salvati.",
  "schedule.fix": "Correggi i campi segnalati.",
  "schedule.entryError": "Da correggere: {reason}",

  "audit.title": "Registro accessi",
  "audit.intro": "Ogni operazione rilevante per la sicurezza, senza dati personali. Il registro non si può modificare.",
  "audit.filters": "Filtri",
  "audit.actor": "Chi",
  "audit.anyActor": "Chiunque",
  "audit.action": "Azione",
  "audit.anyAction": "Tutte le azioni",
  "audit.target": "Oggetto (id esatto)",
  "audit.outcome": "Esito",
  "audit.anyOutcome": "Tutti gli esiti",
  "audit.outcome.success": "riuscita",
  "audit.outcome.failure": "fallita",
  "audit.outcome.denied": "negata",
  "audit.from": "Dal",
  "audit.to": "Al (escluso)",
  "audit.apply": "Cerca",
  "audit.clear": "Azzera i filtri",
  "audit.empty": "Nessuna voce corrisponde ai filtri.",
  "audit.more": "Mostra voci più vecchie",
  "audit.shown": "{count} voci mostrate",
  "audit.col.at": "Quando",
  "audit.col.actor": "Chi",
  "audit.col.action": "Azione",
  "audit.col.target": "Oggetto",
  "audit.col.outcome": "Esito",
  "audit.col.request": "Richiesta",
  "audit.csvNote": "Il CSV contiene le voci mostrate e quelle più vecchie che corrispondono ai filtri al momento della ricerca (fino a {max}).",
  "audit.csvTruncated": "Il CSV è stato limitato alle {max} voci più recenti: restringi i filtri.",
  "audit.badRange": "La data di inizio deve precedere quella di fine.",

  "error.network": "Il server non risponde. Controlla la connessione e riprova.",
  "error.invalid_credentials": "Nome utente o password non corretti.",
  "error.account_disabled": "Questo account è disattivato.",
  "error.account_locked": "Account bloccato per troppi tentativi: riprova più tardi.",
  "error.rate_limited": "Troppi tentativi da questo computer: attendi un minuto.",
  "error.wrong_password": "La password attuale non è corretta.",
  "error.weak_password": "Password troppo debole: {reason}",
  "error.forbidden": "Non hai i permessi per questa operazione.",
  "error.not_found": "Non trovato: forse è stato appena modificato. Aggiorna la pagina.",
  "error.username_taken": "Questo nome utente esiste già o è già stato richiesto.",
  "error.approver_needed":
    "Serve un secondo amministratore per approvare, e non ce n'è. Aggiungilo dal server con «sportello user add».",
  "error.grant_pending": "C'è già una richiesta dello stesso tipo in attesa per questo account.",
  "error.grant_expired": "La richiesta è scaduta (24 ore): va ripetuta.",
  "error.grant_decided": "La richiesta è già stata decisa da un altro amministratore.",
  "error.self_approval": "Non puoi approvare una tua richiesta o una che riguarda il tuo account.",
  "error.last_admin": "Resterebbe nessun amministratore attivo: operazione non possibile.",
  "error.areas_conflict": "Ruolo e aree non sono compatibili per questo account.",
  "error.validation_failed": "Dati non validi: {reason}",
  "error.invalid_request": "Richiesta non valida: {reason}",
  "error.busy": "Il server è occupato: riprova tra qualche secondo.",
  "error.too_many_denials": "Troppe richieste rifiutate: attendi un minuto.",
  "error.internal": "Errore del server. Se si ripete, segnala l'ora all'assistenza.",
  "error.unknown": "Errore imprevisto ({code}).",

  // Issue 12: the second factor.
  "sf.title": "Attiva il secondo fattore",
  "sf.intro":
    "Gli amministratori entrano con la password e il codice di un'app di autenticazione sul telefono di servizio (per esempio FreeOTP, Aegis, Google o Microsoft Authenticator). Inquadra il codice QR con l'app, poi scrivi il codice a sei cifre che mostra.",
  "sf.loading": "Preparazione della chiave…",
  "sf.qrLabel": "Codice QR da inquadrare con l'app di autenticazione",
  "sf.manualKey": "Chiave:",
  "sf.manualHint":
    "Non riesci a inquadrarlo? Nell'app scegli «inserisci una chiave» e scrivi questa (tipo: basata sul tempo).",
  "sf.code": "Codice dell'app (6 cifre)",
  "sf.codeHint": "Il codice cambia ogni 30 secondi: scrivi quello che vedi ora.",
  "sf.codeMissing": "Scrivi le sei cifre che mostra l'app.",
  "sf.confirm": "Conferma",
  "sf.confirming": "Verifica in corso…",
  "sf.cancel": "Annulla ed esci",
  "sf.codesTitle": "I tuoi codici di recupero",
  "sf.codesIntro":
    "Il secondo fattore è attivo. Se perdi il telefono, ognuno di questi codici vale una sola volta al posto del codice dell'app. Stampali o copiali e conservali lontano dal telefono: non verranno mostrati di nuovo.",
  "sf.codesHeading": "Sportello: codici di recupero di {username}",
  "sf.copy": "Copia i codici",
  "sf.print": "Stampa",
  "sf.saved": "Ho salvato i codici di recupero",
  "sf.savedMissing": "Prima conferma di aver salvato i codici: non potrai vederli di nuovo.",
  "sf.continue": "Continua",
  "login.code.title": "Codice di verifica",
  "login.code.intro":
    "Scrivi il codice a sei cifre che mostra la tua app di autenticazione, oppure uno dei tuoi codici di recupero.",
  "login.code.label": "Codice dell'app o codice di recupero",
  "login.code.submit": "Verifica",
  "login.code.back": "Indietro",
  "login.code.missing": "Scrivi il codice.",
  "users.status.secondFactor": "Secondo fattore attivo",
  "users.resetSecondFactor": "Reimposta secondo fattore",
  "users.resetSecondFactorConfirm":
    "Chiedere di cancellare il secondo fattore di {name}? Serve se ha perso il telefono e i codici di recupero. Un altro amministratore deve approvare; all'approvazione si chiudono tutte le sue sessioni e al prossimo accesso ne attiverà uno nuovo.",
  "users.resetSecondFactorRequested":
    "Richiesta inviata: il secondo fattore di {name} sarà cancellato quando un altro amministratore la approverà.",
  "grants.kind.second_factor_reset": "Reimpostazione del secondo fattore",
  "grants.approvedSecondFactor":
    "Richiesta approvata: il secondo fattore di {name} è cancellato e le sue sessioni sono terminate.",
  "error.second_factor_required": "Serve il codice della tua app di autenticazione.",
  "error.invalid_second_factor":
    "Codice non valido o già usato. Scrivi il codice che l'app mostra adesso (o un codice di recupero non ancora usato).",
  "error.second_factor_enrolment_required": "Prima devi attivare il secondo fattore.",
  "error.second_factor_enrolled": "Il secondo fattore è già attivo.",
  "error.second_factor_not_enrolled":
    "Questo account non ha un secondo fattore attivo (o la chiave non è più in attesa).",
};

export type MessageKey = keyof typeof it;

const en: Record<MessageKey, string> = {
  "app.name": "Sportello di Accoglienza",
  "app.title": "Administration",
  "lang.switch": "Italiano",
  "lang.switchLabel": "Passa all'italiano",
  "nav.label": "Console sections",
  "nav.signedInAs": "Signed in as {name}",
  "nav.logout": "Log out",

  "login.title": "Sign in to the console",
  "login.intro": "For administrators only: users, devices, queue, catalogue and audit log.",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.busy": "Signing in…",
  "login.notAdmin": "This console is for administrators and privacy officers only. Operators and social workers use the tablet app.",
  "login.tabletLink": "Open the tablet app",
  "login.introPrivacy": "Privacy officers sign in here for the data subjects' rights: access records and erasures.",
  "login.loggedOut": "You have logged out of the console.",
  "login.missing": "Enter your username and password.",

  "password.title": "Choose a new password",
  "password.intro":
    "You signed in with a temporary password: choose your own before going on. At least 12 characters; a phrase of unrelated words is best.",
  "password.new": "New password",
  "password.repeat": "Repeat the new password",
  "password.submit": "Change the password",
  "password.busy": "Changing…",
  "password.mismatch": "The two passwords differ.",
  "password.cancel": "Cancel and log out",

  "ended.title": "Session ended",
  "ended.body":
    "The session expired or was ended (by another administrator, or because the account changed). Sign in again to go on.",
  "ended.again": "Sign in again",

  "common.loading": "Loading…",
  "common.retry": "Retry",
  "common.refresh": "Refresh",
  "common.save": "Save",
  "common.saving": "Saving…",
  "common.cancel": "Cancel",
  "common.close": "Close",
  "common.edit": "Edit",
  "common.yes": "Yes",
  "common.no": "No",
  "common.never": "never",
  "common.copy": "Copy",
  "common.copied": "Copied to the clipboard.",
  "common.copyFailed": "Copying failed: select the text and copy it by hand.",
  "common.onceWarning": "Shown only now: the server does not keep it and cannot show it again.",
  "common.actions": "Actions",
  "common.downloadCsv": "Download CSV",

  "role.operator": "Operator",
  "role.social_worker": "Social worker",
  "role.admin": "Administrator",
  "role.privacy_officer": "Privacy officer",
  "role.any": "All roles",
  "role.anonymous": "anonymous",
  "role.system": "system",
  "role.totem": "totem",
  "role.display": "display",

  "users.title": "Users",
  "users.intro":
    "Creating an account, changing a role or areas and resetting a password are requests: they take effect only when another administrator approves them.",
  "users.new": "New user",
  "users.search": "Search by name",
  "users.roleFilter": "Role",
  "users.empty": "No user matches the search.",
  "users.count": "{count} users",
  "users.col.username": "Username",
  "users.col.status": "Status",
  "users.status.active": "Active",
  "users.status.disabled": "Disabled",
  "users.status.mustChange": "Must change password",
  "users.status.locked": "Locked until {time}",
  "users.you": "(you)",
  "users.disable": "Disable",
  "users.enable": "Enable",
  "users.reset": "Reset password",
  "users.sessions": "Sessions",
  "users.disableConfirm": "Disable the account {name}? All its sessions end at once.",
  "users.resetConfirm":
    "Ask for a new temporary password for {name}? Another administrator must approve; until then the current password keeps working.",
  "users.disabled": "Account {name} disabled.",
  "users.enabled": "Account {name} enabled.",
  "users.updated": "Account {name} updated.",
  "users.accessRequested": "Request sent: the new role or areas of {name} take effect when another administrator approves it.",

  "form.createTitle": "New user",
  "form.editTitle": "Edit {name}",
  "form.username": "Username",
  "form.usernameHint": "3 to 64 characters: lowercase letters, digits, dot, dash; starts with a letter (e.g. mario.rossi).",
  "form.usernameInvalid": "The username breaks the rule below the field.",
  "form.displayName": "Display name",
  "form.displayNameHint": "First and last name, as colleagues will see them.",
  "form.role": "Role",
  "form.areas": "Areas (social workers only)",
  "form.areasHint": "At least one area for a social worker; none for the other roles.",
  "form.areasNeeded": "Choose at least one area for a social worker.",
  "form.submitCreate": "Send the request",
  "form.submitEdit": "Save changes",

  "grants.title": "Requests to approve",
  "grants.intro": "Another administrator must approve: whoever asked can only withdraw.",
  "grants.empty": "No pending request.",
  "grants.kind.user_create": "New account",
  "grants.kind.access_change": "Change of role or areas",
  "grants.kind.password_reset": "New temporary password",
  "grants.col.request": "Request",
  "grants.col.account": "Account",
  "grants.col.grants": "Role and areas",
  "grants.col.by": "Asked by",
  "grants.col.expires": "Expires",
  "grants.approve": "Approve",
  "grants.reject": "Reject",
  "grants.withdraw": "Withdraw",
  "grants.ownRequest": "Your request: another administrator must approve it.",
  "grants.ownAccount": "About your own account: another administrator must approve it.",
  "grants.rejected": "Request rejected.",
  "grants.withdrawn": "Request withdrawn.",
  "grants.approvedAccess": "Request approved: {name} now has the new role and areas.",

  "otp.requestedTitle": "Request sent",
  "otp.requestedBody":
    "The account of {name} will be created when another administrator approves the request. This is the first part of the temporary password: give it to the person. They get the second part from the approver.",
  "otp.resetRequestedBody":
    "The new temporary password of {name} takes effect when another administrator approves the request. This is the first part: give it to the person. They get the second part from the approver.",
  "otp.approvedTitle": "Request approved",
  "otp.approvedBody":
    "This is the second part of the temporary password of {name}. The whole password is the first part, a dash and this part (first-second). At first sign-in they must choose a new one.",
  "otp.firstPart": "First part of the temporary password",
  "otp.secondPart": "Second part of the temporary password",

  "sessions.title": "Live sessions of {name}",
  "sessions.empty": "No live session.",
  "sessions.col.device": "Device",
  "sessions.col.started": "Started",
  "sessions.col.refreshed": "Last renewed",
  "sessions.col.expires": "Expires",
  "sessions.unnamed": "unnamed",
  "sessions.end": "End",
  "sessions.endAll": "End all",
  "sessions.ended": "{count} sessions ended.",
  "sessions.endedOne": "Session ended.",
  "sessions.current": "this console",
  "sessions.wipe": "Mark as lost",
  "sessions.wipeLabel": "Mark as lost: tablet {device}",
  "sessions.wipeBody":
    "The tablet will delete its local data, including changes not yet sent to the server, at its next contact. The session ends at once.",
  "sessions.endBody":
    "The session ends at once and the tablet will delete its local data, including changes not yet sent to the server, at its next contact.",
  "sessions.endAllBody":
    "All of {name}'s sessions end at once and their tablets will delete their local data, including changes not yet sent to the server, at their next contact.",
  "sessions.wiped": "Tablet marked as lost: it will delete its local data at its next contact.",

  "devices.title": "Devices",
  "devices.intro": "Ticket totems and waiting-room displays. A device is not a user: it signs in with an enrolment credential.",
  "devices.enrolTitle": "Enrol a device",
  "devices.kind": "Kind",
  "devices.kind.totem": "Totem (issues tickets)",
  "devices.kind.display": "Waiting-room display",
  "devices.name": "Name",
  "devices.nameHint": "Where it stands, e.g. \"Entrance totem\" (1 to 64 characters).",
  "devices.enrol": "Enrol",
  "devices.enrolled": "{name} enrolled",
  "devices.credentialLabel": "Enrolment credential",
  "devices.linkLabel": "Enrolment link",
  "devices.enrolHow":
    "On the device open {path} and scan the QR code, or paste the link or the credential. Whoever holds the credential can use the device: do not email it.",
  "devices.qrLabel": "QR code of the enrolment link of {name}",
  "devices.empty": "No device enrolled.",
  "devices.col.kind": "Kind",
  "devices.col.name": "Name",
  "devices.col.created": "Enrolled",
  "devices.col.lastSeen": "Last seen",
  "devices.col.state": "State",
  "devices.state.active": "Active",
  "devices.state.revoked": "Revoked on {time}",
  "devices.revoke": "Revoke",
  "devices.revokeConfirm":
    "Revoke {name}? The device stops working at once and its credential is no longer valid. To use it again, enrol it anew.",
  "devices.revoked": "{name} revoked.",

  "queue.title": "Queue",
  "queue.intro": "The totem's lines, the opening hours and the closed dates.",
  "lines.title": "Lines",
  "lines.empty": "No line yet: add one.",
  "lines.col.code": "Code",
  "lines.col.nameIt": "Name (Italian)",
  "lines.col.nameEn": "Name (English)",
  "lines.col.active": "In service",
  "lines.col.cap": "Daily cap",
  "lines.noCap": "none",
  "lines.add": "New line",
  "lines.editTitle": "Line {code}",
  "lines.newTitle": "New line",
  "lines.code": "Code",
  "lines.codeHint": "One capital letter (A–Z): the letter of the numbers (A001).",
  "lines.codeInvalid": "The code is one capital letter.",
  "lines.codeTaken": "A line with this code exists already.",
  "lines.nameIt": "Name in Italian",
  "lines.nameEn": "Name in English",
  "lines.active": "In service (the totem shows it)",
  "lines.cap": "Tickets per day, at most",
  "lines.capHint": "1 to 999; empty for no cap.",
  "lines.saved": "Line {code} saved.",

  "schedule.title": "Opening hours",
  "schedule.intro":
    "Intervals per weekday (Rome time). A day without intervals is closed; with no interval in the whole week the desk is always open.",
  "schedule.closedDay": "Closed",
  "schedule.opens": "Opens",
  "schedule.closes": "Closes",
  "schedule.addInterval": "Add interval",
  "schedule.addIntervalFor": "Add interval: {day}",
  "schedule.removeInterval": "Remove the interval {from}–{to} of {day}",
  "schedule.closedDates": "Closed dates",
  "schedule.closedDatesIntro": "Holidays and extraordinary closures: the totem issues no ticket.",
  "schedule.noClosedDates": "No closed date.",
  "schedule.addDate": "Add date",
  "schedule.newDate": "New closed date",
  "schedule.removeDate": "Remove {date}",
  "schedule.save": "Save hours and closures",
  "schedule.saved": "Hours saved.",
  "schedule.fix": "Fix the fields marked.",
  "schedule.entryError": "To fix: {reason}",

  "audit.title": "Audit log",
  "audit.intro": "Every security-relevant action, without personal data. The log cannot be changed.",
  "audit.filters": "Filters",
  "audit.actor": "Who",
  "audit.anyActor": "Anyone",
  "audit.action": "Action",
  "audit.anyAction": "All actions",
  "audit.target": "Target (exact id)",
  "audit.outcome": "Outcome",
  "audit.anyOutcome": "All outcomes",
  "audit.outcome.success": "success",
  "audit.outcome.failure": "failure",
  "audit.outcome.denied": "denied",
  "audit.from": "From",
  "audit.to": "To (exclusive)",
  "audit.apply": "Search",
  "audit.clear": "Clear filters",
  "audit.empty": "No entry matches the filters.",
  "audit.more": "Show older entries",
  "audit.shown": "{count} entries shown",
  "audit.col.at": "When",
  "audit.col.actor": "Who",
  "audit.col.action": "Action",
  "audit.col.target": "Target",
  "audit.col.outcome": "Outcome",
  "audit.col.request": "Request",
  "audit.csvNote": "The CSV holds the entries shown and the older ones matching the filters at the time of the search (up to {max}).",
  "audit.csvTruncated": "The CSV was limited to the {max} newest entries: narrow the filters.",
  "audit.badRange": "The start must come before the end.",

  "error.network": "The server does not answer. Check the connection and retry.",
  "error.invalid_credentials": "Wrong username or password.",
  "error.account_disabled": "This account is disabled.",
  "error.account_locked": "Account locked after too many attempts: retry later.",
  "error.rate_limited": "Too many attempts from this computer: wait a minute.",
  "error.wrong_password": "The current password is wrong.",
  "error.weak_password": "Password too weak: {reason}",
  "error.forbidden": "You may not do this.",
  "error.not_found": "Not found: it may have just changed. Reload the page.",
  "error.username_taken": "This username exists already or has been asked for.",
  "error.approver_needed":
    "A second administrator is needed to approve, and there is none. Add one on the server with `sportello user add`.",
  "error.grant_pending": "A request of the same kind already waits for this account.",
  "error.grant_expired": "The request expired (24 hours): ask again.",
  "error.grant_decided": "The request was already decided by another administrator.",
  "error.self_approval": "You cannot approve your own request or one about your own account.",
  "error.last_admin": "No enabled administrator would be left: not possible.",
  "error.areas_conflict": "Role and areas do not fit this account.",
  "error.validation_failed": "Invalid data: {reason}",
  "error.invalid_request": "Invalid request: {reason}",
  "error.busy": "The server is busy: retry in a few seconds.",
  "error.too_many_denials": "Too many refused requests: wait a minute.",
  "error.internal": "Server error. If it happens again, report the time to support.",
  "error.unknown": "Unexpected error ({code}).",

  // Issue 12: the second factor.
  "sf.title": "Turn on the second factor",
  "sf.intro":
    "Administrators sign in with the password and the code of an authenticator app on a work phone (for example FreeOTP, Aegis, Google or Microsoft Authenticator). Scan the QR code with the app, then type the six-digit code it shows.",
  "sf.loading": "Preparing the key…",
  "sf.qrLabel": "QR code to scan with the authenticator app",
  "sf.manualKey": "Key:",
  "sf.manualHint": "Cannot scan it? In the app choose “enter a setup key” and type this one (type: time based).",
  "sf.code": "Code from the app (6 digits)",
  "sf.codeHint": "The code changes every 30 seconds: type the one you see now.",
  "sf.codeMissing": "Type the six digits the app shows.",
  "sf.confirm": "Confirm",
  "sf.confirming": "Checking…",
  "sf.cancel": "Cancel and log out",
  "sf.codesTitle": "Your recovery codes",
  "sf.codesIntro":
    "The second factor is on. If you lose your phone, each of these codes works once instead of the app's code. Print or copy them and keep them away from the phone: they will not be shown again.",
  "sf.codesHeading": "Sportello: recovery codes of {username}",
  "sf.copy": "Copy the codes",
  "sf.print": "Print",
  "sf.saved": "I have saved the recovery codes",
  "sf.savedMissing": "First confirm you have saved the codes: you will not see them again.",
  "sf.continue": "Continue",
  "login.code.title": "Verification code",
  "login.code.intro": "Type the six-digit code your authenticator app shows, or one of your recovery codes.",
  "login.code.label": "App code or recovery code",
  "login.code.submit": "Verify",
  "login.code.back": "Back",
  "login.code.missing": "Type the code.",
  "users.status.secondFactor": "Second factor on",
  "users.resetSecondFactor": "Reset second factor",
  "users.resetSecondFactorConfirm":
    "Ask to remove the second factor of {name}? Needed when the phone and the recovery codes are lost. Another administrator must approve; on approval all their sessions end and they enrol a new one at the next login.",
  "users.resetSecondFactorRequested":
    "Request sent: the second factor of {name} is removed when another administrator approves it.",
  "grants.kind.second_factor_reset": "Second factor reset",
  "grants.approvedSecondFactor":
    "Request approved: the second factor of {name} is removed and their sessions have ended.",
  "error.second_factor_required": "Your authenticator app's code is needed.",
  "error.invalid_second_factor":
    "Wrong or already used code. Type the code the app shows now (or a recovery code not used yet).",
  "error.second_factor_enrolment_required": "You must turn on the second factor first.",
  "error.second_factor_enrolled": "The second factor is already on.",
  "error.second_factor_not_enrolled": "This account has no second factor (or the key is no longer pending).",
};

export const CATALOGUES: Record<AdminLanguage, Record<MessageKey, string>> = { it, en };

const STORAGE_KEY = "sportello.admin.language";
let current: AdminLanguage = initialLanguage();
const listeners = new Set<() => void>();

function initialLanguage(): AdminLanguage {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (stored === "it" || stored === "en") return stored;
  } catch {
    // Storage refused (private mode): Italian.
  }
  return "it";
}

export function adminLanguage(): AdminLanguage {
  return current;
}

/** Switches every part of the console to `language` (kept on this machine: a preference, not personal data). */
export function setAdminLanguage(language: AdminLanguage): void {
  current = language;
  if (typeof document !== "undefined") document.documentElement.lang = language;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, language);
  } catch {
    // Not kept: the switch still works for this page.
  }
  for (const listener of listeners) listener();
}

/** The message for `key` in the current language, `{name}` placeholders filled from `values`. */
export function m(key: MessageKey, values: Record<string, string | number> = {}): string {
  return fill(CATALOGUES[current][key] ?? it[key], values);
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(current).format(value) : value;
  });
}

/** `m` for a key made at run time (a role, a kind): `fallback` when the catalogue has no such key. */
export function mOr(key: string, fallback: string): string {
  return key in it ? m(key as MessageKey) : fallback;
}

/** What a person reads for a failed call: the server's stable code picks the message; the server's own
 *  text appears only where it is the reason itself (validation, a weak password). */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) return m("error.unknown", { code: "client" });
  const key = `error.${error.code}`;
  if (key in it) return m(key as MessageKey, { reason: error.message, code: error.code });
  return m("error.unknown", { code: error.code });
}

const dateTimes = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(style: "dateTime" | "date" | "time"): Intl.DateTimeFormat {
  const key = `${current}:${style}`;
  let format = dateTimes.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      style === "dateTime"
        ? { dateStyle: "short", timeStyle: "medium" }
        : style === "date"
          ? { dateStyle: "medium" }
          : { timeStyle: "short" };
    format = new Intl.DateTimeFormat(current === "it" ? "it-IT" : "en-GB", options);
    dateTimes.set(key, format);
  }
  return format;
}

/** A server time (RFC 3339) for people, in this browser's time zone; "" for none. */
export function formatDateTime(iso: string | null | undefined, style: "dateTime" | "date" | "time" = "dateTime"): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat(style).format(date);
}

/** Re-renders its host when the console's language changes. */
export class LanguageController implements ReactiveController {
  readonly #update = () => this.host.requestUpdate();
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }
  hostConnected(): void {
    listeners.add(this.#update);
  }
  hostDisconnected(): void {
    listeners.delete(this.#update);
  }
}
