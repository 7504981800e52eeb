// The catalogue of service areas and needs. The defaults mirror `schema/src/catalogue.rs` (DESIGN.md §3);
// the shared corpus carries the Rust catalogue, and a test checks that both agree (rules/corpus.test.ts).
// The catalogue in force travels in the `directory` document, which admins edit on the server
// (docs/api.md §3.11): `catalogueFromDirectory` reads it, `model/catalogue-in-force.ts` follows it, and the
// forms offer only active codes. The defaults are used only until the directory has arrived.
//
// Validation (`rulesOf`) takes every code, active or not: a deactivated code stays valid in old and new
// cases alike (docs/documents.md, "Inactive codes"), as on the server.

import type { CatalogueRules } from "./case-rules";

export interface AreaEntry {
  code: string;
  labelIt: string;
  /** English label, when the directory has one. */
  labelEn?: string;
  hasStaff: boolean;
  active: boolean;
}

export interface NeedEntry {
  code: string;
  labelIt: string;
  labelEn?: string;
  active: boolean;
}

export interface Catalogue {
  areas: AreaEntry[];
  needs: NeedEntry[];
}

const area = (code: string, labelIt: string, labelEn: string, hasStaff = true): AreaEntry => ({
  code,
  labelIt,
  labelEn,
  hasStaff,
  active: true,
});
const need = (code: string, labelIt: string, labelEn: string): NeedEntry => ({ code, labelIt, labelEn, active: true });

export const DEFAULT_CATALOGUE: Catalogue = {
  areas: [
    area("minors_families", "Minori e famiglie", "Minors and families"),
    area("elderly", "Anziani", "Older people"),
    area("disability", "Disabilità", "Disability"),
    area("adults_inclusion", "Adulti e inclusione sociale", "Adults and social inclusion"),
    area("housing", "Casa e politiche abitative", "Housing and housing policy"),
    area("migrants", "Sportello Migranti e Interculturalità", "Migrants and Intercultural Desk"),
    area("services_company", "Azienda speciale dei servizi alla persona", "Municipal personal services company"),
    area(
      "territorial_network",
      "Rete territoriale (ATS/ASST, consultorio, centro per l'impiego, terzo settore)",
      "Local network (health agency, family clinic, job centre, third sector)",
      false,
    ),
  ],
  needs: [
    need("economic", "Difficoltà economiche", "Financial hardship"),
    need("housing", "Casa e abitazione", "Housing"),
    need("employment", "Lavoro e occupazione", "Work and employment"),
    need("family_minors", "Famiglia e minori", "Family and children"),
    need("elderly_care", "Assistenza agli anziani", "Care of older people"),
    need("disability", "Disabilità", "Disability"),
    need("health", "Salute", "Health"),
    need("migration_documents", "Migrazione e documenti", "Migration and documents"),
    need("language", "Lingua e mediazione linguistica", "Language and interpreting"),
    need("violence_abuse", "Violenza e maltrattamento", "Violence and abuse"),
    need("addiction", "Dipendenze", "Addiction"),
    need("legal", "Questioni legali", "Legal matters"),
    need("other", "Altro", "Other"),
  ],
};

function str(value: unknown): string {
  if (typeof value === "string") return value;
  const inner = (value as { val?: unknown } | null)?.val;
  return typeof inner === "string" ? inner : "";
}

/** An optional label: a string (or Text) that is not blank, else undefined. */
function optional(value: unknown): string | undefined {
  const text = str(value).trim();
  return text ? text : undefined;
}

/** The catalogue a `directory` document carries, or undefined when it holds none. */
export function catalogueFromDirectory(doc: unknown): Catalogue | undefined {
  const d = doc as { areas?: unknown; needs?: unknown } | undefined;
  if (!d || !Array.isArray(d.areas) || !Array.isArray(d.needs)) return undefined;
  const areas = (d.areas as Record<string, unknown>[])
    .map(a => ({
      code: str(a?.code),
      labelIt: str(a?.label_it),
      labelEn: optional(a?.label_en),
      hasStaff: a?.has_staff === true,
      active: a?.active !== false,
    }))
    .filter(a => a.code);
  const needs = (d.needs as Record<string, unknown>[])
    .map(n => ({ code: str(n?.code), labelIt: str(n?.label_it), labelEn: optional(n?.label_en), active: n?.active !== false }))
    .filter(n => n.code);
  if (areas.length === 0 && needs.length === 0) return undefined;
  return { areas, needs };
}

/** What validation needs of a catalogue: every code, active or not. */
export function rulesOf(catalogue: Catalogue): CatalogueRules {
  return {
    areas: catalogue.areas.map(a => ({ code: a.code, hasStaff: a.hasStaff })),
    needs: catalogue.needs.map(n => ({ code: n.code })),
  };
}

/** An entry's label in `language`: English when asked for and given, Italian otherwise. */
export function labelIn(entry: { labelIt: string; labelEn?: string }, language: string): string {
  return (language === "en" && entry.labelEn) || entry.labelIt;
}

/** The label of a need code in `language`; the code itself when the catalogue does not know it. */
export function needLabel(catalogue: Catalogue, code: string, language: string): string {
  const entry = catalogue.needs.find(n => n.code === code);
  return entry ? labelIn(entry, language) : code;
}

/** The label of an area code in `language`; the code itself when the catalogue does not know it. */
export function areaLabel(catalogue: Catalogue, code: string, language: string): string {
  const entry = catalogue.areas.find(a => a.code === code);
  return entry ? labelIn(entry, language) : code;
}

/** Whether two catalogues say the same (so that an unrelated change of the directory re-renders nothing). */
export function sameCatalogue(a: Catalogue, b: Catalogue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
