// The totem's words, in the seven languages a citizen can choose (Italian first). The citizen's screen is in
// every language; what staff read (enrolment, the status line, a revoked totem) is in Italian and English,
// and shows in English whenever the screen is not in Italian. Kept apart from the tablet's catalogue
// (i18n/it.ts, en.ts): the totem switches language per citizen and returns to Italian on its own.

export const LANGUAGES = ["it", "en", "fr", "ar", "es", "ro", "uk"] as const;
export type TotemLanguage = (typeof LANGUAGES)[number];

/** Each language's name in itself, for the switch. */
export const LANGUAGE_NAMES: Record<TotemLanguage, string> = {
  it: "Italiano",
  en: "English",
  fr: "Français",
  ar: "العربية",
  es: "Español",
  ro: "Română",
  uk: "Українська",
};

export function direction(language: TotemLanguage): "rtl" | "ltr" {
  return language === "ar" ? "rtl" : "ltr";
}

const it = {
  title: "Prenda il numero",
  choose: "Scelga il servizio",
  language: "Lingua",
  priority: "Precedenza",
  priorityWho: "Per persone anziane, con disabilità e donne in gravidanza.",
  priorityToggle: "Ho diritto alla precedenza",
  priorityOn: "Precedenza scelta: il prossimo numero avrà la precedenza.",
  yourNumber: "Il suo numero",
  keep: "Ritiri il biglietto e segua lo schermo: il suo numero verrà chiamato.",
  printing: "Stampa in corso…",
  done: "Fatto",
  withPriority: "Con precedenza",
  closed: "Lo sportello ora è chiuso.",
  opens: "Riapre {when}.",
  closedUnknown: "Consulti gli orari esposti all'ingresso.",
  noLines: "Nessun servizio disponibile in questo momento.",
  loading: "Caricamento…",
  "error.line_full": "I numeri di questo servizio per oggi sono esauriti.",
  "error.line_inactive": "Questo servizio ora non è disponibile.",
  "error.desk_closed": "Lo sportello ora è chiuso.",
  "error.unavailable": "Non è stato possibile emettere il numero. Si rivolga al personale.",
  "error.other": "Si è verificato un errore. Riprovi.",
  // Staff
  "enrol.title": "Attivazione del totem",
  "enrol.intro":
    "Incolli la credenziale del dispositivo (spdc_…) o inquadri con il lettore il codice QR mostrato nella console di amministrazione.",
  "enrol.label": "Credenziale o link di attivazione",
  "enrol.submit": "Attiva il totem",
  "enrol.working": "Attivazione…",
  "enrol.invalid": "Questa non è una credenziale di dispositivo (spdc_…) né un link di attivazione.",
  "enrol.wrongKind": "Questa credenziale è di un display, non di un totem.",
  "enrol.refused": "Credenziale non valida o revocata: ne chieda una nuova all'amministratore.",
  "enrol.network": "Il server non risponde. Controlli la rete e riprovi.",
  "revoked.title": "Totem revocato",
  "revoked.body": "Questo totem è stato revocato dall'amministratore e non emette più numeri. Per riattivarlo serve una nuova credenziale.",
  "staff.offline": "Server non raggiungibile: numeri emessi dalla riserva.",
  "staff.pending": "Da importare: {count}",
  "staff.reserve": "Riserva: {lines}",
  "staff.setAside": "Biglietti emessi offline che il server non accetta ({codes}): {numbers}. Avvisi chi ha questi numeri.",
  "staff.acknowledge": "Preso nota",
  "staff.clock": "L'orologio del totem non corrisponde al giorno del server: lo regoli.",
  "print.offline": "Emesso mentre il server non era raggiungibile: il numero è valido.",
} as const;

export type MessageKey = keyof typeof it;

type CitizenKey = Exclude<MessageKey, `enrol.${string}` | `revoked.${string}` | `staff.${string}` | `print.${string}`>;

const en: Record<MessageKey, string> = {
  title: "Take a number",
  choose: "Choose the service",
  language: "Language",
  priority: "Priority",
  priorityWho: "For elderly people, people with disabilities and pregnant women.",
  priorityToggle: "I am entitled to priority",
  priorityOn: "Priority chosen: the next number will have priority.",
  yourNumber: "Your number",
  keep: "Take your ticket and watch the screen: your number will be called.",
  printing: "Printing…",
  done: "Done",
  withPriority: "With priority",
  closed: "The desk is closed now.",
  opens: "It opens again {when}.",
  closedUnknown: "Please see the opening hours at the entrance.",
  noLines: "No service is available right now.",
  loading: "Loading…",
  "error.line_full": "There are no more numbers for this service today.",
  "error.line_inactive": "This service is not available right now.",
  "error.desk_closed": "The desk is closed now.",
  "error.unavailable": "A number could not be issued. Please ask the staff.",
  "error.other": "Something went wrong. Please try again.",
  "enrol.title": "Enrol this totem",
  "enrol.intro": "Paste the device credential (spdc_…) or scan the QR code the admin console shows.",
  "enrol.label": "Credential or enrolment link",
  "enrol.submit": "Enrol the totem",
  "enrol.working": "Enrolling…",
  "enrol.invalid": "This is neither a device credential (spdc_…) nor an enrolment link.",
  "enrol.wrongKind": "This credential belongs to a display, not a totem.",
  "enrol.refused": "The credential is invalid or revoked: ask an admin for a new one.",
  "enrol.network": "The server does not answer. Check the network and try again.",
  "revoked.title": "Totem revoked",
  "revoked.body": "An admin revoked this totem: it issues no more numbers. A new credential is needed to enrol it again.",
  "staff.offline": "Server unreachable: numbers are issued from the reserve.",
  "staff.pending": "To import: {count}",
  "staff.reserve": "Reserve: {lines}",
  "staff.setAside": "Offline tickets the server will not take ({codes}): {numbers}. Tell the people holding them.",
  "staff.acknowledge": "Noted",
  "staff.clock": "This totem's clock disagrees with the server's day: set it.",
  "print.offline": "Issued while the server was unreachable: this number is valid.",
};

const fr: Record<CitizenKey, string> = {
  title: "Prenez un numéro",
  choose: "Choisissez le service",
  language: "Langue",
  priority: "Priorité",
  priorityWho: "Pour les personnes âgées, les personnes handicapées et les femmes enceintes.",
  priorityToggle: "J'ai droit à la priorité",
  priorityOn: "Priorité choisie : le prochain numéro sera prioritaire.",
  yourNumber: "Votre numéro",
  keep: "Gardez le ticket et regardez l'écran : votre numéro sera appelé.",
  printing: "Impression…",
  done: "Terminé",
  withPriority: "Prioritaire",
  closed: "Le guichet est fermé.",
  opens: "Il rouvre {when}.",
  closedUnknown: "Consultez les horaires affichés à l'entrée.",
  noLines: "Aucun service n'est disponible pour le moment.",
  loading: "Chargement…",
  "error.line_full": "Il n'y a plus de numéros pour ce service aujourd'hui.",
  "error.line_inactive": "Ce service n'est pas disponible pour le moment.",
  "error.desk_closed": "Le guichet est fermé.",
  "error.unavailable": "Impossible d'émettre un numéro. Adressez-vous au personnel.",
  "error.other": "Une erreur s'est produite. Veuillez réessayer.",
};

const ar: Record<CitizenKey, string> = {
  title: "خذ رقمك",
  choose: "اختر الخدمة",
  language: "اللغة",
  priority: "الأولوية",
  priorityWho: "لكبار السن والأشخاص ذوي الإعاقة والنساء الحوامل.",
  priorityToggle: "لدي حق الأولوية",
  priorityOn: "تم اختيار الأولوية: سيكون للرقم التالي حق الأولوية.",
  yourNumber: "رقمك",
  keep: "خذ التذكرة وتابع الشاشة: سيتم النداء على رقمك.",
  printing: "جارٍ الطباعة…",
  done: "تم",
  withPriority: "مع الأولوية",
  closed: "المكتب مغلق الآن.",
  opens: "يفتح المكتب {when}.",
  closedUnknown: "يرجى الاطلاع على مواعيد العمل المعلنة عند المدخل.",
  noLines: "لا توجد خدمة متاحة حاليًا.",
  loading: "جارٍ التحميل…",
  "error.line_full": "نفدت أرقام هذه الخدمة لهذا اليوم.",
  "error.line_inactive": "هذه الخدمة غير متاحة حاليًا.",
  "error.desk_closed": "المكتب مغلق الآن.",
  "error.unavailable": "تعذّر إصدار رقم. يرجى التوجه إلى الموظفين.",
  "error.other": "حدث خطأ. يرجى المحاولة مرة أخرى.",
};

const es: Record<CitizenKey, string> = {
  title: "Saque su número",
  choose: "Elija el servicio",
  language: "Idioma",
  priority: "Prioridad",
  priorityWho: "Para personas mayores, personas con discapacidad y mujeres embarazadas.",
  priorityToggle: "Tengo derecho a prioridad",
  priorityOn: "Prioridad elegida: el próximo número tendrá prioridad.",
  yourNumber: "Su número",
  keep: "Recoja el tique y mire la pantalla: llamarán a su número.",
  printing: "Imprimiendo…",
  done: "Hecho",
  withPriority: "Con prioridad",
  closed: "La ventanilla está cerrada ahora.",
  opens: "Vuelve a abrir {when}.",
  closedUnknown: "Consulte el horario expuesto en la entrada.",
  noLines: "No hay ningún servicio disponible en este momento.",
  loading: "Cargando…",
  "error.line_full": "Hoy ya no quedan números para este servicio.",
  "error.line_inactive": "Este servicio no está disponible en este momento.",
  "error.desk_closed": "La ventanilla está cerrada ahora.",
  "error.unavailable": "No se ha podido emitir un número. Diríjase al personal.",
  "error.other": "Se ha producido un error. Inténtelo de nuevo.",
};

const ro: Record<CitizenKey, string> = {
  title: "Luați un număr",
  choose: "Alegeți serviciul",
  language: "Limba",
  priority: "Prioritate",
  priorityWho: "Pentru persoane vârstnice, persoane cu dizabilități și femei însărcinate.",
  priorityToggle: "Am drept de prioritate",
  priorityOn: "Prioritate aleasă: următorul număr va avea prioritate.",
  yourNumber: "Numărul dumneavoastră",
  keep: "Luați bonul și urmăriți ecranul: numărul dumneavoastră va fi chemat.",
  printing: "Se tipărește…",
  done: "Gata",
  withPriority: "Cu prioritate",
  closed: "Ghișeul este închis acum.",
  opens: "Se redeschide {when}.",
  closedUnknown: "Consultați programul afișat la intrare.",
  noLines: "Niciun serviciu nu este disponibil în acest moment.",
  loading: "Se încarcă…",
  "error.line_full": "Numerele pentru acest serviciu s-au terminat pentru astăzi.",
  "error.line_inactive": "Acest serviciu nu este disponibil acum.",
  "error.desk_closed": "Ghișeul este închis acum.",
  "error.unavailable": "Nu s-a putut emite un număr. Adresați-vă personalului.",
  "error.other": "A apărut o eroare. Încercați din nou.",
};

const uk: Record<CitizenKey, string> = {
  title: "Візьміть номер",
  choose: "Оберіть послугу",
  language: "Мова",
  priority: "Пріоритет",
  priorityWho: "Для літніх людей, людей з інвалідністю та вагітних жінок.",
  priorityToggle: "Я маю право на пріоритет",
  priorityOn: "Пріоритет обрано: наступний номер матиме пріоритет.",
  yourNumber: "Ваш номер",
  keep: "Візьміть квиток і стежте за екраном: ваш номер викличуть.",
  printing: "Друк…",
  done: "Готово",
  withPriority: "З пріоритетом",
  closed: "Зараз приймальня зачинена.",
  opens: "Відкриється знову {when}.",
  closedUnknown: "Перегляньте графік роботи біля входу.",
  noLines: "Зараз жодна послуга не доступна.",
  loading: "Завантаження…",
  "error.line_full": "На сьогодні номери для цієї послуги закінчилися.",
  "error.line_inactive": "Ця послуга зараз недоступна.",
  "error.desk_closed": "Зараз приймальня зачинена.",
  "error.unavailable": "Не вдалося видати номер. Зверніться до працівників.",
  "error.other": "Сталася помилка. Спробуйте ще раз.",
};

const CATALOGUES: Record<TotemLanguage, Partial<Record<MessageKey, string>>> = { it, en, fr, ar, es, ro, uk };

/** The message for `key` in `language` with `{name}` filled in: staff messages in Italian or English,
 *  a citizen's in their language. */
export function message(language: TotemLanguage, key: MessageKey, values: Record<string, string | number> = {}): string {
  const staff = /^(enrol|revoked|staff|print)\./.test(key);
  const from = staff ? (language === "it" ? it : en) : CATALOGUES[language];
  const template = from[key] ?? en[key] ?? it[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** A line's name in `language`: `name_it` or `name_en`; the other languages fall back to English, then
 *  Italian (a line has no other names). */
export function lineName(line: { name_it: string; name_en: string }, language: TotemLanguage): string {
  if (language === "it") return line.name_it || line.name_en;
  return line.name_en || line.name_it;
}

/** The language `lineName` answers in (for the `lang` attribute of what shows it). */
export function lineNameLanguage(line: { name_it: string; name_en: string }, language: TotemLanguage): "it" | "en" {
  if (language === "it") return line.name_it ? "it" : "en";
  return line.name_en ? "en" : "it";
}

/** When the desk opens, in words: `venerdì 27 novembre, 14:00` (the desk's time zone, Europe/Rome). */
export function openingTime(iso: string, language: TotemLanguage): string {
  const format = new Intl.DateTimeFormat(language, {
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/Rome",
  });
  return format.format(new Date(iso));
}

/** The issue time on a printed ticket: `27/11/2026 09:41` in Rome, as the server prints it. */
export function printedTime(iso: string): string {
  const parts = new Intl.DateTimeFormat("it-IT", {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: "Europe/Rome",
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find(p => p.type === type)?.value ?? "";
  return `${part("day")}/${part("month")}/${part("year")} ${part("hour")}:${part("minute")}`;
}
