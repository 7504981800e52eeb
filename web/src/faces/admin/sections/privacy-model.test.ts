import { describe, expect, it } from "vitest";
import { parseCsv } from "../ui/csv";
import {
  actionLabelIt,
  actorLabel,
  confirmationCode,
  confirmationMatches,
  documentLabelIt,
  ERASURE_REASONS,
  erasureBlock,
  erasureBody,
  groupByPerson,
  peopleOf,
  reasonLabel,
  REPORT_CSV_COMUNE,
  REPORT_CSV_HEADER,
  reportComune,
  reportCsv,
  reportCsvHeader,
  reportFileName,
  reportIssuer,
  reportSummary,
  roleLabelIt,
  romeDateTime,
  type AccessReport,
  type ErasureRequest,
  type ReportEntry,
} from "./privacy-model";

const CASE = "0a1b2c3d-4e5f-4789-8abc-def012345678";
const NOTES = "9f8e7d6c-5b4a-4321-9fed-cba987654321";

function entry(at: string, action: string, who: "anna" | "bruno" | "system", extra: Partial<ReportEntry> = {}): ReportEntry {
  const people = {
    anna: { actor_id: "u-anna", actor_username: "anna.verdi", actor_display_name: "Anna Verdi", actor_role: "operator" },
    bruno: { actor_id: "u-bruno", actor_username: "bruno.neri", actor_display_name: "Bruno Neri", actor_role: "social_worker" },
    system: { actor_id: null, actor_username: null, actor_display_name: null, actor_role: "system" },
  } as const;
  return { at, document_id: CASE, kind: "case", action, outcome: "success", session_id: "5e55-1011-aaaa", ...people[who], ...extra };
}

const REPORT: AccessReport = {
  case_id: CASE,
  generated_at: "2026-12-05T10:30:00Z",
  documents: [
    { document_id: CASE, kind: "case" },
    { document_id: NOTES, kind: "case_notes", area: "housing" },
  ],
  entries: [
    entry("2026-11-02T08:15:00Z", "doc.create", "anna"),
    entry("2026-11-02T08:16:00Z", "doc.write", "anna"),
    entry("2026-11-03T13:00:00Z", "doc.read", "bruno", { document_id: NOTES, kind: "case_notes" }),
    entry("2026-11-03T09:00:00Z", "doc.read_offline", "bruno"),
    entry("2026-11-04T10:00:00Z", "doc.denied", "anna", { outcome: "denied", document_id: NOTES, kind: "case_notes" }),
    entry("2026-07-01T10:00:00Z", "doc.read", "anna", { session_id: "=cmd|calc" }),
  ],
};

describe("the access report", () => {
  it("shows times in Rome's time zone, summer time included", () => {
    expect(romeDateTime("2026-12-05T10:30:00Z")).toBe("05/12/2026 11:30:00");
    expect(romeDateTime("2026-07-01T10:00:00Z")).toBe("01/07/2026 12:00:00");
    expect(romeDateTime("2026-07-01T22:30:00Z", "date")).toBe("02/07/2026");
    expect(romeDateTime(null)).toBe("");
  });

  it("sums up people, first and last access and the kinds of act", () => {
    const s = reportSummary(REPORT);
    expect(s).toEqual({
      entries: 6,
      people: 2,
      first: "2026-07-01T10:00:00Z",
      last: "2026-11-04T10:00:00Z",
      reads: 3,
      writes: 2,
      refused: 1,
    });
    expect(reportSummary({ entries: [] })).toMatchObject({ entries: 0, people: 0, first: undefined, last: undefined });
    expect(reportSummary({ entries: [entry("2026-11-01T00:00:00Z", "privacy.access_report", "system")] }).people).toBe(1);
  });

  it("groups by person, oldest first inside each group and by first access", () => {
    const groups = groupByPerson(REPORT.entries);
    expect(groups.map(g => g.key)).toEqual(["u-anna", "u-bruno"]);
    expect(groups[0].label).toBe("Anna Verdi (anna.verdi)");
    expect(groups[0].entries.map(e => e.action)).toEqual(["doc.read", "doc.create", "doc.write", "doc.denied"]);
    expect(groups[0].first).toBe("2026-07-01T10:00:00Z");
    expect(groups[0].last).toBe("2026-11-04T10:00:00Z");
    expect(groups[1].entries.map(e => e.action)).toEqual(["doc.read_offline", "doc.read"]);
    expect(peopleOf(REPORT.entries).map(p => p.label)).toEqual([
      "Anna Verdi (anna.verdi) — operatore dello sportello",
      "Bruno Neri (bruno.neri) — assistente sociale",
    ]);
  });

  it("names acts, roles, people and documents in Italian", () => {
    expect(actionLabelIt("doc.read", "success")).toBe("Ha letto");
    expect(actionLabelIt("doc.read_offline", "success")).toBe("Ha letto sul tablet (senza connessione)");
    expect(actionLabelIt("doc.denied", "denied")).toBe("Accesso negato");
    expect(actionLabelIt("doc.write", "failure")).toBe("Ha modificato (non riuscito)");
    expect(actionLabelIt("privacy.erasure_request", "success")).toBe("Ha chiesto la cancellazione");
    expect(actionLabelIt("something.new", "success")).toBe("something.new");
    expect(roleLabelIt("privacy_officer")).toBe("referente privacy");
    expect(roleLabelIt("social_worker")).toBe("assistente sociale");
    expect(roleLabelIt("robot")).toBe("robot");
    expect(roleLabelIt(null)).toBe("sistema (operazione automatica)");
    expect(actorLabel(entry("x", "doc.read", "system"))).toBe("sistema (operazione automatica)");
    expect(actorLabel({ actor_id: "u-9", actor_username: null, actor_display_name: null, actor_role: "operator" })).toBe("account u-9");
    expect(actorLabel({ actor_id: "u-9", actor_username: "zeta", actor_display_name: "zeta", actor_role: "operator" })).toBe("zeta");
    const area = (code: string) => (code === "housing" ? "Casa" : code);
    expect(documentLabelIt({ document_id: CASE, kind: "case" }, REPORT.documents, area)).toBe("Fascicolo");
    expect(documentLabelIt({ document_id: NOTES, kind: "case_notes" }, REPORT.documents, area)).toBe("Note riservate dell'area Casa");
    expect(documentLabelIt({ document_id: "gone", kind: "case_notes" }, REPORT.documents, area)).toBe("Note riservate");
  });

  it("writes a CSV with Italian headers, one record per entry oldest first, formulas defused", () => {
    const text = reportCsv(REPORT, code => (code === "housing" ? "Casa" : code));
    expect(text.endsWith("\r\n")).toBe(true);
    const records = parseCsv(text);
    expect(records[0]).toEqual([...REPORT_CSV_HEADER]);
    expect(records).toHaveLength(7);
    expect(records[1]).toEqual([
      "01/07/2026 12:00:00",
      "2026-07-01T10:00:00Z",
      "Anna Verdi",
      "anna.verdi",
      "operatore dello sportello",
      "Ha letto",
      "riuscita",
      "Fascicolo",
      CASE,
      "'=cmd|calc",
    ]);
    expect(records[4].slice(5, 8)).toEqual(["Ha letto sul tablet (senza connessione)", "riuscita", "Fascicolo"]);
    expect(records[6].slice(2, 8)).toEqual(["Anna Verdi", "anna.verdi", "operatore dello sportello", "Accesso negato", "negata", "Note riservate dell'area Casa"]);
    expect(reportFileName(CASE, REPORT.generated_at)).toBe("registro-accessi-0a1b2c3d-2026-12-05.csv");
  });

  it("is issued by the comune the installation names, or by the comune in general words when none is set", () => {
    expect(reportIssuer({ comune: "Comune di Sassuolo" })).toBe("Servizi sociali · Comune di Sassuolo");
    // The name as given: a "Città di …" stays one.
    expect(reportIssuer({ comune: "Città di Castello" })).toBe("Servizi sociali · Città di Castello");
    for (const unset of [{}, { comune: null }, { comune: "" }, { comune: "   " }]) {
      expect(reportIssuer(unset)).toBe("Servizi sociali del Comune");
      expect(reportComune(unset)).toBeUndefined();
    }
    expect(reportComune({ comune: " Comune di Sassuolo " })).toBe("Comune di Sassuolo");
  });

  it("writes the comune as the last column of the CSV when the report names one, formulas defused", () => {
    const area = (code: string) => (code === "housing" ? "Casa" : code);
    const records = parseCsv(reportCsv({ ...REPORT, comune: "Comune di Sassuolo" }, area));
    expect(records[0]).toEqual([...REPORT_CSV_HEADER, REPORT_CSV_COMUNE]);
    expect(records[0].at(-1)).toBe("Ente");
    expect(records).toHaveLength(7);
    for (const record of records.slice(1)) {
      expect(record).toHaveLength(REPORT_CSV_HEADER.length + 1);
      expect(record.at(-1)).toBe("Comune di Sassuolo");
    }
    // The other columns keep their places.
    expect(records[1].slice(0, REPORT_CSV_HEADER.length)).toEqual(parseCsv(reportCsv(REPORT, area))[1]);
    // A name that a spreadsheet would run as a formula is written as text; a comma is quoted.
    const hostile = reportCsv({ ...REPORT, comune: "=HYPERLINK(\"http://x\",\"Comune\")" }, area);
    expect(hostile.split("\r\n")[1].endsWith(`"'=HYPERLINK(""http://x"",""Comune"")"`)).toBe(true);
    expect(parseCsv(hostile)[1].at(-1)).toBe(`'=HYPERLINK("http://x","Comune")`);
    // No comune: no column.
    expect(reportCsvHeader({ comune: null })).toEqual([...REPORT_CSV_HEADER]);
    expect(parseCsv(reportCsv({ ...REPORT, comune: " " }, area))[0]).toEqual([...REPORT_CSV_HEADER]);
  });
});

describe("erasure", () => {
  it("labels every reason of the contract in both languages", () => {
    for (const reason of ERASURE_REASONS) {
      expect(reasonLabel(reason, "it")).not.toBe(reason);
      expect(reasonLabel(reason, "en")).not.toBe(reason);
    }
    expect(reasonLabel("subject_request")).toBe("Richiesta dell'interessato (art. 17 GDPR)");
    expect(reasonLabel("unknown")).toBe("unknown");
  });

  it("asks for the last six characters of the case id, case and spaces ignored", () => {
    expect(confirmationCode(CASE)).toBe("345678");
    expect(confirmationMatches(" 345678 ", CASE)).toBe(true);
    expect(confirmationMatches("345678", "0A1B2C3D-4E5F-4789-8ABC-DEF012345678")).toBe(true);
    expect(confirmationMatches("45678", CASE)).toBe(false);
    expect(confirmationMatches("", CASE)).toBe(false);
    // Case ids are bs58check document ids: shown as they are, typed in any case.
    expect(confirmationCode("2Ke6rQd7GhWp3u5YxZ")).toBe("u5YxZ".padStart(6, "3"));
    expect(confirmationMatches("3U5YXZ", "2Ke6rQd7GhWp3u5YxZ")).toBe(true);
  });

  it("sends the reference only when there is one", () => {
    expect(erasureBody("other", "  ")).toEqual({ reason: "other" });
    expect(erasureBody("subject_request", " prot. 2026/123 ")).toEqual({ reason: "subject_request", reference: "prot. 2026/123" });
  });

  it("says why the officer cannot approve", () => {
    const request: ErasureRequest = {
      id: "r1",
      case_id: CASE,
      reason: "subject_request",
      status: "pending",
      requested_by: "u-one",
      requested_at: "2026-12-05T10:00:00Z",
      expires_at: "2026-12-06T10:00:00Z",
    };
    expect(erasureBlock(request, "u-two")).toBeUndefined();
    expect(erasureBlock(request, "u-one")).toBe("own");
    expect(erasureBlock({ ...request, status: "approved" }, "u-two")).toBe("decided");
    expect(erasureBlock({ ...request, status: "expired" }, "u-one")).toBe("decided");
  });
});

describe("privacy messages", () => {
  it("explain every refusal of the erasure routes in both languages", async () => {
    const { PRIVACY_MESSAGES } = await import("./privacy-messages");
    for (const code of ["self_approval", "grant_expired", "grant_decided", "approver_needed", "grant_pending", "not_found", "invalid_fiscal_code"]) {
      const key = `refusal.${code}` as keyof (typeof PRIVACY_MESSAGES)["it"];
      expect(PRIVACY_MESSAGES.it[key], code).toBeTruthy();
      expect(PRIVACY_MESSAGES.en[key], code).toBeTruthy();
    }
    expect(Object.keys(PRIVACY_MESSAGES.en).sort()).toEqual(Object.keys(PRIVACY_MESSAGES.it).sort());
    const { privacyErrorText } = await import("./privacy-messages");
    const { ApiError } = await import("../../../data/api");
    expect(privacyErrorText(new ApiError(403, "self_approval", "self"))).toBe(PRIVACY_MESSAGES.it["refusal.self_approval"]);
    expect(privacyErrorText(new ApiError(409, "approver_needed", "none"))).toContain("amministratore");
  });
});
