// What the privacy officer's screens decide without the network (pure, tested): the wire shapes of
// `/api/v1/privacy/*` (docs/api.md, "The citizen's rights"), the access report in Italian (what each audit
// action means for the citizen, who, which document, when in Europe/Rome time), its summary, its grouping by
// person and its CSV, the comune that issues it, the erasure reasons, and the typed confirmation before an erasure request.
//
// The report is a document the comune gives to a citizen (GDPR art. 15): its words are Italian whatever the
// console's language, and its times are the comune's (Europe/Rome), not the browser's.
import { toCsv } from "../ui/csv";

export interface PrivacyCase {
  case_id: string;
  created_at: string;
  status: string;
}

export interface ReportDocument {
  document_id: string;
  kind: "case" | "case_notes";
  area?: string | null;
}

export interface ReportEntry {
  at: string;
  document_id: string;
  kind: "case" | "case_notes" | string;
  action: string;
  outcome: "success" | "failure" | "denied" | string;
  actor_id: string | null;
  actor_username: string | null;
  actor_display_name: string | null;
  /** The role the audit row recorded; null for the server itself. */
  actor_role: string | null;
  session_id: string | null;
}

export interface AccessReport {
  case_id: string;
  generated_at: string;
  /** The comune's name as the installation sets it (`--comune-name`, e.g. "Comune di Sassuolo"); absent
   *  when unset. */
  comune?: string | null;
  documents: ReportDocument[];
  entries: ReportEntry[];
}

export const ERASURE_REASONS = ["subject_request", "unlawful_processing", "consent_withdrawn", "other"] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

export interface ErasureRequest {
  id: string;
  case_id: string;
  reason: ErasureReason;
  reference?: string | null;
  status: "pending" | "approved" | "rejected" | "expired";
  requested_by: string;
  requested_at: string;
  decided_by?: string | null;
  decided_at?: string | null;
  expires_at: string;
}

/** The longest protocol reference the server keeps. */
export const REFERENCE_MAX = 64;

/** The reasons for an erasure, as the officer and the register read them (GDPR art. 17). */
export const REASON_LABELS: Record<ErasureReason, { it: string; en: string }> = {
  subject_request: { it: "Richiesta dell'interessato (art. 17 GDPR)", en: "Request of the data subject (GDPR art. 17)" },
  unlawful_processing: { it: "Trattamento illecito (art. 17.1.d GDPR)", en: "Unlawful processing (GDPR art. 17(1)(d))" },
  consent_withdrawn: { it: "Revoca del consenso (art. 17.1.b GDPR)", en: "Consent withdrawn (GDPR art. 17(1)(b))" },
  other: { it: "Altro motivo (indicato nel protocollo)", en: "Other reason (stated in the protocol)" },
};

export function reasonLabel(reason: string, language: "it" | "en" = "it"): string {
  return (REASON_LABELS as Record<string, { it: string; en: string }>)[reason]?.[language] ?? reason;
}

/** Roles as the report names them (lower case, inside a sentence or a cell). */
const ROLE_IT: Record<string, string> = {
  operator: "operatore dello sportello",
  social_worker: "assistente sociale",
  admin: "amministratore",
  privacy_officer: "referente privacy",
  system: "sistema (operazione automatica)",
  anonymous: "non autenticato",
};

export function roleLabelIt(role: string | null): string {
  return ROLE_IT[role ?? "system"] ?? role ?? "";
}

/** What an audit action means for the person whose file it is. Failures and denials say so. */
const ACTION_IT: Record<string, string> = {
  "doc.read": "Ha letto",
  "doc.read_offline": "Ha letto sul tablet (senza connessione)",
  "doc.write": "Ha modificato",
  "doc.create": "Ha creato",
  "doc.refused": "Modifica respinta dal server",
  "doc.denied": "Accesso negato",
  "doc.erased": "Cancellato",
  "privacy.access_report": "Ha generato questo registro degli accessi",
  "privacy.lookup": "Ha cercato per codice fiscale",
  "privacy.erasure_request": "Ha chiesto la cancellazione",
  "privacy.erasure_approve": "Ha approvato la cancellazione",
  "privacy.erasure_reject": "Ha respinto la richiesta di cancellazione",
  "privacy.retention_erase": "Cancellato per fine del periodo di conservazione",
};

export function actionLabelIt(action: string, outcome: string): string {
  const label = ACTION_IT[action] ?? action;
  if (action === "doc.denied" || action === "doc.refused") return label;
  if (outcome === "denied") return `${label} (negato)`;
  if (outcome === "failure") return `${label} (non riuscito)`;
  return label;
}

/** The kind of act, for a badge: reading, writing, refused, privacy act. */
export function actionKind(action: string, outcome: string): "read" | "write" | "refused" | "privacy" {
  if (outcome !== "success" || action === "doc.denied" || action === "doc.refused") return "refused";
  if (action.startsWith("privacy.") || action === "doc.erased") return "privacy";
  if (action === "doc.read" || action === "doc.read_offline") return "read";
  return "write";
}

/** Which document an entry is about, in words: the file itself or the notes of an area. */
export function documentLabelIt(entry: Pick<ReportEntry, "document_id" | "kind">, documents: readonly ReportDocument[], areaName: (code: string) => string): string {
  const doc = documents.find(d => d.document_id === entry.document_id);
  const kind = doc?.kind ?? entry.kind;
  if (kind === "case") return "Fascicolo";
  if (kind === "case_notes") return doc?.area ? `Note riservate dell'area ${areaName(doc.area)}` : "Note riservate";
  return entry.document_id;
}

/** Who, for a person: "Mario Rossi (mario.rossi)", the system, or an account known only by its id. */
export function actorLabel(entry: Pick<ReportEntry, "actor_id" | "actor_username" | "actor_display_name" | "actor_role">): string {
  const name = entry.actor_display_name?.trim();
  if (entry.actor_username) return name && name !== entry.actor_username ? `${name} (${entry.actor_username})` : entry.actor_username;
  if (entry.actor_id) return `account ${entry.actor_id}`;
  return roleLabelIt(entry.actor_role);
}

/** The key that makes one person of the report: the account id, else the role (system, anonymous). */
export function personKey(entry: Pick<ReportEntry, "actor_id" | "actor_role">): string {
  return entry.actor_id ?? `role:${entry.actor_role ?? "system"}`;
}

const romeFormats = new Map<string, Intl.DateTimeFormat>();
function romeFormat(style: "dateTime" | "date"): Intl.DateTimeFormat {
  let format = romeFormats.get(style);
  if (!format) {
    format = new Intl.DateTimeFormat("it-IT", {
      timeZone: "Europe/Rome",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      ...(style === "dateTime" ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" as const } : {}),
    });
    romeFormats.set(style, format);
  }
  return format;
}

/** A server time as the comune reads it: `05/12/2026 11:43:02` (Europe/Rome, summer time included). */
export function romeDateTime(iso: string | null | undefined, style: "dateTime" | "date" = "dateTime"): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return romeFormat(style).format(date).replace(", ", " ");
}

export interface ReportSummary {
  /** Rows in the report. */
  entries: number;
  /** Distinct people (accounts; the system counts as one). */
  people: number;
  first?: string;
  last?: string;
  reads: number;
  writes: number;
  refused: number;
}

export function reportSummary(report: Pick<AccessReport, "entries">): ReportSummary {
  const entries = report.entries;
  const people = new Set(entries.map(personKey));
  const times = entries.map(e => e.at).sort();
  let reads = 0;
  let writes = 0;
  let refused = 0;
  for (const e of entries) {
    const kind = actionKind(e.action, e.outcome);
    if (kind === "read") reads++;
    else if (kind === "write") writes++;
    else if (kind === "refused") refused++;
  }
  return { entries: entries.length, people: people.size, first: times[0], last: times[times.length - 1], reads, writes, refused };
}

export interface PersonGroup {
  key: string;
  label: string;
  role: string | null;
  entries: ReportEntry[];
  first: string;
  last: string;
}

/** The entries by person, each group oldest first, the groups by their first access (as the report reads). */
export function groupByPerson(entries: readonly ReportEntry[]): PersonGroup[] {
  const groups = new Map<string, PersonGroup>();
  for (const entry of [...entries].sort((a, b) => a.at.localeCompare(b.at))) {
    const key = personKey(entry);
    let group = groups.get(key);
    if (!group) {
      group = { key, label: actorLabel(entry), role: entry.actor_role, entries: [], first: entry.at, last: entry.at };
      groups.set(key, group);
    }
    group.entries.push(entry);
    group.last = entry.at;
  }
  return [...groups.values()];
}

/** The people of the report, for the filter: key and label, by label. */
export function peopleOf(entries: readonly ReportEntry[]): { key: string; label: string }[] {
  return groupByPerson(entries)
    .map(g => ({ key: g.key, label: `${g.label} — ${roleLabelIt(g.role)}` }))
    .sort((a, b) => a.label.localeCompare(b.label, "it"));
}

/** The comune's name the report carries, trimmed; undefined when the installation sets none. */
export function reportComune(report: Pick<AccessReport, "comune">): string | undefined {
  return report.comune?.trim() || undefined;
}

/** Who issues the report, in its printed heading: the comune's name as the installation gives it
 *  ("Servizi sociali · Comune di Sassuolo"), or, with none set, the general words used before. */
export function reportIssuer(report: Pick<AccessReport, "comune">): string {
  const comune = reportComune(report);
  return comune ? `Servizi sociali · ${comune}` : "Servizi sociali del Comune";
}

export const REPORT_CSV_HEADER = [
  "Data e ora (Europe/Rome)",
  "Data e ora (UTC, ISO 8601)",
  "Persona",
  "Nome utente",
  "Ruolo",
  "Operazione",
  "Esito",
  "Documento",
  "Id documento",
  "Sessione",
] as const;

const OUTCOME_IT: Record<string, string> = { success: "riuscita", failure: "non riuscita", denied: "negata" };

export function outcomeLabelIt(outcome: string): string {
  return OUTCOME_IT[outcome] ?? outcome;
}

/** The column added last when the report names its comune (the columns before it keep their places). */
export const REPORT_CSV_COMUNE = "Ente";

/** The CSV's header record: the columns, and the comune's column when the report names one. */
export function reportCsvHeader(report: Pick<AccessReport, "comune">): string[] {
  return reportComune(report) ? [...REPORT_CSV_HEADER, REPORT_CSV_COMUNE] : [...REPORT_CSV_HEADER];
}

/** One CSV record per entry, oldest first, Italian words beside the raw values a spreadsheet can sort; the
 *  comune last on every record when the report names one (a CSV stays one table: no lines above the
 *  header, which a spreadsheet would take for data). */
export function reportCsvRows(report: AccessReport, areaName: (code: string) => string): string[][] {
  const comune = reportComune(report);
  return [...report.entries]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map(e => [
      romeDateTime(e.at),
      e.at,
      e.actor_display_name?.trim() || actorLabel(e),
      e.actor_username ?? "",
      roleLabelIt(e.actor_role),
      actionLabelIt(e.action, e.outcome),
      outcomeLabelIt(e.outcome),
      documentLabelIt(e, report.documents, areaName),
      e.document_id,
      e.session_id ?? "",
      ...(comune ? [comune] : []),
    ]);
}

export function reportCsv(report: AccessReport, areaName: (code: string) => string): string {
  return toCsv(reportCsvHeader(report), reportCsvRows(report, areaName));
}

/** `registro-accessi-<8 characters of the case id>-2026-12-05.csv`: no name, no fiscal code. */
export function reportFileName(caseId: string, generatedAt: string): string {
  const day = romeDateTime(generatedAt, "date").split("/").reverse().join("-");
  return `registro-accessi-${caseId.slice(0, 8)}-${day}.csv`;
}

/** The characters of the case id the officer types to confirm an erasure request: its last six, as shown. */
export function confirmationCode(caseId: string): string {
  return caseId.replace(/-/g, "").slice(-6);
}

/** Whether `typed` is the confirmation code; case and surrounding spaces are forgiven (a typing slip is not
 *  a reason to refuse: the code only proves the officer looked at the right case). */
export function confirmationMatches(typed: string, caseId: string): boolean {
  return typed.trim().toLowerCase() === confirmationCode(caseId).toLowerCase();
}

/** Why the signed-in officer cannot approve `request` (the server would refuse), or undefined. Expiry is
 *  left to the server (its clock decides; a wrong clock here must not hide the button): it answers
 *  `grant_expired`, which the screen explains. */
export function erasureBlock(request: ErasureRequest, me: string): "own" | "decided" | undefined {
  if (request.status !== "pending") return "decided";
  if (request.requested_by === me) return "own";
  return undefined;
}

/** The body of an erasure request: the reference trimmed, left out when empty. */
export function erasureBody(reason: ErasureReason, reference: string): { reason: ErasureReason; reference?: string } {
  const ref = reference.trim();
  return ref ? { reason, reference: ref } : { reason };
}
