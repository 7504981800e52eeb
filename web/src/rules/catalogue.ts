// The default catalogue of service areas and needs (`schema/src/catalogue.rs`, DESIGN.md §3), mirrored
// for the forms. The shared corpus carries the Rust catalogue, and a test checks that both agree
// (rules/corpus.test.ts). The catalogue in force travels in the `directory` document;
// `catalogueFromDirectory` reads it, and the forms offer only active codes.

import type { CatalogueRules } from "./case-rules";

export interface AreaEntry {
  code: string;
  labelIt: string;
  hasStaff: boolean;
  active: boolean;
}

export interface NeedEntry {
  code: string;
  labelIt: string;
  active: boolean;
}

export interface Catalogue {
  areas: AreaEntry[];
  needs: NeedEntry[];
}

const area = (code: string, labelIt: string, hasStaff = true): AreaEntry => ({ code, labelIt, hasStaff, active: true });
const need = (code: string, labelIt: string): NeedEntry => ({ code, labelIt, active: true });

export const DEFAULT_CATALOGUE: Catalogue = {
  areas: [
    area("minors_families", "Minori e famiglie"),
    area("elderly", "Anziani"),
    area("disability", "Disabilità"),
    area("adults_inclusion", "Adulti e inclusione sociale"),
    area("housing", "Casa e politiche abitative"),
    area("migrants", "Sportello Migranti e Interculturalità"),
    area("services_company", "Azienda speciale dei servizi alla persona"),
    area("territorial_network", "Rete territoriale (ATS/ASST, consultorio, centro per l'impiego, terzo settore)", false),
  ],
  needs: [
    need("economic", "Difficoltà economiche"),
    need("housing", "Casa e abitazione"),
    need("employment", "Lavoro e occupazione"),
    need("family_minors", "Famiglia e minori"),
    need("elderly_care", "Assistenza agli anziani"),
    need("disability", "Disabilità"),
    need("health", "Salute"),
    need("migration_documents", "Migrazione e documenti"),
    need("language", "Lingua e mediazione linguistica"),
    need("violence_abuse", "Violenza e maltrattamento"),
    need("addiction", "Dipendenze"),
    need("legal", "Questioni legali"),
    need("other", "Altro"),
  ],
};

function str(value: unknown): string {
  if (typeof value === "string") return value;
  const inner = (value as { val?: unknown } | null)?.val;
  return typeof inner === "string" ? inner : "";
}

/** The catalogue a `directory` document carries, or undefined when it holds none. */
export function catalogueFromDirectory(doc: unknown): Catalogue | undefined {
  const d = doc as { areas?: unknown; needs?: unknown } | undefined;
  if (!d || !Array.isArray(d.areas) || !Array.isArray(d.needs)) return undefined;
  const areas = (d.areas as Record<string, unknown>[]).map(a => ({
    code: str(a.code),
    labelIt: str(a.label_it),
    hasStaff: a.has_staff === true,
    active: a.active !== false,
  }));
  const needs = (d.needs as Record<string, unknown>[]).map(n => ({ code: str(n.code), labelIt: str(n.label_it), active: n.active !== false }));
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
