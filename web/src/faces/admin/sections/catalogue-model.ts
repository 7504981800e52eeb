// The catalogue section's pure part: the server's shapes (docs/api.md §3.11), the checks a draft gets before
// it is sent (the same rules as the server's, so a refusal is rare), and where a server error belongs.
// No DOM; tested in catalogue-model.test.ts.
import type { CatalogueMessageKey } from "./catalogue-messages";

export type Kind = "areas" | "needs";

export interface CatalogueEntry {
  code: string;
  label_it: string;
  label_en: string | null;
  active: boolean;
  /** Areas only. */
  has_staff?: boolean;
}

export interface CatalogueView {
  areas: CatalogueEntry[];
  needs: CatalogueEntry[];
  updated_at: string;
}

/** What the admin types in a row being edited or added. */
export interface Draft {
  code: string;
  labelIt: string;
  labelEn: string;
  hasStaff: boolean;
  active: boolean;
}

export type Field = "code" | "label_it" | "label_en";
export type FieldErrors = Partial<Record<Field | "form", CatalogueMessageKey | string>>;

export const LABEL_MAX_CHARS = 200;
export const CODE_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

export function draftOf(entry: CatalogueEntry): Draft {
  return {
    code: entry.code,
    labelIt: entry.label_it,
    labelEn: entry.label_en ?? "",
    hasStaff: entry.has_staff ?? true,
    active: entry.active,
  };
}

export function emptyDraft(): Draft {
  return { code: "", labelIt: "", labelEn: "", hasStaff: true, active: true };
}

// Control characters (Unicode Cc), as the server's `char::is_control` refuses them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function labelError(raw: string, optional: boolean): CatalogueMessageKey | undefined {
  const label = raw.trim();
  if (!label) return optional ? undefined : "error.required";
  if ([...label].length > LABEL_MAX_CHARS) return "error.tooLong";
  if (CONTROL.test(label)) return "error.oneLine";
  return undefined;
}

/** The problems of a draft, per field (none: it may be sent). `known` are the codes already listed. */
export function checkDraft(draft: Draft, creating: boolean, known: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  if (creating) {
    if (!CODE_PATTERN.test(draft.code.trim())) errors.code = "error.code";
    else if (known.includes(draft.code.trim())) errors.code = "error.codeTaken";
  }
  const it = labelError(draft.labelIt, false);
  if (it) errors.label_it = it;
  const en = labelError(draft.labelEn, true);
  if (en) errors.label_en = en;
  return errors;
}

/** The body of `PUT /api/v1/admin/catalogue/{kind}/{code}`. */
export function bodyOf(kind: Kind, draft: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    label_it: draft.labelIt.trim(),
    label_en: draft.labelEn.trim() || null,
    active: draft.active,
  };
  if (kind === "areas") body.has_staff = draft.hasStaff;
  return body;
}

/** Where a refusal belongs: `validation_failed` messages start with the field they are about. */
export function fieldOfError(code: string, message: string): Field | "form" {
  if (code === "validation_failed" || code === "invalid_request") {
    for (const field of ["label_it", "label_en", "code"] as const) {
      if (message.startsWith(field) || message.includes(`\`${field}\``) || message.includes(` ${field} `)) return field;
    }
    if (code === "invalid_request" && /invalid code/.test(message)) return "code";
  }
  return "form";
}

/** The catalogue with `entry` put in place (replaced where its code is, else appended), as the server does. */
export function withEntry(view: CatalogueView, kind: Kind, entry: CatalogueEntry): CatalogueView {
  const list = view[kind];
  const at = list.findIndex(e => e.code === entry.code);
  const next = at >= 0 ? list.map((e, i) => (i === at ? entry : e)) : [...list, entry];
  return { ...view, [kind]: next };
}
