// The checks the server applies to a case before it commits a change (docs/documents.md), run by the app
// BEFORE it commits, so that a refusal from the server is rare. Three stages, in the server's order:
//
// 1. shape (`validate::shape`): closed key sets, value types, bounds on every string and list;
// 2. hydration (`autosurgeon::hydrate` into `CaseDoc`): required keys, enum values, user ids, codes;
// 3. validation (`validate::case` and, between versions for one actor, `validate::case_change`).
//
// Input is the case as plain data (`model/case-doc.ts` `toPlain`: Text and scalar strings both as strings).
// Errors are `{path, code}` with the server's paths (`person.fiscal_code`, `referrals[2].status`); `code`
// is a stable key the forms translate. The shared corpus (schema/tests/fixtures/validation-corpus.json)
// proves that the verdicts and paths agree with the Rust rules.

import { parseFiscalCode } from "./fiscal-code";
import { referralTransition, type Actor, type ReferralStatus } from "./transitions";
import {
  charCount,
  isCatalogueCode,
  isCitizenship,
  isControl,
  isItemId,
  isLanguage,
  isTicket,
  isUserId,
  parseBirthDate,
  parseEmail,
  parsePhone,
  parseTimestamp,
} from "./values";

export interface RuleError {
  path: string;
  code: string;
  /** Values for the message's placeholders (never personal data). */
  params?: Record<string, string | number>;
}

export type Stage = "ok" | "shape" | "hydrate" | "invalid";

export interface Verdict {
  stage: Stage;
  errors: RuleError[];
}

export interface CatalogueRules {
  areas: { code: string; hasStaff: boolean }[];
  needs: { code: string }[];
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------------------
// 1. Shape

type Shape = { str: number } | { bool: true } | { map: Record<string, Shape> } | { list: number; of: Shape };

const SHORT: Shape = { str: 64 };
const str = (n: number): Shape => ({ str: n });

const CASE_SHAPE: Shape = {
  map: {
    schema: SHORT,
    created_at: SHORT,
    created_by: SHORT,
    channel: SHORT,
    ticket: SHORT,
    person: {
      map: {
        given_name: str(100),
        family_name: str(100),
        fiscal_code: SHORT,
        birth_date: SHORT,
        sex: SHORT,
        citizenship: SHORT,
        languages: { list: 10, of: SHORT },
        phone: SHORT,
        email: str(254),
      },
    },
    needs: { list: 50, of: { map: { code: SHORT, note: str(2000) } } },
    summary: str(20_000),
    urgency: SHORT,
    consent: { map: { privacy_notice: { bool: true }, data_sharing: { bool: true }, recorded_at: SHORT } },
    referrals: {
      list: 50,
      of: {
        map: {
          id: SHORT,
          area: SHORT,
          reason: str(2000),
          status: SHORT,
          created_by: SHORT,
          created_at: SHORT,
          decided_by: SHORT,
          decided_at: SHORT,
          note: str(2000),
        },
      },
    },
    status: SHORT,
  },
};

function isMap(value: unknown): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shape(value: Json, expected: Shape, path: string, errors: RuleError[]): void {
  if (value === null) return;
  const at = path || "(root)";
  if ("str" in expected) {
    if (typeof value !== "string") errors.push({ path: at, code: "shape.type" });
    else if (charCount(value) > expected.str) errors.push({ path: at, code: "shape.too_long", params: { max: expected.str } });
  } else if ("bool" in expected) {
    if (typeof value !== "boolean") errors.push({ path: at, code: "shape.type" });
  } else if ("map" in expected) {
    if (!isMap(value)) {
      errors.push({ path: at, code: "shape.type" });
      return;
    }
    const unknown = Object.keys(value).filter(key => !(key in expected.map));
    if (unknown.length > 0) errors.push({ path: at, code: "shape.unknown_keys", params: { count: unknown.length } });
    for (const [key, inner] of Object.entries(expected.map)) {
      if (key in value) shape(value[key], inner, path ? `${path}.${key}` : key, errors);
    }
  } else {
    if (!Array.isArray(value)) {
      errors.push({ path: at, code: "shape.type" });
      return;
    }
    if (value.length > expected.list) errors.push({ path: at, code: "shape.too_many", params: { max: expected.list } });
    // As the Rust walk: the items past the bound are not looked at.
    value.slice(0, expected.list).forEach((item, i) => shape(item, expected.of, `${path}[${i}]`, errors));
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Hydration: the typed case

export interface PersonRecord {
  given_name: string;
  family_name: string;
  fiscal_code?: string;
  birth_date?: string;
  sex?: string;
  citizenship?: string;
  languages: string[];
  phone?: string;
  email?: string;
}

export interface ReferralRecord {
  id: string;
  area: string;
  reason: string;
  status: ReferralStatus;
  created_by: string;
  created_at: string;
  decided_by?: string;
  decided_at?: string;
  note?: string;
}

export interface CaseRecord {
  schema: string;
  created_at: string;
  created_by: string;
  channel: string;
  ticket?: string;
  person: PersonRecord;
  needs: { code: string; note: string }[];
  summary: string;
  urgency: string;
  consent: { privacy_notice: boolean; data_sharing: boolean; recorded_at?: string };
  referrals: ReferralRecord[];
  status: string;
}

class HydrateError extends Error {
  constructor(readonly path: string) {
    super(path);
  }
}

function required(map: JsonMap, key: string, path: string): string {
  const value = map[key];
  if (typeof value !== "string") throw new HydrateError(path);
  return value;
}

function optional(map: JsonMap, key: string, path: string): string | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HydrateError(path);
  return value;
}

function oneOf(value: string, allowed: readonly string[], path: string): string {
  if (!allowed.includes(value)) throw new HydrateError(path);
  return value;
}

function userId(value: string, path: string): string {
  if (!isUserId(value)) throw new HydrateError(path);
  return value;
}

function code(value: string, path: string): string {
  if (!isCatalogueCode(value)) throw new HydrateError(path);
  return value;
}

function list(map: JsonMap, key: string, path: string): Json[] {
  const value = map[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new HydrateError(path);
  return value;
}

function record(value: Json | undefined, path: string): JsonMap {
  if (!isMap(value)) throw new HydrateError(path);
  return value;
}

function flag(map: JsonMap, key: string, path: string): boolean {
  const value = map[key];
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new HydrateError(path);
  return value;
}

const REFERRAL_STATUSES = ["proposed", "accepted", "rejected", "closed", "cancelled"] as const;

/** The typed case, or the path hydration fails at. */
export function hydrateCase(doc: Json): CaseRecord {
  const root = record(doc, "(root)");
  const p = record(root.person, "person");
  const person: PersonRecord = {
    given_name: required(p, "given_name", "person.given_name"),
    family_name: required(p, "family_name", "person.family_name"),
    fiscal_code: optional(p, "fiscal_code", "person.fiscal_code"),
    birth_date: optional(p, "birth_date", "person.birth_date"),
    sex: (() => {
      const sex = optional(p, "sex", "person.sex");
      return sex === undefined ? undefined : oneOf(sex, ["female", "male"], "person.sex");
    })(),
    citizenship: optional(p, "citizenship", "person.citizenship"),
    languages: list(p, "languages", "person.languages").map((l, i) => {
      if (typeof l !== "string") throw new HydrateError(`person.languages[${i}]`);
      return l;
    }),
    phone: optional(p, "phone", "person.phone"),
    email: optional(p, "email", "person.email"),
  };
  const c = record(root.consent, "consent");
  return {
    schema: required(root, "schema", "schema"),
    created_at: required(root, "created_at", "created_at"),
    created_by: userId(required(root, "created_by", "created_by"), "created_by"),
    channel: oneOf(required(root, "channel", "channel"), ["desk", "phone", "email"], "channel"),
    ticket: optional(root, "ticket", "ticket"),
    person,
    needs: list(root, "needs", "needs").map((item, i) => {
      const n = record(item, `needs[${i}]`);
      return {
        code: code(required(n, "code", `needs[${i}].code`), `needs[${i}].code`),
        note: optional(n, "note", `needs[${i}].note`) ?? "",
      };
    }),
    summary: optional(root, "summary", "summary") ?? "",
    urgency: oneOf(required(root, "urgency", "urgency"), ["low", "normal", "high"], "urgency"),
    consent: {
      privacy_notice: flag(c, "privacy_notice", "consent.privacy_notice"),
      data_sharing: flag(c, "data_sharing", "consent.data_sharing"),
      recorded_at: optional(c, "recorded_at", "consent.recorded_at"),
    },
    referrals: list(root, "referrals", "referrals").map((item, i) => {
      const r = record(item, `referrals[${i}]`);
      const at = (k: string) => `referrals[${i}].${k}`;
      const decidedBy = optional(r, "decided_by", at("decided_by"));
      return {
        id: required(r, "id", at("id")),
        area: code(required(r, "area", at("area")), at("area")),
        reason: optional(r, "reason", at("reason")) ?? "",
        status: oneOf(required(r, "status", at("status")), REFERRAL_STATUSES, at("status")) as ReferralStatus,
        created_by: userId(required(r, "created_by", at("created_by")), at("created_by")),
        created_at: required(r, "created_at", at("created_at")),
        decided_by: decidedBy === undefined ? undefined : userId(decidedBy, at("decided_by")),
        decided_at: optional(r, "decided_at", at("decided_at")),
        note: optional(r, "note", at("note")),
      };
    }),
    status: oneOf(required(root, "status", "status"), ["open", "referred", "closed"], "status"),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Validation (`validate::case`)

/** An optional string that holds something. */
const filled = (value: string | undefined): string | undefined => (value ? value : undefined);

function line(errors: RuleError[], path: string, value: string, max: number): void {
  if (charCount(value) > max) errors.push({ path, code: "too_long", params: { max } });
  if ([...value].some(isControl)) errors.push({ path, code: "control_characters" });
}

function text(errors: RuleError[], path: string, value: string, max: number): void {
  if (charCount(value) > max) errors.push({ path, code: "too_long", params: { max } });
  if ([...value].some(c => isControl(c) && c !== "\n" && c !== "\r" && c !== "\t")) {
    errors.push({ path, code: "control_characters" });
  }
}

function timestamp(errors: RuleError[], path: string, raw: string): void {
  const parsed = parseTimestamp(raw);
  if (!parsed.ok) errors.push({ path, code: parsed.error });
}

function recordsMoreThanNames(doc: CaseRecord): boolean {
  const p = doc.person;
  return (
    [p.fiscal_code, p.birth_date, p.citizenship, p.phone, p.email].some(v => filled(v) !== undefined) ||
    p.sex !== undefined ||
    p.languages.length > 0 ||
    doc.needs.length > 0 ||
    doc.summary.trim() !== "" ||
    doc.referrals.length > 0
  );
}

/** `validate::case`: a typed case against the catalogue; `today` (`YYYY-MM-DD`) bounds birth dates. */
export function validateCase(doc: CaseRecord, catalogue: CatalogueRules, today: string): RuleError[] {
  const errors: RuleError[] = [];
  if (doc.schema !== "sportello/case@1") errors.push({ path: "schema", code: "schema" });
  timestamp(errors, "created_at", doc.created_at);
  const ticket = filled(doc.ticket);
  if (ticket !== undefined && !isTicket(ticket)) errors.push({ path: "ticket", code: "ticket" });
  person(errors, doc.person, today);

  if (doc.needs.length > 50) errors.push({ path: "needs", code: "too_many", params: { max: 50 } });
  const seenNeeds = new Set<string>();
  doc.needs.forEach((need, i) => {
    if (!catalogue.needs.some(n => n.code === need.code)) errors.push({ path: `needs[${i}].code`, code: "not_in_catalogue" });
    if (seenNeeds.has(need.code)) errors.push({ path: `needs[${i}].code`, code: "duplicate" });
    seenNeeds.add(need.code);
    text(errors, `needs[${i}].note`, need.note, 2000);
  });
  text(errors, "summary", doc.summary, 20_000);

  const consent = doc.consent;
  const recordedAt = filled(consent.recorded_at);
  if (recordedAt !== undefined) timestamp(errors, "consent.recorded_at", recordedAt);
  else if (consent.privacy_notice || consent.data_sharing) errors.push({ path: "consent.recorded_at", code: "consent.recorded_at_required" });
  if (consent.data_sharing && !consent.privacy_notice) errors.push({ path: "consent.data_sharing", code: "consent.needs_privacy_notice" });
  if (!consent.privacy_notice && recordsMoreThanNames(doc)) errors.push({ path: "consent.privacy_notice", code: "consent.privacy_notice_first" });

  if (doc.referrals.length > 50) errors.push({ path: "referrals", code: "too_many", params: { max: 50 } });
  const seenIds = new Set<string>();
  doc.referrals.forEach((referral, i) => {
    const at = (field: string) => `referrals[${i}].${field}`;
    if (!isItemId(referral.id)) errors.push({ path: at("id"), code: "item_id" });
    if (seenIds.has(referral.id)) errors.push({ path: at("id"), code: "duplicate" });
    seenIds.add(referral.id);
    if (!catalogue.areas.some(a => a.code === referral.area)) errors.push({ path: at("area"), code: "not_in_catalogue" });
    text(errors, at("reason"), referral.reason, 2000);
    timestamp(errors, at("created_at"), referral.created_at);
    const decidedAt = filled(referral.decided_at);
    if (referral.status === "proposed") {
      if (referral.decided_by !== undefined) errors.push({ path: at("decided_by"), code: "referral.empty_while_proposed" });
      if (decidedAt !== undefined) errors.push({ path: at("decided_at"), code: "referral.empty_while_proposed" });
    } else {
      if (referral.decided_by === undefined) errors.push({ path: at("decided_by"), code: "referral.required_once_decided" });
      if (decidedAt !== undefined) timestamp(errors, at("decided_at"), decidedAt);
      else errors.push({ path: at("decided_at"), code: "referral.required_once_decided" });
    }
    if (referral.note !== undefined) text(errors, at("note"), referral.note, 2000);
  });
  return errors;
}

function person(errors: RuleError[], p: PersonRecord, today: string): void {
  line(errors, "person.given_name", p.given_name, 100);
  line(errors, "person.family_name", p.family_name, 100);
  const fiscal = filled(p.fiscal_code);
  if (fiscal !== undefined) {
    const parsed = parseFiscalCode(fiscal);
    if (!parsed.ok) errors.push({ path: "person.fiscal_code", code: `fiscal_code.${parsed.error.kind}` });
    else if (parsed.value.code !== fiscal) errors.push({ path: "person.fiscal_code", code: "not_normalised" });
  }
  const birth = filled(p.birth_date);
  if (birth !== undefined) {
    const parsed = parseBirthDate(birth, today);
    if (!parsed.ok) errors.push({ path: "person.birth_date", code: parsed.error });
  }
  const citizenship = filled(p.citizenship);
  if (citizenship !== undefined && !isCitizenship(citizenship)) errors.push({ path: "person.citizenship", code: "citizenship" });
  if (p.languages.length > 10) errors.push({ path: "person.languages", code: "too_many", params: { max: 10 } });
  const seen = new Set<string>();
  p.languages.forEach((language, i) => {
    if (!isLanguage(language)) errors.push({ path: `person.languages[${i}]`, code: "language" });
    if (seen.has(language)) errors.push({ path: `person.languages[${i}]`, code: "duplicate" });
    seen.add(language);
  });
  const phone = filled(p.phone);
  if (phone !== undefined) {
    const parsed = parsePhone(phone);
    if (!parsed.ok) errors.push({ path: "person.phone", code: parsed.error });
    else if (parsed.value !== phone) errors.push({ path: "person.phone", code: "not_normalised" });
  }
  const email = filled(p.email);
  if (email !== undefined) {
    const parsed = parseEmail(email);
    if (!parsed.ok) errors.push({ path: "person.email", code: parsed.error });
    else if (parsed.value !== email) errors.push({ path: "person.email", code: "not_normalised" });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Between versions (`validate::case_change`)

export function validateCaseChange(
  old: CaseRecord | undefined,
  next: CaseRecord,
  actor: Actor,
  catalogue: CatalogueRules,
): RuleError[] {
  const errors: RuleError[] = [];
  if (old) {
    if (next.created_by.toLowerCase() !== old.created_by.toLowerCase()) errors.push({ path: "created_by", code: "cannot_change" });
    if (next.created_at !== old.created_at) errors.push({ path: "created_at", code: "cannot_change" });
    for (const removed of old.referrals) {
      if (!next.referrals.some(r => r.id === removed.id)) errors.push({ path: "referrals", code: "referral.removed" });
    }
  } else if (!sameUser(next.created_by, actor.userId)) {
    errors.push({ path: "created_by", code: "must_be_actor" });
  }
  next.referrals.forEach((referral, i) => {
    const at = (field: string) => `referrals[${i}].${field}`;
    const previous = old?.referrals.find(r => r.id === referral.id);
    if (previous) {
      if (referral.area !== previous.area) errors.push({ path: at("area"), code: "cannot_change" });
      if (!sameUser(referral.created_by, previous.created_by)) errors.push({ path: at("created_by"), code: "cannot_change" });
      if (referral.created_at !== previous.created_at) errors.push({ path: at("created_at"), code: "cannot_change" });
      if (previous.status === referral.status) {
        if (!sameUser(referral.decided_by, previous.decided_by)) errors.push({ path: at("decided_by"), code: "referral.decision_fixed" });
        if (filled(referral.decided_at) !== filled(previous.decided_at)) errors.push({ path: at("decided_at"), code: "referral.decision_fixed" });
        return;
      }
    } else if (!sameUser(referral.created_by, actor.userId)) {
      errors.push({ path: at("created_by"), code: "must_be_actor" });
    }
    const area = catalogue.areas.find(a => a.code === referral.area);
    const refusal = referralTransition(previous?.status, referral.status, actor, referral.area, area?.hasStaff ?? true);
    if (refusal) errors.push({ path: at("status"), code: `transition.${refusal}` });
    if (referral.status !== "proposed" && !sameUser(referral.decided_by, actor.userId)) {
      errors.push({ path: at("decided_by"), code: "must_be_actor" });
    }
  });
  return errors;
}

/** User ids compare as UUIDs (case-insensitive hex). */
function sameUser(a: string | undefined, b: string | undefined): boolean {
  return (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------
// All stages

/** The server's verdict on `next` (plain data), written by `actor`, with `old` its stored version. */
export function checkCase(
  next: Json,
  options: { old?: Json; actor: Actor; catalogue: CatalogueRules; today: string },
): Verdict {
  const shapeErrors: RuleError[] = [];
  shape(next, CASE_SHAPE, "", shapeErrors);
  if (shapeErrors.length > 0) return { stage: "shape", errors: shapeErrors };
  let typed: CaseRecord;
  try {
    typed = hydrateCase(next);
  } catch (error) {
    if (error instanceof HydrateError) return { stage: "hydrate", errors: [{ path: error.path, code: "hydrate" }] };
    throw error;
  }
  const errors = validateCase(typed, options.catalogue, options.today);
  if (errors.length > 0) return { stage: "invalid", errors };
  // The stored version passed these checks when it was accepted; only its typed form is needed.
  const old = options.old === undefined ? undefined : hydrateCase(options.old);
  const changeErrors = validateCaseChange(old, typed, options.actor, options.catalogue);
  return changeErrors.length > 0 ? { stage: "invalid", errors: changeErrors } : { stage: "ok", errors: [] };
}
