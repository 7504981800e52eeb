// Typed readers and writers of the case document (`sportello/case@1`, docs/documents.md): the one place
// the app touches case documents. Plain module (no DOM, no sync): the screens call it with a DocHandle or
// an Automerge document, and its tests run it on plain Automerge documents.
//
// Writing follows the contract: codes, enums, ids, timestamps, names, contacts and the ticket are scalar
// strings (`ImmutableString`: concurrent edits resolve to one value, which `conflictsAt` can show);
// free text (`summary`, need notes, referral reasons and notes) is a collaborative Text, updated by
// splicing the difference (`updateText`), never by replacing the object. Reading accepts both forms.
//
// Every change goes through `commitEdit`: the edit is applied to a plain copy first and checked with the
// server's rules (`rules/case-rules.ts`); only a change that passes is committed to the document, because
// a change the server refuses would stay in the document's history for ever.

import * as A from "@automerge/automerge/slim";
import type { DocHandle, Repo } from "@automerge/automerge-repo/slim";
import { checkCase, type CatalogueRules, type Json, type Verdict } from "../rules/case-rules";
import type { Actor, ReferralStatus } from "../rules/transitions";

export const CASE_SCHEMA = "sportello/case@1";

/** The raw document as Automerge hands it back (strings as string or ImmutableString). */
export type CaseDocument = Record<string, unknown>;

export type Channel = "desk" | "phone" | "email";
export type Urgency = "low" | "normal" | "high";
export type CaseStatus = "open" | "referred" | "closed";
export type PersonField = "given_name" | "family_name" | "fiscal_code" | "birth_date" | "citizenship" | "phone" | "email";

export interface Referral {
  id: string;
  area: string;
  reason: string;
  status: ReferralStatus;
  createdBy: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
}

export interface CaseView {
  schema: string;
  createdAt: string;
  createdBy: string;
  channel: Channel;
  ticket: string;
  person: {
    given_name: string;
    family_name: string;
    fiscal_code: string;
    birth_date: string;
    sex: "" | "female" | "male";
    citizenship: string;
    languages: string[];
    phone: string;
    email: string;
  };
  needs: { code: string; note: string }[];
  summary: string;
  urgency: Urgency;
  consent: { privacyNotice: boolean; dataSharing: boolean; recordedAt: string };
  referrals: Referral[];
  status: CaseStatus;
}

/** A string however Automerge hands it back (Text as string, scalar as ImmutableString), or "". */
export function str(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const inner = (value as { val?: unknown }).val;
    if (typeof inner === "string") return inner;
  }
  return "";
}

function isImmutable(value: unknown): boolean {
  return !!value && typeof value === "object" && typeof (value as { val?: unknown }).val === "string" && !Array.isArray(value);
}

/** The document as plain data (every string a string), as the rules read it. */
export function toPlain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (isImmutable(value)) return str(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (inner !== undefined) out[key] = toPlain(inner);
    }
    return out;
  }
  return null;
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const optional = (value: unknown): string | undefined => (str(value) === "" ? undefined : str(value));

/** Reads a case leniently (whatever the document holds, a view with defaults). */
export function readCase(doc: unknown): CaseView {
  const root = record(doc);
  const p = record(root.person);
  const c = record(root.consent);
  const sex = str(p.sex);
  return {
    schema: str(root.schema),
    createdAt: str(root.created_at),
    createdBy: str(root.created_by),
    channel: (str(root.channel) || "desk") as Channel,
    ticket: str(root.ticket),
    person: {
      given_name: str(p.given_name),
      family_name: str(p.family_name),
      fiscal_code: str(p.fiscal_code),
      birth_date: str(p.birth_date),
      sex: sex === "female" || sex === "male" ? sex : "",
      citizenship: str(p.citizenship),
      languages: array(p.languages).map(str),
      phone: str(p.phone),
      email: str(p.email),
    },
    needs: array(root.needs).map(n => ({ code: str(record(n).code), note: str(record(n).note) })),
    summary: str(root.summary),
    urgency: (str(root.urgency) || "normal") as Urgency,
    consent: { privacyNotice: c.privacy_notice === true, dataSharing: c.data_sharing === true, recordedAt: str(c.recorded_at) },
    referrals: array(root.referrals).map(item => {
      const r = record(item);
      return {
        id: str(r.id),
        area: str(r.area),
        reason: str(r.reason),
        status: str(r.status) as ReferralStatus,
        createdBy: str(r.created_by),
        createdAt: str(r.created_at),
        decidedBy: optional(r.decided_by),
        decidedAt: optional(r.decided_at),
        note: r.note === undefined || r.note === null ? undefined : str(r.note),
      };
    }),
    status: (str(root.status) || "open") as CaseStatus,
  };
}

/** The title the server gives a case in the index: family name, then given name. */
export function caseTitle(view: Pick<CaseView, "person">): string {
  return `${view.person.family_name.trim()} ${view.person.given_name.trim()}`.trim();
}

// ---------------------------------------------------------------------------------------------------------
// Creating

export interface NewCase {
  userId: string;
  /** RFC 3339 UTC (`toISOString()`). */
  now: string;
  channel: Channel;
  /** The queue ticket the intake started from, if any (e.g. `A023`). */
  ticket?: string;
  /** The privacy notice was given (recorded now). */
  privacyNotice: boolean;
}

/** The first version of a case, as `repo.create` takes it: scalar strings for everything but free text. */
export function initialCase(init: NewCase): CaseDocument {
  const s = (value: string) => new A.ImmutableString(value);
  const doc: CaseDocument = {
    schema: s(CASE_SCHEMA),
    created_at: s(init.now),
    created_by: s(init.userId),
    channel: s(init.channel),
    person: { given_name: s(""), family_name: s(""), languages: [] },
    needs: [],
    summary: "",
    urgency: s("normal"),
    consent: init.privacyNotice
      ? { privacy_notice: true, data_sharing: false, recorded_at: s(init.now) }
      : { privacy_notice: false, data_sharing: false },
    referrals: [],
    status: s("open"),
  };
  if (init.ticket) doc.ticket = s(init.ticket);
  return doc;
}

/** Creates a new case in the app's Repo (the server learns of it at the next sync). */
export function createCase(repo: Repo, init: NewCase): DocHandle<CaseDocument> {
  return repo.create<CaseDocument>(initialCase(init));
}

// ---------------------------------------------------------------------------------------------------------
// Editing

export type CaseEdit =
  | { kind: "person"; field: PersonField; value: string }
  | { kind: "sex"; value: "" | "female" | "male" }
  | { kind: "languages"; value: string[] }
  | { kind: "ticket"; value: string }
  | { kind: "channel"; value: Channel }
  | { kind: "summary"; value: string }
  | { kind: "urgency"; value: Urgency }
  | { kind: "consent"; privacyNotice: boolean; dataSharing: boolean; now: string }
  | { kind: "need"; code: string; on: boolean }
  | { kind: "need_note"; code: string; value: string }
  | { kind: "add_referral"; id: string; area: string; reason: string; userId: string; now: string }
  | { kind: "referral_reason"; id: string; value: string }
  | { kind: "referral_status"; id: string; status: ReferralStatus; userId: string; now: string; note?: string }
  | { kind: "case_status"; value: CaseStatus };

type Path = (string | number)[];

/** How values are written: into an Automerge document (inside a change) or into a plain copy. */
interface Writer {
  scalar(value: string): unknown;
  text(root: Record<string, unknown>, path: Path, value: string): void;
}

function parentOf(root: Record<string, unknown>, path: Path): Record<string | number, unknown> {
  let node: unknown = root;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[step];
  return node as Record<string | number, unknown>;
}

const automergeWriter: Writer = {
  scalar: value => new A.ImmutableString(value),
  text(root, path, value) {
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    // A Text reads as a string inside a change: splice the difference into it. Anything else (absent,
    // a scalar another client wrote) becomes a new Text.
    if (typeof parent[key] === "string") A.updateText(root as A.Doc<unknown>, path, value);
    else parent[key] = value;
  },
};

const plainWriter: Writer = {
  scalar: value => value,
  text(root, path, value) {
    parentOf(root, path)[path[path.length - 1]] = value;
  },
};

function ensureList(parent: Record<string, unknown>, key: string): unknown[] {
  if (!Array.isArray(parent[key])) parent[key] = [];
  return parent[key] as unknown[];
}

/** Applies `edit` to `root` (a mutable document). */
function apply(root: Record<string, unknown>, edit: CaseEdit, w: Writer): void {
  const person = root.person as Record<string, unknown>;
  switch (edit.kind) {
    case "person":
      if (edit.value === "" && edit.field !== "given_name" && edit.field !== "family_name") delete person[edit.field];
      else person[edit.field] = w.scalar(edit.value);
      return;
    case "sex":
      if (edit.value === "") delete person.sex;
      else person.sex = w.scalar(edit.value);
      return;
    case "languages": {
      const list = ensureList(person, "languages");
      list.splice(0, list.length, ...edit.value.map(l => w.scalar(l)));
      return;
    }
    case "ticket":
      if (edit.value === "") delete root.ticket;
      else root.ticket = w.scalar(edit.value);
      return;
    case "channel":
      root.channel = w.scalar(edit.value);
      return;
    case "summary":
      w.text(root, ["summary"], edit.value);
      return;
    case "urgency":
      root.urgency = w.scalar(edit.value);
      return;
    case "case_status":
      root.status = w.scalar(edit.value);
      return;
    case "consent": {
      const consent = root.consent as Record<string, unknown>;
      consent.privacy_notice = edit.privacyNotice;
      consent.data_sharing = edit.dataSharing;
      if (edit.privacyNotice || edit.dataSharing) consent.recorded_at = w.scalar(edit.now);
      else delete consent.recorded_at;
      return;
    }
    case "need": {
      const needs = ensureList(root, "needs");
      const at = needs.findIndex(n => str((n as Record<string, unknown>).code) === edit.code);
      if (edit.on && at < 0) needs.push({ code: w.scalar(edit.code), note: "" });
      if (!edit.on && at >= 0) needs.splice(at, 1);
      return;
    }
    case "need_note": {
      const needs = ensureList(root, "needs");
      const at = needs.findIndex(n => str((n as Record<string, unknown>).code) === edit.code);
      if (at >= 0) w.text(root, ["needs", at, "note"], edit.value);
      return;
    }
    case "add_referral": {
      ensureList(root, "referrals").push({
        id: w.scalar(edit.id),
        area: w.scalar(edit.area),
        reason: edit.reason,
        status: w.scalar("proposed"),
        created_by: w.scalar(edit.userId),
        created_at: w.scalar(edit.now),
      });
      if (str(root.status) === "open") root.status = w.scalar("referred");
      return;
    }
    case "referral_reason": {
      const at = ensureList(root, "referrals").findIndex(r => str((r as Record<string, unknown>).id) === edit.id);
      if (at >= 0) w.text(root, ["referrals", at, "reason"], edit.value);
      return;
    }
    case "referral_status": {
      const referrals = ensureList(root, "referrals");
      const at = referrals.findIndex(r => str((r as Record<string, unknown>).id) === edit.id);
      if (at < 0) return;
      const referral = referrals[at] as Record<string, unknown>;
      referral.status = w.scalar(edit.status);
      referral.decided_by = w.scalar(edit.userId);
      referral.decided_at = w.scalar(edit.now);
      if (edit.note !== undefined) w.text(root, ["referrals", at, "note"], edit.note);
      // A case whose every referral was cancelled is back at the desk.
      const statuses = referrals.map(r => str((r as Record<string, unknown>).status));
      if (str(root.status) === "referred" && statuses.every(s => s === "cancelled")) root.status = w.scalar("open");
      return;
    }
  }
}

export interface EditContext {
  actor: Actor;
  catalogue: CatalogueRules;
  /** `YYYY-MM-DD`, bounds birth dates. */
  today: string;
}

/** The server's verdict on `doc` after `edit`, without touching `doc`. */
export function checkEdit(doc: unknown, edit: CaseEdit, ctx: EditContext): Verdict {
  const old = toPlain(doc);
  const next = structuredClone(old) as Record<string, unknown>;
  apply(next, edit, plainWriter);
  return checkCase(next as Json, { old, actor: ctx.actor, catalogue: ctx.catalogue, today: ctx.today });
}

/** Applies `edit` inside an Automerge change callback (no check: use `commitEdit`). */
export function applyEdit(doc: unknown, edit: CaseEdit): void {
  apply(doc as Record<string, unknown>, edit, automergeWriter);
}

/** Something that holds a case and can change it: a DocHandle, or a test double. */
export interface CaseHolder {
  doc(): unknown;
  change(fn: (doc: CaseDocument) => void): void;
}

/** Checks `edit` with the server's rules and commits it only if it passes; returns the verdict. */
export function commitEdit(holder: CaseHolder, edit: CaseEdit, ctx: EditContext): Verdict {
  const verdict = checkEdit(holder.doc(), edit, ctx);
  if (verdict.stage === "ok") holder.change(doc => applyEdit(doc, edit));
  return verdict;
}

/** A new referral id (unique in the case; a UUID fits the item id rule). */
export function newReferralId(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------------------------------------------------
// Conflicts

export interface ConflictValue {
  value: string;
  /** The Automerge actor that wrote this value. */
  actor: string;
  /** Written on this tablet, in this session's copy of the document. */
  mine: boolean;
}

/** The scalar fields of a case where two people can write different values at once. */
export const CONFLICT_FIELDS: { path: [string] | [string, string] }[] = [
  ...(["given_name", "family_name", "fiscal_code", "birth_date", "sex", "citizenship", "phone", "email"] as const).map(
    field => ({ path: ["person", field] as [string, string] }),
  ),
  { path: ["urgency"] },
  { path: ["ticket"] },
];

/**
 * The values concurrently written at `path` (a scalar field), when there are two or more; undefined when
 * there is no conflict. Writing the field again (`commitEdit`) resolves it.
 */
export function conflictsAt(doc: unknown, path: string[]): ConflictValue[] | undefined {
  let parent: unknown = doc;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[step];
  if (!parent || typeof parent !== "object") return undefined;
  const conflicts = A.getConflicts(parent as A.Doc<unknown>, path[path.length - 1]);
  if (!conflicts) return undefined;
  const entries = Object.entries(conflicts);
  if (entries.length < 2) return undefined;
  const me = A.getActorId(doc as A.Doc<unknown>);
  return entries
    .map(([opId, value]) => {
      const actor = opId.slice(opId.indexOf("@") + 1);
      return { value: str(value), actor, mine: actor === me };
    })
    .sort((a, b) => Number(b.mine) - Number(a.mine) || a.actor.localeCompare(b.actor));
}
